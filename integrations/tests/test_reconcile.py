"""The reconciliation sweep: a change Hubstaff's change listings never name still reaches Primetric, within a week
for a day of the last 90 days and within a month for an older one (docs/sync.md, "The reconciliation sweep")."""

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from conftest import point_hubstaff_at
from hubstaff_sandbox.testing import DEMO_SCENARIO, SandboxClient, running_sandbox
from integrations import notifications
from integrations.hubstaff import rules
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.windows import daily_floor
from integrations.models import Installation, ProjectLink, SyncRun
from integrations.services import reconcile, runs, schedule, sync
from integrations.services.installation import connect_with_personal_access_token
from integrations.services.links import update_link
from integrations.templatetags.sync_words import describe_dates
from integrations.tests.test_notifications import daily_run
from people.models import Organization, Person
from people.roles import Role
from projects.models import Project
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory
from worklogs.models import WorkLog

DEMO = json.loads(DEMO_SCENARIO.read_text())

# -- the slices, day after day: every date is re-read within its period


def sweep(
    project_start: date, project_end: date | None, days: int, failed: frozenset[int] = frozenset()
) -> tuple[dict[date, list[date]], int]:
    """Every day's reconciliation of a project for `days` days from 1 Jan 2026, as Commit.succeed moves the link
    (the days in `failed` fail: nothing moves). Returns the days each date was re-read on, and the most dates
    one run re-read."""
    recent_next = old_next = None
    read: dict[date, list[date]] = {}
    most = 0
    for k in range(days):
        today = date(2026, 1, 1) + timedelta(days=k)
        window = (project_start, min(project_end or today, today))
        readable = (max(window[0], daily_floor(today)), window[1])
        spans = reconcile.spans(readable, today, recent_next, old_next)
        if k in failed:
            continue
        most = max(most, sum((s.end - s.start).days + 1 for s in spans))
        for span in spans:
            for i in range((span.end - span.start).days + 1):
                read.setdefault(span.start + timedelta(days=i), []).append(today)
        moved = reconcile.next_days(window, today, spans)
        recent_next = moved.get("reconcile_recent_next", recent_next)
        old_next = moved.get("reconcile_old_next", old_next)
    return read, most


def longest_waits(
    project_start: date, project_end: date | None, failed: frozenset[int] = frozenset()
) -> dict[str, int]:
    """For a change made on any day to any date the daily sync's trailing days leave out: the days until a
    reconciliation re-reads that date, at worst, for a date under 90 days old and for an older one."""
    days = 400
    read, _ = sweep(project_start, project_end, days, failed)
    worst = {"under 90 days": 0, "older": 0}
    for k in range(40, days - 40):  # once the sweep has gone round, and while a later read can still come
        changed_on = date(2026, 1, 1) + timedelta(days=k)
        last = min(project_end or changed_on, changed_on - timedelta(days=7))
        first = max(project_start, daily_floor(changed_on) + timedelta(days=40))  # still readable a month on
        for i in range((last - first).days + 1):
            day = first + timedelta(days=i)
            after = [
                on for on in read.get(day, []) if on > changed_on
            ]  # the run of the change's day may precede it
            assert after, f"{day} is never re-read after {changed_on}"
            lane = "under 90 days" if (changed_on - day).days < 90 else "older"
            worst[lane] = max(worst[lane], (after[0] - changed_on).days)
    return worst


@pytest.mark.parametrize(
    "project_start, project_end",
    [
        (date(2020, 1, 1), None),  # longer than Hubstaff keeps: the floor moves every day
        (date(2025, 10, 1), None),  # three months old
        (date(2025, 3, 1), date(2026, 2, 15)),  # ended during the sweep
    ],
)
def test_every_day_is_re_read_within_a_week_if_under_90_days_old_and_within_30_days_otherwise(
    project_start: date, project_end: date | None
) -> None:
    worst = longest_waits(project_start, project_end)
    assert worst["under 90 days"] <= 7 and worst["older"] <= 30, worst


def test_a_failed_reconciliation_is_made_up_within_the_same_bounds() -> None:
    worst = longest_waits(date(2020, 1, 1), None, failed=frozenset({100, 200, 201}))
    assert worst["under 90 days"] <= 7 and worst["older"] <= 30, worst


