"""Fixtures of the security suite: every route of the site found by walking the resolver, and objects to fill them."""

import re
from datetime import date

import pytest

from integrations.models import HubstaffProject, Installation, ProjectLink, SyncRun
from people.roles import Role
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory, WorkLogFactory
from tests.routes import routes


def page_routes():
    """(route, pattern) of every organization page (under /<org_slug>/, not the API)."""
    return routes(lambda r: "org_slug" in r and not r.startswith("api/"))


def api_routes():
    return routes(lambda r: "org_slug" in r and r.startswith("api/"))


def fill(route, values):
    def value(match):
        name = match.group(1)
        if name not in values:
            pytest.fail(
                f"Route {route!r} takes <{name}>: add it to the objects of tests/security/conftest.py"
            )
        return str(values[name])

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, route)


@pytest.fixture
def own_objects(org):
    """One object of each kind the URLs name, in the signed-in member's own organization."""
    project = ProjectFactory(
        organization=org, name="Own project", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)
    )
    person = PersonFactory(organization=org, full_name="Own person", email="own.person@acme.test")
    assignment = AssignmentFactory(project=project, person=person)
    worklog = WorkLogFactory(project=project, person=person, date=date(2026, 2, 2))
    run = SyncRun.objects.create(
        organization=org, project=project, mode=SyncRun.Mode.RESET, status=SyncRun.Status.SUCCEEDED
    )
    return {
        "org_slug": org.slug,
        "project_id": project.pk,
        "person_id": person.pk,
        "assignment_id": assignment.pk,
        "worklog_id": worklog.pk,
        "run_id": run.pk,
    }


SECRET_NAME = "Globex-secret-zq7"


@pytest.fixture
def other_objects(other_org):
    """The same kinds of objects in another organization, with names that must never appear in an answer."""
    project = ProjectFactory(organization=other_org, name=f"{SECRET_NAME} project")
    person = PersonFactory(
        organization=other_org, full_name=f"{SECRET_NAME} person", email="secret.person@globex.test"
    )
    assignment = AssignmentFactory(project=project, person=person)
    worklog = WorkLogFactory(
        project=project, person=person, date=date(2026, 2, 2), note=f"{SECRET_NAME} note"
    )
    run = SyncRun.objects.create(
        organization=other_org,
        project=project,
        mode=SyncRun.Mode.RESET,
        status=SyncRun.Status.FAILED,
        error=f"{SECRET_NAME} error",
    )
    # Their Hubstaff installation, its projects and their project's Integration settings: the integration
    # routes
    # (settings, uninstall, re-authorize, link) must not reach them either.
    installation = Installation.objects.create(
        organization=other_org,
        client_id="globex-app",
        client_secret="globex-secret",
        access_token="globex-token",
        status=Installation.Status.INSTALLED,
        account={"id": 9, "name": f"{SECRET_NAME} account", "email": "x@globex.test"},
    )
    HubstaffProject.objects.create(
        organization=other_org,
        installation=installation,
        hubstaff_id=900,
        name=f"{SECRET_NAME} hubstaff project",
        hubstaff_organization_id=90,
    )
    ProjectLink.objects.create(
        organization=other_org, project=project, enabled=True, hubstaff_project_ids=[900]
    )
    return {
        "org_slug": other_org.slug,
        "project_id": project.pk,
        "person_id": person.pk,
        "assignment_id": assignment.pk,
        "worklog_id": worklog.pk,
        "run_id": run.pk,
    }


@pytest.fixture
def members(org, make_member):
    """One member per role, each holding only that role."""
    return {role: make_member(org, role, email=f"only-{role}@acme.test") for role in Role.values}


# --- the Hubstaff sandbox, for the OAuth attacks and the secrets dump
# ------------------------------------------------


@pytest.fixture(scope="session")
def security_sandbox():
    from hubstaff_sandbox.testing import DEMO_SCENARIO, running_sandbox

    with running_sandbox(scenario=DEMO_SCENARIO, rate_limit=100000) as hs:
        yield hs


@pytest.fixture
def hs(security_sandbox, settings):
    from conftest import point_hubstaff_at

    point_hubstaff_at(settings, security_sandbox, SITE_URL="http://localhost:8000")
    security_sandbox.reset_faults()
    yield security_sandbox
    security_sandbox.reset_faults()


@pytest.fixture
def hubstaff_app(hs, settings):
    return hs.create_app(
        "Primetric", [settings.SITE_URL + "/integrations/hubstaff/callback/"], homepage_url=settings.SITE_URL
    )


def consent(hs, authorization_url, *, email="alice@acme.test", decision="allow"):
    """Play the browser at the sandbox: sign in, Allow; return the callback's path and query for Django's client."""
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    import requests

    browser = requests.Session()
    r = browser.get(authorization_url, allow_redirects=False, timeout=10)
    assert r.status_code == 302 and r.headers["Location"].startswith("/login"), (r.status_code, r.text[:300])
    next_url = parse_qs(urlsplit(r.headers["Location"]).query)["next"][0]
    r = browser.post(
        f"{hs.url}/login",
        data={"email": email, "password": "sandbox", "next": next_url},
        allow_redirects=False,
        timeout=10,
    )
    r = browser.get(hs.url + r.headers["Location"], timeout=10)
    assert r.status_code == 200, r.text[:300]
    form = {
        unescape(n): unescape(v)
        for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', r.text)
    }
    form["decision"] = decision
    r = browser.post(f"{hs.url}/authorizations", data=form, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text[:300]
    location = urlsplit(r.headers["Location"])
    return f"{location.path}?{location.query}"
