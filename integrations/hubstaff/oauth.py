"""The install flow's OAuth 2.0 / OpenID Connect steps (authorization code + PKCE).

1. `begin_authorization` puts a random `state`, a `nonce` and a PKCE verifier in the session, bound to the user,
   the organization and its installation, and returns Hubstaff's authorization URL.
2. Hubstaff sends the browser back to the one callback URL (org-independent, registered once per Hubstaff app).
   `pop_pending` *pops* what step 1 stored, so that a replayed callback finds nothing; a missing or different
   `state` is refused.
3. `exchange_code` trades the code (with the PKCE verifier) for tokens at the token endpoint, and
   `validate_id_token` checks the ID token: signature (JWKS), issuer, audience = client id, nonce, expiry.

No ORM writes here: services/installation.py stores the result.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import jwt
import requests
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.debug import sensitive_variables
from oauthlib.oauth2 import OAuth2Error, WebApplicationClient
from requests_oauthlib import OAuth2Session

from integrations.models import Installation

from . import discovery
from .errors import (
    AuthorizationFailed,
    ClientCredentialsRejected,
    TransientHubstaffError,
    describe_token_error,
)
from .tokens import raise_for_token_endpoint_status, token_auth

if TYPE_CHECKING:
    from jwt.algorithms import AllowedPublicKeys

# hubstaff:write: creating the webhooks of live updates (services/live.py); syncs only read.
SCOPES = ["openid", "profile", "email", "hubstaff:read", "hubstaff:write"]
# The session keeps the authorizations started and not yet completed, by state: an administrator may start one in
# two tabs, and allowing access in the older must not cancel the newer. A few at most, the oldest dropped first.
SESSION_KEY = "hubstaff_authorizations"
MAX_PENDING = 5
# How long a started authorization may take (sign-in and consent at Hubstaff included).
PENDING_LIFETIME = 30 * 60
# Signature algorithms we accept for ID tokens (never "none" nor a shared-secret HMAC).
ASYMMETRIC_ALGORITHMS = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
CLOCK_SKEW = 60


def callback_url() -> str:
    """The absolute Redirect URL to register at Hubstaff: one per site, the same for every organization."""
    site: str = settings.SITE_URL
    return site.rstrip("/") + reverse("hubstaff_callback")


@sensitive_variables()
def begin_authorization(request: HttpRequest, installation: Installation) -> str:
    """Remember a new authorization attempt in the session and return the URL of Hubstaff's consent page."""
    client = WebApplicationClient(installation.client_id)
    verifier = client.create_code_verifier(64)
    challenge = client.create_code_challenge(verifier, "S256")
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    redirect_uri = callback_url()
    endpoint = discovery.authorization_endpoint()
    pendings = _live_pendings(request.session)
    pendings[state] = {
        "state": state,
        "nonce": nonce,
        "code_verifier": verifier,
        "redirect_uri": redirect_uri,
        "organization_id": installation.organization_id,
        "installation_id": installation.pk,
        "client_id": installation.client_id,
        "user_id": request.user.pk,
        "started_at": time.time(),
    }
    newest = sorted(pendings.items(), key=lambda item: item[1]["started_at"])[-MAX_PENDING:]
    request.session[SESSION_KEY] = dict(newest)
    oauth = OAuth2Session(client_id=installation.client_id, redirect_uri=redirect_uri, scope=SCOPES)
    url: str
    url, _ = oauth.authorization_url(
        endpoint, state=state, nonce=nonce, code_challenge=challenge, code_challenge_method="S256"
    )
    return url


def _live_pendings(session: SessionBase) -> dict[str, dict[str, Any]]:
    """The started authorizations, by state, without those past PENDING_LIFETIME (or of an unknown shape)."""
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return {}
    now = time.time()
    return {
        key: pending
        for key, pending in stored.items()
        if isinstance(pending, dict) and now - float(pending.get("started_at", 0)) <= PENDING_LIFETIME
    }


@sensitive_variables()
def pop_pending(request: HttpRequest, state: str | None) -> dict[str, Any] | None:
    """What `begin_authorization` stored under `state`, removed from the session; the others stay.

    A callback with no state or an unknown one forgets every pending authorization: it was not started here.
    """
    stored = request.session.get(SESSION_KEY)
    stored = stored if isinstance(stored, dict) else {}
    key = next((k for k in stored if state and constant_time_compare(str(k), state)), None)
    if key is None or state is None:  # no state finds no key
        request.session.pop(SESSION_KEY, None)
        return None
    pending = stored.pop(key)
    request.session[SESSION_KEY] = stored  # reassigned, so that the session is saved
    if not isinstance(pending, dict) or not constant_time_compare(str(pending.get("state", "")), state):
        return None
    if pending.get("user_id") != request.user.pk:
        return None
    if time.time() - float(pending.get("started_at", 0)) > PENDING_LIFETIME:
        return None
    return pending


