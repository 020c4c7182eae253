import time
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import Settings

from people.models import Organization, PendingSignup, Person
from people.tests.mailbox import last_email_to, link_path
from tests.factories import PASSWORD, MemberFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

FORM = {
    "organization_name": "Initech",
    "slug": "initech",
    "full_name": "Peter Gibbons",
    "email": "peter@initech.test",
}
CHOSEN = "tps-reports-forever-42"


def sign_up(client: Client, **changes: str) -> "TestResponse":
    return client.post("/signup/", {**FORM, **changes})


def confirm(
    client: Client, path: str, slug: str = "initech", password: str | None = CHOSEN
) -> "TestResponse":
    data = {"slug": slug}
    if password is not None:
        data |= {"password1": password, "password2": password}
    return client.post(path, data)


@pytest.mark.django_db
def test_sign_up_creates_nothing_until_the_e_mail_link_is_confirmed(client: Client) -> None:
    page = client.get("/signup/").content.decode()
    assert 'name="email"' in page and 'type="password"' not in page  # the password is chosen at confirmation
    response = sign_up(client)
    assert response.status_code == 302 and response["Location"] == "/signup/sent/"
    assert not Organization.objects.filter(slug="initech").exists()
    message = last_email_to("peter@initech.test")
    assert message.subject == "Confirm your Primetric sign-up"  # no text of the form's sender
    assert "create Initech on Primetric (address /initech/)" in message.body
    assert "within 48 hours" in message.body
    assert "You choose your password on the page the link opens." in message.body

    path = link_path(message)
    page = client.get(path).content.decode()  # a page with a form: following the link creates nothing
    assert "Choose the password of your Primetric login" in page and 'name="password1"' in page
    assert not Organization.objects.filter(slug="initech").exists()
    response = confirm(client, path)
    assert response.status_code == 302 and response["Location"] == "/initech/"
    person = Person.objects.get(organization__slug="initech")
    assert person.roles == ["administrator", "manager"] and person.full_name == "Peter Gibbons"
    assert client.get("/initech/people/").status_code == 200  # signed in by choosing the password
    client.logout()
    assert client.login(username="peter@initech.test", password=CHOSEN)


@pytest.mark.django_db
def test_whoever_submits_the_form_cannot_choose_the_password(client: Client) -> None:
    """The form takes no password; the mailbox's holder chooses it, and only theirs signs in."""
    attacker = Client()
    attacker.post("/signup/", {**FORM, "password": "attackers-own-password-1"})
    confirm(client, link_path(last_email_to("peter@initech.test")), password="holders-own-password-7")
    assert not Client().login(username="peter@initech.test", password="attackers-own-password-1")
    assert Client().login(username="peter@initech.test", password="holders-own-password-7")
    assert "password" not in {f.name for f in PendingSignup._meta.get_fields()}


@pytest.mark.django_db
def test_the_confirmation_checks_the_password_with_djangos_validators(client: Client) -> None:
    sign_up(client)
    path = link_path(last_email_to("peter@initech.test"))
    response = confirm(client, path, password="12345678")
    assert response.status_code == 200 and "This password is too common." in response.content.decode()
    response = client.post(path, {"slug": "initech", "password1": CHOSEN, "password2": CHOSEN + "x"})
    assert "The two password fields didn’t match." in response.content.decode()
    assert not Organization.objects.filter(slug="initech").exists()
    assert confirm(client, path).status_code == 302


@pytest.mark.django_db
def test_the_confirmation_link_works_once(client: Client) -> None:
    sign_up(client)
    path = link_path(last_email_to("peter@initech.test"))
    confirm(client, path)
    assert client.get(path).status_code == 404
    assert confirm(client, path, slug="initech-2").status_code == 404
    assert Organization.objects.filter(slug__startswith="initech").count() == 1


