"""Invitations are limited per recipient, per inviter and per organization (resends included), a new organization
sends few until one of its invitations is accepted, and the subject line carries no text an inviter chose."""

import time
from datetime import timedelta

from django.core import mail
from django.test import Client
from django.utils import timezone

from people.invitations import invite
from people.models import Invitation, Organization, Person
from people.tests.mailbox import last_email_to
from tests.factories import MemberFactory, OrganizationFactory, PersonFactory


def messages_of(response: object) -> str:
    return " ".join(str(m) for m in response.context["messages"])  # type: ignore[attr-defined]


def accepted_invitation(org: Organization, admin: Person) -> None:
    """An organization that has earned its sending rate: one of its invitations was accepted."""
    joined = PersonFactory.create(organization=org, email="joined@acme.test")
    Invitation.objects.filter(pk=invite(joined, admin).pk).update(accepted_at=timezone.now())


def test_thirty_resends_to_one_address_send_three_e_mails_and_say_when_to_try_again(
    admin_client: Client, org: Organization
) -> None:
    lee = PersonFactory.create(organization=org, full_name="Lee Jones", email="lee@acme.test")
    started = time.monotonic()
    answers = [
        messages_of(admin_client.post(f"/acme/people/{lee.pk}/invite/", follow=True)) for _ in range(30)
    ]
    elapsed = time.monotonic() - started
    assert len([m for m in mail.outbox if "lee@acme.test" in m.to]) == 3
    assert answers[2] == "Invitation saved; the e-mail to lee@acme.test is on its way."
    assert answers[3] == "lee@acme.test was invited too often; try again in 60 minutes."
    assert Invitation.objects.filter(person=lee).count() == 3
    print(f"30 resends answered in {elapsed:.2f} s")


def test_the_refusal_names_the_wait_until_the_oldest_counted_invitation_leaves_the_hour(
    admin_client: Client, org: Organization
) -> None:
    lee = PersonFactory.create(organization=org, full_name="Lee Jones", email="lee@acme.test")
    for _ in range(3):
        admin_client.post(f"/acme/people/{lee.pk}/invite/", follow=True)
    Invitation.objects.filter(person=lee).update(created_at=timezone.now() - timedelta(minutes=20))
    answer = messages_of(admin_client.post(f"/acme/people/{lee.pk}/invite/", follow=True))
    assert answer == "lee@acme.test was invited too often; try again in 40 minutes."


def test_a_new_organization_sends_five_invitations_a_day_until_one_is_accepted(
    admin_client: Client, admin: Person, org: Organization
) -> None:
    for n in range(5):
        response = admin_client.post(
            "/acme/people/new/",
            {"full_name": f"Person {n}", "email": f"p{n}@acme.test", "roles": ["employee"], "invite": "on"},
            follow=True,
        )
        assert messages_of(response) == f"Person {n} was added. Invitation saved; the e-mail is on its way."
    response = admin_client.post(
        "/acme/people/new/",
        {"full_name": "Sixth One", "email": "p6@acme.test", "roles": ["employee"], "invite": "on"},
        follow=True,
    )
    assert messages_of(response) == (
        "Sixth One was added; the invitation was not sent: A new organization sends up to 5 invitations a day "
        "until one is accepted; try again in 24 hours."
    )
    sixth = Person.objects.get(email="p6@acme.test")  # the person is kept: only the e-mail waits
    assert len(mail.outbox) == 5 and not sixth.invitations.exists()

    Invitation.objects.filter(email="p0@acme.test").update(accepted_at=timezone.now())
    response = admin_client.post(f"/acme/people/{sixth.pk}/invite/", follow=True)
    assert messages_of(response) == "Invitation saved; the e-mail to p6@acme.test is on its way."


def test_one_inviter_sends_twenty_invitations_an_hour(
    admin_client: Client, admin: Person, org: Organization
) -> None:
    accepted_invitation(org, admin)
    people = [PersonFactory.create(organization=org, email=f"p{n}@acme.test") for n in range(21)]
    answers = [messages_of(admin_client.post(f"/acme/people/{p.pk}/invite/", follow=True)) for p in people]
    # The accepted invitation above was the admin's too: 19 more went out, then the limit.
    assert answers[18] == "Invitation saved; the e-mail to p18@acme.test is on its way."
    assert answers[19] == "You have sent too many invitations; try again in 60 minutes."
    other_admin = MemberFactory.create(organization=org, email="bo@acme.test", is_administrator=True)
    assert invite(people[19], other_admin).email == "p19@acme.test"  # another inviter is not refused


def test_many_new_organizations_cannot_flood_one_address(db: None) -> None:
    sent = 0
    for _ in range(12):
        organization = OrganizationFactory.create()
        inviter = MemberFactory.create(organization=organization, is_administrator=True)
        victim = PersonFactory.create(organization=organization, email="victim@example.test")
        try:
            invite(victim, inviter)
            sent += 1
        except Exception as error:  # noqa: BLE001
            assert str(error) == "victim@example.test was invited too often; try again in 24 hours."
    assert sent == 10 and len([m for m in mail.outbox if "victim@example.test" in m.to]) == 10


def test_the_subject_line_is_fixed_whatever_names_the_inviter_chose(
    admin_client: Client, admin: Person, org: Organization
) -> None:
    Organization.objects.filter(pk=org.pk).update(name="Your bank: account locked, call +1 555 0100")
    lee = PersonFactory.create(organization=org, full_name="URGENT verify now", email="lee@acme.test")
    admin_client.post(f"/acme/people/{lee.pk}/invite/")
    assert last_email_to("lee@acme.test").subject == "You are invited to Primetric"