def describe_callback_error(params: Mapping[str, str]) -> str:
    """A clear sentence for `error=...` sent back by Hubstaff instead of a code."""
    error = (params.get("error") or "").strip()[:100]
    description = (params.get("error_description") or "").strip()[:300]
    if error == "access_denied":
        return "Hubstaff's authorization was denied, so nothing was changed. Click Authorize to try again."
    text = f"Hubstaff did not authorize Primetric ({error}"
    text += f": {description})." if description else ")."
    if error in ("invalid_scope", "unauthorized_client", "invalid_request"):
        text += " Check the app's settings at Hubstaff, then click Authorize again."
    return text


@sensitive_variables()
def exchange_code(installation: Installation, code: str, pending: dict[str, Any]) -> dict[str, Any]:
    """Trade the authorization code (and the PKCE verifier) for tokens. Raises AuthorizationFailed."""
    token_url = discovery.token_endpoint()
    oauth = OAuth2Session(client_id=installation.client_id, redirect_uri=pending["redirect_uri"])
    oauth.register_compliance_hook("access_token_response", raise_for_token_endpoint_status)
    try:
        token: dict[str, Any] = oauth.fetch_token(
            token_url,
            code=code,
            code_verifier=pending["code_verifier"],
            auth=token_auth(installation),
            timeout=settings.HUBSTAFF_REQUEST_TIMEOUT,
            headers={"Accept": "application/json"},
        )
        return token
    except OAuth2Error as exc:
        error = getattr(exc, "error", "")
        if error == "invalid_client":
            raise ClientCredentialsRejected(
                "Hubstaff did not accept the Client ID and Client secret (invalid_client). Copy both again from the "
                "app you created at Hubstaff, then click Authorize."
            ) from None
        raise AuthorizationFailed(
            f"Hubstaff refused to issue tokens ({describe_token_error(exc)}). Click Authorize to start again."
        ) from None
    except (requests.Timeout, requests.ConnectionError):
        raise TransientHubstaffError(
            "Hubstaff's token endpoint could not be reached; try again later."
        ) from None
    finally:
        oauth.close()


@sensitive_variables()
def _signing_key(token: str, algorithm: str) -> AllowedPublicKeys:
    kid = jwt.get_unverified_header(token).get("kid")
    for refresh in (False, True):
        keys = [k for k in discovery.jwks(refresh=refresh).get("keys", []) if isinstance(k, dict)]
        candidates = [k for k in keys if kid is None or k.get("kid") == kid]
        if kid is None and len(candidates) > 1:
            candidates = [k for k in candidates if k.get("use", "sig") == "sig"][:1]
        if candidates:
            key: AllowedPublicKeys = jwt.PyJWK(candidates[0], algorithm=algorithm).key
            return key
    raise AuthorizationFailed("Hubstaff's ID token is signed with a key Hubstaff does not publish.")


@sensitive_variables()
def validate_id_token(id_token: str | None, *, client_id: str, nonce: str) -> dict[str, Any]:
    """The ID token's claims after checking signature, issuer, audience, nonce and expiry."""
    if not id_token:
        raise AuthorizationFailed("Hubstaff sent no ID token, so the sign-in cannot be verified. Try again.")
    config = discovery.configuration()
    try:
        algorithm = jwt.get_unverified_header(id_token).get("alg")
    except jwt.PyJWTError:
        raise AuthorizationFailed("Hubstaff's ID token is not a valid JWT.") from None
    supported = set(config.get("id_token_signing_alg_values_supported") or ["RS256"])
    if not isinstance(algorithm, str) or algorithm not in supported & ASYMMETRIC_ALGORITHMS:
        raise AuthorizationFailed(
            f"Hubstaff's ID token uses an unexpected signature algorithm ({algorithm})."
        )
    try:
        claims = jwt.decode(
            id_token,
            _signing_key(id_token, algorithm),
            algorithms=[algorithm],
            audience=client_id,
            issuer=config["issuer"],
            leeway=CLOCK_SKEW,
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthorizationFailed(
            "Hubstaff's ID token has expired. Click Authorize to start again."
        ) from None
    except jwt.InvalidAudienceError:
        raise AuthorizationFailed("Hubstaff's ID token was issued to another application.") from None
    except jwt.InvalidIssuerError:
        raise AuthorizationFailed("Hubstaff's ID token comes from an unexpected issuer.") from None
    except jwt.PyJWTError as exc:
        raise AuthorizationFailed(
            f"Hubstaff's ID token could not be verified ({exc.__class__.__name__})."
        ) from None
    if not constant_time_compare(str(claims.get("nonce", "")), nonce):
        raise AuthorizationFailed("Hubstaff's ID token does not answer this authorization request (nonce).")
    return claims
