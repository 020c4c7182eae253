"""Install: the seed's two steps, and Authorize (credentials saved, browser sent to Hubstaff with state + PKCE)."""

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.db import connection
from django.test import Client
from pytest_django import Settings

from integrations.hubstaff.oauth import SESSION_KEY
from integrations.models import Installation
from people.models import Organization, Person

from .conftest import ACCOUNT, DEVELOPER

pytestmark = pytest.mark.usefixtures("hubstaff_settings", "discovery_document")


def url(org: Organization) -> str:
    return f"/{org.slug}/integrations/hubstaff/install/"


def test_configure_hubstaff_lists_the_values_to_paste_with_copy_buttons(
    admin_client: Client, org: Organization
) -> None:
    page = admin_client.get(url(org)).content.decode()
    assert "1. Configure Hubstaff" in page and "2. Configure Primetric" in page
    assert f'href="{DEVELOPER}/apps"' in page
    assert "Add New Application" in page and "<strong>Create</strong>" in page
    assert 'id="hubstaff-app-name" value="Primetric" readonly' in page
    assert (
        'id="hubstaff-redirect-url" value="http://localhost:8000/integrations/hubstaff/callback/" readonly'
        in page
    )
    assert 'id="hubstaff-homepage-url" value="http://localhost:8000" readonly' in page
    for element in ("hubstaff-app-name", "hubstaff-redirect-url", "hubstaff-homepage-url"):
        assert f'data-copy="{element}"' in page
    assert "Client ID" in page and "Client secret" in page and ">Authorize</button>" in page


def test_redirect_url_is_built_from_site_url(
    admin_client: Client, org: Organization, settings: Settings
) -> None:
    settings.SITE_URL = "https://plan.example.com"
    page = admin_client.get(url(org)).content.decode()
    assert "https://plan.example.com/integrations/hubstaff/callback/" in page


def test_authorize_saves_the_credentials_and_goes_to_hubstaff_with_state_nonce_and_pkce(
    admin_client: Client, org: Organization, admin: Person
) -> None:
    response = admin_client.post(url(org), {"client_id": "cid-1", "client_secret": "csecret-1"})

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ACCOUNT}/authorizations/new"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    (pending,) = admin_client.session[SESSION_KEY].values()
    assert query["client_id"] == "cid-1" and query["response_type"] == "code"
    assert query["redirect_uri"] == "http://localhost:8000/integrations/hubstaff/callback/"
    assert query["scope"] == "openid profile email hubstaff:read hubstaff:write"
    assert query["state"] == pending["state"] and len(pending["state"]) >= 32
    assert query["nonce"] == pending["nonce"]
    expected = (
        base64.urlsafe_b64encode(hashlib.sha256(pending["code_verifier"].encode()).digest())
        .rstrip(b"=")
        .decode()
    )
    assert query["code_challenge"] == expected and query["code_challenge_method"] == "S256"
    assert pending["organization_id"] == org.pk and pending["user_id"] == admin.user_id

    installation = Installation.objects.get(organization=org)
    assert (installation.client_id, installation.client_secret) == ("cid-1", "csecret-1")
    assert installation.status == Installation.Status.PENDING
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM integrations_installation WHERE id = %s", [installation.pk])
        assert "csecret-1" not in cursor.fetchone()[0]


def test_the_secret_is_required_and_never_rendered_back(admin_client: Client, org: Organization) -> None:
    response = admin_client.post(url(org), {"client_id": "cid-1", "client_secret": ""})
    assert response.status_code == 200
    assert "Paste the Client secret" in response.content.decode()
    assert not Installation.objects.filter(organization=org).exists()


def test_the_saved_client_id_is_prefilled_but_the_secret_is_not(
    admin_client: Client, org: Organization, installation: Installation
) -> None:
    page = admin_client.get(url(org)).content.decode()
    assert 'value="client-123"' in page
    assert "secret-456-do-not-leak" not in page
    assert "leave this empty to keep it" in page


def test_empty_secret_keeps_the_saved_one_for_the_same_client_id(
    admin_client: Client, org: Organization, installation: Installation
) -> None:
    response = admin_client.post(url(org), {"client_id": "client-123", "client_secret": ""})
    assert response.status_code == 302
    installation.refresh_from_db()
    assert installation.client_secret == "secret-456-do-not-leak"
    assert (
        installation.access_token == "access-token-aaa"
    )  # the working tokens stay until the new ones arrive


def test_another_client_id_starts_over(
    admin_client: Client, org: Organization, installation: Installation
) -> None:
    admin_client.post(url(org), {"client_id": "new-app", "client_secret": "new-secret"})
    installation.refresh_from_db()
    assert (installation.client_id, installation.client_secret) == ("new-app", "new-secret")
    assert installation.status == Installation.Status.PENDING and installation.access_token == ""


def test_hubstaff_unreachable_is_said_on_the_form(
    admin_client: Client, org: Organization, discovery_document: responses.RequestsMock
) -> None:
    discovery_document.replace(responses.GET, f"{ACCOUNT}/.well-known/openid-configuration", status=503)
    response = admin_client.post(url(org), {"client_id": "cid-1", "client_secret": "csecret-1"})
    assert response.status_code == 200
    assert "Hubstaff could not be reached" in response.content.decode()


def test_the_discovery_document_is_cached(
    admin_client: Client, org: Organization, discovery_document: responses.RequestsMock
) -> None:
    admin_client.post(url(org), {"client_id": "cid-1", "client_secret": "csecret-1"})
    admin_client.post(url(org), {"client_id": "cid-1", "client_secret": "csecret-1"})
    assert len(discovery_document.calls) == 1


@pytest.mark.parametrize("client_fixture", ["manager_client", "employee_client"])
def test_only_administrators_can_install(
    request: pytest.FixtureRequest, org: Organization, client_fixture: str
) -> None:
    client = request.getfixturevalue(client_fixture)
    assert client.get(url(org)).status_code == 403
    assert client.post(url(org), {"client_id": "x", "client_secret": "y"}).status_code == 403
    assert not Installation.objects.exists()


def test_another_organization_is_not_found(admin_client: Client, other_org: Organization) -> None:
    assert admin_client.post(url(other_org), {"client_id": "x", "client_secret": "y"}).status_code == 404
    assert not Installation.objects.exists()
