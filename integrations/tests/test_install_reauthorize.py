"""Re-authorize: back to Hubstaff's consent with the saved credentials."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from integrations.hubstaff.oauth import SESSION_KEY
from integrations.models import Installation
from people.models import Organization

from .conftest import ACCOUNT

pytestmark = pytest.mark.usefixtures("hubstaff_settings", "discovery_document")


def url(org: Organization) -> str:
    return f"/{org.slug}/integrations/hubstaff/reauthorize/"


def test_reauthorize_goes_to_hubstaff_with_the_saved_client_id(
    admin_client: Client, org: Organization, installation: Installation
) -> None:
    Installation.objects.filter(pk=installation.pk).update(status=Installation.Status.NEEDS_REAUTHORIZATION)
    response = admin_client.post(url(org))
    assert response.status_code == 302 and response["Location"].startswith(f"{ACCOUNT}/authorizations/new?")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["client_id"] == ["client-123"]
    assert query["state"] == list(admin_client.session[SESSION_KEY])  # the one pending, keyed by its state


def test_a_personal_access_token_installation_is_sent_to_enter_credentials(
    admin_client: Client, org: Organization, installation: Installation
) -> None:
    Installation.objects.filter(pk=installation.pk).update(client_id="", client_secret="")
    response = admin_client.post(url(org))
    assert response["Location"] == f"/{org.slug}/integrations/hubstaff/install/"


def test_only_post(admin_client: Client, org: Organization, installation: Installation) -> None:
    assert admin_client.get(url(org)).status_code == 405


@pytest.mark.parametrize("client_fixture", ["manager_client", "employee_client"])
def test_only_administrators_can_reauthorize(
    request: pytest.FixtureRequest, org: Organization, installation: Installation, client_fixture: str
) -> None:
    assert request.getfixturevalue(client_fixture).post(url(org)).status_code == 403


def test_another_organization_is_not_found(admin_client: Client, other_org: Organization) -> None:
    Installation.objects.create(organization=other_org, client_id="globex-app", client_secret="globex-secret")
    assert admin_client.post(url(other_org)).status_code == 404
