"""Token lifecycle: refresh before expiry and on 401, rotation, the refresh lock, invalid_grant, secrecy."""

import base64
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import Settings
from responses import Call

from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import (
    HubstaffError,
    ReauthorizationRequired,
    TransientHubstaffError,
    installation_status_reason,
)
from integrations.models import Installation

from .conftest import ACCOUNT, API

pytestmark = pytest.mark.usefixtures("hubstaff_settings", "discovery_document")

TOKEN_URL = f"{ACCOUNT}/access_tokens"
ME = f"{API}/users/me"


def no_sleep(seconds: float) -> None:
    pass


def refreshed(
    access: str = "access-token-new", refresh: str = "refresh-token-new", expires_in: int = 7200
) -> dict[str, Any]:
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": expires_in,
        "scope": "openid profile email hubstaff:read",
    }


def form(call: Call) -> dict[str, list[str]]:
    """A token request's form fields."""
    body = call.request.body
    assert isinstance(body, str)
    return parse_qs(body)


def token_requests(mock: responses.RequestsMock) -> list[Call]:
    return [c for c in mock.calls if c.request.url == TOKEN_URL]


def test_a_token_about_to_expire_is_refreshed_first_and_the_rotated_pair_saved(
    installation: Installation, discovery_document: responses.RequestsMock
) -> None:
    Installation.objects.filter(pk=installation.pk).update(
        access_token_expires_at=timezone.now() + timedelta(seconds=30)
    )
    installation.refresh_from_db()
    discovery_document.post(TOKEN_URL, json=refreshed())
    discovery_document.get(ME, json={"user": {"id": 1}})

    client = HubstaffClient(installation, sleep=no_sleep)
    client.me()

    [call] = token_requests(discovery_document)
    body = form(call)
    assert body == {"grant_type": ["refresh_token"], "refresh_token": ["refresh-token-rrr"]}
    assert (
        call.request.headers["Authorization"]
        == "Basic " + base64.b64encode(b"client-123:secret-456-do-not-leak").decode()
    )
    assert discovery_document.calls[-1].request.headers["Authorization"] == "Bearer access-token-new"
    stored = Installation.objects.get(pk=installation.pk)
    assert (stored.access_token, stored.refresh_token) == ("access-token-new", "refresh-token-new")
    expires_at = stored.access_token_expires_at
    assert expires_at is not None and expires_at > timezone.now() + timedelta(hours=1, minutes=59)
    assert stored.last_refreshed_at is not None
    assert client.requests_made == 1 and client.token_requests_made == 1


def test_a_401_refreshes_once_and_retries(
    installation: Installation, discovery_document: responses.RequestsMock
) -> None:
    discovery_document.get(ME, status=401, json={"error": "token expired"})
    discovery_document.post(TOKEN_URL, json=refreshed())
    discovery_document.get(ME, json={"user": {"id": 1}})

    assert HubstaffClient(installation, sleep=no_sleep).me() == {"id": 1}

    assert len(token_requests(discovery_document)) == 1
    assert discovery_document.calls[-1].request.headers["Authorization"] == "Bearer access-token-new"


def test_a_second_401_after_refreshing_is_an_error_not_a_loop(
    installation: Installation, discovery_document: responses.RequestsMock
) -> None:
    discovery_document.get(ME, status=401, json={"error": "invalid token"})
    discovery_document.post(TOKEN_URL, json=refreshed())

    with pytest.raises(HubstaffError) as caught:
        HubstaffClient(installation, sleep=no_sleep).me()

    assert "does not accept the access token" in str(caught.value)
    assert len(token_requests(discovery_document)) == 1
    assert Installation.objects.get(pk=installation.pk).is_installed


def test_invalid_grant_marks_needs_reauthorization(
    installation: Installation, discovery_document: responses.RequestsMock
) -> None:
    discovery_document.get(ME, status=401, json={"error": "token expired"})
    discovery_document.post(
        TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "refresh token revoked"}
    )

    with pytest.raises(ReauthorizationRequired) as caught:
        HubstaffClient(installation, sleep=no_sleep).me()

    stored = Installation.objects.get(pk=installation.pk)
    assert stored.status == Installation.Status.NEEDS_REAUTHORIZATION
    assert "invalid_grant" in stored.status_reason
    assert stored.access_token == "" and stored.refresh_token == ""
    assert installation.needs_reauthorization  # the caller's instance too
    assert "re-authorize" in str(caught.value)


def test_a_marked_installation_sends_nothing(
    installation: Installation, discovery_document: responses.RequestsMock
) -> None:
    Installation.objects.filter(pk=installation.pk).update(status=Installation.Status.NEEDS_REAUTHORIZATION)
    installation.refresh_from_db()
    with pytest.raises(ReauthorizationRequired):
        HubstaffClient(installation, sleep=no_sleep).me()
    assert not [c for c in discovery_document.calls if (c.request.url or "").startswith(API)]


def test_no_refresh_token_needs_reauthorization(
    installation: Installation, discovery_document: responses.RequestsMock
) -> None:
    Installation.objects.filter(pk=installation.pk).update(
        refresh_token="", access_token_expires_at=timezone.now()
    )
    installation.refresh_from_db()
    with pytest.raises(ReauthorizationRequired):
        HubstaffClient(installation, sleep=no_sleep).me()
    assert Installation.objects.get(pk=installation.pk).needs_reauthorization