@pytest.mark.django_db
def test_the_confirmation_link_expires_after_two_days(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_up(client)
    path = link_path(last_email_to("peter@initech.test"))
    later = time.time() + 2 * 24 * 3600 + 5
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    response = confirm(client, path)
    assert response.status_code == 404 and "no longer works" in response.content.decode()
    assert not Organization.objects.filter(slug="initech").exists()


@pytest.mark.django_db
def test_a_tampered_link_is_refused(client: Client) -> None:
    sign_up(client)
    path = link_path(last_email_to("peter@initech.test"))
    assert confirm(client, path[:-3] + "abc/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["admin", "signup", "dev", "api"])
def test_reserved_slugs_are_refused(client: Client, slug: str) -> None:
    response = sign_up(client, slug=slug)
    assert response.status_code == 200
    assert "This address is reserved; choose another." in response.content.decode()
    assert not mail.outbox


@pytest.mark.django_db
def test_an_existing_login_gets_the_same_answer_an_e_mail_offering_a_reset_and_keeps_its_password(
    client: Client, other_org: Organization
) -> None:
    MemberFactory.create(organization=other_org, email="peter@initech.test")
    response = sign_up(client)
    assert response.status_code == 302 and response["Location"] == "/signup/sent/"
    message = last_email_to("peter@initech.test")
    assert "already has a Primetric login" in message.body
    assert "Forgot your password? Reset it here instead:" in message.body
    assert "/accounts/password/reset/" in message.body
    path = link_path(message)
    page = client.get(path).content.decode()
    assert "This e-mail already has a Primetric login" in page and 'name="password1"' not in page
    # Confirming asks for that login's own password, and signs in with it.
    response = client.post(path, {"slug": "initech", "password": "not-the-password-1"})
    assert (
        response.status_code == 200 and "That is not the password of this login." in response.content.decode()
    )
    assert not Organization.objects.filter(slug="initech").exists()
    response = client.post(path, {"slug": "initech", "password": PASSWORD})
    assert response["Location"] == "/initech/"
    user = get_user_model().objects.get(username="peter@initech.test")
    assert Person.objects.get(organization__slug="initech").user == user
    assert user.check_password(PASSWORD)  # the mailbox's owner keeps their own
    assert client.get("/initech/").status_code == 200  # signed in


@pytest.mark.django_db
def test_a_taken_address_gets_the_same_answer_and_the_link_offers_another(
    client: Client, other_org: Organization
) -> None:
    response = sign_up(client, slug="GLOBEX")
    assert response.status_code == 302 and response["Location"] == "/signup/sent/"
    path = link_path(last_email_to("peter@initech.test"))
    page = client.get(path).content.decode()
    assert "This address is taken; choose another." in page and 'value="globex"' in page
    assert confirm(client, path, slug="globex").status_code == 200
    response = confirm(client, path, slug="initech")
    assert response.status_code == 302 and response["Location"] == "/initech/"
    assert Organization.objects.get(slug="initech").name == "Initech"
    assert not Person.objects.filter(organization=other_org, email="peter@initech.test").exists()


@pytest.mark.django_db
def test_known_and_unknown_e_mails_and_addresses_get_the_same_answer_and_the_same_work(
    client: Client, other_org: Organization
) -> None:
    """Nothing the form answers, nor the database work behind the answer (its time), tells what exists."""
    MemberFactory.create(organization=other_org, email="known@globex.test")
    answers = []
    for email, slug in [("new@initech.test", "initech"), ("known@globex.test", "globex")]:
        with CaptureQueriesContext(connection) as queries:
            response = sign_up(client, email=email, slug=slug)
        answers.append((response.status_code, response["Location"], len(queries)))
    assert answers[0] == answers[1] == (302, "/signup/sent/", answers[0][2])
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_sign_up_is_throttled_per_client_address(client: Client, settings: Settings) -> None:
    settings.ACCOUNT_REQUEST_LIMIT = 3
    for n in range(3):
        assert sign_up(client, slug=f"initech-{n}", email=f"p{n}@initech.test").status_code == 302
    response = sign_up(client, slug="initech-9")
    assert response.status_code == 429
    assert "Too many sign-ups from here or for this e-mail address" in response.content.decode()
    assert len(mail.outbox) == 3 and PendingSignup.objects.count() == 3


@pytest.mark.django_db
def test_a_refused_sign_up_runs_none_of_the_forms_checks(
    client: Client, settings: Settings, other_org: Organization
) -> None:
    settings.ACCOUNT_REQUEST_LIMIT = 2
    for n in range(2):
        sign_up(client, slug=f"initech-{n}", email=f"p{n}@initech.test")
    for slug in ["globex", "admin", "not a slug!"]:
        page = sign_up(client, slug=slug).content.decode()
        assert "Too many sign-ups" in page
        assert "taken" not in page and "reserved" not in page and "Enter a valid" not in page


@pytest.mark.django_db
def test_refused_sign_ups_still_count_against_the_e_mail(client: Client, settings: Settings) -> None:
    """A client over its limit still uses up the e-mail's: rotating clients does not reach one address more."""
    settings.ACCOUNT_REQUEST_LIMIT = 2
    for n in range(2):
        other = {**FORM, "slug": f"initech-{n}", "email": f"p{n}@initech.test"}
        assert client.post("/signup/", other, REMOTE_ADDR="10.0.0.1").status_code == 302
    for _ in range(2):
        assert client.post("/signup/", FORM, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.post("/signup/", FORM, REMOTE_ADDR="10.0.0.2").status_code == 429
    assert not [m for m in mail.outbox if "peter@initech.test" in m.to]


@pytest.mark.django_db
def test_an_address_taken_before_confirmation_is_offered_for_change(client: Client) -> None:
    sign_up(client)
    path = link_path(last_email_to("peter@initech.test"))
    client.get(path)
    Organization.objects.create(name="Squatter", slug="initech")
    response = confirm(client, path)
    assert response.status_code == 200
    assert "This address is taken; choose another." in response.content.decode()
    assert not Person.objects.filter(email="peter@initech.test").exists()
    assert confirm(client, path, slug="initech-hq")["Location"] == "/initech-hq/"
