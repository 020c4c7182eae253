import time
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from pytest_django import Settings

from people.models import Organization, PendingSignup, Person
from people.tests.mailbox import last_email_to, link_path
from tests.factories import MemberFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

FORM = {
    "organization_name": "Initech",
    "slug": "initech",
    "full_name": "Peter Gibbons",
    "email": "peter@initech.test",
    "password": "tps-reports-forever-42",
}


def sign_up(client: Client, **changes: str) -> "TestResponse":
    return client.post("/signup/", {**FORM, **changes})


@pytest.mark.django_db
def test_sign_up_creates_nothing_until_the_e_mail_link_is_confirmed(client: Client) -> None:
    response = sign_up(client)
    assert response.status_code == 302 and response["Location"] == "/signup/sent/"
    assert not Organization.objects.filter(slug="initech").exists()
    message = last_email_to("peter@initech.test")
    assert message.subject == "Confirm your Primetric sign-up for Initech"
    assert "create Initech on Primetric (address /initech/)" in message.body
    assert "within 48 hours" in message.body
    assert "tps-reports" not in message.body
    pending = PendingSignup.objects.get()
    assert pending.password_hash.startswith("md5$") and "tps" not in pending.password_hash

    path = link_path(message)
    assert client.get(path).status_code == 200  # a page with a button: following the link creates nothing
    assert not Organization.objects.filter(slug="initech").exists()
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/initech/"
    person = Person.objects.get(organization__slug="initech")
    assert person.roles == ["administrator"] and person.full_name == "Peter Gibbons"
    assert client.login(username="peter@initech.test", password=FORM["password"])
    assert client.get("/initech/people/").status_code == 200


@pytest.mark.django_db
def test_the_confirmation_link_works_once(client: Client) -> None:
    sign_up(client)
    path = link_path(last_email_to("peter@initech.test"))
    client.post(path)
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    assert Organization.objects.filter(slug="initech").count() == 1


@pytest.mark.django_db
def test_the_confirmation_link_expires_after_two_days(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_up(client)
    path = link_path(last_email_to("peter@initech.test"))
    later = time.time() + 2 * 24 * 3600 + 5
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    response = client.post(path)
    assert response.status_code == 404 and "no longer works" in response.content.decode()
    assert not Organization.objects.filter(slug="initech").exists()


@pytest.mark.django_db
def test_a_tampered_link_is_refused(client: Client) -> None:
    sign_up(client)
    path = link_path(last_email_to("peter@initech.test"))
    assert client.post(path[:-3] + "abc/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["admin", "signup", "dev", "api"])
def test_reserved_slugs_are_refused(client: Client, slug: str) -> None:
    response = sign_up(client, slug=slug)
    assert response.status_code == 200
    assert "This address is reserved; choose another." in response.content.decode()
    assert not mail.outbox


@pytest.mark.django_db
def test_the_password_is_checked_by_djangos_validators(client: Client) -> None:
    response = sign_up(client, password="12345678")
    assert "This password is too common." in response.content.decode()
    assert not PendingSignup.objects.exists()


@pytest.mark.django_db
def test_an_existing_login_gets_the_same_answer_and_keeps_its_password(
    client: Client, other_org: Organization
) -> None:
    MemberFactory.create(organization=other_org, email="peter@initech.test")
    response = sign_up(client)
    assert response.status_code == 302 and response["Location"] == "/signup/sent/"
    client.post(link_path(last_email_to("peter@initech.test")))
    user = get_user_model().objects.get(username="peter@initech.test")
    assert Person.objects.get(organization__slug="initech").user == user
    assert not user.check_password(FORM["password"])  # the mailbox's owner signs in with their own


@pytest.mark.django_db
def test_sign_up_is_throttled_per_client_address(client: Client, settings: Settings) -> None:
    settings.ACCOUNT_REQUEST_LIMIT = 3
    for n in range(3):
        assert sign_up(client, slug=f"initech-{n}").status_code == 302
    response = sign_up(client, slug="initech-9")
    assert response.status_code == 200
    assert "Too many requests from here" in response.content.decode()
    assert len(mail.outbox) == 3 and PendingSignup.objects.count() == 3


@pytest.mark.django_db
def test_a_slug_taken_before_confirmation_is_reported(client: Client) -> None:
    sign_up(client)
    Organization.objects.create(name="Squatter", slug="initech")
    response = client.post(link_path(last_email_to("peter@initech.test")), follow=True)
    assert "was taken meanwhile" in response.content.decode()
    assert not Person.objects.filter(email="peter@initech.test").exists()
