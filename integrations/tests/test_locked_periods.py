"""Locked periods and the sync: a reset, an incremental sync and Clear data leave the locked days alone and say so;
the differences Hubstaff shows there are recorded, accepted one by one; a lock moved back lets the days change."""

from datetime import date

import pytest
from django.contrib.auth.models import User

from integrations.hubstaff import rules
from integrations.models import SyncRun
from integrations.services import locked, runs, sync
from people.models import Organization, Person
from projects.models import Project
from worklogs import locks
from worklogs.models import LockedDifference, LockEvent, WorkLog

from .test_sync_sandbox import hs, installed, link, people, project_a, sandbox_settings, sync_now  # noqa: F401

END_OF_FEBRUARY = date(2026, 2, 28)


def sams_log(project: Project, day: date) -> WorkLog:
    return WorkLog.objects.get(project=project, person__email="sam@acme.test", date=day, source="hubstaff")


def first_log_of(project: Project, person: Person, month: int) -> WorkLog:
    log = WorkLog.objects.filter(project=project, person=person, date__month=month, source="hubstaff").first()
    assert log is not None
    return log


@pytest.fixture
def synced(request: pytest.FixtureRequest) -> Project:
    """Project A linked and synced once (the sandbox's demo: Bobby's and Sam's time, February to April)."""
    request.getfixturevalue("installed")
    project: Project = request.getfixturevalue("project_a")
    link(project, request.getfixturevalue("hs"), "Project A")
    sync_now(project)
    return project


@pytest.fixture
def sam(synced: Project) -> Person:
    return Person.objects.get(organization=synced.organization, email="sam@acme.test")


@pytest.fixture
def administrator(org: Organization) -> User:
    return User.objects.create_user("ada", email="ada@acme.test", first_name="Ada", last_name="Admin")


def test_a_reset_leaves_the_locked_month_alone_and_records_the_difference(
    synced: Project, org: Organization, sam: Person, administrator: User
) -> None:
    february = first_log_of(synced, sam, 2)
    march = first_log_of(synced, sam, 3)
    hubstaff_february, hubstaff_march = february.duration_seconds, march.duration_seconds
    # Primetric keeps 8 h on both days (as signed off), then February is closed.
    WorkLog.objects.filter(pk__in=[february.pk, march.pk]).update(duration_seconds=8 * 3600)
    locks.lock(org, END_OF_FEBRUARY, administrator)

    run = sync_now(synced)

    february.refresh_from_db()
    march.refresh_from_db()
    assert february.duration_seconds == 8 * 3600  # locked: kept
    assert march.duration_seconds == hubstaff_march  # open: Hubstaff's value
    assert run.locked_kept == 1
    (difference,) = locks.open_differences(synced.organization_id, synced)
    assert (difference.worklog_id, difference.hubstaff_seconds, difference.kept_seconds) == (
        february.pk,
        hubstaff_february,
        8 * 3600,
    )
    assert locks.describe(difference) == (
        f"Hubstaff now says {hubstaff_february / 3600:.2f} h for Sam Smith on {february.date:%d %b %Y}; "
        "Primetric keeps 8.00 h, locked"
    )


def test_a_day_hubstaff_agrees_with_again_has_no_difference_after_the_next_sync(
    synced: Project, org: Organization, sam: Person, administrator: User
) -> None:
    february = first_log_of(synced, sam, 2)
    hubstaff_value = february.duration_seconds
    WorkLog.objects.filter(pk=february.pk).update(duration_seconds=8 * 3600)
    locks.lock(org, END_OF_FEBRUARY, administrator)
    sync_now(synced)
    assert LockedDifference.objects.filter(project=synced).count() == 1
    # Someone sets the kept value right (the lock moved back and forth), and the next sync finds no difference.
    locks.move_back(org, None, "typo in February", administrator)
    WorkLog.objects.filter(pk=february.pk).update(duration_seconds=hubstaff_value)
    locks.lock(org, END_OF_FEBRUARY, administrator)
    sync_now(synced)
    assert not LockedDifference.objects.filter(project=synced).exists()


def test_accepting_a_difference_unlocks_the_day_applies_hubstaff_and_locks_again(
    synced: Project, org: Organization, sam: Person, administrator: User
) -> None:
    february = first_log_of(synced, sam, 2)
    hubstaff_value = february.duration_seconds
    WorkLog.objects.filter(pk=february.pk).update(duration_seconds=8 * 3600)
    locks.lock(org, END_OF_FEBRUARY, administrator)
    sync_now(synced)
    (difference,) = locks.open_differences(synced.organization_id, synced)

    words = locked.accept(difference, administrator)

    february.refresh_from_db()
    assert february.duration_seconds == hubstaff_value
    assert locks.locked_through(org.pk) == END_OF_FEBRUARY  # locked again
    assert not LockedDifference.objects.filter(project=synced).exists()
    event = LockEvent.objects.filter(organization=org).first()
    assert event is not None
    assert (event.action, event.day, event.made_by, event.reason) == (
        "accept",
        february.date,
        administrator,
        f"Accepted: {words}.",
    )


