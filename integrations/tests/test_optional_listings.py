"""Hubstaff's change listings are optional: when it refuses its time edit log or its list of changed time (403: a
role that may not read it; 404: a plan without it), the daily sync re-reads by date instead and succeeds, and the
project's panel says so once, until the listing answers again (docs/sync.md, "Optional calls")."""

import json
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from hubstaff_sandbox.testing import DEMO_SCENARIO, SandboxClient
from integrations.models import Installation, ProjectLink, SyncRun
from integrations.services import runs, sync
from integrations.services.links import update_link
from people.models import Organization, Person
from projects.models import Project
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory
from worklogs.models import WorkLog

from . import test_reconcile

DEMO = json.loads(DEMO_SCENARIO.read_text())
EDIT_LOG_NOTICE = "Hubstaff does not let this installation read its time edit log"
UPDATES_NOTICE = "Hubstaff does not let this installation list its changed time"

# The reconciliation tests' fixtures: the demo sandbox, and the installation connected to it.
hs = test_reconcile.hs
installed = test_reconcile.installed


@pytest.fixture
def project(org: Organization, hs: SandboxClient, installed: Installation) -> Project:
    bobby: Person = PersonFactory.create(organization=org, full_name="Bobby Brown", email="bobby@acme.test")
    start = timezone.localdate() - timedelta(days=120)
    project: Project = ProjectFactory.create(
        organization=org, name="Project A", start_date=start, end_date=None
    )
    AssignmentFactory.create(project=project, person=bobby, start_date=start, end_date=date(2027, 12, 31))
    update_link(project, enabled=True, hubstaff_project_ids=[hs.ids()["projects"]["Project A"]])
    return project


def sync_now(project: Project, mode: str) -> SyncRun:
    queued = runs.request_sync(project, mode=mode, trigger="manual", send_task=False)
    run = sync.run_sync(queued.pk, today=timezone.localdate())
    assert run is not None and run.status == "succeeded", run and run.error
    return run


def seconds_on(project: Project, day: date) -> int:
    logs = WorkLog.objects.filter(project=project, source="hubstaff", date=day)
    return sum(log.duration_seconds for log in logs)


def panel(client: Client, project: Project) -> str:
    return client.get(f"/acme/projects/{project.pk}/").content.decode()


@pytest.mark.parametrize("status", [403, 404])
def test_without_the_time_edit_log_daily_syncs_succeed_and_the_panel_says_so_once(
    project: Project, hs: SandboxClient, manager_client: Client, status: int
) -> None:
    day = timezone.localdate() - timedelta(days=20)  # older than the trailing days, within the month
    row = hs.add_activity(
        user="bobby@acme.test", project="Project A", date=day.isoformat(), tracked=7200, manual=7200
    )
    sync_now(project, "reset")
    assert seconds_on(project, day) == 7200
    hs.fault(refuse={"time_edit_logs": status})
    hs.reset_stats()
    hs.delete_activity(row["id"])  # the log would have named its day
    first = sync_now(project, "incremental")
    # The last month is re-read instead of the trailing week: the deletion arrives all the same.
    assert seconds_on(project, day) == 0 and first.worklogs_deleted == 1
    assert first.reread_from is not None and first.reread_from <= day
    second = sync_now(project, "incremental")
    assert (first.error, second.error) == ("", "")
    page = panel(manager_client, project)
    assert page.count(EDIT_LOG_NOTICE) == 1
    assert f"Hubstaff {'refused access' if status == 403 else 'does not know this resource'}" in page
    assert hs.stats()["routes"]["GET /v2/organizations/{id}/time_edit_logs"][str(status)] == 2
    # The log answers again: the notice goes with the next sync.
    hs.reset_faults()
    sync_now(project, "incremental")
    assert ProjectLink.objects.get(project=project).unavailable_listings == {}
    assert EDIT_LOG_NOTICE not in panel(manager_client, project)


def test_without_the_list_of_changed_time_daily_syncs_re_read_since_the_last_one(
    project: Project, hs: SandboxClient, manager_client: Client
) -> None:
    sync_now(project, "reset")
    hs.fault(refuse={"daily_updates": 403})
    today = timezone.localdate()
    hs.add_activity(user="bobby@acme.test", project="Project A", date=today.isoformat(), tracked=3600)
    run = sync_now(project, "incremental")
    assert seconds_on(project, today) == 3600 and run.worklogs_created == 1
    page = panel(manager_client, project)
    assert page.count(UPDATES_NOTICE) == 1 and EDIT_LOG_NOTICE not in page


def test_an_essential_call_refused_still_fails_the_sync_with_hubstaffs_reason(
    project: Project, hs: SandboxClient
) -> None:
    sync_now(project, "reset")
    hs.edit_org(hs.ids()["orgs"]["Acme Hubstaff"], inactive_plan=True)
    queued = runs.request_sync(project, mode="incremental", trigger="manual", send_task=False)
    run = sync.run_sync(queued.pk, today=timezone.localdate())
    assert run is not None and run.status == "failed" and "Hubstaff refused access" in run.error
