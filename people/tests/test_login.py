from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from pytest_django import Settings

from conftest import signed_in
from people.models import Organization, Person
from people.roles import Role
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def test_member_signs_in_with_email_any_case(employee: Person) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "EVE@acme.test", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/acme/"


def test_wrong_password_is_refused_with_a_message(employee: Person) -> None:
    response = Client().post("/accounts/login/", {"username": "eve@acme.test", "password": "nope"})
    assert response.status_code == 200
    assert "That e-mail and password do not match an account." in response.content.decode()


def test_sign_in_pauses_after_repeated_failures(employee: Person, settings: Settings) -> None:
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "eve@acme.test", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "eve@acme.test", "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed sign-ins" in response.content.decode()


def test_anonymous_visitor_is_sent_to_sign_in(org: Organization) -> None:
    response = Client().get("/acme/projects/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_login_belonging_to_two_organizations_chooses(
    make_member: Callable[..., Person], org: Organization, other_org: Organization
) -> None:
    here = make_member(org, Role.EMPLOYEE)
    make_member(other_org, Role.EMPLOYEE, user=here.user, email=here.email)
    page = signed_in(here).get("/").content.decode()
    assert "Choose an organization" in page and "Acme" in page and "Globex" in page


def test_logout_needs_post_and_ends_the_session(employee_client: Client) -> None:
    response = employee_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert employee_client.get("/acme/").status_code == 302
