"""Hubstaff's OpenID Connect discovery document and signing keys.

Endpoints are never hard-coded: they come from `<HUBSTAFF_ACCOUNT_URL>/.well-known/openid-configuration`, which
Hubstaff asks clients to cache for a week. The signing keys (JWKS) are fetched when an ID token is checked and
fetched again once if the token names a key we do not know (Hubstaff rotated its keys).
"""

from __future__ import annotations

import hashlib
from typing import Any, NotRequired, TypedDict, cast

import requests
from django.conf import settings
from django.core.cache import cache

from .errors import MalformedResponse, TransientHubstaffError

DISCOVERY_TTL = 7 * 24 * 3600
JWKS_TTL = 3600
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class OpenIDConfiguration(TypedDict):
    """The discovery document's keys we read; `configuration` checks that the REQUIRED ones are set."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    id_token_signing_alg_values_supported: NotRequired[list[str]]


def _cache_key(kind: str, url: str) -> str:
    return f"hubstaff:{kind}:{hashlib.sha256(url.encode()).hexdigest()[:32]}"


def _fetch_json(url: str, what: str) -> dict[str, Any]:
    try:
        response = requests.get(
            url, timeout=settings.HUBSTAFF_REQUEST_TIMEOUT, headers={"Accept": "application/json"}
        )
    except (requests.Timeout, requests.ConnectionError):
        raise TransientHubstaffError(f"Hubstaff's {what} could not be reached ({url}).") from None
    if response.status_code >= 500:
        raise TransientHubstaffError(f"Hubstaff's {what} answered {response.status_code}; try again later.")
    if response.status_code != 200:
        raise MalformedResponse(f"Hubstaff's {what} answered {response.status_code} ({url}).")
    try:
        body = response.json()
    except ValueError:
        raise MalformedResponse(f"Hubstaff's {what} is not valid JSON ({url}).") from None
    if not isinstance(body, dict):
        raise MalformedResponse(f"Hubstaff's {what} is not a JSON object ({url}).")
    return body


def configuration() -> OpenIDConfiguration:
    """The discovery document of settings.HUBSTAFF_ACCOUNT_URL (cached for a week)."""
    url = settings.HUBSTAFF_ACCOUNT_URL.rstrip("/") + "/.well-known/openid-configuration"
    key = _cache_key("oidc", url)
    document = cache.get(key)
    if document is None:
        document = _fetch_json(url, "OpenID configuration")
        missing = [name for name in REQUIRED if not document.get(name)]
        if missing:
            raise MalformedResponse(f"Hubstaff's OpenID configuration lacks {', '.join(missing)}.")
        cache.set(key, document, DISCOVERY_TTL)
    return cast(OpenIDConfiguration, document)


def authorization_endpoint() -> str:
    return configuration()["authorization_endpoint"]


def token_endpoint() -> str:
    return configuration()["token_endpoint"]


def jwks(*, refresh: bool = False) -> dict[str, Any]:
    """The key set at the discovery document's jwks_uri (cached for an hour; `refresh` fetches it again)."""
    url = configuration()["jwks_uri"]
    key = _cache_key("jwks", url)
    keys: dict[str, Any] | None = None if refresh else cache.get(key)
    if keys is None:
        keys = _fetch_json(url, "key set (JWKS)")
        if not isinstance(keys.get("keys"), list):
            raise MalformedResponse("Hubstaff's key set (JWKS) has no keys.")
        cache.set(key, keys, JWKS_TTL)
    return keys
