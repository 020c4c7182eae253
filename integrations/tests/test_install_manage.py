"""Manage: status, connected account, organizations, last token refresh; never a secret."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from integrations.models import Installation
from people.models import Organization, Person
from people.roles import Role
from tests.factories import PASSWORD, MemberFactory


def url(org: Organization) -> str:
    return f"/{org.slug}/integrations/hubstaff/"


def test_shows_properly_installed_with_account_and_organizations(
    admin_client: Client, org: Organization, installation: Installation
) -> None:
    Installation.objects.filter(pk=installation.pk).update(last_refreshed_at=timezone.now())
    page = admin_client.get(url(org)).content.decode()
    assert "properly installed" in page
    assert "Alice Admin" in page and "alice@acme.test" in page and "Acme Hubstaff" in page
    assert "Last token refresh" in page and "never" not in page.split("Last token refresh")[1][:200]
    assert ">Re-authorize</button>" in page and ">Uninstall</button>" in page


def test_never_renders_the_secret_or_tokens(
    admin_client: Client, org: Organization, installation: Installation
) -> None:
    page = admin_client.get(url(org)).content.decode()
    for secret in ("secret-456-do-not-leak", "access-token-aaa", "refresh-token-rrr"):
        assert secret not in page


def test_needs_reauthorization_says_why_and_what_to_do(
    admin_client: Client, org: Organization, installation: Installation
) -> None:
    Installation.objects.filter(pk=installation.pk).update(
        status=Installation.Status.NEEDS_REAUTHORIZATION,
        status_reason="Hubstaff refused to renew the access (invalid_grant: revoked).",
    )
    page = admin_client.get(url(org)).content.decode()
    assert "Needs re-authorization" in page and "has expired: revoked" in page and "do not sync" in page
    assert "invalid_grant" not in page
    assert "properly installed" not in page


def test_without_installation_it_sends_to_install(admin_client: Client, org: Organization) -> None:
    response = admin_client.get(url(org))
    assert (
        response.status_code == 302 and response["Location"] == f"/{org.slug}/integrations/hubstaff/install/"
    )


@pytest.mark.parametrize("client_fixture", ["manager_client", "employee_client"])
def test_only_administrators_can_manage(
    request: pytest.FixtureRequest, org: Organization, installation: Installation, client_fixture: str
) -> None:
    assert request.getfixturevalue(client_fixture).get(url(org)).status_code == 403


def test_another_organizations_installation_is_not_reachable(
    admin_client: Client, other_org: Organization, make_member: Callable[..., Person]
) -> None:
    Installation.objects.create(
        organization=other_org,
        status=Installation.Status.INSTALLED,
        client_id="globex-app",
        account={"name": "Globex Owner", "email": "owner@globex.test"},
    )
    response = admin_client.get(url(other_org))
    assert response.status_code == 404
    assert b"Globex Owner" not in response.content


def test_an_administrator_of_both_sees_each_organizations_own(
    org: Organization, other_org: Organization, installation: Installation, make_member: Callable[..., Person]
) -> None:
    admin_of_both = make_member(org, Role.ADMINISTRATOR, email="both@acme.test")
    MemberFactory.create(
        organization=other_org, user=admin_of_both.user, email="both@acme.test", is_administrator=True
    )
    client = Client()
    assert admin_of_both.user is not None
    assert client.login(username=admin_of_both.user.username, password=PASSWORD)
    assert b"Alice Admin" in client.get(url(org)).content
    assert client.get(url(other_org)).status_code == 302  # nothing installed there: to Install