def test_a_reconciliation_asks_hubstaff_for_three_date_windows_at_most() -> None:
    _, most = sweep(date(2020, 1, 1), None, 120)
    assert most <= 2 * 31  # the old slice takes two windows at most, the recent one one
    spans = reconcile.spans((date(2023, 12, 5), date(2026, 12, 4)), date(2026, 12, 4), None, None)
    assert len(spans) == 2 and all(span.end < date(2026, 12, 4) - timedelta(days=6) for span in spans)


# -- against the sandbox: a deletion of old tracked time that only the sweep reads again


@pytest.fixture(scope="module")
def hs() -> Iterator[SandboxClient]:
    with running_sandbox(scenario=DEMO_SCENARIO) as sandbox:
        yield sandbox


@pytest.fixture
def installed(org: Organization, hs: SandboxClient, settings: Settings) -> Installation:
    point_hubstaff_at(settings, hs, HUBSTAFF_MAX_RETRY_AFTER=0.5)
    hs.load(DEMO)  # rows and edit log entries of the tests before gone
    hs.reset_faults()
    return connect_with_personal_access_token(org, hs.create_pat("alice@acme.test"))


@pytest.fixture
def bobby(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Bobby Brown", email="bobby@acme.test")


class Days:
    """The schedule driven a day at a time, as beat would: each day's reconciliation queued and carried out."""

    def __init__(self, capture: DjangoCaptureOnCommitCallbacks) -> None:
        self.capture = capture
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)

    def start(self, project: Project) -> None:
        """The project synced in full today, and its link given its first reconciliation slot (nothing queued)."""
        self.project = project
        queued = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
        run = sync.run_sync(queued.pk, today=self.today)
        assert run is not None and run.status == "succeeded", run and run.error
        with self.capture(execute=True):
            assert schedule.enqueue_due_reconciliations(self.now) == 0

    def next_day(self) -> SyncRun:
        """Move a day on; the reconciliation that day (it must succeed)."""
        self.now += timedelta(days=1)
        self.today += timedelta(days=1)
        with self.capture(execute=True):
            assert schedule.enqueue_due_reconciliations(self.now) == 1
        queued = SyncRun.objects.get(project=self.project, status="queued")
        assert queued.mode == "reconcile" and queued.trigger == "schedule"
        run = sync.run_sync(queued.pk, today=self.today)
        assert run is not None and run.status == "succeeded", run and run.error
        return run

    def incremental(self) -> SyncRun:
        queued = runs.request_sync(self.project, mode="incremental", trigger="manual", send_task=False)
        run = sync.run_sync(queued.pk, today=self.today)
        assert run is not None and run.status == "succeeded", run and run.error
        return run


def reread(run: SyncRun, day: date) -> bool:
    return any(date.fromisoformat(s) <= day <= date.fromisoformat(e) for s, e in run.fetch_plan["spans"])


def linked_project(org: Organization, hs: SandboxClient, bobby: Person, started: date) -> Project:
    project = ProjectFactory.create(organization=org, name="Project A", start_date=started, end_date=None)
    AssignmentFactory.create(project=project, person=bobby, start_date=started, end_date=date(2027, 12, 31))
    update_link(project, enabled=True, hubstaff_project_ids=[hs.ids()["projects"]["Project A"]])
    return project


def old_tracked_time(hs: SandboxClient, day: date) -> int:
    """Tracked time of Bobby on `day` (no manual seconds: the time edit log does not record it); its id."""
    row = hs.add_activity(user="bobby@acme.test", project="Project A", date=day.isoformat(), tracked=3 * 3600)
    return int(row["id"])


def bobbys_seconds(project: Project, day: date) -> int:
    logs = WorkLog.objects.filter(
        project=project, source="hubstaff", date=day, person__email="bobby@acme.test"
    )
    return sum(log.duration_seconds for log in logs)


