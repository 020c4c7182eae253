import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from pytest_django import Settings

from conftest import signed_in
from people.models import Invitation, Organization, Person, TenantModel
from people.tests.mailbox import last_email_to, link_path
from tests.factories import PASSWORD, MemberFactory, PersonFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

NEW_PASSWORD = "a-long-new-password-77"


def add_and_invite(
    client: Client, email: str, name: str = "Lee Jones", roles: Sequence[str] = ("employee",), **extra: str
) -> "TestResponse":
    return client.post(
        "/acme/people/new/",
        {"full_name": name, "email": email, "roles": list(roles), "invite": "on", **extra},
    )


def test_an_invited_person_chooses_a_password_and_is_signed_in(
    admin_client: Client, admin: Person, org: Organization, client: Client
) -> None:
    response = add_and_invite(admin_client, "lee@acme.test")
    assert response.status_code == 302
    message = last_email_to("lee@acme.test")
    assert message.subject == "You are invited to Primetric"  # no name an inviter chooses
    assert "Ada Admin invites you to Acme on Primetric" in message.body
    assert "The link works once, until" in message.body
    lee = Person.objects.get(email="lee@acme.test")
    assert lee.user_id is None
    assert "invited" in admin_client.get("/acme/people/").content.decode()

    path = link_path(message)
    page = client.get(path).content.decode()
    assert "Choose a password for <strong>lee@acme.test</strong>" in page
    response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/acme/"
    assert client.get("/acme/").status_code == 200  # signed in
    lee.refresh_from_db()
    assert lee.user is not None
    assert lee.user.username == "lee@acme.test" and lee.user.check_password(NEW_PASSWORD)
    assert Invitation.objects.get(person=lee).accepted_at is not None


def test_an_invitation_link_works_once(admin_client: Client, client: Client) -> None:
    add_and_invite(admin_client, "lee@acme.test")
    path = link_path(last_email_to("lee@acme.test"))
    client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.logout()
    response = client.post(path, {"new_password1": "x-other-pass-99", "new_password2": "x-other-pass-99"})
    assert response.status_code == 404
    assert get_user_model().objects.get(username="lee@acme.test").check_password(NEW_PASSWORD)


