"""Attacks on the Hubstaff install flow, end to end against the sandbox's real OAuth server.

Wrong, missing or replayed `state`; a callback opened in another user's session (login CSRF: an attacker's code
planted in a victim's browser); a code issued to another client; redirect targets; a PKCE verifier that does not
match. In every case nothing is installed and no token is stored.
"""

import base64
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest

from conftest import signed_in
from integrations.hubstaff.oauth import SESSION_KEY
from integrations.models import Installation
from people.roles import Role

from .conftest import consent

CALLBACK = "/integrations/hubstaff/callback/"


def authorize(client, org, app):
    response = client.post(
        f"/{org.slug}/integrations/hubstaff/install/",
        {"client_id": app["client_id"], "client_secret": app["client_secret"]},
    )
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def with_query(url, **changes):
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def nothing_installed(org):
    installation = Installation.objects.filter(organization=org).first()
    return installation is None or (
        installation.status != Installation.Status.INSTALLED
        and not installation.access_token
        and not installation.refresh_token
    )


@pytest.fixture
def victim_org_admin(org, admin):
    return admin


def test_the_honest_flow_installs(admin_client, org, hs, hubstaff_app):
    callback = consent(hs, authorize(admin_client, org, hubstaff_app))
    response = admin_client.get(callback)
    assert response.status_code == 302 and response["Location"] == f"/{org.slug}/integrations/hubstaff/"
    assert Installation.objects.get(organization=org).status == Installation.Status.INSTALLED


@pytest.mark.parametrize("state", [None, "", "x" * 43, "forged"])
def test_a_missing_or_wrong_state_is_refused_and_installs_nothing(admin_client, org, hs, hubstaff_app, state):
    callback = consent(hs, authorize(admin_client, org, hubstaff_app))
    response = admin_client.get(with_query(callback, state=state))
    assert response.status_code == 400
    assert nothing_installed(org)
    # The pending authorization is gone too: the right state cannot be tried afterwards.
    assert admin_client.get(callback).status_code == 400
    assert nothing_installed(org)


def test_a_replayed_callback_is_refused_and_changes_nothing(admin_client, org, hs, hubstaff_app):
    callback = consent(hs, authorize(admin_client, org, hubstaff_app))
    assert admin_client.get(callback).status_code == 302
    tokens = Installation.objects.filter(organization=org).values_list("access_token", "refresh_token").get()

    assert admin_client.get(callback).status_code == 400
    assert (
        Installation.objects.filter(organization=org).values_list("access_token", "refresh_token").get()
        == tokens
    )


def test_a_spent_code_replayed_into_a_new_authorization_is_refused_by_hubstaff(
    admin_client, org, hs, hubstaff_app
):
    first = consent(hs, authorize(admin_client, org, hubstaff_app))
    assert admin_client.get(first).status_code == 302
    tokens = Installation.objects.filter(organization=org).values_list("access_token", "refresh_token").get()
    new_url = authorize(admin_client, org, hubstaff_app)  # a new authorization: a new state in the session
    new_state = parse_qs(urlsplit(new_url).query)["state"][0]
    response = admin_client.get(with_query(first, state=new_state), follow=True)
    assert "Hubstaff refused to issue tokens" in response.content.decode()
    installation = Installation.objects.get(organization=org)
    assert (installation.access_token, installation.refresh_token) == tokens  # the spent code changed nothing


def test_an_attackers_callback_opened_in_a_victims_session_is_refused(
    org, other_org, make_member, hs, hubstaff_app, settings
):
    """Login CSRF: the attacker authorizes their own Hubstaff account and makes the victim's browser open the
    callback."""
    victim = make_member(org, Role.ADMINISTRATOR, email="victim@acme.test")
    attacker = make_member(other_org, Role.ADMINISTRATOR, email="attacker@globex.test")
    attacker_client, victim_client = signed_in(attacker), signed_in(victim)
    attacker_app = hs.create_app("Evil", [settings.SITE_URL + CALLBACK])
    attackers_callback = consent(
        hs, authorize(attacker_client, other_org, attacker_app), email="bobby@acme.test"
    )

    # A victim with no authorization under way, and a victim who started one of their own:
    assert victim_client.get(attackers_callback).status_code == 400
    authorize(victim_client, org, hubstaff_app)
    assert victim_client.get(attackers_callback).status_code == 400
    assert nothing_installed(org) and nothing_installed(other_org)