@pytest.mark.parametrize("edit_log", ["all", "manual"])
def test_a_deletion_of_60_day_old_tracked_time_reaches_primetric_within_a_week(
    installed: Installation,
    org: Organization,
    bobby: Person,
    hs: SandboxClient,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    edit_log: str,
) -> None:
    """With Hubstaff's edit log recording every change, the next daily sync deletes it. Recording manual time only,
    no daily sync ever does: the reconciliation does, within a week even when it had just re-read that day."""
    hs.fault(edit_log=edit_log)
    days = Days(django_capture_on_commit_callbacks)
    day = days.today - timedelta(days=60)
    project = linked_project(org, hs, bobby, days.today - timedelta(days=200))
    row = old_tracked_time(hs, day)
    days.start(project)
    assert bobbys_seconds(project, day) == 3 * 3600
    # The worst moment for the change: just after a reconciliation re-read its day.
    for _ in range(7):
        if reread(days.next_day(), day):
            break
    else:
        pytest.fail(f"no reconciliation re-read {day} in a week")
    hs.delete_activity(row)
    if edit_log == "all":
        assert days.incremental().worklogs_deleted == 1
        assert bobbys_seconds(project, day) == 0
        return
    assert days.incremental().worklogs_deleted == 0  # nothing Hubstaff lists names the day
    assert bobbys_seconds(project, day) == 3 * 3600
    for _ in range(7):
        run = days.next_day()
        days.incremental()  # the daily sync goes on meanwhile; it never deletes it
        if bobbys_seconds(project, day) == 0:
            assert run.worklogs_deleted == 1 and reread(run, day)
            break
    else:
        pytest.fail("a week later the deleted time is still in Primetric")


