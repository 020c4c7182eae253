"""The demo's pending invitation links to the site's real address: sent again when the address changed."""

from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from pytest_django import Settings

from people.models import Invitation, Person


@pytest.mark.django_db
def test_the_demos_invitation_follows_the_sites_address(settings: Settings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    settings.SITE_URL = "http://localhost:8000"
    call_command("seed_demo", quiet=True)
    call_command("seed_demo", quiet=True)
    assert len(mail.outbox) == 1 and "http://localhost:8000/accounts/invitation/" in mail.outbox[0].body

    settings.SITE_URL = "http://localhost:8200"  # PORT=8200 make run
    call_command("seed_demo", quiet=True)
    assert len(mail.outbox) == 2 and "http://localhost:8200/accounts/invitation/" in mail.outbox[1].body
    paula = Person.objects.get(organization__slug="demo", email="paula@acme.test")
    assert Invitation.objects.filter(person=paula, accepted_at=None, revoked_at=None).count() == 1
    call_command("seed_demo", quiet=True)
    assert len(mail.outbox) == 2
