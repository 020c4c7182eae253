"""The demo organization (seed_demo) has one pending invitation, e-mailed once however often the seed runs."""

import pytest
from django.core import mail
from django.core.management import call_command

from people.models import Invitation, Person


@pytest.mark.django_db
def test_the_demo_has_one_pending_invitation_sent_once():
    call_command("seed_demo", quiet=True)
    call_command("seed_demo", quiet=True)
    paula = Person.objects.get(organization__slug="demo", email="paula@acme.test")
    assert paula.user is None
    assert Invitation.objects.filter(person=paula, accepted_at=None, revoked_at=None).count() == 1
    assert [m.to for m in mail.outbox] == [["paula@acme.test"]]
    assert "Alice Admin invites you to Demo Company" in mail.outbox[0].body
