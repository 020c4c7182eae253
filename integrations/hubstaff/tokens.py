"""An installation's tokens and shared rate limit, as stored on its `Installation` row.

The client never writes the row itself: it asks `InstallationTokens` for an access token (refreshed shortly
before it expires, and once on a 401) and records a 429's end with `record_rate_limit`.

- A refresh holds the row lock (SELECT ... FOR UPDATE) across the token request, so that two workers never
  spend the same (rotating) refresh token; a worker that waited for the lock takes the token the other one got.
- A refused refresh marks the installation *needs re-authorization*, forgets the dead tokens and raises
  `ReauthorizationRequired`.
- `request_token_refresh` and `store_tokens` are also the personal-access-token install's (services/installation.py).

Secrets never reach a log line or an exception message.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from oauthlib.oauth2 import OAuth2Error
from requests_oauthlib import OAuth2Session

from integrations import notifications
from integrations.models import Installation
from primetric import counters

from . import discovery
from .errors import (
    HubstaffError,
    ReauthorizationRequired,
    TransientHubstaffError,
    Uninstalled,
    describe_token_error,
    installation_status_reason,
)
from .retries import MAX_RETRY_AFTER, Sleep, backoff_delay

logger = logging.getLogger(__name__)

# Refresh when the access token has less than this left, so that a request never starts with a dying token.
REFRESH_MARGIN = timedelta(seconds=60)
# Errors of the token endpoint that mean Hubstaff will never accept this refresh token again.
REFUSALS = ("invalid_grant", "invalid_client", "unauthorized_client")

TOKEN_FIELDS = [
    "access_token",
    "refresh_token",
    "access_token_expires_at",
    "scope",
    "last_refreshed_at",
    "updated_at",
]
# What a client copies from the row after another worker (or it, under the lock) changed it.
_ADOPTED_FIELDS = (
    "access_token",
    "refresh_token",
    "access_token_expires_at",
    "scope",
    "last_refreshed_at",
    "status",
    "status_reason",
    "rate_limited_until",
)


# --- the token endpoint


@sensitive_variables()
def token_auth(installation: Installation) -> requests.auth.HTTPBasicAuth | None:
    """Client authentication for the token endpoint: HTTP Basic like Hubstaff's own CLI.

    A personal-access-token installation has no client credentials and refreshes without them.
    """
    if installation.client_id and installation.client_secret:
        return requests.auth.HTTPBasicAuth(installation.client_id, installation.client_secret)
    return None


def raise_for_token_endpoint_status(response: requests.Response) -> requests.Response:
    """Compliance hook: a 5xx or non-JSON answer of the token endpoint is transient, not an OAuth verdict."""
    if response.status_code >= 400:
        counters.add(counters.HUBSTAFF_ERRORS, "token", str(response.status_code))
    if response.status_code >= 500:
        raise TransientHubstaffError(
            f"Hubstaff's token endpoint answered {response.status_code}; try again later."
        )
    return response


@sensitive_variables()
def request_token_refresh(
    installation: Installation, refresh_token: str, *, sleep: Sleep = time.sleep
) -> dict[str, Any]:
    """Spend `refresh_token` at Hubstaff's token endpoint and return the new token response.

    Retries 5xx and connection errors; a refusal (`invalid_grant`, `invalid_client`) raises oauthlib's
    OAuth2Error for the caller to judge. Used by the client and by the personal-access-token install.
    """
    token_url = discovery.token_endpoint()
    attempts = 0
    while True:
        oauth = OAuth2Session(client_id=installation.client_id or None)
        oauth.register_compliance_hook("refresh_token_response", raise_for_token_endpoint_status)
        try:
            token: dict[str, Any] = oauth.refresh_token(
                token_url,
                refresh_token=refresh_token,
                auth=token_auth(installation),
                timeout=settings.HUBSTAFF_REQUEST_TIMEOUT,
                headers={"Accept": "application/json"},
            )
            return token
        except (requests.ConnectionError, requests.Timeout, TransientHubstaffError) as exc:
            if not isinstance(exc, TransientHubstaffError):
                counters.add(
                    counters.HUBSTAFF_ERRORS,
                    "token",
                    "timeout" if isinstance(exc, requests.Timeout) else "connection",
                )
            attempts += 1
            if attempts > settings.HUBSTAFF_MAX_RETRIES:
                if isinstance(exc, TransientHubstaffError):
                    raise
                raise TransientHubstaffError(
                    "Hubstaff's token endpoint could not be reached; try again later."
                ) from None
            sleep(backoff_delay(attempts))
        finally:
            oauth.close()


# --- storage


def expires_at_from(token: dict[str, Any]) -> datetime | None:
    expires_in = token.get("expires_in")
    if expires_in is None:
        return None
    try:
        seconds = float(expires_in)
    except (TypeError, ValueError):
        return None
    return timezone.now() + timedelta(seconds=seconds)


@sensitive_variables()
def store_tokens(installation: Installation, token: dict[str, Any], *, refreshed: bool = True) -> None:
    """Put a token response on the installation (in memory; the caller saves)."""
    installation.access_token = token["access_token"]
    # Hubstaff rotates refresh tokens; keep the old one only if none came back (then it was not rotated).
    installation.refresh_token = token.get("refresh_token") or installation.refresh_token
    installation.access_token_expires_at = expires_at_from(token)
    scope = token.get("scope")
    if scope:
        installation.scope = " ".join(scope) if isinstance(scope, (list, tuple)) else str(scope)
    if refreshed:
        installation.last_refreshed_at = timezone.now()


def mark_needs_reauthorization(installation: Installation, reason: str) -> None:
    """Record that Hubstaff refused this installation's tokens; forget the dead tokens. Saves immediately."""
    installation.status = Installation.Status.NEEDS_REAUTHORIZATION
    installation.status_reason = reason
    installation.access_token = ""
    installation.refresh_token = ""
    installation.access_token_expires_at = None
    Installation.objects.filter(pk=installation.pk).update(
        status=installation.status,
        status_reason=reason,
        access_token="",
        refresh_token="",
        access_token_expires_at=None,
        updated_at=timezone.now(),
    )
    logger.warning("hubstaff installation %s needs re-authorization: %s", installation.pk, reason)
    notifications.installation_changed(installation)


