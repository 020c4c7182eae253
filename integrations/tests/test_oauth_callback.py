"""The callback's guards, before any token exchange: state, session, membership and role."""

import time

import pytest
from django.test import Client

from integrations.hubstaff.oauth import SESSION_KEY
from integrations.models import Installation
from people.models import Organization, Person

CALLBACK = "/integrations/hubstaff/callback/"


@pytest.fixture
def pending(admin_client: Client, admin: Person, org: Organization) -> Installation:
    installation = Installation.objects.create(organization=org, client_id="cid", client_secret="secret")
    session = admin_client.session
    session[SESSION_KEY] = {
        "s" * 43: {
            "state": "s" * 43,
            "nonce": "n",
            "code_verifier": "v" * 64,
            "redirect_uri": "http://localhost:8000" + CALLBACK,
            "organization_id": org.pk,
            "installation_id": installation.pk,
            "client_id": "cid",
            "user_id": admin.user_id,
            "started_at": time.time(),
        }
    }
    session.save()
    return installation


def test_is_one_fixed_address_outside_the_organizations() -> None:
    from django.urls import reverse

    assert reverse("hubstaff_callback") == CALLBACK


def test_without_a_started_authorization_it_is_400(admin_client: Client) -> None:
    assert admin_client.get(CALLBACK, {"code": "c", "state": "s"}).status_code == 400


def test_missing_state_is_400_and_forgets_the_pending_authorization(
    admin_client: Client, pending: Installation
) -> None:
    assert admin_client.get(CALLBACK, {"code": "c"}).status_code == 400
    assert SESSION_KEY not in admin_client.session


def test_state_mismatch_is_400(admin_client: Client, pending: Installation) -> None:
    response = admin_client.get(CALLBACK, {"code": "c", "state": "t" * 43})
    assert response.status_code == 400
    assert b"not recognized" in response.content
    assert SESSION_KEY not in admin_client.session


def test_an_expired_authorization_is_400(admin_client: Client, pending: Installation) -> None:
    session = admin_client.session
    stored = session[SESSION_KEY]["s" * 43]
    session[SESSION_KEY] = {"s" * 43: {**stored, "started_at": time.time() - 3600}}
    session.save()
    assert admin_client.get(CALLBACK, {"code": "c", "state": "s" * 43}).status_code == 400


def test_an_error_from_hubstaff_is_shown_on_the_install_page(
    admin_client: Client, org: Organization, pending: Installation
) -> None:
    response = admin_client.get(
        CALLBACK,
        {"error": "invalid_scope", "error_description": "scope <b>x</b>", "state": "s" * 43},
        follow=True,
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/{org.slug}/integrations/hubstaff/install/"
    assert "Hubstaff did not authorize Primetric (invalid_scope: scope &lt;b&gt;x&lt;/b&gt;)" in page
    assert 'value="cid"' in page


def test_someone_no_longer_administrator_is_refused(
    admin_client: Client, admin: Person, pending: Installation
) -> None:
    Person.objects.filter(pk=admin.pk).update(is_administrator=False, is_manager=True)
    assert admin_client.get(CALLBACK, {"code": "c", "state": "s" * 43}).status_code == 403
    assert not Installation.objects.get(pk=pending.pk).access_token


def test_someone_no_longer_member_is_not_found(
    admin_client: Client, admin: Person, pending: Installation
) -> None:
    Person.objects.filter(pk=admin.pk).update(user=None)
    assert admin_client.get(CALLBACK, {"code": "c", "state": "s" * 43}).status_code == 404


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(CALLBACK, {"code": "c", "state": "s"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
