"""Add person needs a role; the People list's names and e-mails may wrap at word boundaries."""

import pytest
from django.test import Client

from people.forms import PersonForm
from people.models import Organization, Person
from people.roles import Role
from people.services import save_person
from people.templatetags.display import bdi_email


@pytest.mark.django_db
def test_adding_a_person_without_a_role_is_refused(admin_client: Client, org: Organization) -> None:
    response = admin_client.post("/acme/people/new/", {"full_name": "Nia", "email": "nia@acme.test"})
    assert response.status_code == 200
    assert "Choose at least one role: without one this person has no pages here." in response.content.decode()
    assert not Person.objects.filter(email="nia@acme.test").exists()


@pytest.mark.django_db
def test_the_add_form_asks_for_a_role_and_ticks_none_by_itself(admin_client: Client) -> None:
    page = admin_client.get("/acme/people/new/").content.decode()
    assert "At least one." in page
    for role in ("administrator", "manager", "employee"):
        assert "checked" not in page.split(f'value="{role}"')[1].split(">")[0]


@pytest.mark.django_db
def test_a_link_naming_a_role_ticks_that_one(admin_client: Client) -> None:
    page = admin_client.get("/acme/people/new/?role=manager").content.decode()
    assert "checked" in page.split('value="manager"')[1].split(">")[0]
    assert "checked" not in page.split('value="employee"')[1].split(">")[0]


@pytest.mark.django_db
def test_an_edit_cannot_take_every_role_away(admin_client: Client, employee: Person) -> None:
    response = admin_client.post(
        f"/acme/people/{employee.pk}/edit/", {"full_name": employee.full_name, "email": employee.email}
    )
    assert response.status_code == 200
    employee.refresh_from_db()
    assert employee.roles == ["employee"]


def test_an_e_mail_may_wrap_before_its_at_and_after_its_dots_only() -> None:
    assert str(bdi_email("jo.smith@example.test")) == "<bdi>jo.<wbr>smith<wbr>@example.<wbr>test</bdi>"
    assert str(bdi_email("<b>@x")) == "<bdi>&lt;b&gt;<wbr>@x</bdi>"
    assert bdi_email("") == ""


@pytest.mark.django_db
def test_outside_the_page_a_person_given_no_role_is_an_employee(org: Organization) -> None:
    """The API's form: a script that names no role adds an Employee, never a person without a role."""
    form = PersonForm({"full_name": "Api Added", "email": "api@acme.test"}, organization=org)
    assert form.is_valid(), form.errors
    assert save_person(form).roles == [Role.EMPLOYEE]