def test_a_callback_with_the_victims_state_in_another_users_session_is_refused(
    org, make_member, hs, hubstaff_app
):
    """The state is bound to the session (and the user): a stolen callback URL is useless in another browser."""
    victim = make_member(org, Role.ADMINISTRATOR, email="victim@acme.test")
    colleague = make_member(org, Role.ADMINISTRATOR, email="colleague@acme.test")
    callback = consent(hs, authorize(signed_in(victim), org, hubstaff_app))
    colleague_client = signed_in(colleague)
    # The colleague has an authorization of their own under way, so only the state's binding can refuse it.
    authorize(colleague_client, org, hubstaff_app)
    assert colleague_client.get(callback).status_code == 400
    assert nothing_installed(org)


def test_a_session_carried_over_to_another_user_is_refused(
    admin_client, admin, org, make_member, hs, hubstaff_app
):
    """Same session cookie, different user signed in (the pending authorization names its user): refused."""
    callback = consent(hs, authorize(admin_client, org, hubstaff_app))
    other = make_member(org, Role.ADMINISTRATOR, email="other-admin@acme.test")
    session = admin_client.session
    pending = session[SESSION_KEY]
    admin_client.force_login(other.user)
    session = admin_client.session
    session[SESSION_KEY] = pending
    session.save()
    assert admin_client.get(callback).status_code == 400
    assert nothing_installed(org)


def test_a_code_issued_to_another_client_is_refused(admin_client, org, hs, hubstaff_app, settings):
    other_app = hs.create_app("Other client", [settings.SITE_URL + CALLBACK])
    authorization_url = authorize(admin_client, org, hubstaff_app)
    # The browser is steered to consent for another app, with our state: that app's code comes back to us.
    callback = consent(hs, with_query(authorization_url, client_id=other_app["client_id"]))
    response = admin_client.get(callback, follow=True)
    assert response.status_code == 200
    assert "Hubstaff refused to issue tokens" in response.content.decode()
    assert nothing_installed(org)


def test_a_pkce_verifier_that_does_not_match_is_refused(admin_client, org, hs, hubstaff_app):
    authorization_url = authorize(admin_client, org, hubstaff_app)
    query = parse_qs(urlsplit(authorization_url).query)
    (pending,) = admin_client.session[SESSION_KEY].values()
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(pending["code_verifier"].encode()).digest())
        .rstrip(b"=")
        .decode()
    )
    assert query["code_challenge"] == [challenge] and query["code_challenge_method"] == ["S256"]
    assert len(pending["code_verifier"]) >= 43 and len(query["state"][0]) >= 32

    callback = consent(hs, authorization_url)
    session = admin_client.session
    (state, pending) = next(iter(session[SESSION_KEY].items()))
    session[SESSION_KEY] = {state: {**pending, "code_verifier": "w" * 64}}
    session.save()
    response = admin_client.get(callback, follow=True)
    assert "Hubstaff refused to issue tokens (invalid_grant" in response.content.decode()
    assert nothing_installed(org)


def test_the_redirect_url_is_this_sites_whatever_host_the_request_names(
    admin_client, org, hs, hubstaff_app, settings
):
    settings.ALLOWED_HOSTS = ["testserver", "evil.test"]
    response = admin_client.post(
        f"/{org.slug}/integrations/hubstaff/install/",
        {"client_id": hubstaff_app["client_id"], "client_secret": hubstaff_app["client_secret"]},
        HTTP_HOST="evil.test",
    )
    assert parse_qs(urlsplit(response["Location"]).query)["redirect_uri"] == [settings.SITE_URL + CALLBACK]


def test_hubstaff_refuses_a_redirect_url_that_is_not_registered(admin_client, org, hs, hubstaff_app):
    evil = with_query(authorize(admin_client, org, hubstaff_app), redirect_uri="https://evil.test/steal")
    import requests

    response = requests.get(evil, allow_redirects=False, timeout=10)
    assert response.status_code == 400 and "Location" not in response.headers


@pytest.mark.parametrize("target", ["https://evil.test/", "//evil.test/x", "/\\evil.test", "http:evil.test"])
def test_sign_in_never_redirects_off_site(client, admin, target):
    from tests.factories import PASSWORD

    response = client.post(
        f"/accounts/login/?next={target}", {"username": admin.user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location, location


def test_callback_errors_redirect_only_to_this_sites_pages(admin_client, org, hs, hubstaff_app):
    callback = consent(hs, authorize(admin_client, org, hubstaff_app), decision="deny")
    response = admin_client.get(with_query(callback, next="https://evil.test/"))
    assert (
        response.status_code == 302 and response["Location"] == f"/{org.slug}/integrations/hubstaff/install/"
    )
