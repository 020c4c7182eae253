"""Fixtures shared by the whole suite: organizations, members in each role, signed-in clients, the sandbox.

One fixture per thing: a suite's conftest adds only what is its own (e.g. the browser's Hubstaff settings).
"""

import os
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
import requests
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from api.tokens import issue_token
from hubstaff_sandbox.testing import DEMO_SCENARIO, running_sandbox
from integrations.services import runs
from people.roles import Role
from tests.factories import PASSWORD, MemberFactory, OrganizationFactory, ProjectFactory

# CI (HYPOTHESIS_PROFILE=ci) tries the same examples on every run, so its verdict on a commit does not depend
# on luck; anywhere else each run explores new examples.
hypothesis_settings.register_profile("ci", derandomize=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_configure(config):
    """Tasks a test really sends go to its own Redis database, the one its workers listen on (require_redis)."""
    from primetric.celery import app
    from tests.reliability.support import redis_url_for_tests

    app.conf.broker_url = redis_url_for_tests()


def pytest_sessionstart(session):
    """The suite runs on PostgreSQL and Redis (embedded unless DATABASE_URL / REDIS_URL say otherwise): a Redis that
    does not answer stops the run at once rather than failing its tests one by one."""
    url = django_settings.REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        pytest.exit(f"Redis at {url!r} does not answer: {exc}", returncode=1)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Fast password hashing, a private in-memory cache, and no Celery broker: tasks queued by a test do not run
    unless the test runs them (tests that need a real worker start one)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}
    }
    cache.clear()


# Synced work logs whose Hubstaff source key another work log of the same organization has: the same Hubstaff
# hours counted twice (two projects fed by one Hubstaff project; one project holds a key once by its constraint).
DOUBLE_COUNTED = """
    SELECT organization_id, source_key, count(*) FROM worklogs_worklog
    WHERE source = 'hubstaff' AND source_key <> ''
    GROUP BY organization_id, source_key HAVING count(*) > 1
    ORDER BY organization_id, source_key LIMIT 5
"""


@pytest.fixture(autouse=True)
def _hubstaff_hours_counted_once(request):
    """After each test that used the database: no Hubstaff source key exists twice in an organization.

    The database fixture is set up first so that this check runs before the test's transaction is rolled back (or
    its tables flushed). A test whose transaction is already broken is left to report its own error.
    """
    if "_django_db_helper" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        yield
        return
    request.getfixturevalue("_django_db_helper")
    yield
    from django.db import connection

    if connection.needs_rollback:
        return
    with connection.cursor() as cursor:
        cursor.execute(DOUBLE_COUNTED)
        twice = cursor.fetchall()
    if twice:
        pytest.fail(
            "Hubstaff hours counted twice: these source keys exist more than once in their organization "
            f"(organization id, source key, work logs): {twice}"
        )


@pytest.fixture(autouse=True)
def queued_tasks(monkeypatch):
    """The runs handed to workers, as (run id,), instead of messages on the broker."""
    queued = []

    def record(task_name, args, queue=None):
        # The schedule hands its runs over by batches (runs.send_runs): recorded as the runs they carry.
        queued.extend([(i,) for i in args[0]] if task_name == runs.SEND_RUNS_TASK else [tuple(args)])

    monkeypatch.setattr(runs, "deliver", record)
    return queued


@pytest.fixture(autouse=True)
def queued_live_tasks(monkeypatch):
    """Live-update tasks (a new installation's webhook subscription, an event's work), as (task name, args), instead
    of messages on the broker: a test's workers would otherwise take them, each subscription waiting for a
    verification that never comes (tests of live updates send their own)."""
    from integrations.services import live

    queued = []
    monkeypatch.setattr(
        live, "deliver", lambda task, args, countdown=None: queued.append((task, tuple(args)))
    )
    return queued


@pytest.fixture(autouse=True)
def queued_notifications(monkeypatch):
    """Notification tasks queued by the sync's hooks, as (task name, id); tests run them by hand."""
    from integrations import notifications

    queued = []
    for task in (notifications.notify_installation_task, notifications.notify_run_task):
        monkeypatch.setattr(task, "delay", lambda object_id, name=task.name: queued.append((name, object_id)))
    return queued


@pytest.fixture(autouse=True)
def emails_sent_at_once(monkeypatch):
    """E-mails a request queues (people.mail.queue_email) are sent within it, by the task's own code, as if its
    transaction had committed and a worker had run the task: tests read mail.outbox right after the request.
    Tests of the queueing itself put people.mail's on_commit and deliver back (people/tests/test_mail_sending.py)."""
    from people import mail
    from people.tasks import send_email_task

    monkeypatch.setattr(mail, "on_commit", lambda callback: callback())
    monkeypatch.setattr(mail, "deliver", lambda message: send_email_task.apply(kwargs=message))


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme", slug="acme")


@pytest.fixture
def other_org(db):
    """Another tenant, with its own members and a project, for cross-tenant tests."""
    return OrganizationFactory(name="Globex", slug="globex")


