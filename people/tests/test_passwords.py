import pytest
from django.core import mail
from django.test import Client
from pytest_django import Settings

from people.models import Organization, Person
from people.tests.mailbox import last_email_to, link_path
from tests.factories import PASSWORD

NEW_PASSWORD = "brand-new-password-31"


def test_a_forgotten_password_is_reset_by_e_mail(client: Client, employee: Person) -> None:
    response = client.post("/accounts/password/reset/", {"email": "EVE@acme.test"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    message = last_email_to("eve@acme.test")
    assert message.subject == "Reset your Primetric password"
    path = link_path(message)
    response = client.get(path, follow=True)  # Django moves the token into the session
    assert "Choose a new password" in response.content.decode()
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/done/"
    assert client.login(username="eve@acme.test", password=NEW_PASSWORD)
    client.logout()
    assert "no longer works" in client.get(path, follow=True).content.decode()  # used once


@pytest.mark.django_db
def test_an_unknown_e_mail_gets_the_same_answer_and_no_e_mail(client: Client) -> None:
    response = client.post("/accounts/password/reset/", {"email": "nobody@acme.test"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    assert not mail.outbox


def test_reset_requests_are_throttled(client: Client, employee: Person, settings: Settings) -> None:
    settings.ACCOUNT_REQUEST_LIMIT = 2
    for _ in range(2):
        assert client.post("/accounts/password/reset/", {"email": "eve@acme.test"}).status_code == 302
    response = client.post("/accounts/password/reset/", {"email": "eve@acme.test"})
    assert response.status_code == 200 and "Too many requests" in response.content.decode()
    assert len(mail.outbox) == 2


def test_reset_requests_for_one_e_mail_are_throttled_from_any_address(
    client: Client, employee: Person, settings: Settings
) -> None:
    settings.ACCOUNT_REQUEST_LIMIT = 2
    for n in range(3):
        client.post("/accounts/password/reset/", {"email": "eve@acme.test"}, REMOTE_ADDR=f"10.0.0.{n}")
    assert len(mail.outbox) == 2


def test_a_member_changes_their_password_on_the_profile_page(
    employee_client: Client, employee: Person
) -> None:
    assert "/accounts/password/change/" in employee_client.get("/accounts/profile/").content.decode()
    response = employee_client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert employee.user is not None
    employee.user.refresh_from_db()
    assert employee.user.check_password(NEW_PASSWORD)


def test_a_member_turns_notifications_off_for_one_organization(
    employee_client: Client, employee: Person, other_org: Organization
) -> None:
    response = employee_client.post(
        "/accounts/profile/", {"action": "notifications", "organization": employee.organization_id}
    )
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.email_notifications is False
    # Another organization's id changes nothing (the member is not in it).
    employee_client.post(
        "/accounts/profile/",
        {"action": "notifications", "organization": other_org.pk, "email_notifications": "on"},
    )
    employee.refresh_from_db()
    assert employee.email_notifications is False
