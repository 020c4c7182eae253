"""people/{id}/invitation/: invite, resend, revoke, read; tenant-scoped; the same answer whether a login exists."""

import pytest
from django.core import mail

from api.tests.conftest import url
from people.models import Invitation, Person
from people.tests.mailbox import last_email_to
from tests.factories import MemberFactory, PersonFactory


@pytest.fixture
def lee(org):
    return PersonFactory(organization=org, full_name="Lee", email="lee@acme.test")


def test_administrator_invites_resends_and_revokes(admin_api, lee):
    response = admin_api.post(url(f"people/{lee.pk}/invitation/"))
    assert response.status_code == 201
    body = response.json()
    assert body["login"] == "invited" and body["email"] == "lee@acme.test" and body["expires_at"]
    assert "link" not in body and "token" not in str(body)
    assert last_email_to("lee@acme.test")

    assert admin_api.post(url(f"people/{lee.pk}/invitation/")).status_code == 201
    assert len(mail.outbox) == 2
    assert Invitation.objects.filter(person=lee, revoked_at=None).count() == 1
    assert admin_api.get(url(f"people/{lee.pk}/")).json()["login"] == "invited"

    assert admin_api.delete(url(f"people/{lee.pk}/invitation/")).status_code == 204
    assert admin_api.get(url(f"people/{lee.pk}/invitation/")).json() == {
        "login": "none",
        "email": None,
        "invited_at": None,
        "expires_at": None,
        "email_status": None,
    }


def test_adding_a_person_with_invite_sends_the_invitation(admin_api):
    response = admin_api.post(
        url("people/"), {"full_name": "Kim", "email": "kim@acme.test", "invite": True}, format="json"
    )
    assert response.status_code == 201 and response.json()["login"] == "invited"
    assert "invite" not in response.json()
    assert last_email_to("kim@acme.test").subject == "You are invited to Primetric"


def test_the_answer_is_the_same_whether_or_not_the_e_mail_has_a_login(admin_api, org, other_org):
    MemberFactory(organization=other_org, email="known@globex.test")
    answers = []
    for email in ["known@globex.test", "unknown@globex.test"]:
        response = admin_api.post(
            url("people/"), {"full_name": "X", "email": email, "invite": True}, format="json"
        )
        body = response.json()
        person = Person.objects.get(pk=body.pop("id"))
        body.pop("created_at")
        invitation = admin_api.get(url(f"people/{person.pk}/invitation/")).json()
        answers.append((response.status_code, {**body, "email": "E"}, invitation["login"]))
        assert person.user is None
        person.delete()
    assert answers[0] == answers[1]


def test_a_person_who_can_sign_in_is_a_conflict(admin_api, admin, org):
    member = MemberFactory(organization=org, email="m@acme.test")
    response = admin_api.post(url(f"people/{member.pk}/invitation/"))
    assert response.status_code == 409
    assert not mail.outbox


def test_another_organizations_person_is_not_found(admin_api, other_org):
    stranger = PersonFactory(organization=other_org, email="s@globex.test")
    for method in ("get", "post", "delete"):
        response = getattr(admin_api, method)(url(f"people/{stranger.pk}/invitation/"))
        assert response.status_code == 404, method
    assert not mail.outbox and not Invitation.objects.exists()


def test_another_organizations_slug_is_not_found(admin_api, other_org, other_manager):
    assert admin_api.post(url(f"people/{other_manager.pk}/invitation/", org_slug="globex")).status_code == 404


def test_a_manager_invites_employees_but_not_administrators(manager_api, lee, org):
    assert manager_api.post(url(f"people/{lee.pk}/invitation/")).status_code == 201
    boss = PersonFactory(organization=org, email="boss@acme.test", is_administrator=True)
    assert manager_api.post(url(f"people/{boss.pk}/invitation/")).status_code == 403
    assert manager_api.delete(url(f"people/{boss.pk}/invitation/")).status_code == 403


def test_an_employee_cannot_invite(employee_api, lee):
    assert employee_api.post(url(f"people/{lee.pk}/invitation/")).status_code == 403
    assert employee_api.get(url(f"people/{lee.pk}/invitation/")).status_code == 403


def test_anonymous_is_401(anonymous_api, lee):
    assert anonymous_api.post(url(f"people/{lee.pk}/invitation/")).status_code == 401
