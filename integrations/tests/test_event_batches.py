"""Hubstaff's events for several projects carried out as one batch against the running sandbox over real HTTP: one
read of Hubstaff for all of them, the members read again only for a user not seen before, and the next batch
waiting longer while batches cost more than their share of the request budget."""

from datetime import date
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from pytest_django import Settings

from hubstaff_sandbox.testing import SandboxClient
from integrations.models import Installation, SyncRun
from integrations.services import batch, live, runs, sync
from integrations.services.links import update_link
from people.models import Organization
from projects.models import Project
from tests.factories import PersonFactory, ProjectFactory

from . import test_reconcile

TODAY = date(2026, 11, 24)
DAY = date(2026, 9, 1)

hs = test_reconcile.hs
installed = test_reconcile.installed


def synced_project(org: Organization, hs: SandboxClient, name: str) -> Project:
    project = ProjectFactory.create(
        organization=org, name=name, start_date=date(2026, 1, 1), end_date=date(2026, 9, 22)
    )
    update_link(project, enabled=True, hubstaff_project_ids=[hs.ids()["projects"][name]])
    queued = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    run = sync.run_sync(queued.pk, today=TODAY)
    assert run is not None and run.status == "succeeded", run and run.error
    return project


@pytest.fixture
def projects(org: Organization, hs: SandboxClient, installed: Installation) -> list[Project]:
    PersonFactory.create(organization=org, full_name="Bobby Brown", email="bobby@acme.test")
    return [synced_project(org, hs, "Project A"), synced_project(org, hs, "Project B")]


def seconds_on(project: Project, day: date) -> int:
    return sum(
        project.worklogs.filter(source="hubstaff", date=day).values_list("duration_seconds", flat=True)
    )


def event(installed: Installation, hs: SandboxClient, project: str, day: date) -> list[int]:
    payload = {"project_id": hs.ids()["projects"][project], "date": day.isoformat()}
    return live.handle_event(installed.pk, "activity.create", payload, "")


def requests_to(hs: SandboxClient, suffix: str) -> int:
    return sum(sum(codes.values()) for route, codes in hs.stats()["routes"].items() if route.endswith(suffix))


def run_batch(installed: Installation) -> list[SyncRun]:
    """The batch task as a worker runs it, when its delay is over."""
    return list(SyncRun.objects.filter(pk__in=batch.run(installed.pk, today=TODAY)).order_by("pk"))