def test_a_token_refreshed_meanwhile_by_another_worker_is_used_instead_of_refreshing(
    installation: Installation, discovery_document: responses.RequestsMock
) -> None:
    """Our copy is stale and expiring; under the lock we see another worker's fresh token and take it."""
    installation.access_token_expires_at = timezone.now() + timedelta(seconds=5)
    Installation.objects.filter(pk=installation.pk).update(
        access_token_expires_at=installation.access_token_expires_at
    )
    other = Installation.objects.get(pk=installation.pk)
    other.access_token, other.refresh_token = "access-by-other-worker", "refresh-by-other-worker"
    other.access_token_expires_at = timezone.now() + timedelta(hours=2)
    other.save()
    discovery_document.get(ME, json={"user": {"id": 1}})

    HubstaffClient(installation, sleep=no_sleep).me()

    assert token_requests(discovery_document) == []
    assert discovery_document.calls[-1].request.headers["Authorization"] == "Bearer access-by-other-worker"
    assert installation.refresh_token == "refresh-by-other-worker"


def test_refresh_takes_a_row_lock(
    installation: Installation, discovery_document: responses.RequestsMock
) -> None:
    installation.access_token_expires_at = timezone.now()
    discovery_document.post(TOKEN_URL, json=refreshed())
    discovery_document.get(ME, json={"user": {"id": 1}})

    with CaptureQueriesContext(connection) as queries:
        HubstaffClient(installation, sleep=no_sleep).me()
    locking = [
        q["sql"] for q in queries if "integrations_installation" in q["sql"] and q["sql"].startswith("SELECT")
    ]
    if connection.features.has_select_for_update:
        assert any("FOR UPDATE" in sql for sql in locking)


def test_a_token_endpoint_outage_is_transient_and_does_not_mark_the_installation(
    installation: Installation, discovery_document: responses.RequestsMock, settings: Settings
) -> None:
    installation.access_token_expires_at = timezone.now()
    discovery_document.post(TOKEN_URL, status=503, body="<html>down</html>")

    with pytest.raises(TransientHubstaffError):
        HubstaffClient(installation, sleep=no_sleep).me()

    assert len(token_requests(discovery_document)) == settings.HUBSTAFF_MAX_RETRIES + 1
    assert Installation.objects.get(pk=installation.pk).is_installed


def test_personal_access_token_installations_refresh_without_client_credentials(
    installation: Installation, discovery_document: responses.RequestsMock
) -> None:
    Installation.objects.filter(pk=installation.pk).update(
        client_id="", client_secret="", access_token_expires_at=timezone.now()
    )
    installation.refresh_from_db()
    discovery_document.post(TOKEN_URL, json=refreshed())
    discovery_document.get(ME, json={"user": {"id": 1}})

    HubstaffClient(installation, sleep=no_sleep).me()

    [call] = token_requests(discovery_document)
    assert "Authorization" not in call.request.headers
    assert form(call) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["refresh-token-rrr"],
    }


def test_secrets_are_encrypted_at_rest(installation: Installation) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret, access_token, refresh_token FROM integrations_installation WHERE id = %s",
            [installation.pk],
        )
        row = cursor.fetchone()
    assert (
        "secret-456-do-not-leak" not in row[0]
        and "access-token-aaa" not in row[1]
        and "refresh-token-rrr" not in row[2]
    )
    stored = Installation.objects.get(pk=installation.pk)
    assert (stored.client_secret, stored.access_token, stored.refresh_token) == (
        "secret-456-do-not-leak",
        "access-token-aaa",
        "refresh-token-rrr",
    )


def test_no_secret_reaches_a_log_line_or_an_error(
    installation: Installation, discovery_document: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("requests_oauthlib").setLevel(logging.DEBUG)
    logging.getLogger("oauthlib").setLevel(logging.DEBUG)
    installation.access_token_expires_at = timezone.now()
    discovery_document.post(TOKEN_URL, json=refreshed(access="access-SECRET-1", refresh="refresh-SECRET-1"))
    discovery_document.get(ME, status=401, json={"error": "token expired"})
    discovery_document.post(
        TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "revoked"}
    )

    with pytest.raises(ReauthorizationRequired) as caught:
        HubstaffClient(installation, sleep=no_sleep).me()

    secrets = [
        "secret-456-do-not-leak",
        "access-token-aaa",
        "refresh-token-rrr",
        "access-SECRET-1",
        "refresh-SECRET-1",
        base64.b64encode(b"client-123:secret-456-do-not-leak").decode(),
    ]
    assert caplog.records, "the client logs what it does"
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in str(caught.value)
    assert secret not in Installation.objects.get(pk=installation.pk).status_reason


def test_status_reason_texts() -> None:
    assert installation_status_reason(None).startswith("Hubstaff is not installed")
    installed = Installation(status=Installation.Status.INSTALLED)
    assert installation_status_reason(installed) == "Hubstaff is properly installed."
    marked = Installation(
        status=Installation.Status.NEEDS_REAUTHORIZATION,
        status_reason="Hubstaff refused to renew the access (invalid_grant).",
    )
    assert installation_status_reason(marked) == (
        "Hubstaff refused to renew the access (invalid_grant). "
        "An administrator must re-authorize Hubstaff on the Integrations page."
    )
    assert "waiting" in installation_status_reason(Installation(status=Installation.Status.PENDING))
