"""The founder holds every role a small company needs, and a page that needs a role she lacks says who grants it,
or lets an Administrator take it herself."""

from collections.abc import Callable

import pytest
from django.test import Client

from conftest import signed_in
from people.models import Organization, Person
from people.roles import Role
from people.signup import FOUNDER_ROLES
from people.tenancy import ACTIVE_ROLE_SESSION_KEY


def test_the_founder_is_administrator_and_manager() -> None:
    assert set(FOUNDER_ROLES) == {Role.ADMINISTRATOR, Role.MANAGER}


@pytest.mark.django_db
def test_an_administrator_without_manager_is_offered_to_take_it_on_the_page_that_needs_it(
    admin: Person, admin_client: Client
) -> None:
    response = admin_client.get("/acme/projects/?q=x")
    page = response.content.decode()
    assert response.status_code == 403
    assert "This page needs the Manager role" in page
    assert "Give yourself the Manager role" in page and 'value="/acme/projects/?q=x"' in page
    assert "An Administrator can give you the role" not in page

    response = admin_client.post("/acme/role/take/", {"role": "manager", "next": "/acme/projects/?q=x"})
    assert response.status_code == 302 and response["Location"] == "/acme/projects/?q=x"
    admin.refresh_from_db()
    assert admin.roles == [Role.ADMINISTRATOR, Role.MANAGER]
    assert admin_client.session[ACTIVE_ROLE_SESSION_KEY.format(org_id=admin.organization_id)] == "manager"
    page = admin_client.get("/acme/projects/").content.decode()
    assert ">Projects<" in page  # the Manager's navigation, on the page she came for


@pytest.mark.django_db
def test_anyone_else_reads_who_grants_the_role_and_how(
    admin: Person, employee_client: Client, make_member: Callable[..., Person], org: Organization
) -> None:
    make_member(org, Role.ADMINISTRATOR, full_name="Bea Boss", email="bea@acme.test")
    response = employee_client.get("/acme/people/")
    page = " ".join(response.content.decode().split())
    assert response.status_code == 403
    assert "This page needs the Administrator or Manager role" in page
    assert "Give yourself" not in page
    assert (
        '<a href="mailto:ada@acme.test"><bdi>Ada Admin</bdi></a> or <a href="mailto:bea@acme.test">' in page
    )
    assert (
        "<strong>People</strong>, <strong>Edit</strong> next to your name, tick <strong>Manager</strong>"
        in page
    )


@pytest.mark.django_db
def test_an_organization_without_administrators_says_so(employee_client: Client) -> None:
    page = employee_client.get("/acme/projects/").content.decode()
    assert "Nobody in" in page and "is an Administrator" in page


@pytest.mark.django_db
def test_only_an_administrator_takes_a_role(manager: Person, manager_client: Client) -> None:
    response = manager_client.post("/acme/role/take/", {"role": "administrator"})
    assert response.status_code == 403
    manager.refresh_from_db()
    assert manager.roles == [Role.MANAGER]


@pytest.mark.django_db
def test_taking_a_role_goes_back_only_to_this_site(admin: Person, admin_client: Client) -> None:
    response = admin_client.post("/acme/role/take/", {"role": "employee", "next": "https://evil.test/"})
    assert response["Location"] == "/acme/"
    admin.refresh_from_db()
    assert admin.roles == [Role.ADMINISTRATOR, Role.EMPLOYEE]


@pytest.mark.django_db
def test_taking_a_role_needs_post_and_acts_only_in_ones_own_organization(
    admin: Person, admin_client: Client, other_org: Organization
) -> None:
    assert admin_client.get("/acme/role/take/").status_code == 405
    assert admin_client.post("/globex/role/take/", {"role": "manager"}).status_code == 404


@pytest.mark.django_db
def test_a_home_without_pages_names_the_administrators(
    admin: Person, make_member: Callable[..., Person], org: Organization
) -> None:
    nobody = make_member(org, full_name="Nora None", email="nora@acme.test")
    page = " ".join(signed_in(nobody).get("/acme/").content.decode().split())
    assert "an Administrator gives you a role on People, Edit; ask" in page
    assert '<a href="mailto:ada@acme.test"><bdi>Ada Admin</bdi></a>' in page


@pytest.mark.django_db
def test_a_refused_post_offers_the_role_without_sending_back_to_a_form_address(
    admin: Person, admin_client: Client
) -> None:
    response = admin_client.post("/acme/projects/new/", {"name": "X"})
    page = response.content.decode()
    assert response.status_code == 403 and "Give yourself the Manager role" in page
    assert 'name="next" value=""' in page
    assert admin_client.post("/acme/role/take/", {"role": "manager", "next": ""})["Location"] == "/acme/"