def test_one_batch_reads_hubstaff_once_for_the_events_of_two_projects(
    installed: Installation,
    projects: list[Project],
    hs: SandboxClient,
    queued_live_tasks: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    project_a, project_b = projects
    before = {project.pk: seconds_on(project, DAY) for project in projects}
    hs.add_activity(user="bobby@acme.test", project="Project A", date=DAY.isoformat(), tracked=3600)
    hs.add_activity(user="bobby@acme.test", project="Project B", date=DAY.isoformat(), tracked=1800)
    queued_live_tasks.clear()

    with django_capture_on_commit_callbacks(execute=True):
        event(installed, hs, "Project A", DAY)
        event(installed, hs, "Project B", DAY)
    assert [task for task, _ in queued_live_tasks] == [live.BATCH_TASK]  # two events, one batch
    hs.reset_stats()
    done = run_batch(installed)

    assert [run.status for run in done] == ["succeeded", "succeeded"], [run.error for run in done]
    assert {run.project_id for run in done} == {project_a.pk, project_b.pk}
    assert seconds_on(project_a, DAY) == before[project_a.pk] + 3600
    assert seconds_on(project_b, DAY) == before[project_b.pk] + 1800
    # One listing of both projects' days, and the members once (none kept yet): two requests for two projects,
    # where two runs alone would make four.
    assert requests_to(hs, "/activities/daily") == 1
    assert requests_to(hs, "/members") == 1
    assert sum(run.requests_made for run in done) == hs.stats()["total"] == 2


def test_the_next_batch_reads_no_members_while_its_rows_name_known_users_only(
    installed: Installation, projects: list[Project], hs: SandboxClient
) -> None:
    event(installed, hs, "Project A", DAY)
    run_batch(installed)
    hs.add_activity(user="bobby@acme.test", project="Project B", date=DAY.isoformat(), tracked=900)
    event(installed, hs, "Project B", DAY)
    hs.reset_stats()

    (run,) = run_batch(installed)

    assert run.status == "succeeded", run.error
    assert requests_to(hs, "/members") == 0 and hs.stats()["total"] == run.requests_made == 1


def test_a_user_the_kept_members_lack_makes_the_batch_read_them_again(
    installed: Installation, projects: list[Project], hs: SandboxClient
) -> None:
    """The members kept from the last read lack Dana (she joined Hubstaff since): her rows name a user they do not
    have, so they are read again and her hours are named with her e-mail (no person has it), not lost as an
    unknown id's."""
    event(installed, hs, "Project B", DAY)
    run_batch(installed)
    key = batch.members_key(installed.pk, hs.ids()["orgs"]["Acme Hubstaff"])
    kept = cache.get(key)
    cache.set(key, [member for member in kept if member["email"] != "dana@elsewhere.test"])
    event(installed, hs, "Project A", date(2026, 3, 4))  # Dana tracked 4 h that day
    hs.reset_stats()

    (run,) = run_batch(installed)

    assert run.status == "succeeded", run.error
    assert requests_to(hs, "/members") == 1
    missing = {teammate["email"]: teammate["seconds"] for teammate in run.missing_teammates}
    assert missing.get("dana@elsewhere.test") == 14400


def test_a_run_the_budget_holds_back_goes_on_as_its_own_task(
    installed: Installation,
    projects: list[Project],
    hs: SandboxClient,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    later: list[tuple[int, float]] = []
    monkeypatch.setattr(
        runs, "deliver_later", lambda task, args, countdown, **options: later.append((args[0], countdown))
    )
    settings.HUBSTAFF_RATE_BUDGET = 50
    Installation.objects.filter(pk=installed.pk).update(
        budget_window_started_at=timezone.now(), budget_used=50
    )
    (run_id,) = event(installed, hs, "Project A", DAY)
    hs.reset_stats()

    with django_capture_on_commit_callbacks(execute=True):
        (run,) = run_batch(installed)

    assert hs.stats()["total"] == 0
    assert run.status == SyncRun.Status.QUEUED and [r for r, _ in later] == [run_id]
    assert later[0][1] > 3000  # when the budget's window turns


def test_an_event_while_the_batch_runs_waits_for_the_next_batch(
    installed: Installation, projects: list[Project], hs: SandboxClient
) -> None:
    """The batch took its runs before reading Hubstaff: a later event cannot join a run whose days were read."""
    (run_id,) = event(installed, hs, "Project A", DAY)
    runs.claim(run_id)

    with pytest.raises(runs.EventRunBusy):
        event(installed, hs, "Project A", DAY)


def test_batches_come_less_often_once_they_spent_their_share_of_the_budget(
    installed: Installation, settings: Settings
) -> None:
    """15 % of 1,000 requests an hour: an allowance of 25 requests (10 minutes' worth) filling at one request every
    24 s; a batch waits the coalescing delay while the allowance has a request, else until it has one."""
    settings.HUBSTAFF_EVENT_COALESCE_SECONDS = 20
    settings.HUBSTAFF_RATE_BUDGET = 1000
    settings.HUBSTAFF_RATE_WINDOW_SECONDS = 3600
    settings.HUBSTAFF_EVENT_BUDGET_SHARE = 0.15
    now = 1_000_000.0
    assert live.batch_delay(installed.pk, now) == 20  # no batch yet: the coalescing delay

    batch.spend(installed.pk, 20, now)  # a costly first batch: 5 requests left
    assert live.batch_delay(installed.pk, now) == 20
    batch.spend(installed.pk, 8, now)  # 3 requests short: 4 to fill, 24 s each
    assert live.batch_delay(installed.pk, now) == pytest.approx(96)
    assert live.batch_delay(installed.pk, now + 90) == 20  # filled meanwhile
    assert live.batch_delay(installed.pk, now + 3600) == 20