# --- the rate limit every worker of an installation shares


def recorded_rate_limit(installation: Installation) -> datetime | None:
    """The end of the rate limit some worker of the installation recorded (None if none, or not saved); never
    more than retries.MAX_RETRY_AFTER ahead, whatever the row holds. Raises Uninstalled if the installation is
    gone."""
    if not installation.pk:
        return None
    row = Installation.objects.filter(pk=installation.pk).values_list("rate_limited_until").first()
    if row is None:
        raise Uninstalled()  # the client reads this every few seconds: it stops within them
    until = row[0]
    latest = timezone.now() + timedelta(seconds=MAX_RETRY_AFTER)
    return min(until, latest) if until is not None else None


def record_rate_limit(installation: Installation, until: datetime) -> None:
    """Tell every worker of the installation that Hubstaff accepts no request before `until`."""
    installation.rate_limited_until = until
    if installation.pk:
        Installation.objects.filter(pk=installation.pk).filter(
            Q(rate_limited_until__isnull=True) | Q(rate_limited_until__lt=until)
        ).update(rate_limited_until=until)


# --- a client's tokens


def _expiring(installation: Installation) -> bool:
    expires_at = installation.access_token_expires_at
    return expires_at is not None and expires_at - timezone.now() < REFRESH_MARGIN


class InstallationTokens:
    """The access token of one installation as one client uses it (not thread-safe, as the client)."""

    def __init__(self, installation: Installation, *, sleep: Sleep = time.sleep) -> None:
        self.installation = installation
        self.sleep = sleep
        self.requests_made = 0  # refreshes sent to the token endpoint

    @sensitive_variables()
    def access_token(self) -> str:
        """A token that does not expire within REFRESH_MARGIN, refreshed first if needed."""
        installation = self.installation
        if installation.needs_reauthorization:
            raise ReauthorizationRequired(installation_status_reason(installation))
        if not installation.access_token or _expiring(installation):
            self.refresh(stale_access_token=installation.access_token)
        return self.installation.access_token

    @sensitive_variables()
    def refresh(self, *, stale_access_token: str) -> None:
        """Get a new access token, unless another worker already did while we waited for the lock."""
        with transaction.atomic():
            try:
                current = Installation.objects.select_for_update().get(pk=self.installation.pk)
            except Installation.DoesNotExist:
                raise Uninstalled() from None
            refusal = self._refresh_locked(current, stale_access_token)
        if refusal:
            mark_needs_reauthorization(self.installation, refusal)
            raise ReauthorizationRequired(installation_status_reason(self.installation))
        self._adopt(current)

    @sensitive_variables()
    def _refresh_locked(self, current: Installation, stale_access_token: str) -> str | None:
        """Under the row lock: renew `current`'s tokens and save them; the refusal's reason if Hubstaff refused."""
        if current.needs_reauthorization:
            self._adopt(current)
            raise ReauthorizationRequired(installation_status_reason(current))
        if current.access_token and current.access_token != stale_access_token and not _expiring(current):
            return None  # another worker refreshed already: use theirs
        if not current.refresh_token:
            return "Hubstaff gave no refresh token, so the access cannot be renewed."
        self.requests_made += 1
        try:
            token = request_token_refresh(current, current.refresh_token, sleep=self.sleep)
        except OAuth2Error as exc:
            if getattr(exc, "error", "") not in REFUSALS:
                raise HubstaffError(
                    f"Hubstaff's token endpoint answered with an error ({describe_token_error(exc)})."
                ) from None
            return f"Hubstaff refused to renew the access ({describe_token_error(exc)})."
        store_tokens(current, token)
        current.save(update_fields=TOKEN_FIELDS)
        logger.info("hubstaff installation %s: access token refreshed", current.pk)
        return None

    @sensitive_variables()
    def _adopt(self, current: Installation) -> None:
        for name in _ADOPTED_FIELDS:
            setattr(self.installation, name, getattr(current, name))
