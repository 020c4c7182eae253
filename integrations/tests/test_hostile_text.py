"""Text from Hubstaff that PostgreSQL refuses or that would reorder a page (issue 15, case 7), on PostgreSQL.

Before: a missing teammate named "x\\u0000y" made saving the run's report fail after the work logs were committed
(the run said "failed ... nothing was changed" with 62 logs written, and synced_through never moved); a NUL in a
Hubstaff project name made the project list refresh and the OAuth callback answer 500. Now the text is cleaned
where it comes in (hubstaff/mapping.py) and the report is saved in the transaction of the work logs.
"""

import copy
import json
from collections.abc import Iterator
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from pytest_django import Settings

from conftest import consent, create_primetric_app
from hubstaff_sandbox.testing import DEMO_SCENARIO, SandboxClient
from integrations.hubstaff import mapping
from integrations.models import HubstaffProject, Installation, ProjectLink, SyncRun
from integrations.services import runs, sync
from integrations.services.installation import connect_with_personal_access_token
from integrations.services.links import update_link
from people.models import Organization
from tests.factories import PersonFactory, ProjectFactory
from worklogs.models import WorkLog

pytestmark = pytest.mark.sandbox

DEMO = json.loads(DEMO_SCENARIO.read_text())
TODAY = date(2026, 11, 24)
NUL_PROJECT = "Project\u0000 B\u202e"


@pytest.fixture
def hostile(hubstaff_sandbox: SandboxClient) -> Iterator[SandboxClient]:
    """The demo data with Dana Ghost (a missing teammate) named "x\\u0000y" and Project B named with a NUL and a
    right-to-left override."""
    scenario = copy.deepcopy(DEMO)
    for user in scenario["users"]:
        if user["email"] == "dana@elsewhere.test":
            user["name"] = "x\u0000y\u202e"
    for project in scenario["projects"]:
        if project["name"] == "Project B":
            project["name"] = NUL_PROJECT
    for row in scenario["daily_activities"]:
        if row["project"] == "Project B":
            row["project"] = NUL_PROJECT
    hubstaff_sandbox.load(scenario)
    yield hubstaff_sandbox
    hubstaff_sandbox.load(DEMO)


def test_the_cleaner_removes_controls_and_bidi_overrides() -> None:
    assert mapping.hubstaff_user({"id": 1, "name": "x\u0000y\u202e", "email": " A@b.test\u0000"}) == (
        mapping.hubstaff_user({"id": 1, "name": "xy", "email": "A@b.test"})
    )
    fields = mapping.project_fields(
        {"id": 5, "name": "\u2066P\u0000\u0007", "status": "active"}, {"id": 1, "name": ""}
    )
    assert fields["name"] == "P"


def test_a_nul_in_a_missing_teammates_name_syncs_and_the_report_is_saved(
    org: Organization, hostile: SandboxClient
) -> None:
    connect_with_personal_access_token(org, hostile.create_pat("alice@acme.test"))
    PersonFactory.create(organization=org, full_name="Bobby Brown", email="bobby@acme.test")
    PersonFactory.create(organization=org, full_name="Sam Smith", email="sam@acme.test")
    project = ProjectFactory.create(
        organization=org, name="A", start_date=date(2026, 1, 1), end_date=date(2026, 9, 22)
    )
    update_link(
        project,
        enabled=True,
        hubstaff_project_ids=[hostile.ids()["projects"]["Project A"]],
        prevent_new_assignments=False,
        trim_assignments=False,
    )
    run = sync.run_sync(runs.request_sync(project, mode="reset", trigger="manual").pk, today=TODAY)
    assert run is not None and run.status == SyncRun.Status.SUCCEEDED, run and run.error
    saved = SyncRun.objects.get(pk=run.pk)
    assert [t["name"] for t in saved.missing_teammates] == ["xy"] and saved.seconds_not_synced > 0
    first = ProjectLink.objects.get(project=project).synced_through
    assert first is not None
    # The next sync is not stuck either: it succeeds and moves synced_through.
    again = sync.run_sync(runs.request_sync(project, mode="incremental", trigger="manual").pk, today=TODAY)
    assert again is not None and again.status == SyncRun.Status.SUCCEEDED, again and again.error
    synced_through = ProjectLink.objects.get(project=project).synced_through
    assert synced_through is not None and synced_through > first
    assert WorkLog.objects.filter(project=project, source="hubstaff").exists()


def test_a_nul_in_a_project_name_does_not_break_the_refresh(
    org: Organization, hostile: SandboxClient, manager_client: Client
) -> None:
    installation = connect_with_personal_access_token(org, hostile.create_pat("alice@acme.test"))
    assert installation.is_installed
    assert "Project B" in set(HubstaffProject.objects.values_list("name", flat=True))
    project = ProjectFactory.create(organization=org, name="A")
    response = manager_client.post(f"/{org.slug}/projects/{project.pk}/hubstaff/refresh-projects/")
    assert response.status_code == 302
    assert "Project B" in set(HubstaffProject.objects.values_list("name", flat=True))


def test_a_nul_in_a_project_name_does_not_break_the_oauth_callback(
    org: Organization, hostile: SandboxClient, admin_client: Client, settings: Settings
) -> None:
    app = create_primetric_app(hostile, settings)
    response = admin_client.post(
        f"/{org.slug}/integrations/hubstaff/install/",
        {"client_id": app["client_id"], "client_secret": app["client_secret"]},
    )
    assert response.status_code == 302, response.content[:500]
    response = admin_client.get(consent(hostile, response["Location"]), follow=True)
    assert response.status_code == 200
    installation = Installation.objects.get(organization=org)
    assert installation.is_installed
    assert {"Project A", "Project B"} <= set(
        HubstaffProject.objects.filter(installation=installation).values_list("name", flat=True)
    )


def test_a_report_that_cannot_be_saved_leaves_no_work_logs_and_the_run_says_so(
    org: Organization, hubstaff_sandbox: SandboxClient
) -> None:
    """The report is saved in the transaction of the work logs: when PostgreSQL refuses it, nothing was changed,
    which is what the run then says (before, the logs were committed first and the run claimed otherwise)."""
    hubstaff_sandbox.load(DEMO)
    connect_with_personal_access_token(org, hubstaff_sandbox.create_pat("alice@acme.test"))
    PersonFactory.create(organization=org, full_name="Bobby Brown", email="bobby@acme.test")
    project = ProjectFactory.create(
        organization=org, name="A", start_date=date(2026, 1, 1), end_date=date(2026, 9, 22)
    )
    update_link(
        project,
        enabled=True,
        hubstaff_project_ids=[hubstaff_sandbox.ids()["projects"]["Project A"]],
        prevent_new_assignments=False,
        trim_assignments=False,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_report() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'the report was refused'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER test_refuse_report BEFORE UPDATE ON integrations_syncrun FOR EACH ROW "
            "WHEN (NEW.status = 'succeeded') EXECUTE FUNCTION test_refuse_report()"
        )
    run = sync.run_sync(runs.request_sync(project, mode="reset", trigger="manual").pk, today=TODAY)
    assert run is not None and run.status == SyncRun.Status.FAILED and "nothing was changed" in run.error
    assert not WorkLog.objects.filter(project=project).exists()
    assert ProjectLink.objects.get(project=project).synced_through is None
