"""Only Hubstaff-approved time, against the running sandbox over real HTTP: a day's hours are synced only while the
person's timesheet covering it is approved; the hours waiting are listed, approval brings them in at the next
sync, and a timesheet reopened after approval takes them out again, the run saying so."""

from datetime import date

import pytest
from django.db.models import Sum
from django.test import Client

from hubstaff_sandbox.testing import SandboxClient
from integrations.models import Installation, SyncRun
from integrations.services import runs, sync
from integrations.services.links import update_link
from people.models import Organization, Person
from projects.models import Project
from tests.factories import PersonFactory, ProjectFactory
from worklogs.models import AwaitingApproval, WorkLog

from . import test_reconcile

TODAY = date(2026, 3, 25)
WEEK = (date(2026, 2, 2), date(2026, 2, 8))  # a Monday to Sunday: one weekly pay period

hs = test_reconcile.hs
installed = test_reconcile.installed


@pytest.fixture
def people(org: Organization) -> dict[str, Person]:
    return {
        "bobby": PersonFactory.create(organization=org, full_name="Bobby Brown", email="bobby@acme.test"),
        "sam": PersonFactory.create(organization=org, full_name="Sam Smith", email="sam@acme.test"),
    }


@pytest.fixture
def project(
    org: Organization, hs: SandboxClient, installed: Installation, people: dict[str, Person]
) -> Project:
    project = ProjectFactory.create(
        organization=org, name="Project A", start_date=date(2026, 1, 1), end_date=date(2026, 6, 30)
    )
    update_link(
        project,
        enabled=True,
        hubstaff_project_ids=[hs.ids()["projects"]["Project A"]],
        approved_time_only=True,
    )
    return project


def org_id(hs: SandboxClient) -> int:
    return int(hs.ids()["orgs"]["Acme Hubstaff"])


def sync_now(project: Project, mode: str) -> SyncRun:
    queued = runs.request_sync(project, mode=mode, trigger="manual", send_task=False)
    run = sync.run_sync(queued.pk, today=TODAY)
    assert run is not None and run.status == "succeeded", run and run.error
    return run


def synced_days(project: Project, person: Person) -> set[date]:
    return set(
        WorkLog.objects.filter(project=project, person=person, source="hubstaff").values_list(
            "date", flat=True
        )
    )


def waiting(run: SyncRun) -> dict[str, int]:
    return {person["email"]: person["seconds"] for person in run.awaiting_approval["people"]}


def test_only_the_approved_weeks_hours_are_synced_and_the_rest_is_listed_as_waiting(
    project: Project, hs: SandboxClient, people: dict[str, Person]
) -> None:
    hs.approve_timesheet(org_id(hs), "bobby@acme.test", "2026-02-04")

    run = sync_now(project, "reset")

    bobby_days = synced_days(project, people["bobby"])
    assert bobby_days and all(WEEK[0] <= day <= WEEK[1] for day in bobby_days)
    assert synced_days(project, people["sam"]) == set()
    awaiting = waiting(run)
    assert awaiting["sam@acme.test"] > 0 and awaiting["bobby@acme.test"] > 0
    assert run.awaiting_approval["seconds"] == sum(awaiting.values())
    assert len(run.awaiting_approval["people"]) == 3  # Bobby's other weeks, Sam, and Dana
    # Kept apart, by person and day, for the pages: the matched people's hours (Dana matches nobody here).
    kept = dict(
        AwaitingApproval.objects.filter(project=project)
        .values_list("person__email")
        .annotate(seconds=Sum("seconds"))
    )
    assert kept == {
        "bobby@acme.test": awaiting["bobby@acme.test"],
        "sam@acme.test": awaiting["sam@acme.test"],
    }
    assert not AwaitingApproval.objects.filter(
        project=project, person=people["bobby"], date__range=WEEK
    ).exists()


def test_the_persons_page_shows_their_hours_awaiting_approval_apart(
    project: Project, hs: SandboxClient, people: dict[str, Person], manager_client: Client
) -> None:
    sync_now(project, "reset")  # nothing approved: Sam's hours all wait

    page = manager_client.get(f"/{project.organization.slug}/people/{people['sam'].pk}/").content.decode()

    waiting_h = (
        sum(AwaitingApproval.objects.filter(person=people["sam"]).values_list("seconds", flat=True)) / 3600
    )
    assert f"{waiting_h:.1f} h awaiting approval in Hubstaff, not counted" in page


def test_a_timesheet_approved_later_brings_its_days_at_the_next_sync(
    project: Project, hs: SandboxClient, people: dict[str, Person]
) -> None:
    first = sync_now(project, "reset")
    assert synced_days(project, people["bobby"]) == set()
    hs.approve_timesheet(org_id(hs), "bobby@acme.test", "2026-02-04")

    run = sync_now(project, "incremental")

    days = synced_days(project, people["bobby"])
    assert days and all(WEEK[0] <= day <= WEEK[1] for day in days)
    assert waiting(run)["bobby@acme.test"] < waiting(first)["bobby@acme.test"]
    assert not AwaitingApproval.objects.filter(
        project=project, person=people["bobby"], date__in=days
    ).exists()


def test_a_timesheet_reopened_after_approval_takes_its_days_out_and_the_run_says_so(
    project: Project, hs: SandboxClient, people: dict[str, Person], manager_client: Client
) -> None:
    hs.approve_timesheet(org_id(hs), "sam@acme.test", "2026-03-04")
    sync_now(project, "reset")
    sams = synced_days(project, people["sam"])
    assert sams
    hs.reopen_timesheet(org_id(hs), "sam@acme.test", "2026-03-04")

    run = sync_now(project, "incremental")

    assert synced_days(project, people["sam"]) == set()
    assert run.worklogs_deleted == len(sams)
    assert run.awaiting_approval["withdrawn_days"] == len(sams)
    assert waiting(run)["sam@acme.test"] > 0
    page = manager_client.get(f"/{project.organization.slug}/projects/{project.pk}/").content.decode()
    assert "await approval in Hubstaff" in page
    assert "no longer approved in Hubstaff" in page
    # The work-log section shows them apart from the totals.
    assert "awaiting approval in Hubstaff, not counted" in page


def test_the_option_is_off_by_default_and_then_every_hour_is_synced(
    org: Organization, hs: SandboxClient, installed: Installation, people: dict[str, Person]
) -> None:
    project = ProjectFactory.create(
        organization=org, name="Project A", start_date=date(2026, 1, 1), end_date=date(2026, 6, 30)
    )
    link = update_link(project, enabled=True, hubstaff_project_ids=[hs.ids()["projects"]["Project A"]])
    assert link.approved_time_only is False

    run = sync_now(project, "reset")

    assert synced_days(project, people["sam"]) and run.awaiting_approval == {}
    assert not AwaitingApproval.objects.exists()


def test_the_api_sets_the_option_and_shows_what_waits(
    project: Project, hs: SandboxClient, manager_client: Client
) -> None:
    slug = project.organization.slug
    url = f"/api/v1/orgs/{slug}/projects/{project.pk}/hubstaff/"
    assert manager_client.get(url).json()["approved_time_only"] is True
    answer = manager_client.patch(url, {"approved_time_only": False}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["approved_time_only"] is False
    manager_client.patch(url, {"approved_time_only": True}, content_type="application/json")

    run = sync_now(project, "reset")

    body = manager_client.get(f"/api/v1/orgs/{slug}/projects/{project.pk}/sync-runs/{run.pk}/").json()
    assert body["awaiting_approval"]["seconds"] == run.awaiting_approval["seconds"] > 0
