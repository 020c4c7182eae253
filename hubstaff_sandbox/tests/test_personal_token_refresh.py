"""A personal access token's refresh authenticates no client; an app's refresh token still needs its app's
credentials (hubstaff_sandbox/oauth.py, the token endpoint)."""

import base64

import pytest
import requests

from .helpers import REDIRECT, authorize, bearer, exchange

APP = "<the app's client id>"  # replaced by a registered app's client id in the test


def basic(client_id: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def refresh_sending(base: str, token: str, headers: dict | None = None, form: dict | None = None):
    """A refresh request with exactly the given client credentials (headers and/or form fields)."""
    data = {"grant_type": "refresh_token", "refresh_token": token, **(form or {})}
    return requests.post(f"{base}/access_tokens", data=data, headers=headers or {})


@pytest.mark.parametrize(
    ("headers", "form"),
    [
        pytest.param(None, None, id="none"),
        pytest.param(basic("PAT", "PAT"), None, id="PAT-PAT by HTTP Basic, as openid-client sends them"),
        pytest.param(None, {"client_id": "PAT", "client_secret": "PAT"}, id="PAT-PAT in the form"),
        pytest.param(
            None, {"client_id": APP, "client_secret": "wrong"}, id="a registered app with a wrong secret"
        ),
        pytest.param({"Authorization": "Basic %%%"}, None, id="a Basic header that is not base64"),
    ],
)
def test_a_personal_token_refreshes_whatever_client_credentials_come_with_it(hs, headers, form):
    app = hs.create_app("Personal refresh check", [REDIRECT])
    if form and form["client_id"] == APP:
        form = {**form, "client_id": app["client_id"]}
    pat = hs.create_pat("bobby@acme.test")
    r = refresh_sending(hs.url, pat, headers, form)
    assert r.status_code == 200, r.text
    body = r.json()
    me = requests.get(f"{hs.api_url}/users/me", headers=bearer(body["access_token"])).json()
    assert me["user"]["email"] == "bobby@acme.test"
    # no ID token: a personal token signs no one in to an app, so no client could be its audience
    assert "id_token" not in body
    # the rotated token is still a personal token: it refreshes without any client credentials
    assert refresh_sending(hs.url, body["refresh_token"]).status_code == 200
    assert refresh_sending(hs.url, pat).json()["error"] == "invalid_grant"  # spent by the first refresh


def test_an_apps_refresh_token_still_needs_that_apps_own_credentials(hs):
    app = hs.create_app("App refresh check", [REDIRECT])
    other = hs.create_app("Another app refresh check", [REDIRECT])
    token = exchange(hs.url, app, authorize(hs.url, app["client_id"])["code"]).json()["refresh_token"]
    refused = [
        refresh_sending(hs.url, token),
        refresh_sending(hs.url, token, basic("PAT", "PAT")),
        refresh_sending(hs.url, token, None, {"client_id": "PAT", "client_secret": "PAT"}),
        refresh_sending(hs.url, token, basic(app["client_id"], "wrong")),
        refresh_sending(hs.url, token, None, {"client_id": app["client_id"], "client_secret": "wrong"}),
        refresh_sending(hs.url, token, basic(other["client_id"], other["client_secret"])),
    ]
    assert [(r.status_code, r.json()["error"]) for r in refused] == [(401, "invalid_client")] * 6
    # the refused attempts did not spend the token: the app itself still refreshes it, with an ID token
    r = refresh_sending(hs.url, token, basic(app["client_id"], app["client_secret"]))
    assert r.status_code == 200, r.text
    assert "id_token" in r.json()
