"""The Integrations tab: Hubstaff's card with Install, or Manage and the status once installed."""

import pytest
from django.test import Client

from integrations.models import Installation
from people.models import Organization


def test_hubstaff_card_offers_install(admin_client: Client, org: Organization) -> None:
    page = admin_client.get(f"/{org.slug}/integrations/").content.decode()
    assert "Hubstaff" in page and "Hubstaff logo" in page
    assert f'href="/{org.slug}/integrations/hubstaff/install/">Install</a>' in page
    assert "Not installed" in page


def test_installed_hubstaff_offers_manage_and_shows_the_status(
    admin_client: Client, org: Organization, installation: Installation
) -> None:
    page = admin_client.get(f"/{org.slug}/integrations/").content.decode()
    assert f'href="/{org.slug}/integrations/hubstaff/">Manage</a>' in page
    assert "Installed" in page and "Alice Admin" in page
    assert ">Install</a>" not in page


def test_needs_reauthorization_is_shown_on_the_card(
    admin_client: Client, org: Organization, installation: Installation
) -> None:
    Installation.objects.filter(pk=installation.pk).update(
        status=Installation.Status.NEEDS_REAUTHORIZATION,
        status_reason="Hubstaff refused to renew the access (invalid_grant).",
    )
    page = admin_client.get(f"/{org.slug}/integrations/").content.decode()
    assert "Needs re-authorization" in page and "must re-authorize" in page
    # Hubstaff's reason in a manager's words, not its OAuth code
    assert (
        "the authorization was withdrawn in Hubstaff or has expired" in page and "invalid_grant" not in page
    )


@pytest.mark.parametrize("client_fixture", ["manager_client", "employee_client"])
def test_only_administrators_see_integrations(
    request: pytest.FixtureRequest, org: Organization, client_fixture: str
) -> None:
    assert request.getfixturevalue(client_fixture).get(f"/{org.slug}/integrations/").status_code == 403


def test_another_organization_is_not_found(admin_client: Client, other_org: Organization) -> None:
    assert admin_client.get(f"/{other_org.slug}/integrations/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client: Client, org: Organization) -> None:
    response = client.get(f"/{org.slug}/integrations/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
