"""Secrets at rest and in logs: after a real install, token refreshes and a sync, no client secret or token appears in
plain text in any table (sessions decoded) or in any captured log line; and the encryption key can be rotated without
losing an installation.
"""

import logging
from datetime import date, timedelta

import pytest
from cryptography.fernet import Fernet
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from integrations.hubstaff.client import HubstaffClient
from integrations.models import Installation
from integrations.services import runs, sync
from integrations.services.links import update_link
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory

from .conftest import consent


def dump_database():
    """Every row of every table as text; session data decoded (it is only signed, not encrypted)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names come from the database itself
            chunks.extend(f"{table}: {row!r}" for row in cursor.fetchall())
    for session in Session.objects.all():
        chunks.append(f"session {session.session_key}: {session.get_decoded()!r}")
    return "\n".join(chunks)


def secrets_of(installation, app, seen):
    installation.refresh_from_db()
    seen |= {app["client_secret"], installation.access_token, installation.refresh_token}
    return seen


@pytest.fixture
def installed_and_synced(capfd, caplog, admin_client, org, hs, hubstaff_app):
    """The full life: install by OAuth, refresh (rotation), link and sync; returns every secret value ever held."""
    caplog.set_level(
        logging.DEBUG
    )  # DEBUG everywhere: oauthlib logs whole tokens at DEBUG, the app must filter them
    response = admin_client.post(
        f"/{org.slug}/integrations/hubstaff/install/",
        {"client_id": hubstaff_app["client_id"], "client_secret": hubstaff_app["client_secret"]},
    )
    callback = consent(hs, response["Location"])
    code = callback.split("code=")[1].split("&")[0]
    assert admin_client.get(callback).status_code == 302
    installation = Installation.objects.get(organization=org)
    assert installation.status == Installation.Status.INSTALLED
    seen = secrets_of(installation, hubstaff_app, {code})

    # An expired access token: the client refreshes (the refresh token rotates); both generations are secrets.
    Installation.objects.filter(pk=installation.pk).update(
        access_token_expires_at=timezone.now() - timedelta(seconds=1)
    )
    installation.refresh_from_db()
    HubstaffClient(installation).me()
    seen = secrets_of(installation, hubstaff_app, seen)
    assert len(seen) == 6  # client secret, code, two access tokens, two refresh tokens

    project = ProjectFactory(
        organization=org, name="Project A", start_date=date(2026, 1, 1), end_date=date(2026, 9, 22)
    )
    AssignmentFactory(project=project, person=PersonFactory(organization=org, email="bobby@acme.test"))
    update_link(
        project,
        enabled=True,
        hubstaff_project_ids=[hs.ids()["projects"]["Project A"]],
        prevent_new_assignments=False,
        trim_assignments=False,
    )
    run = sync.run_sync(runs.request_sync(project, mode="reset", trigger="manual").pk)
    assert run.status == "succeeded", run.error
    return installation, seen


def test_no_secret_is_stored_in_plain_text_in_any_table(installed_and_synced):
    _, secrets = installed_and_synced
    dump = dump_database()
    assert "hubstaff_integration" in dump or "integrations_installation" in dump
    for secret in secrets:
        assert secret and secret not in dump, f"a secret ({secret[:6]}...) is stored in plain text"


def test_no_secret_reaches_a_log_line(installed_and_synced, caplog, capfd):
    _, secrets = installed_and_synced
    records = caplog.get_records("setup") + caplog.get_records("call")
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in records)
    out, err = capfd.readouterr()
    assert any("installed" in r.getMessage() for r in records)  # the install and the sync did log
    assert any(r.levelno == logging.DEBUG for r in records)  # at DEBUG too
    for secret in secrets:
        assert secret not in logged and secret not in out and secret not in err, f"{secret[:6]}... was logged"


def test_the_encrypted_columns_hold_fernet_tokens(installed_and_synced):
    installation, _ = installed_and_synced
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret, access_token, refresh_token FROM integrations_installation WHERE id = %s",
            [installation.pk],
        )
        stored = cursor.fetchone()
    assert all(value.startswith("gAAAA") for value in stored)  # Fernet's version byte, base64


def test_rotating_the_encryption_key_keeps_every_installation(installed_and_synced, settings, hs):
    installation, _ = installed_and_synced
    before = (
        Installation.objects.filter(pk=installation.pk)
        .values_list("client_secret", "access_token", "refresh_token")
        .get()
    )
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()

    settings.FIELD_ENCRYPTION_KEYS = [new_key, *old_keys]
    call_command("rotate_encryption_keys")
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone

    installation = Installation.objects.get(pk=installation.pk)
    assert (installation.client_secret, installation.access_token, installation.refresh_token) == before
    assert HubstaffClient(installation).me()["email"] == "alice@acme.test"
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM integrations_installation WHERE id = %s", [installation.pk])
        (ciphertext,) = cursor.fetchone()
    assert Fernet(new_key.encode()).decrypt(ciphertext.encode()).decode() == before[1]


def stored_ciphertext(installation):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret, access_token, refresh_token FROM integrations_installation WHERE id = %s",
            [installation.pk],
        )
        return cursor.fetchone()


def test_rotating_without_the_old_key_fails_clearly_and_loses_nothing(installed_and_synced, settings):
    installation, _ = installed_and_synced
    secrets_before = (
        Installation.objects.filter(pk=installation.pk)
        .values_list("client_secret", "access_token", "refresh_token")
        .get()
    )
    stored_before = stored_ciphertext(installation)
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old key forgotten by mistake
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("rotate_encryption_keys")
    assert stored_ciphertext(installation) == stored_before, "nothing was re-encrypted half-way"
    settings.FIELD_ENCRYPTION_KEYS = old_keys
    secrets_after = (
        Installation.objects.filter(pk=installation.pk)
        .values_list("client_secret", "access_token", "refresh_token")
        .get()
    )
    assert secrets_after == secrets_before and all(secrets_after)
