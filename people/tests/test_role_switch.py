from collections.abc import Callable

from django.test import Client

from conftest import signed_in
from people.models import Organization, Person
from people.roles import Role


def test_navigation_follows_the_active_role(make_member: Callable[..., Person], org: Organization) -> None:
    person = make_member(org, Role.ADMINISTRATOR, Role.MANAGER, Role.EMPLOYEE)
    client = signed_in(person)
    page = client.get("/acme/").content.decode()
    assert ">People<" in page and ">Integrations<" in page and ">Projects<" not in page

    response = client.post("/acme/role/", {"role": "manager"})
    assert response.status_code == 302 and response["Location"] == "/acme/projects/"
    page = client.get("/acme/").content.decode()
    assert ">Projects<" in page and ">Integrations<" not in page

    client.post("/acme/role/", {"role": "employee"})
    page = client.get("/acme/").content.decode()
    assert ">My work<" in page and ">Projects<" not in page


def test_permissions_use_roles_held_not_the_active_one(
    make_member: Callable[..., Person], org: Organization
) -> None:
    person = make_member(org, Role.MANAGER, Role.EMPLOYEE)
    client = signed_in(person)
    client.post("/acme/role/", {"role": "employee"})
    assert client.get("/acme/projects/").status_code == 200


def test_a_role_not_held_cannot_be_switched_to(employee_client: Client) -> None:
    employee_client.post("/acme/role/", {"role": "administrator"})
    assert employee_client.get("/acme/people/").status_code == 403
    page = employee_client.get("/acme/").content.decode()
    assert ">People<" not in page


def test_active_role_is_kept_per_organization(
    make_member: Callable[..., Person], org: Organization, other_org: Organization
) -> None:
    here = make_member(org, Role.MANAGER, Role.EMPLOYEE)
    there = make_member(other_org, Role.MANAGER, Role.EMPLOYEE, user=here.user, email=here.email)
    assert there.user == here.user
    client = signed_in(here)
    client.post("/acme/role/", {"role": "employee"})
    assert ">My work<" in client.get("/acme/").content.decode()
    assert ">Projects<" in client.get("/globex/").content.decode()


def test_role_switch_requires_post(employee_client: Client) -> None:
    assert employee_client.get("/acme/role/").status_code == 405


def test_the_role_switcher_shows_only_to_a_person_with_more_than_one_role(
    make_member: Callable[..., Person], org: Organization
) -> None:
    one_role = signed_in(make_member(org, Role.EMPLOYEE, email="one@acme.test"))
    page = one_role.get("/acme/").content.decode()
    assert 'id="role-select"' not in page and ">Employee<" in page

    two_roles = signed_in(make_member(org, Role.MANAGER, Role.EMPLOYEE, email="two@acme.test"))
    assert 'id="role-select"' in two_roles.get("/acme/").content.decode()