ROLE_FLAGS = {
    Role.ADMINISTRATOR: {"is_administrator": True, "is_employee": False},
    Role.MANAGER: {"is_manager": True, "is_employee": False},
    Role.EMPLOYEE: {"is_employee": True},
}


@pytest.fixture
def make_member(db):
    def make(organization, *roles, **kwargs):
        flags = {"is_administrator": False, "is_manager": False, "is_employee": False}
        for role in roles:
            flags.update({k: v for k, v in ROLE_FLAGS[role].items() if v})
        return MemberFactory(organization=organization, **{**flags, **kwargs})

    return make


def point_hubstaff_at(settings, sandbox, **overrides):
    """Every Hubstaff address at a running sandbox, with quick retries; `overrides` sets more settings.

    The cache is already private to each test (see _test_settings), so the cached discovery document never leaks.
    """
    settings.HUBSTAFF_ACCOUNT_URL = sandbox.url
    settings.HUBSTAFF_API_URL = sandbox.api_url
    settings.HUBSTAFF_DEVELOPER_URL = sandbox.url
    settings.HUBSTAFF_MAX_RETRIES = 2
    settings.HUBSTAFF_RETRY_BASE_DELAY = 0.01
    for name, value in overrides.items():
        setattr(settings, name, value)


@pytest.fixture(scope="session")
def sandbox():
    """One Hubstaff sandbox for the whole session (demo scenario: alice@acme.test / sandbox owns "Acme Hubstaff"),
    over real HTTP on 127.0.0.1, started by the first test that asks for it.

    Each suite's own fixture points the settings at it and clears its faults before and after a test; a test
    that loads another scenario or moves the sandbox's clock undoes it.
    """
    with running_sandbox(scenario=DEMO_SCENARIO, rate_limit=100000) as hs:
        yield hs


def create_primetric_app(sandbox, settings):
    """An OAuth app registered at the sandbox with this site's callback URL as its Redirect URL."""
    redirect_url = settings.SITE_URL + reverse("hubstaff_callback")
    return sandbox.create_app("Primetric", [redirect_url], homepage_url=settings.SITE_URL)


def consent(sandbox, authorization_url, *, email="alice@acme.test", decision="allow"):
    """Play the browser at the sandbox: follow an authorization URL, sign in, Allow or Deny.

    Returns the path and query (for Django's test client) of the callback that Hubstaff redirects to.
    """
    browser = requests.Session()
    r = browser.get(authorization_url, allow_redirects=False, timeout=10)
    assert r.status_code == 302 and r.headers["Location"].startswith("/login"), (r.status_code, r.text[:500])
    next_url = parse_qs(urlsplit(r.headers["Location"]).query)["next"][0]
    r = browser.post(
        f"{sandbox.url}/login",
        data={"email": email, "password": "sandbox", "next": next_url},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 302, r.text[:500]
    r = browser.get(sandbox.url + r.headers["Location"], timeout=10)
    assert r.status_code == 200, r.text[:500]
    form = {
        unescape(n): unescape(v)
        for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', r.text)
    }
    form["decision"] = decision
    r = browser.post(f"{sandbox.url}/authorizations", data=form, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text[:500]
    location = urlsplit(r.headers["Location"])
    return f"{location.path}?{location.query}"


def token_client(person):
    """A REST API client signed in with a new API token of the person's login."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(person.user).key}")
    return client


def signed_in(person):
    client = Client()
    assert client.login(username=person.user.username, password=PASSWORD)
    return client


@pytest.fixture
def admin(org, make_member):
    return make_member(org, Role.ADMINISTRATOR, full_name="Ada Admin", email="ada@acme.test")


@pytest.fixture
def manager(org, make_member):
    return make_member(org, Role.MANAGER, full_name="Max Manager", email="max@acme.test")


@pytest.fixture
def employee(org, make_member):
    return make_member(org, Role.EMPLOYEE, full_name="Eve Employee", email="eve@acme.test")


@pytest.fixture
def all_roles_member(org, make_member):
    """A member holding all three roles: every page and endpoint of the organization is open to them."""
    return make_member(
        org,
        Role.ADMINISTRATOR,
        Role.MANAGER,
        Role.EMPLOYEE,
        full_name="Alex All",
        email="all-roles@acme.test",
    )


@pytest.fixture
def admin_client(admin):
    return signed_in(admin)


@pytest.fixture
def manager_client(manager):
    return signed_in(manager)


@pytest.fixture
def employee_client(employee):
    return signed_in(employee)


@pytest.fixture
def all_roles_client(all_roles_member):
    return signed_in(all_roles_member)


@pytest.fixture
def all_roles_api(all_roles_member):
    return token_client(all_roles_member)


@pytest.fixture
def project(org):
    return ProjectFactory(organization=org, name="Project A")


@pytest.fixture
def other_project(other_org):
    return ProjectFactory(organization=other_org, name="Globex secret project")
