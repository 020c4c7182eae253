"""Fixtures of the integrations tests: Hubstaff settings, installations, and one running Hubstaff sandbox."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from conftest import point_hubstaff_at
from hubstaff_sandbox.testing import DEMO_SCENARIO, running_sandbox
from integrations.models import Installation

API = "https://api.hubstaff.test/v2"
ACCOUNT = "https://account.hubstaff.test"
DEVELOPER = "https://developer.hubstaff.test"
LOCMEM = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "integrations-tests"}
}


@pytest.fixture
def hubstaff_settings(settings):
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
def installation(org):
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


@pytest.fixture(scope="session")
def sandbox():
    """One Hubstaff sandbox (demo scenario) for the whole session, over real HTTP on 127.0.0.1.

    Tests that inject faults, load other scenarios or move its clock must undo it (see `hubstaff_sandbox`).
    """
    with running_sandbox(scenario=DEMO_SCENARIO, rate_limit=100000) as hs:
        yield hs


@pytest.fixture
def hubstaff_sandbox(sandbox, settings):
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


def _hidden_fields(html):
    return {
        unescape(n): unescape(v)
        for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', html)
    }


@pytest.fixture
def consent_at_sandbox(hubstaff_sandbox):
    """Play the browser at the sandbox: follow an authorization URL, sign in, Allow or Deny.

    Returns the path and query (for Django's test client) of the callback that Hubstaff redirects to.
    """

    def consent(authorization_url, *, email="alice@acme.test", decision="allow"):
        browser = requests.Session()
        r = browser.get(authorization_url, allow_redirects=False, timeout=10)
        assert r.status_code == 302 and r.headers["Location"].startswith("/login"), (
            r.status_code,
            r.text[:500],
        )
        next_url = parse_qs(urlsplit(r.headers["Location"]).query)["next"][0]
        r = browser.post(
            f"{hubstaff_sandbox.url}/login",
            data={"email": email, "password": "sandbox", "next": next_url},
            allow_redirects=False,
            timeout=10,
        )
        assert r.status_code == 302, r.text[:500]
        r = browser.get(hubstaff_sandbox.url + r.headers["Location"], timeout=10)
        assert r.status_code == 200, r.text[:500]
        form = _hidden_fields(r.text)
        form["decision"] = decision
        r = browser.post(
            f"{hubstaff_sandbox.url}/authorizations", data=form, allow_redirects=False, timeout=10
        )
        assert r.status_code == 302, r.text[:500]
        location = urlsplit(r.headers["Location"])
        return f"{location.path}?{location.query}"

    return consent


@pytest.fixture
def hubstaff_app(hubstaff_sandbox, settings):
    """An OAuth app registered at the sandbox with this site's callback URL as Redirect URL."""
    redirect_url = settings.SITE_URL + reverse("hubstaff_callback")
    return hubstaff_sandbox.create_app("Primetric", [redirect_url], homepage_url=settings.SITE_URL)
