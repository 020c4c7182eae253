"""Fixtures of the integrations tests: Hubstaff settings, installations, the session's sandbox set up for them."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
import responses
from django.core.cache import cache
from django.utils import timezone
from pytest_django import Settings

from conftest import consent, create_primetric_app, point_hubstaff_at
from hubstaff_sandbox.testing import SandboxClient
from integrations.models import Installation
from people.models import Organization

API = "https://api.hubstaff.test/v2"
ACCOUNT = "https://account.hubstaff.test"
DEVELOPER = "https://developer.hubstaff.test"
LOCMEM = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "integrations-tests"}
}


@pytest.fixture
def hubstaff_settings(settings: Settings) -> Iterator[Settings]:
    """Hubstaff addresses that no test reaches for real (the `responses` tests mock them), and quick retries."""
    settings.HUBSTAFF_ACCOUNT_URL = ACCOUNT
    settings.HUBSTAFF_API_URL = API
    settings.HUBSTAFF_DEVELOPER_URL = DEVELOPER
    settings.HUBSTAFF_MAX_RETRIES = 3
    settings.HUBSTAFF_RETRY_BASE_DELAY = 1.0
    settings.HUBSTAFF_MAX_RETRY_AFTER = 120.0
    settings.HUBSTAFF_REQUEST_TIMEOUT = 5.0
    settings.SITE_URL = "http://localhost:8000"
    settings.CACHES = (
        LOCMEM  # the discovery document is cached: keep tests apart from the dev cache and each other
    )
    cache.clear()
    yield settings
    cache.clear()


@pytest.fixture
def discovery_document() -> Iterator[responses.RequestsMock]:
    """Hubstaff's OpenID configuration at ACCOUNT, served by `responses`: the mock, for tests to add routes to."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(
            f"{ACCOUNT}/.well-known/openid-configuration",
            json={
                "issuer": ACCOUNT,
                "authorization_endpoint": f"{ACCOUNT}/authorizations/new",
                "token_endpoint": f"{ACCOUNT}/access_tokens",
                "jwks_uri": f"{ACCOUNT}/.well-known/jwks.json",
                "id_token_signing_alg_values_supported": ["RS256"],
            },
        )
        yield mock


@pytest.fixture
def installation(org: Organization) -> Installation:
    """An installed Hubstaff OAuth app with a valid access token."""
    return Installation.objects.create(
        organization=org,
        status=Installation.Status.INSTALLED,
        client_id="client-123",
        client_secret="secret-456-do-not-leak",
        access_token="access-token-aaa",
        refresh_token="refresh-token-rrr",
        access_token_expires_at=timezone.now() + timedelta(hours=2),
        account={"id": 1, "name": "Alice Admin", "email": "alice@acme.test"},
        hubstaff_organizations=[{"id": 10, "name": "Acme Hubstaff"}],
    )


@pytest.fixture
def hubstaff_sandbox(sandbox: SandboxClient, settings: Settings) -> Iterator[SandboxClient]:
    """The shared sandbox, with every Hubstaff setting pointing at it, and faults cleared afterwards."""
    point_hubstaff_at(
        settings,
        sandbox,
        HUBSTAFF_MAX_RETRIES=3,
        HUBSTAFF_REQUEST_TIMEOUT=10.0,
        SITE_URL="http://localhost:8000",
    )
    sandbox.reset_faults()
    yield sandbox
    sandbox.reset_faults()
    cache.clear()


@pytest.fixture
def consent_at_sandbox(hubstaff_sandbox: SandboxClient) -> Callable[..., str]:
    """consent(authorization_url, email=..., decision=...) at the sandbox (see conftest.consent)."""
    return partial(consent, hubstaff_sandbox)


@pytest.fixture
def hubstaff_app(hubstaff_sandbox: SandboxClient, settings: Settings) -> dict[str, Any]:
    """An OAuth app registered at the sandbox with this site's callback URL as Redirect URL."""
    app: dict[str, Any] = create_primetric_app(hubstaff_sandbox, settings)
    return app
