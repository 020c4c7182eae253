"""Fixtures of the security suite: every route of the site found by walking the resolver, and objects to fill them."""

import re
from datetime import date

import pytest

from capacity.models import Holiday, TimeOff, WorkPattern
from conftest import (
    consent,  # noqa: F401 - the OAuth tests import it from here
    create_primetric_app,
    point_hubstaff_at,
)
from integrations.models import HubstaffProject, HubstaffUserLink, Installation, ProjectLink, SyncRun
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
    # A succeeded preview: every route taking a run id shows one (the API's runs) or applies it (its Apply).
    run = SyncRun.objects.create(
        organization=org, project=project, mode=SyncRun.Mode.PREVIEW, status=SyncRun.Status.SUCCEEDED
    )
    return {
        "org_slug": org.slug,
        "project_id": project.pk,
        "person_id": person.pk,
        "assignment_id": assignment.pk,
        "worklog_id": worklog.pk,
        "run_id": run.pk,
        "link_id": HubstaffUserLink.objects.create(
            organization=org, hubstaff_user_id=5, hubstaff_user_name="Own Hubstaff user", person=person
        ).pk,
        "holiday_id": Holiday.objects.create(organization=org, date=date(2026, 5, 1), name="Own holiday").pk,
        "time_off_id": TimeOff.objects.create(
            organization=org, person=person, start_date=date(2026, 3, 2), end_date=date(2026, 3, 6)
        ).pk,
        "pattern_id": WorkPattern.objects.create(
            organization=org, person=person, effective_from=date(2026, 3, 1)
        ).pk,
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
    # routes (settings, uninstall, re-authorize, link) must not reach them either.
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
        "link_id": HubstaffUserLink.objects.create(
            organization=other_org,
            hubstaff_user_id=5,
            hubstaff_user_name=f"{SECRET_NAME} user",
            person=person,
        ).pk,
        "holiday_id": Holiday.objects.create(
            organization=other_org, date=date(2026, 5, 1), name=f"{SECRET_NAME} holiday"
        ).pk,
        "time_off_id": TimeOff.objects.create(
            organization=other_org,
            person=person,
            start_date=date(2026, 3, 2),
            end_date=date(2026, 3, 6),
            note=f"{SECRET_NAME} time off",
        ).pk,
        "pattern_id": WorkPattern.objects.create(
            organization=other_org, person=person, effective_from=date(2026, 3, 1)
        ).pk,
    }


@pytest.fixture
def members(org, make_member):
    """One member per role, each holding only that role."""
    return {role: make_member(org, role, email=f"only-{role}@acme.test") for role in Role.values}


# --- the session's Hubstaff sandbox (conftest.sandbox), for the OAuth attacks and the secrets dump ----------


@pytest.fixture
def hs(sandbox, settings):
    point_hubstaff_at(settings, sandbox, SITE_URL="http://localhost:8000")
    sandbox.reset_faults()
    yield sandbox
    sandbox.reset_faults()


@pytest.fixture
def hubstaff_app(hs, settings):
    return create_primetric_app(hs, settings)
