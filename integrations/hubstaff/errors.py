"""What can go wrong with Hubstaff, and the sentences users read about it.

Every exception's `str()` is a reason a user may read: it never holds a secret (a token, a client secret, a
code), so views and sync runs show it as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import requests
from oauthlib.oauth2 import OAuth2Error

from people.text import clean_text

if TYPE_CHECKING:
    from integrations.models import Installation


class HubstaffError(Exception):
    """Something went wrong talking to Hubstaff."""


class ReauthorizationRequired(HubstaffError):
    """Hubstaff refused to refresh the tokens (or there is none): an administrator must authorize again.

    The installation is already marked *needs re-authorization* when this is raised.
    """


class Uninstalled(ReauthorizationRequired):
    """The installation was deleted (uninstalled) while a client was using it: no further request is sent."""

    def __init__(self, message: str = "The Hubstaff integration was uninstalled."):
        super().__init__(message)


class RateLimited(HubstaffError):
    """Hubstaff's rate limit is reached for longer than we are willing to wait inside one call."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = float(retry_after)

    @classmethod
    def for_seconds(cls, wait: float) -> RateLimited:
        return cls(
            f"Hubstaff's rate limit is reached; it accepts requests again in {wait:.0f} seconds.", wait
        )


class TransientHubstaffError(HubstaffError):
    """5xx answers, timeouts or connection errors that persisted through every retry."""


class MalformedResponse(HubstaffError):
    """Hubstaff answered 200 with a body that is not JSON or lacks the expected key."""


class Rejected(HubstaffError):
    """Hubstaff answered 400 "Invalid parameters": it refused what was asked (its `error` text says why)."""


class Refused(HubstaffError):
    """Hubstaff answered 403: the organization's plan is not active, or the account may not see this.

    The tokens are fine: the installation is not marked as needing re-authorization.
    """


class NotFound(HubstaffError):
    """Hubstaff answered 404: it does not know the resource (an endpoint the organization's plan lacks)."""


class AuthorizationFailed(HubstaffError):
    """The authorization did not complete; `str()` says why in words an administrator can act on."""


class ClientCredentialsRejected(AuthorizationFailed):
    """Hubstaff refused the app's Client ID and secret (invalid_client): the saved secret is not worth keeping."""


def describe_token_error(exc: Exception) -> str:
    """A user-readable reason from an oauthlib error, without echoing anything secret."""
    if isinstance(exc, OAuth2Error):
        error = clean_text(getattr(exc, "error", "") or "") or "error"
        description = clean_text(getattr(exc, "description", "") or "")
        return f"{error}: {description}" if description and description != error else error
    return exc.__class__.__name__


def refusal(path: str, response: requests.Response, method: str = "GET") -> str:
    """Why Hubstaff refused `method` `path` (a 4xx other than 429), with the start of its `error`."""
    try:
        detail = response.json().get("error")
    except (ValueError, AttributeError):
        detail = None
    detail = clean_text(str(detail))[:200] if detail else ""  # Hubstaff's text, shown and stored
    what = {
        400: "Hubstaff rejected the request",
        401: "Hubstaff does not accept the access token",
        403: "Hubstaff refused access",
        404: "Hubstaff does not know this resource",
    }.get(response.status_code, f"Hubstaff answered {response.status_code}")
    return f"{what} ({method} {path}){': ' + detail if detail else ''}."


def refusal_error(path: str, response: requests.Response, method: str = "GET") -> HubstaffError:
    """The exception for a 4xx other than 401 and 429: Rejected (400), Refused (403), NotFound (404) or
    HubstaffError.

    Never branches on Hubstaff's `code` or `error_code` (not published); the status and `error` say enough.
    """
    kind = {400: Rejected, 403: Refused, 404: NotFound}.get(response.status_code, HubstaffError)
    return kind(refusal(path, response, method))


def installation_status_reason(installation: Installation | None) -> str:
    """One sentence for pages: the installation's state and, when it is not working, why and what to do."""
    if installation is None:
        return "Hubstaff is not installed. An administrator can install it on the Integrations page."
    if installation.is_installed:
        return "Hubstaff is properly installed."
    if installation.needs_reauthorization:
        reason = installation.status_reason or "Hubstaff no longer accepts this installation's authorization."
        return f"{reason} An administrator must re-authorize Hubstaff on the Integrations page."
    return "Hubstaff is waiting for an administrator to finish the authorization on the Integrations page."
