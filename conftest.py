"""Fixtures shared by the whole suite: organizations, members in each role, signed-in clients."""

import os

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from people.roles import Role
from tests.factories import PASSWORD, MemberFactory, OrganizationFactory, ProjectFactory

# CI (HYPOTHESIS_PROFILE=ci) tries the same examples on every run, so its verdict on a commit does not depend
# on
# luck; anywhere else each run explores new examples.
hypothesis_settings.register_profile("ci", derandomize=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_sessionstart(session):
    """CI sets REQUIRE_POSTGRES / REQUIRE_REDIS: then a suite that would fall back to SQLite, or miss Redis, fails."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if os.environ.get("REQUIRE_POSTGRES") and "postgresql" not in engine:
        pytest.exit(
            f"REQUIRE_POSTGRES is set but the database engine is {engine}; set DATABASE_URL", returncode=1
        )
    if os.environ.get("REQUIRE_REDIS"):
        import redis

        url = settings.REDIS_URL
        try:
            redis.Redis.from_url(url).ping()
        except Exception as exc:  # noqa: BLE001
            pytest.exit(f"REQUIRE_REDIS is set but Redis at {url!r} does not answer: {exc}", returncode=1)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Fast password hashing, a private in-memory cache, and no Celery broker: tasks queued by a test do not run
    unless the test runs them (tests that need a real worker start one)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def queued_tasks(monkeypatch):
    from integrations import tasks

    queued = []
    monkeypatch.setattr(tasks.sync_project_task, "delay", lambda *args, **kwargs: queued.append(args))
    return queued


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


def token_client(person):
    """A REST API client signed in with a new API token of the person's login."""
    from rest_framework.test import APIClient

    from api.tokens import issue_token

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
def admin_client(admin):
    return signed_in(admin)


@pytest.fixture
def manager_client(manager):
    return signed_in(manager)


@pytest.fixture
def employee_client(employee):
    return signed_in(employee)


@pytest.fixture
def project(org):
    return ProjectFactory(organization=org, name="Project A")


@pytest.fixture
def other_project(other_org):
    return ProjectFactory(organization=other_org, name="Globex secret project")
