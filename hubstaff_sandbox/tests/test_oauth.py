"""Developer site and OAuth 2.0 / OpenID Connect, over real HTTP."""

import json
import re

import jwt
import requests

from .helpers import REDIRECT, authorize, bearer, exchange, hidden_fields, pkce_pair, refresh, sign_in


def decode_with_jwks(base, token, audience=None):
    jwks = requests.get(f"{base}/.well-known/jwks.json").json()
    key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwks["keys"][0]))
    return jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        issuer=base,
        audience=audience,
        options={"verify_aud": audience is not None},
    )


def test_discovery_document(hs):
    doc = requests.get(f"{hs.url}/.well-known/openid-configuration").json()
    assert doc["issuer"] == hs.url
    assert doc["authorization_endpoint"] == f"{hs.url}/authorizations/new"
    assert doc["token_endpoint"] == f"{hs.url}/access_tokens"
    assert doc["response_types_supported"] == ["code"]
    assert {"openid", "profile", "email", "hubstaff:read"} <= set(doc["scopes_supported"])
    assert doc["code_challenge_methods_supported"] == ["S256"]
    keys = requests.get(doc["jwks_uri"]).json()["keys"]
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256"


def test_developer_site_requires_sign_in_and_creates_an_app(hs):
    r = requests.get(f"{hs.url}/apps", allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    page = requests.get(f"{hs.url}/login").text
    assert '<label for="email">Email</label>' in page and '<label for="password">Password</label>' in page
    assert ">Sign in</button>" in page and "Hubstaff sandbox" in page
    bad = requests.post(f"{hs.url}/login", data={"email": "alice@acme.test", "password": "nope"})
    assert bad.status_code == 401 and "Invalid email or password" in bad.text

    s = sign_in(hs.url, "alice@acme.test")
    apps = s.get(f"{hs.url}/apps").text
    assert 'href="/apps/new">New</a>' in apps
    form = s.get(f"{hs.url}/apps/new").text
    for label in ("Application name", "Homepage URL", "Redirect URLs"):
        assert f">{label}</label>" in form
    assert ">Create</button>" in form
    csrf = hidden_fields(form)["csrf"]
    # plain HTTP to a public host is refused, like Hubstaff
    r = s.post(f"{hs.url}/apps", data={"csrf": csrf, "name": "X", "redirect_uris": "http://example.com/cb"})
    assert r.status_code == 422 and "HTTPS" in r.text
    r = s.post(
        f"{hs.url}/apps",
        data={
            "csrf": csrf,
            "name": "Primetric",
            "homepage_url": "http://localhost:8000",
            "redirect_uris": f"{REDIRECT}\nhttps://primetric.example/cb\n",
        },
        allow_redirects=False,
    )
    assert r.status_code == 302
    page = s.get(hs.url + r.headers["Location"]).text
    assert "Client ID" in page and "Client secret" in page
    client_id = re.search(r'id="client_id" class="secret">([^<]+)<', page).group(1)
    secret = re.search(r'id="client_secret" class="secret">([^<]+)<', page).group(1)
    app = {"client_id": client_id, "client_secret": secret}
    # the app made through the pages works in the authorization flow
    q = authorize(hs.url, client_id)
    r = exchange(hs.url, app, q["code"])
    assert r.status_code == 200, r.text
    assert "Primetric" in s.get(f"{hs.url}/apps").text
    # another user does not see it
    other = sign_in(hs.url, "sam@acme.test")
    assert "Primetric" not in other.get(f"{hs.url}/apps").text


def test_authorization_code_flow_with_pkce_state_and_nonce(hs):
    app = hs.create_app("Flow", [REDIRECT])
    verifier, challenge = pkce_pair()
    q = authorize(hs.url, app["client_id"], state="xyz", nonce="abc", challenge=challenge)
    assert q["state"] == "xyz" and q["code"]
    r = exchange(hs.url, app, q["code"], verifier=verifier)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    assert set(body["scope"].split()) == {"openid", "profile", "email", "hubstaff:read"}
    claims = decode_with_jwks(hs.url, body["id_token"], audience=app["client_id"])
    assert (
        claims["nonce"] == "abc" and claims["email"] == "alice@acme.test" and claims["name"] == "Alice Admin"
    )
    access = decode_with_jwks(hs.url, body["access_token"])
    assert access["exp"] > access["iat"] and "hubstaff:read" in access["scope"]
    me = requests.get(f"{hs.api_url}/users/me", headers=bearer(body["access_token"])).json()
    assert me["user"]["email"] == "alice@acme.test"
    info = requests.get(f"{hs.url}/userinfo", headers=bearer(body["access_token"])).json()
    assert info["email"] == "alice@acme.test"
    # codes are single-use
    again = exchange(hs.url, app, q["code"], verifier=verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_pkce_is_enforced_when_a_challenge_was_sent(hs):
    app = hs.create_app("PKCE", [REDIRECT])
    verifier, challenge = pkce_pair()
    q = authorize(hs.url, app["client_id"], challenge=challenge)
    r = exchange(hs.url, app, q["code"])  # no verifier
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    q = authorize(hs.url, app["client_id"], challenge=challenge)
    r = exchange(hs.url, app, q["code"], verifier="wrong" + verifier)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    # plain PKCE is not accepted: error redirect
    s = requests.Session()
    r = s.get(
        f"{hs.url}/authorizations/new",
        params={
            "client_id": app["client_id"],
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "scope": "openid",
            "state": "s1",
            "code_challenge": "abc",
            "code_challenge_method": "plain",
        },
        allow_redirects=False,
    )
    assert (
        r.status_code == 302
        and "error=invalid_request" in r.headers["Location"]
        and "state=s1" in r.headers["Location"]
    )


def test_deny_redirects_back_with_access_denied_and_state(hs):
    app = hs.create_app("Deny", [REDIRECT])
    q = authorize(hs.url, app["client_id"], decision="deny", state="keep-me")
    assert q == {"error": "access_denied", "state": "keep-me"}


def test_redirect_uri_mismatch_is_an_error_page_never_a_redirect(hs):
    app = hs.create_app("Mismatch", [REDIRECT])
    for uri in (REDIRECT + "/extra", "http://evil.test/cb", ""):
        r = requests.get(
            f"{hs.url}/authorizations/new",
            params={
                "client_id": app["client_id"],
                "response_type": "code",
                "redirect_uri": uri,
                "state": "s",
            },
            allow_redirects=False,
        )
        assert r.status_code == 400 and "Location" not in r.headers
        assert "redirect" in r.text.lower()
    r = requests.get(
        f"{hs.url}/authorizations/new",
        params={"client_id": "nope", "response_type": "code", "redirect_uri": REDIRECT},
        allow_redirects=False,
    )
    assert r.status_code == 400 and "Location" not in r.headers
    r = requests.get(
        f"{hs.url}/authorizations/new",
        params={
            "client_id": app["client_id"],
            "response_type": "token",
            "redirect_uri": REDIRECT,
            "state": "s",
        },
        allow_redirects=False,
    )
    assert r.status_code == 302 and "error=unsupported_response_type" in r.headers["Location"]


def test_client_authentication(hs):
    app = hs.create_app("Auth", [REDIRECT])
    q = authorize(hs.url, app["client_id"])
    r = exchange(hs.url, {**app, "client_secret": "wrong"}, q["code"])
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    q = authorize(hs.url, app["client_id"])
    r = exchange(hs.url, app, q["code"], basic=False)  # client_id/client_secret in the form
    assert r.status_code == 200
    q = authorize(hs.url, app["client_id"])
    r = requests.post(
        f"{hs.url}/access_tokens",
        data={"grant_type": "authorization_code", "code": q["code"], "redirect_uri": REDIRECT},
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = requests.post(
        f"{hs.url}/access_tokens",
        data={"grant_type": "password"},
        auth=(app["client_id"], app["client_secret"]),
    )
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    q = authorize(hs.url, app["client_id"])
    r = exchange(hs.url, app, q["code"], redirect_uri=REDIRECT + "?x=1")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_refresh_tokens_rotate(hs):
    app = hs.create_app("Rotate", [REDIRECT])
    q = authorize(hs.url, app["client_id"])
    first = exchange(hs.url, app, q["code"]).json()
    r = refresh(hs.url, first["refresh_token"], app)
    assert r.status_code == 200, r.text
    second = r.json()
    assert (
        second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    )
    assert set(second) >= {"access_token", "refresh_token", "token_type", "expires_in", "scope"}
    spent = refresh(hs.url, first["refresh_token"], app)
    assert spent.status_code == 400 and spent.json()["error"] == "invalid_grant"
    # an app's refresh token needs that app's credentials
    other = hs.create_app("Other", [REDIRECT])
    r = refresh(hs.url, second["refresh_token"], other)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    assert refresh(hs.url, second["refresh_token"], app).status_code == 200
    assert refresh(hs.url, "garbage", app).json()["error"] == "invalid_grant"


def test_codes_and_access_tokens_expire(fresh):
    app = fresh.create_app("Expiry", [REDIRECT])
    q = authorize(fresh.url, app["client_id"])
    tokens = exchange(fresh.url, app, q["code"]).json()
    q2 = authorize(fresh.url, app["client_id"])
    assert (
        requests.get(f"{fresh.api_url}/users/me", headers=bearer(tokens["access_token"])).status_code == 200
    )
    fresh.advance_clock(tokens["expires_in"] + 1)
    r = requests.get(f"{fresh.api_url}/users/me", headers=bearer(tokens["access_token"]))
    assert r.status_code == 401 and "expired" in r.json()["error"]
    r = exchange(fresh.url, app, q2["code"])  # code older than 10 minutes
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = refresh(fresh.url, tokens["refresh_token"], app)
    assert r.status_code == 200
    assert (
        requests.get(f"{fresh.api_url}/users/me", headers=bearer(r.json()["access_token"])).status_code == 200
    )


def test_access_token_ttl_option():
    from hubstaff_sandbox.testing import DEMO_SCENARIO, running_sandbox

    with running_sandbox(scenario=DEMO_SCENARIO, access_token_ttl=60) as sb:
        assert sb.issue_tokens("alice@acme.test")["expires_in"] == 60


def test_personal_access_tokens(hs):
    pat = hs.create_pat("alice@acme.test")
    # exchanged without client credentials, as Hubstaff documents for personal tokens
    r = refresh(hs.url, pat)
    assert r.status_code == 200, r.text
    body = r.json()
    assert requests.get(f"{hs.api_url}/users/me", headers=bearer(body["access_token"])).json()["user"]["id"]
    assert refresh(hs.url, pat).json()["error"] == "invalid_grant"  # rotated
    # ... and with client credentials
    app = hs.create_app("PAT user", [REDIRECT])
    r = refresh(hs.url, body["refresh_token"], app)
    assert r.status_code == 200
    assert refresh(hs.url, r.json()["refresh_token"]).status_code == 200  # still a personal token lineage
    # ... and whatever the credentials (test_personal_token_refresh.py)
    wrong = refresh(hs.url, hs.create_pat("alice@acme.test"), {**app, "client_secret": "bad"})
    assert wrong.status_code == 200


def test_personal_access_tokens_page(hs):
    s = sign_in(hs.url, "bobby@acme.test")
    page = s.get(f"{hs.url}/personal_access_tokens").text
    assert "Personal access tokens" in page
    r = s.post(
        f"{hs.url}/personal_access_tokens", data={"csrf": hidden_fields(page)["csrf"], "name": "script"}
    )
    token = re.search(r'id="personal_access_token" class="secret">([^<]+)<', r.text).group(1)
    assert "script" in r.text
    body = refresh(hs.url, token).json()
    me = requests.get(f"{hs.api_url}/users/me", headers=bearer(body["access_token"])).json()
    assert me["user"]["email"] == "bobby@acme.test"
    # forms need the session's form token
    assert s.post(f"{hs.url}/personal_access_tokens", data={"name": "x"}).status_code == 403


def test_session_cookie_name(hs):
    r = requests.post(
        f"{hs.url}/login", data={"email": "alice@acme.test", "password": "sandbox"}, allow_redirects=False
    )
    assert r.cookies.get("hubstaff_sandbox_session")
