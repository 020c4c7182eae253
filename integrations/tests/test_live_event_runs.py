"""A run queued by Hubstaff's events, carried out against the running sandbox over real HTTP: it re-reads the days
the events named, and leaves what the daily sync reads to the daily sync."""

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from hubstaff_sandbox.testing import SandboxClient
from integrations.models import Installation, ProjectLink, SyncRun
from integrations.services import live, runs, sync
from integrations.services.links import update_link
from people.models import Organization
from projects.models import Project
from tests.factories import PersonFactory, ProjectFactory
from worklogs.models import WorkLog

from . import test_reconcile

TODAY = date(2026, 11, 24)


# The reconciliation tests' fixtures: the demo sandbox, and the installation connected to it.
hs = test_reconcile.hs
installed = test_reconcile.installed


@pytest.fixture
def project_a(org: Organization, hs: SandboxClient, installed: Installation) -> Project:
    PersonFactory.create(organization=org, full_name="Bobby Brown", email="bobby@acme.test")
    project = ProjectFactory.create(
        organization=org, name="Project A", start_date=date(2026, 1, 1), end_date=date(2026, 9, 22)
    )
    update_link(project, enabled=True, hubstaff_project_ids=[hs.ids()["projects"]["Project A"]])
    queued = runs.request_sync(project, mode="reset", trigger="manual")
    run = sync.run_sync(queued.pk, today=TODAY)
    assert run is not None and run.status == "succeeded", run and run.error
    return project


def seconds_on(project: Project, day: date) -> int:
    return sum(
        WorkLog.objects.filter(project=project, source="hubstaff", date=day).values_list(
            "duration_seconds", flat=True
        )
    )


def activity_created(installed: Installation, hs: SandboxClient, day: str) -> int:
    """Hubstaff's activity.create event for a day of Project A, handled: the id of the run it queued."""
    (run_id,) = live.handle_event(
        installed.pk, "activity.create", {"project_id": hs.ids()["projects"]["Project A"], "date": day}, ""
    )
    return run_id


def test_an_event_run_reads_the_named_days_only_and_leaves_the_daily_sync_alone(
    installed: Installation,
    project_a: Project,
    hs: SandboxClient,
    monkeypatch: pytest.MonkeyPatch,
    manager_client: Client,
) -> None:
    monkeypatch.setattr(runs, "deliver_later", lambda task, args, countdown, **options: None)
    named, not_named = date(2026, 9, 1), date(2026, 9, 2)
    before = {day: seconds_on(project_a, day) for day in (named, not_named)}
    synced_through = ProjectLink.objects.get(project=project_a).synced_through
    for day in (named, not_named):
        hs.add_activity(user="bobby@acme.test", project="Project A", date=day.isoformat(), tracked=3600)

    run_id = activity_created(installed, hs, named.isoformat())
    run = sync.run_sync(run_id, today=TODAY)

    assert run is not None and run.status == SyncRun.Status.SUCCEEDED, run and run.error
    assert run.trigger == SyncRun.Trigger.HUBSTAFF_EVENT and run.reread_from == named
    assert seconds_on(project_a, named) == before[named] + 3600
    assert seconds_on(project_a, not_named) == before[not_named]  # the daily sync reads it
    assert ProjectLink.objects.get(project=project_a).synced_through == synced_through
    # The panel: Last sync stays the reset's (its counts, its missing teammates); the history names the event run.
    page = manager_client.get(f"/acme/projects/{project_a.pk}/").content.decode()
    last = page[page.index(">Last sync</h3>") : page.index("<h3>Sync history</h3>")]
    assert "1 work log added" not in last and " work logs added" in last
    assert '<span class="muted">(hubstaff event)</span>' in page


def test_an_event_of_a_hubstaff_user_no_person_matches_syncs_nothing_for_them_and_says_who(
    installed: Installation, project_a: Project, hs: SandboxClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A timer of someone Primetric does not know (Dana: no person has her e-mail) is no one's hours here: the event
    run names her among the missing teammates, as any sync does, and writes no work log for her."""
    monkeypatch.setattr(runs, "deliver_later", lambda task, args, countdown, **options: None)
    day = date(2026, 9, 3)
    logs_before = WorkLog.objects.filter(project=project_a).count()
    hs.add_activity(user="dana@elsewhere.test", project="Project A", date=day.isoformat(), tracked=1800)

    run_id = activity_created(installed, hs, day.isoformat())
    run = sync.run_sync(run_id, today=TODAY)

    assert run is not None and run.status == SyncRun.Status.SUCCEEDED, run and run.error
    missing = {teammate["email"]: teammate["seconds"] for teammate in run.missing_teammates}
    assert missing.get("dana@elsewhere.test") == 1800
    assert WorkLog.objects.filter(project=project_a).count() == logs_before


def test_an_event_run_takes_its_requests_from_the_installations_budget(
    installed: Installation,
    project_a: Project,
    hs: SandboxClient,
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
) -> None:
    """Events never go around the request budget: with this window's budget spent, the event run asks Hubstaff
    nothing and is queued for the next window, like any sync."""
    monkeypatch.setattr(runs, "deliver_later", lambda task, args, countdown, **options: None)
    settings.HUBSTAFF_RATE_BUDGET = 50
    settings.HUBSTAFF_RATE_WINDOW_SECONDS = 3600
    Installation.objects.filter(pk=installed.pk).update(
        budget_window_started_at=timezone.now(), budget_used=50
    )
    run_id = activity_created(installed, hs, "2026-09-01")
    hs.reset_stats()

    with pytest.raises(runs.Paced) as paced:
        sync.run_sync(run_id, today=TODAY)

    assert hs.stats()["total"] == 0
    assert paced.value.countdown > 3000
    assert SyncRun.objects.get(pk=run_id).status == SyncRun.Status.QUEUED
