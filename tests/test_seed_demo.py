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


@pytest.mark.django_db
def test_the_demos_administrator_reads_paulas_invitation_in_the_development_mailbox(
    client, settings, tmp_path
):
    """`make run`'s README journey: Alice (the demo's operator) finds Paula's invitation at /dev/mail/; Bobby, an
    Employee, sees only his own e-mails."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.DEV_MAILBOX = True
    call_command("seed_demo", quiet=True)
    client.login(username="alice@acme.test", password="primetric-demo")
    assert "invites you to Demo Company" in client.get("/dev/mail/").content.decode()
    client.login(username="bobby@acme.test", password="primetric-demo")
    page = client.get("/dev/mail/").content.decode()
    assert "Only the e-mails addressed to you (bobby@acme.test)" in page
    assert "invites you to Demo Company" not in page
