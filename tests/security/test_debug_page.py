"""The DEBUG error page (Django's yellow page, what `DEBUG=1 make run` shows) holds no secret: a 500 in the OAuth
callback, after the code was exchanged for tokens, shows neither the tokens nor the PKCE verifier, the code or the
state; our settings and URLs with passwords are hidden (primetric/error_reports.py, the sensitive_variables marks
on the OAuth and token code)."""

import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import RequestFactory

from integrations.hubstaff import oauth
from integrations.services import installation as installation_services
from primetric.error_reports import SecretsFilter

from .conftest import consent


def crash(*args, **kwargs):
    raise RuntimeError("the install crashed here")


@pytest.mark.parametrize(
    "where",
    [
        (oauth, "validate_id_token"),  # right after the token exchange
        (installation_services, "check_installation"),  # after the tokens were stored
    ],
    ids=["after-exchange", "after-store"],
)
def test_a_crash_in_the_oauth_callback_shows_no_secret_on_the_debug_page(
    admin_client, org, hs, hubstaff_app, settings, monkeypatch, where
):
    settings.DEBUG = True
    response = admin_client.post(
        f"/{org.slug}/integrations/hubstaff/install/",
        {"client_id": hubstaff_app["client_id"], "client_secret": hubstaff_app["client_secret"]},
    )
    callback = consent(hs, response["Location"])
    (pending,) = admin_client.session[oauth.SESSION_KEY].values()
    query = parse_qs(urlsplit(callback).query)

    issued = {}
    real_exchange = oauth.exchange_code

    def exchange_and_remember(*args, **kwargs):
        issued.update(real_exchange(*args, **kwargs))
        return issued

    monkeypatch.setattr(oauth, "exchange_code", exchange_and_remember)
    monkeypatch.setattr(*where, crash)
    admin_client.raise_request_exception = False
    page = admin_client.get(callback)
    html = page.content.decode()

    assert page.status_code == 500 and "the install crashed here" in html and "Local vars" in html
    secrets = {
        "access token": issued["access_token"],
        "refresh token": issued["refresh_token"],
        "ID token": issued["id_token"],
        "PKCE verifier": pending["code_verifier"],
        "nonce": pending["nonce"],
        "state": query["state"][0],
        "code": query["code"][0],
        "client secret": hubstaff_app["client_secret"],
    }
    leaked = [name for name, value in secrets.items() if value and value in html]
    assert not leaked, f"the debug page shows: {leaked}"
    assert "/integrations/hubstaff/callback/?[redacted]" in html


def test_settings_and_urls_with_passwords_are_hidden(admin_client, settings, monkeypatch):
    settings.DEBUG = True
    settings.REDIS_URL = "redis://:redis-pw-4711@127.0.0.1:6379/0"
    settings.HUBSTAFF_CLIENT_SECRET = "hubstaff-secret-4711"
    settings.SOME_SERVICE_DSN = "https://user:dsn-pw-4711@errors.example/1"
    key = settings.FIELD_ENCRYPTION_KEYS[0]
    from people import views

    monkeypatch.setattr(views, "search_people", crash)
    admin_client.raise_request_exception = False
    response = admin_client.get("/acme/people/")
    html = response.content.decode()
    assert response.status_code == 500 and "FIELD_ENCRYPTION_KEYS" in html
    for secret in ("redis-pw-4711", "hubstaff-secret-4711", "dsn-pw-4711", key, settings.SECRET_KEY):
        assert secret not in html


def test_request_meta_and_locals_named_like_secrets_are_hidden():
    request = RequestFactory().get(
        "/integrations/hubstaff/callback/?code=c-4711&state=s-4711",
        DATABASE_URL="postgres://app:db-pw-4711@db/app",
    )
    meta = SecretsFilter().get_safe_request_meta(request)
    assert "4711" not in str(meta)

    access_token, code_verifier = "at-4711", "v-4711"
    pending = {"code_verifier": "v-4711", "state": "s-4711", "organization_id": 3}
    shown = dict(SecretsFilter().get_traceback_frame_variables(request, sys._getframe()))
    assert {"access_token", "code_verifier", "pending", "request"} <= set(shown)
    assert "4711" not in str(shown), shown
    assert shown["pending"]["organization_id"] == 3
    del access_token, code_verifier, pending
