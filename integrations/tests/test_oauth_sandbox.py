"""The whole OAuth install flow against the running Hubstaff sandbox, over real HTTP."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from hubstaff_sandbox.testing import SandboxClient
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import ReauthorizationRequired
from integrations.models import HubstaffProject, Installation
from people.models import Organization

pytestmark = pytest.mark.sandbox


def authorize(admin_client: Client, org: Organization, app: dict[str, Any], **extra: str) -> str:
    """Submit the install form; return the authorization URL Primetric sends the browser to."""
    data = {"client_id": app["client_id"], "client_secret": app["client_secret"], **extra}
    response = admin_client.post(f"/{org.slug}/integrations/hubstaff/install/", data)
    assert response.status_code == 302, response.content[:1000]
    location: str = response["Location"]
    return location


def test_full_code_flow_installs_and_names_account_and_organizations(
    admin_client: Client,
    org: Organization,
    hubstaff_app: dict[str, Any],
    consent_at_sandbox: Callable[..., str],
    hubstaff_sandbox: SandboxClient,
) -> None:
    authorization_url = authorize(admin_client, org, hubstaff_app)
    query = parse_qs(urlsplit(authorization_url).query)
    assert authorization_url.startswith(hubstaff_sandbox.url + "/authorizations/new?")
    assert query["scope"] == ["openid profile email hubstaff:read hubstaff:write"]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["nonce"][0] and query["state"][0]

    callback = consent_at_sandbox(authorization_url)
    response = admin_client.get(callback, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "properly installed" in page
    assert "Alice Admin" in page and "alice@acme.test" in page and "Acme Hubstaff" in page
    installation = Installation.objects.get(organization=org)
    assert installation.status == Installation.Status.INSTALLED
    assert installation.account["email"] == "alice@acme.test"
    assert [o["name"] for o in installation.hubstaff_organizations] == ["Acme Hubstaff"]
    assert installation.access_token and installation.refresh_token
    assert set(HubstaffProject.objects.filter(installation=installation).values_list("name", flat=True)) >= {
        "Project A",
        "Project B",
    }


def test_token_exchange_without_the_pkce_verifier_is_refused_by_the_sandbox(
    admin_client: Client,
    org: Organization,
    hubstaff_app: dict[str, Any],
    consent_at_sandbox: Callable[..., str],
    hubstaff_sandbox: SandboxClient,
) -> None:
    """The code is bound to our code_challenge: the sandbox refuses it without the matching verifier."""
    authorization_url = authorize(admin_client, org, hubstaff_app)
    callback = consent_at_sandbox(authorization_url)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    response = hubstaff_sandbox.session.post(
        f"{hubstaff_sandbox.url}/access_tokens",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://localhost:8000/integrations/hubstaff/callback/",
        },
        auth=(hubstaff_app["client_id"], hubstaff_app["client_secret"]),
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_state_mismatch_is_refused_and_stores_nothing(
    admin_client: Client,
    org: Organization,
    hubstaff_app: dict[str, Any],
    consent_at_sandbox: Callable[..., str],
) -> None:
    callback = consent_at_sandbox(authorize(admin_client, org, hubstaff_app))
    forged = callback.replace("state=", "state=forged")
    response = admin_client.get(forged)
    assert response.status_code == 400
    installation = Installation.objects.get(organization=org)
    assert installation.status == Installation.Status.PENDING and not installation.access_token


def test_replayed_callback_is_refused(
    admin_client: Client,
    org: Organization,
    hubstaff_app: dict[str, Any],
    consent_at_sandbox: Callable[..., str],
) -> None:
    callback = consent_at_sandbox(authorize(admin_client, org, hubstaff_app))
    assert admin_client.get(callback).status_code == 302
    before = Installation.objects.get(organization=org).access_token
    response = admin_client.get(callback)
    assert response.status_code == 400
    assert Installation.objects.get(organization=org).access_token == before


def test_denied_consent_comes_back_to_the_install_page_with_the_client_id_kept(
    admin_client: Client,
    org: Organization,
    hubstaff_app: dict[str, Any],
    consent_at_sandbox: Callable[..., str],
) -> None:
    callback = consent_at_sandbox(authorize(admin_client, org, hubstaff_app), decision="deny")
    response = admin_client.get(callback, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/{org.slug}/integrations/hubstaff/install/"
    assert "authorization was denied" in page
    assert f'value="{hubstaff_app["client_id"]}"' in page
    assert hubstaff_app["client_secret"] not in page
    assert Installation.objects.get(organization=org).status == Installation.Status.PENDING


def test_wrong_client_secret_is_explained(
    admin_client: Client,
    org: Organization,
    hubstaff_app: dict[str, Any],
    consent_at_sandbox: Callable[..., str],
) -> None:
    wrong = {**hubstaff_app, "client_secret": "not-the-secret"}
    callback = consent_at_sandbox(authorize(admin_client, org, wrong))
    response = admin_client.get(callback, follow=True)
    page = response.content.decode()
    assert "did not accept the Client ID and Client secret" in page
    assert "not-the-secret" not in page
    installation = Installation.objects.get(organization=org)
    assert installation.status == Installation.Status.PENDING and not installation.access_token


def install(
    admin_client: Client, org: Organization, app: dict[str, Any], consent: Callable[..., str]
) -> Installation:
    admin_client.get(consent(authorize(admin_client, org, app)))
    installation = Installation.objects.get(organization=org)
    assert installation.is_installed
    return installation


def test_expired_access_token_is_refreshed_and_the_rotated_refresh_token_saved(
    admin_client: Client,
    org: Organization,
    hubstaff_app: dict[str, Any],
    consent_at_sandbox: Callable[..., str],
    hubstaff_sandbox: SandboxClient,
) -> None:
    installation = install(admin_client, org, hubstaff_app, consent_at_sandbox)
    old_access, old_refresh = installation.access_token, installation.refresh_token
    hubstaff_sandbox.fault(expire_access_tokens=True)  # Hubstaff now answers 401 to the token we hold

    client = HubstaffClient(installation)
    assert client.me()["email"] == "alice@acme.test"

    installation.refresh_from_db()
    assert installation.access_token != old_access
    assert installation.refresh_token != old_refresh  # rotated, and saved
    assert installation.last_refreshed_at is not None
    # the spent refresh token is dead at Hubstaff: only the saved one works
    spent = hubstaff_sandbox.session.post(
        f"{hubstaff_sandbox.url}/access_tokens",
        data={"grant_type": "refresh_token", "refresh_token": old_refresh},
        auth=(hubstaff_app["client_id"], hubstaff_app["client_secret"]),
    )
    assert spent.status_code == 400


def test_token_about_to_expire_is_refreshed_before_the_call(
    admin_client: Client,
    org: Organization,
    hubstaff_app: dict[str, Any],
    consent_at_sandbox: Callable[..., str],
    hubstaff_sandbox: SandboxClient,
) -> None:
    installation = install(admin_client, org, hubstaff_app, consent_at_sandbox)
    Installation.objects.filter(pk=installation.pk).update(
        access_token_expires_at=timezone.now() + timedelta(seconds=10)
    )
    installation.refresh_from_db()
    hubstaff_sandbox.reset_stats()

    client = HubstaffClient(installation)
    client.me()

    routes = hubstaff_sandbox.stats()["routes"]
    assert routes.get("POST /access_tokens") == {"200": 1}
    assert routes.get("GET /v2/users/me") == {"200": 1}  # no 401 first
    assert client.requests_made == 1


def test_revoked_refresh_token_marks_the_installation_needs_reauthorization(
    admin_client: Client,
    org: Organization,
    hubstaff_app: dict[str, Any],
    consent_at_sandbox: Callable[..., str],
    hubstaff_sandbox: SandboxClient,
) -> None:
    installation = install(admin_client, org, hubstaff_app, consent_at_sandbox)
    hubstaff_sandbox.fault(expire_access_tokens=True, revoke_refresh_tokens=True)

    with pytest.raises(ReauthorizationRequired):
        HubstaffClient(installation).me()

    installation.refresh_from_db()
    assert installation.status == Installation.Status.NEEDS_REAUTHORIZATION
    assert "invalid_grant" in installation.status_reason
    page = admin_client.get(f"/{org.slug}/integrations/hubstaff/").content.decode()
    assert "Needs re-authorization" in page and "Re-authorize" in page


def test_reauthorize_after_revocation_installs_again(
    admin_client: Client,
    org: Organization,
    hubstaff_app: dict[str, Any],
    consent_at_sandbox: Callable[..., str],
    hubstaff_sandbox: SandboxClient,
) -> None:
    installation = install(admin_client, org, hubstaff_app, consent_at_sandbox)
    hubstaff_sandbox.fault(expire_access_tokens=True, revoke_refresh_tokens=True)
    with pytest.raises(ReauthorizationRequired):
        HubstaffClient(installation).me()

    response = admin_client.post(f"/{org.slug}/integrations/hubstaff/reauthorize/")
    assert response.status_code == 302
    response = admin_client.get(consent_at_sandbox(response["Location"]), follow=True)

    assert "properly installed" in response.content.decode()
    installation.refresh_from_db()
    assert installation.status == Installation.Status.INSTALLED and installation.status_reason == ""


@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_once_spend_the_refresh_token_once(
    org: Organization, hubstaff_sandbox: SandboxClient, hubstaff_app: dict[str, Any]
) -> None:
    """The row lock serializes refreshes: the second worker finds the first one's new token and uses it.

    Without the lock both would send the same (rotating) refresh token and one would get invalid_grant.
    """
    import threading

    from django.db import connections

    tokens = hubstaff_sandbox.issue_tokens("alice@acme.test", client_id=hubstaff_app["client_id"])
    installation = Installation.objects.create(
        organization=org,
        status=Installation.Status.INSTALLED,
        client_id=hubstaff_app["client_id"],
        client_secret=hubstaff_app["client_secret"],
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        access_token_expires_at=timezone.now() - timedelta(seconds=1),
    )
    hubstaff_sandbox.fault(latency=0.5, targets=["token"])  # a slow token endpoint: the refreshes overlap
    hubstaff_sandbox.reset_stats()
    results, start = [], threading.Barrier(2)

    def worker() -> None:
        try:
            client = HubstaffClient(Installation.objects.get(pk=installation.pk))
            start.wait()
            results.append(client.me()["email"])
        except Exception as exc:  # noqa: BLE001 - reported below
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert results == ["alice@acme.test", "alice@acme.test"]
    assert hubstaff_sandbox.stats()["routes"]["POST /access_tokens"] == {"200": 1}
    assert Installation.objects.get(pk=installation.pk).is_installed


def test_a_rejected_client_secret_is_forgotten_and_the_form_asks_for_it_again(
    admin_client: Client,
    org: Organization,
    hubstaff_app: dict[str, Any],
    consent_at_sandbox: Callable[..., str],
) -> None:
    wrong = {**hubstaff_app, "client_secret": "not-the-secret"}
    callback = consent_at_sandbox(authorize(admin_client, org, wrong))
    response = admin_client.get(callback, follow=True)
    page = response.content.decode()
    assert "did not accept the Client ID and Client secret" in page
    assert "A secret is saved" not in page and "leave this empty to keep it" not in page
    installation = Installation.objects.get(organization=org)
    assert installation.client_secret == "" and installation.status == Installation.Status.PENDING


def test_allowing_access_in_an_older_tab_does_not_cancel_the_newer_one(
    admin_client: Client,
    org: Organization,
    hubstaff_app: dict[str, Any],
    consent_at_sandbox: Callable[..., str],
) -> None:
    older = consent_at_sandbox(authorize(admin_client, org, hubstaff_app))
    newer = consent_at_sandbox(authorize(admin_client, org, hubstaff_app))

    first = admin_client.get(older, follow=True).content.decode()
    assert "properly installed" in first
    second = admin_client.get(newer, follow=True)
    assert second.status_code == 200 and "properly installed" in second.content.decode()
    assert "not recognized" not in second.content.decode()
    assert Installation.objects.get(organization=org).status == Installation.Status.INSTALLED


def test_only_a_few_started_authorizations_are_kept_the_oldest_first_dropped(
    admin_client: Client, org: Organization, hubstaff_app: dict[str, Any]
) -> None:
    from integrations.hubstaff.oauth import MAX_PENDING, SESSION_KEY

    urls = [authorize(admin_client, org, hubstaff_app) for _ in range(MAX_PENDING + 2)]
    states = [parse_qs(urlsplit(url).query)["state"][0] for url in urls]
    assert list(admin_client.session[SESSION_KEY]) == states[2:]
    response = admin_client.get("/integrations/hubstaff/callback/", {"code": "c", "state": states[0]})
    assert response.status_code == 400
