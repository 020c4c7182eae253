import pytest
from django.test import Client

from people.models import Organization, Person
from people.roles import Role
from tests.factories import MemberFactory, PersonFactory


def test_administrator_sees_people_list(admin_client: Client, admin: Person, employee: Person) -> None:
    response = admin_client.get("/acme/people/")
    assert response.status_code == 200
    assert "Eve Employee" in response.content.decode()
    # each name opens the person's page (planning.person_page): their projects, assignments and hours
    assert f'<a href="/acme/people/{employee.pk}/">' in response.content.decode()


def test_administrator_adds_a_person_with_roles(admin_client: Client, org: Organization) -> None:
    response = admin_client.post(
        "/acme/people/new/",
        {"full_name": "Sam Smith", "email": " sam@acme.test ", "roles": ["manager", "employee"]},
    )
    assert response.status_code == 302
    sam = Person.objects.get(organization=org, email="sam@acme.test")
    assert sam.roles == [Role.MANAGER, Role.EMPLOYEE]


def test_invalid_email_gives_a_form_error_and_saves_nothing(admin_client: Client, org: Organization) -> None:
    response = admin_client.post(
        "/acme/people/new/", {"full_name": "Sam", "email": "not-an-email", "roles": ["employee"]}
    )
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Person.objects.filter(full_name="Sam").exists()


def test_duplicate_email_ignoring_case_gives_a_clear_error(
    admin_client: Client, org: Organization, employee: Person
) -> None:
    response = admin_client.post(
        "/acme/people/new/", {"full_name": "Eve Two", "email": "EVE@acme.test", "roles": ["employee"]}
    )
    assert response.status_code == 200
    assert "A person with this e-mail already exists in this organization." in response.content.decode()
    assert Person.objects.filter(organization=org, email__iexact="eve@acme.test").count() == 1


def test_an_existing_login_with_that_email_is_never_attached_by_adding_a_person(
    admin_client: Client, org: Organization, other_org: Organization
) -> None:
    outsider = MemberFactory.create(organization=other_org, email="lee@globex.test")
    admin_client.post(
        "/acme/people/new/", {"full_name": "Lee", "email": "lee@globex.test", "roles": ["employee"]}
    )
    lee = Person.objects.get(organization=org, email="lee@globex.test")
    assert lee.user is None
    assert outsider.user is not None
    assert not outsider.user.people.filter(organization=org).exists()


def test_administrator_edits_a_person(admin_client: Client, employee: Person) -> None:
    response = admin_client.post(
        f"/acme/people/{employee.pk}/edit/",
        {"full_name": "Eve Renamed", "email": employee.email, "roles": ["employee"]},
    )
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.full_name == "Eve Renamed"


def test_another_organizations_person_is_not_found(admin_client: Client, other_org: Organization) -> None:
    stranger = PersonFactory.create(organization=other_org)
    assert admin_client.get(f"/acme/people/{stranger.pk}/edit/").status_code == 404
    response = admin_client.post(
        f"/acme/people/{stranger.pk}/edit/", {"full_name": "Hacked", "email": "x@y.test"}
    )
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.full_name != "Hacked"


@pytest.mark.parametrize("path", ["/acme/people/", "/acme/people/new/", "/acme/integrations/"])
def test_employee_cannot_reach_people_or_integration_pages(employee_client: Client, path: str) -> None:
    assert employee_client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/acme/integrations/"])
def test_manager_cannot_reach_administrator_pages(manager_client: Client, path: str) -> None:
    assert manager_client.get(path).status_code == 403


def test_manager_cannot_edit_people(manager_client: Client, employee: Person) -> None:
    assert manager_client.get(f"/acme/people/{employee.pk}/edit/").status_code == 403