def test_an_invitation_link_expires(
    admin_client: Client, client: Client, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    add_and_invite(admin_client, "lee@acme.test")
    path = link_path(last_email_to("lee@acme.test"))
    later = time.time() + settings.INVITATION_MAX_AGE + 5
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    assert client.get(path).status_code == 404


def test_resending_makes_the_earlier_link_useless_and_revoking_every_link(
    admin_client: Client, client: Client
) -> None:
    add_and_invite(admin_client, "lee@acme.test")
    first = link_path(last_email_to("lee@acme.test"))
    lee = Person.objects.get(email="lee@acme.test")
    assert admin_client.post(f"/acme/people/{lee.pk}/invite/").status_code == 302
    second = link_path(last_email_to("lee@acme.test"))
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    admin_client.post(f"/acme/people/{lee.pk}/revoke-invitation/")
    assert client.get(second).status_code == 404
    assert "no login" in admin_client.get("/acme/people/").content.decode()


def test_changing_the_e_mail_withdraws_the_invitation(admin_client: Client, client: Client) -> None:
    add_and_invite(admin_client, "lee@acme.test")
    path = link_path(last_email_to("lee@acme.test"))
    lee = Person.objects.get(email="lee@acme.test")
    admin_client.post(
        f"/acme/people/{lee.pk}/edit/", {"full_name": "Lee", "email": "lee2@acme.test", "roles": ["employee"]}
    )
    assert client.get(path).status_code == 404


def test_an_existing_login_must_sign_in_and_accept(
    admin_client: Client, org: Organization, other_org: Organization
) -> None:
    outsider = MemberFactory.create(organization=other_org, email="lee@globex.test")
    add_and_invite(admin_client, "lee@globex.test")
    lee = Person.objects.get(organization=org, email="lee@globex.test")
    assert lee.user is None
    path = link_path(last_email_to("lee@globex.test"))

    invitee = signed_in(outsider)
    invitee.logout()
    page = invitee.get(path).content.decode()
    assert "Sign in to accept" in page and "new_password1" not in page
    # A POST without signing in sets no password and joins nothing.
    invitee.post(path, {"new_password1": "hijack-pass-123", "new_password2": "hijack-pass-123"})
    lee.refresh_from_db()
    assert outsider.user is not None
    assert lee.user is None and outsider.user.check_password(PASSWORD)

    assert invitee.login(username="lee@globex.test", password=PASSWORD)
    response = invitee.post(path)
    assert response.status_code == 302 and response["Location"] == "/acme/"
    lee.refresh_from_db()
    assert lee.user == outsider.user
    assert invitee.get("/acme/").status_code == 200


def test_another_login_cannot_accept_someone_elses_invitation(
    admin_client: Client, org: Organization, other_org: Organization
) -> None:
    MemberFactory.create(organization=other_org, email="lee@globex.test")
    intruder = MemberFactory.create(organization=other_org, email="mallory@globex.test")
    add_and_invite(admin_client, "lee@globex.test")
    path = link_path(last_email_to("lee@globex.test"))
    response = signed_in(intruder).post(path, follow=True)
    assert "This invitation is for lee@globex.test" in response.content.decode()
    assert Person.objects.get(organization=org, email="lee@globex.test").user is None


def test_the_inviter_sees_the_same_whether_or_not_the_e_mail_has_a_login(
    admin_client: Client, other_org: Organization
) -> None:
    MemberFactory.create(organization=other_org, email="known@globex.test")
    answers = []
    for email in ["known@globex.test", "unknown@globex.test"]:
        response = add_and_invite(admin_client, email, name="Same Name")
        message = last_email_to(email)
        person = Person.objects.get(organization__slug="acme", email=email)
        row = admin_client.get("/acme/people/", {"q": email}).content.decode()
        answers.append(
            (
                response.status_code,
                response["Location"],
                message.subject,
                message.body.replace(link_path(message), "LINK"),
                re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", row.replace("<wbr>", ""))
                .replace(email, "E")
                .replace(str(person.pk), "ID")
                .split("<tbody>")[1],
            )
        )
        person.delete()
    assert answers[0] == answers[1]


def test_a_manager_adds_an_employee_and_invites_them(manager_client: Client, org: Organization) -> None:
    page = manager_client.get("/acme/people/new/").content.decode()
    assert 'value="administrator"' not in page
    response = add_and_invite(manager_client, "new@acme.test", roles=["employee"])
    assert response.status_code == 302
    assert Person.objects.get(email="new@acme.test").roles == ["employee"]
    assert last_email_to("new@acme.test")


def test_a_manager_cannot_add_an_administrator(manager_client: Client) -> None:
    response = add_and_invite(manager_client, "boss@acme.test", roles=["administrator"])
    assert response.status_code == 200
    assert not Person.objects.filter(email="boss@acme.test").exists()
    assert not mail.outbox


def test_a_manager_cannot_invite_an_administrator(manager_client: Client, org: Organization) -> None:
    boss = PersonFactory.create(organization=org, email="boss@acme.test", is_administrator=True)
    assert manager_client.post(f"/acme/people/{boss.pk}/invite/").status_code == 403
    assert not mail.outbox


def test_after_adding_the_manager_lands_back_on_the_safe_next_page(
    manager_client: Client, project: TenantModel
) -> None:
    back = f"/acme/projects/{project.pk}/#integration-settings"
    response = add_and_invite(manager_client, "dana@acme.test", next=back)
    assert response["Location"] == back
    response = add_and_invite(manager_client, "evil@acme.test", next="https://evil.test/")
    assert response["Location"] == "/acme/people/"


def test_another_organizations_person_cannot_be_invited_or_revoked(
    admin_client: Client, other_org: Organization
) -> None:
    stranger = PersonFactory.create(organization=other_org, email="s@globex.test")
    assert admin_client.post(f"/acme/people/{stranger.pk}/invite/").status_code == 404
    assert admin_client.post(f"/acme/people/{stranger.pk}/revoke-invitation/").status_code == 404
    assert not mail.outbox and not Invitation.objects.exists()


def test_an_employee_cannot_invite(employee_client: Client, org: Organization) -> None:
    person = PersonFactory.create(organization=org)
    assert employee_client.post(f"/acme/people/{person.pk}/invite/").status_code == 403


@pytest.mark.django_db
def test_create_organization_command_prints_a_one_time_set_password_link(client: Client) -> None:
    from io import StringIO

    from django.core.mail import EmailMessage
    from django.core.management import call_command

    out = StringIO()
    call_command(
        "create_organization", name="Hooli", slug="hooli", admin_email="gavin@hooli.test", stdout=out
    )
    path = link_path(EmailMessage(body=out.getvalue()))
    assert Person.objects.get(organization__slug="hooli").roles == ["administrator"]
    response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/hooli/"
    assert (
        client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 404
    )


@pytest.mark.django_db
def test_create_organization_command_refuses_a_reserved_or_taken_slug() -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="reserved"):
        call_command("create_organization", name="X", slug="admin", admin_email="x@x.test")