def test_a_lock_moved_back_lets_the_next_sync_change_those_days_and_is_recorded_with_its_reason(
    synced: Project, org: Organization, sam: Person, administrator: User
) -> None:
    february = first_log_of(synced, sam, 2)
    hubstaff_value = february.duration_seconds
    WorkLog.objects.filter(pk=february.pk).update(duration_seconds=8 * 3600)
    locks.lock(org, END_OF_FEBRUARY, administrator)
    sync_now(synced)
    assert locks.open_differences(synced.organization_id, synced)

    locks.move_back(org, date(2026, 1, 31), "February's hours were re-approved", administrator)
    assert (
        locks.open_differences(synced.organization_id, synced) == []
    )  # the day is no longer locked: nothing to accept
    sync_now(synced)

    february.refresh_from_db()
    assert february.duration_seconds == hubstaff_value
    history = [
        (e.action, e.previous, e.locked_through, e.reason, e.made_by_name) for e in locks.history(org.pk)
    ]
    assert history == [
        ("unlock", END_OF_FEBRUARY, date(2026, 1, 31), "February's hours were re-approved", "Ada Admin"),
        ("lock", None, END_OF_FEBRUARY, "", "Ada Admin"),
    ]


def test_the_lock_moves_back_only_with_a_reason_and_forward_only_to_a_later_date(
    org: Organization, administrator: User
) -> None:
    locks.lock(org, END_OF_FEBRUARY, administrator)
    with pytest.raises(locks.LockNotMoved, match="Say why"):
        locks.move_back(org, date(2026, 1, 31), "  ", administrator)
    with pytest.raises(locks.LockNotMoved, match="already locked up to 28 Feb 2026"):
        locks.lock(org, date(2026, 2, 1), administrator)
    with pytest.raises(locks.LockNotMoved, match="before 28 Feb 2026"):
        locks.move_back(org, date(2026, 3, 31), "later", administrator)
    assert locks.locked_through(org.pk) == END_OF_FEBRUARY
    assert LockEvent.objects.filter(organization=org).count() == 1


def test_clear_data_keeps_the_locked_period_and_says_how_many_it_left(
    synced: Project, org: Organization, administrator: User
) -> None:
    logs = WorkLog.objects.filter(project=synced, source="hubstaff")
    in_february = logs.filter(date__lte=END_OF_FEBRUARY).count()
    assert in_february
    locks.lock(org, END_OF_FEBRUARY, administrator)

    run = runs.clear_project(synced)

    assert run.locked_kept == in_february
    assert logs.count() == in_february and not logs.filter(date__gt=END_OF_FEBRUARY).exists()


def test_a_reset_keeps_locked_logs_outside_the_projects_dates(
    synced: Project, org: Organization, administrator: User
) -> None:
    february = WorkLog.objects.filter(project=synced, source="hubstaff", date__month=2).count()
    locks.lock(org, END_OF_FEBRUARY, administrator)
    Project.objects.filter(pk=synced.pk).update(start_date=date(2026, 3, 1))
    synced.refresh_from_db()

    run = sync_now(synced)

    assert WorkLog.objects.filter(project=synced, source="hubstaff", date__month=2).count() == february
    assert run.locked_kept == february and run.status == SyncRun.Status.SUCCEEDED


def test_a_lock_moved_while_a_sync_applies_fails_the_sync_and_changes_nothing(
    synced: Project, org: Organization, sam: Person, administrator: User
) -> None:
    february = first_log_of(synced, sam, 2)
    WorkLog.objects.filter(pk=february.pk).update(duration_seconds=8 * 3600)
    before = sorted(WorkLog.objects.filter(project=synced).values_list("id", "duration_seconds"))

    def locking_meanwhile(**kwargs: object) -> rules.SyncPlan:
        if locks.locked_through(org.pk) is None:
            locks.lock(org, END_OF_FEBRUARY, administrator)  # an Administrator locks while the sync applies
        return rules.plan_sync(**kwargs)  # type: ignore[arg-type]

    run = sync_now(synced, expect="failed", parts=sync.Parts(plan=locking_meanwhile))

    assert run.error == "The locked period was changed during the sync; nothing was written. Sync again."
    assert sorted(WorkLog.objects.filter(project=synced).values_list("id", "duration_seconds")) == before
    assert not LockedDifference.objects.exists()