def test_a_deletion_of_200_day_old_tracked_time_reaches_primetric_within_30_days(
    installed: Installation,
    org: Organization,
    bobby: Person,
    hs: SandboxClient,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    hs.fault(edit_log="manual")
    days = Days(django_capture_on_commit_callbacks)
    day = days.today - timedelta(days=200)
    project = linked_project(org, hs, bobby, days.today - timedelta(days=400))
    row = old_tracked_time(hs, day)
    days.start(project)
    for _ in range(30):
        if reread(days.next_day(), day):
            break
    else:
        pytest.fail(f"no reconciliation re-read {day} in 30 days")
    hs.delete_activity(row)
    assert days.incremental().worklogs_deleted == 0
    for _ in range(30):
        days.next_day()
        if bobbys_seconds(project, day) == 0:
            break
    else:
        pytest.fail("30 days later the deleted time is still in Primetric")


def test_a_reconciliation_keeps_synced_through_and_the_panel_names_the_days_it_re_read(
    installed: Installation,
    org: Organization,
    bobby: Person,
    hs: SandboxClient,
    manager_client: Client,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    days = Days(django_capture_on_commit_callbacks)
    days.start(linked_project(org, hs, bobby, date(2026, 1, 1)))
    project = days.project
    link = ProjectLink.objects.get(project=project)
    run = days.next_day()
    after = ProjectLink.objects.get(project=project)
    assert (after.synced_through, after.last_synced_at, after.next_sync_due_at) == (
        link.synced_through,
        link.last_synced_at,
        link.next_sync_due_at,
    )
    assert after.reconcile_recent_next is not None
    # The next reconciliation goes on from there: no day re-read twice in a row.
    spans = [rules.DateSpan(date.fromisoformat(s), date.fromisoformat(e)) for s, e in run.fetch_plan["spans"]]
    assert after.reconcile_recent_next == spans[-1].end + timedelta(days=1)
    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    read = " and ".join(describe_dates(span.start, span.end) for span in spans)
    assert f'Reconciliation: re-read {read} <span class="muted">(schedule)</span>' in page
    # Last sync stays the daily sync's (here the reset): its missing teammates are not replaced by an old slice's.
    last = page[page.index(">Last sync</h3>") : page.index("<h3>Sync history</h3>")]
    assert run.worklogs_created == 0 and "No work logs added, changed or removed" not in last
    assert " work logs added" in last


def test_the_days_re_read_are_written_as_people_write_them() -> None:
    assert describe_dates(date(2025, 3, 1), date(2025, 3, 31)) == "1–31 Mar 2025"
    assert describe_dates(date(2025, 2, 28), date(2025, 3, 3)) == "28 Feb–3 Mar 2025"
    assert describe_dates(date(2024, 12, 20), date(2025, 1, 10)) == "20 Dec 2024–10 Jan 2025"
    assert describe_dates(date(2025, 3, 5), date(2025, 3, 5)) == "5 Mar 2025"


def test_reconciliations_come_half_a_day_from_the_daily_sync_and_once_a_day(
    installed: Installation,
    org: Organization,
    bobby: Person,
    hs: SandboxClient,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    days = Days(django_capture_on_commit_callbacks)
    project = linked_project(org, hs, bobby, date(2026, 1, 1))
    # Not before the project's first sync: that one reads everything anyway.
    with django_capture_on_commit_callbacks(execute=True):
        assert schedule.enqueue_due_reconciliations(days.now + timedelta(days=2)) == 0
    queued = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    assert sync.run_sync(queued.pk, today=days.today).status == "succeeded"  # type: ignore[union-attr]
    link = ProjectLink.objects.get(project=project)
    assert link.next_reconcile_due_at is not None and link.next_sync_due_at is not None
    apart = abs(link.next_reconcile_due_at - link.next_sync_due_at) % timedelta(days=1)
    assert apart == timedelta(hours=12)
    with django_capture_on_commit_callbacks(execute=True):
        assert schedule.enqueue_due_reconciliations(link.next_reconcile_due_at) == 1
        assert schedule.enqueue_due_reconciliations(link.next_reconcile_due_at) == 0  # queued already
    SyncRun.objects.filter(project=project, status="queued").update(status="failed")
    with django_capture_on_commit_callbacks(execute=True):
        # Its slot moved a day on: nothing more that day.
        assert schedule.enqueue_due_reconciliations(link.next_reconcile_due_at + timedelta(hours=23)) == 0


def test_a_reconciliation_leaves_the_other_syncs_their_share_of_the_budget(
    installed: Installation,
    org: Organization,
    bobby: Person,
    hs: SandboxClient,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    shared: list[SyncRun | None] = []

    class WatchedClient(HubstaffClient):
        def close(self) -> None:
            shared.append(self.budget.run)  # set by share_fairly: the run takes a large sync's share only
            super().close()

    days = Days(django_capture_on_commit_callbacks)
    days.start(linked_project(org, hs, bobby, date(2026, 1, 1)))
    days.now += timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        schedule.enqueue_due_reconciliations(days.now)
    queued = SyncRun.objects.get(project=days.project, status="queued", mode="reconcile")
    run = sync.run_sync(queued.pk, today=days.today, parts=sync.Parts(client=WatchedClient))
    assert run is not None and run.status == "succeeded" and run.requests_made > 0
    assert shared and shared[-1] is not None and shared[-1].pk == run.pk


def test_a_project_younger_than_its_trailing_days_is_reconciled_without_reading_a_day(
    installed: Installation,
    org: Organization,
    bobby: Person,
    hs: SandboxClient,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    days = Days(django_capture_on_commit_callbacks)
    days.start(linked_project(org, hs, bobby, days.today - timedelta(days=3)))
    hs.reset_stats()
    run = days.next_day()  # every day of it is the daily sync's: nothing to compare again
    assert run.fetch_plan["spans"] == [] and run.worklogs_deleted == 0
    assert not any("activities/daily" in route for route in hs.stats()["routes"])


def test_reconciliations_between_failed_daily_syncs_do_not_hide_that_they_keep_failing(
    org: Organization, make_member: Callable[..., Person], project: Project
) -> None:
    make_member(org, Role.ADMINISTRATOR, full_name="Ada Admin", email="ada@acme.test")
    notifications.notify_run(daily_run(project, SyncRun.Status.FAILED, 30, error="Hubstaff answered 500").pk)
    reconciled = daily_run(project, SyncRun.Status.SUCCEEDED, 20)
    SyncRun.objects.filter(pk=reconciled.pk).update(mode=SyncRun.Mode.RECONCILE)
    notifications.notify_run(reconciled.pk)
    notifications.notify_run(daily_run(project, SyncRun.Status.FAILED, 10, error="Hubstaff answered 503").pk)
    assert [m.subject for m in mail.outbox] == ["The daily Hubstaff sync of Project A failed twice in a row"]
