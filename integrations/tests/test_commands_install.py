"""Operator commands: `hubstaff_connect` (headless install with a personal access token) and key rotation."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from pytest_django import Settings

from hubstaff_sandbox.testing import SandboxClient
from integrations import crypto
from integrations.models import HubstaffProject, Installation
from people.models import Organization


@pytest.mark.sandbox
def test_hubstaff_connect_installs_with_a_personal_access_token(
    org: Organization, hubstaff_sandbox: SandboxClient
) -> None:
    token = hubstaff_sandbox.create_pat("alice@acme.test")
    out = StringIO()

    call_command("hubstaff_connect", "--org", org.slug, "--personal-access-token", token, stdout=out)

    output = out.getvalue()
    assert "Hubstaff is properly installed for Acme." in output
    assert "alice@acme.test" in output and "Acme Hubstaff" in output
    assert token not in output
    installation = Installation.objects.get(organization=org)
    assert (
        installation.is_installed and installation.client_id == "" and installation.refresh_token != token
    )  # rotated
    assert HubstaffProject.objects.filter(installation=installation, name="Project A").exists()


@pytest.mark.sandbox
def test_hubstaff_connect_reads_the_token_from_the_environment(
    org: Organization, hubstaff_sandbox: SandboxClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUBSTAFF_PERSONAL_ACCESS_TOKEN", hubstaff_sandbox.create_pat("alice@acme.test"))
    call_command("hubstaff_connect", "--org", org.slug, stdout=StringIO())
    assert Installation.objects.get(organization=org).is_installed


@pytest.mark.sandbox
def test_hubstaff_connect_with_a_refused_token_says_so_without_echoing_it(
    org: Organization, hubstaff_sandbox: SandboxClient
) -> None:
    with pytest.raises(CommandError) as caught:
        call_command(
            "hubstaff_connect",
            "--org",
            org.slug,
            "--personal-access-token",
            "not-a-real-token",
            stdout=StringIO(),
        )
    assert "did not accept the personal access token" in str(caught.value)
    assert "not-a-real-token" not in str(caught.value)


def test_hubstaff_connect_needs_a_token(org: Organization, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUBSTAFF_PERSONAL_ACCESS_TOKEN", raising=False)
    with pytest.raises(CommandError, match="HUBSTAFF_PERSONAL_ACCESS_TOKEN"):
        call_command("hubstaff_connect", "--org", org.slug)


def test_hubstaff_connect_needs_a_known_organization(db: None) -> None:
    with pytest.raises(CommandError, match="No organization"):
        call_command("hubstaff_connect", "--org", "nope", "--personal-access-token", "x")


def raw_secrets(pk: int) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret, access_token, refresh_token FROM integrations_installation WHERE id = %s",
            [pk],
        )
        row: tuple[str, str, str] = cursor.fetchone()
        return row


def test_rotate_encryption_keys_reencrypts_with_the_newest_key(
    installation: Installation, settings: Settings
) -> None:
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    out = StringIO()

    call_command("rotate_encryption_keys", stdout=out)

    assert "integrations.Installation.client_secret: 1 re-encrypted" in out.getvalue()
    for ciphertext, plain in zip(
        raw_secrets(installation.pk),
        ["secret-456-do-not-leak", "access-token-aaa", "refresh-token-rrr"],
        strict=True,
    ):
        assert Fernet(new_key.encode()).decrypt(ciphertext.encode()).decode() == plain
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key can go now
    stored = Installation.objects.get(pk=installation.pk)
    assert (stored.client_secret, stored.access_token, stored.refresh_token) == (
        "secret-456-do-not-leak",
        "access-token-aaa",
        "refresh-token-rrr",
    )


def test_rotate_encryption_keys_skips_empty_values(org: Organization, settings: Settings) -> None:
    Installation.objects.create(organization=org, client_id="cid")
    call_command("rotate_encryption_keys", stdout=StringIO())
    assert raw_secrets(Installation.objects.get(organization=org).pk) == ("", "", "")


def test_rotate_encryption_keys_refuses_when_a_key_is_missing(
    installation: Installation, settings: Settings
) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    crypto._fernet.cache_clear()
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("rotate_encryption_keys", stdout=StringIO())
