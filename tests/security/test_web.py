"""The web layer: CSRF on every state-changing request, security headers and CSP, production settings
(`check --deploy`, secure sessions, refusing to start without secrets), and sign-in throttling.
"""

import json
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.cache import cache
from django.core.management.utils import get_random_secret_key
from django.test import Client

from tests.factories import PASSWORD
from tests.reliability.support import REPO

from .conftest import fill, page_routes

PAGES = page_routes()


def csrf_client(person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person.user)
    return client


# --- CSRF
# -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route,pattern", PAGES, ids=[r for r, _ in PAGES])
def test_every_post_without_a_csrf_token_is_refused(route, pattern, all_roles_member, own_objects):
    response = csrf_client(all_roles_member).post(fill(route, own_objects), {"name": "x"})
    assert response.status_code == 403 and b"CSRF" in response.content


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/logout/", "/accounts/profile/"])
def test_account_posts_without_a_csrf_token_are_refused(path, all_roles_member):
    response = csrf_client(all_roles_member).post(
        path, {"username": "x", "password": "y", "action": "create"}
    )
    assert response.status_code == 403


def test_a_post_with_the_csrf_token_goes_through(all_roles_member, org):
    client = csrf_client(all_roles_member)
    page = client.get(f"/{org.slug}/projects/new/")
    token = page.cookies["primetric_csrftoken"].value
    response = client.post(
        f"/{org.slug}/projects/new/",
        {"name": "Made", "start_date": "2026-01-01", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_the_api_with_a_session_needs_the_csrf_token(all_roles_member, org):
    response = csrf_client(all_roles_member).post(
        f"/api/v1/orgs/{org.slug}/projects/", {"name": "x", "start_date": "2026-01-01"}
    )
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


# --- headers
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/acme/", "/acme/projects/", "/no-such-org/", "/api/v1/orgs/", "/healthz"]
)
def test_security_headers_and_a_content_security_policy_on_every_answer(path, all_roles_member):
    client = Client()
    client.force_login(all_roles_member.user)
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'" and directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'" and directives["form-action"].startswith("'self'")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_pages_load_no_inline_script_that_the_policy_would_block(all_roles_member, org):
    client = Client()
    client.force_login(all_roles_member.user)
    for path in (
        f"/{org.slug}/",
        f"/{org.slug}/projects/",
        f"/{org.slug}/people/",
        f"/{org.slug}/integrations/",
    ):
        html = client.get(path).content.decode()
        assert "<script>" not in html and " onclick=" not in html and "javascript:" not in html, path


# --- production settings (a subprocess: settings are read once)
# --------------------------------------------------


# Set by test harnesses in this process (the browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE), never in
# production.
TEST_ONLY_VARIABLES = {"DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_TASK_ALWAYS_EAGER", "DEBUG"}


def production(*args, **env):
    environment = {
        **{k: v for k, v in os.environ.items() if k not in TEST_ONLY_VARIABLES},
        "PRIMETRIC_ENV": "production",
        "SECRET_KEY": get_random_secret_key() + get_random_secret_key(),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "primetric.example.com",
        "DATABASE_URL": "postgres://primetric@db.invalid/primetric",  # never connected to by the checks
        "REDIS_URL": "redis://redis.invalid:6379/0",
        "DEBUG": "false",
        **env,
    }
    environment = {k: v for k, v in environment.items() if v is not None}
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS"])
def test_production_refuses_to_start_without_its_secrets(missing):
    result = production("manage.py", "check", **{missing: None})
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr


SETTINGS_PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name) for name in (
    "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_CONTENT_TYPE_NOSNIFF",
    "X_FRAME_OPTIONS")}))
"""


def test_production_takes_a_secret_key_starting_with_dollar_as_written():
    """Django's key generator can start a key with "$"; django-environ would read it as another variable's name."""
    key = "$" + get_random_secret_key()
    probe = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    result = production("-c", probe, SECRET_KEY=key, DJANGO_SETTINGS_MODULE="primetric.settings")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == key


def test_sessions_are_secure_in_production():
    result = production("-c", SETTINGS_PROBE, DJANGO_SETTINGS_MODULE="primetric.settings")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
    }


def test_the_session_cookie_is_httponly_and_a_new_session_starts_at_sign_in(client, admin):
    session = client.session  # a session that exists before signing in (one an attacker could have planted)
    session["planted"] = True
    session.save()
    before = client.cookies["primetric_session"].value
    assert before == session.session_key
    response = client.post("/accounts/login/", {"username": admin.user.username, "password": PASSWORD})
    cookie = response.cookies["primetric_session"]
    assert cookie["httponly"] and cookie.value and cookie.value != before  # no session fixation


# --- sign-in throttling
# -------------------------------------------------------------------------------------------


def sign_in(client, email, password, address="10.0.0.1"):
    return client.post("/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=address)


def test_repeated_failures_pause_sign_in_even_with_the_right_password(admin, settings):
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert "do not match" in sign_in(client, admin.user.username, "wrong").content.decode()
    response = sign_in(client, admin.user.username, PASSWORD)
    assert response.status_code == 200 and "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_from_many_addresses_against_one_account_pause_it(admin, settings):
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(Client(), admin.user.username, "wrong", address=f"10.0.1.{i}")
    assert (
        "Too many failed sign-ins"
        in sign_in(Client(), admin.user.username, PASSWORD, address="10.0.2.1").content.decode()
    )


def test_failures_from_one_address_against_many_accounts_pause_that_address(admin, settings):
    for i in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        sign_in(Client(), f"guess{i}@acme.test", "wrong", address="10.0.3.1")
    assert (
        "Too many failed sign-ins"
        in sign_in(Client(), admin.user.username, PASSWORD, address="10.0.3.1").content.decode()
    )
    assert sign_in(Client(), admin.user.username, PASSWORD, address="10.0.3.2").status_code == 302


def test_sign_in_works_again_after_the_pause(admin, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(Client(), admin.user.username, "wrong")
    assert (
        "Too many failed sign-ins" in sign_in(Client(), admin.user.username, PASSWORD).content.decode()
    )  # paused
    cache.clear()  # the failure window (LOGIN_FAILURE_WINDOW seconds) has passed
    assert sign_in(Client(), admin.user.username, PASSWORD).status_code == 302


def test_unknown_and_known_accounts_fail_alike(admin):
    unknown = sign_in(Client(), "nobody@acme.test", "wrong", address="10.0.4.1").content.decode()
    known = sign_in(Client(), admin.user.username, "wrong", address="10.0.4.2").content.decode()
    assert (
        "That e-mail and password do not match an account." in unknown
        and "That e-mail and password do not match an account." in known
    )
