"""The ledger of every run and "Undo this run": what a run changed is recorded in its own transaction, and undo puts
back exactly the rows as they were before it, lists what changed since, and never runs half-done."""

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from integrations import tasks
from integrations.hubstaff import rules
from integrations.models import LedgerEntry, SyncRun
from integrations.services import ledger, runs, sync, undo
from people.models import Organization, Person
from projects.models import Assignment, Project
from worklogs import locks
from worklogs.models import WorkLog

from .test_sync_sandbox import TODAY, hs, installed, link, people, project_a, sandbox_settings, sync_now  # noqa: F401


def snapshot(project: Project) -> dict[str, Any]:
    """Every column of the project's work logs and assignments: what "exactly as before" compares."""
    return {
        "worklogs": sorted(WorkLog.objects.filter(project=project).values_list()),
        "assignments": sorted(Assignment.objects.filter(project=project).values_list()),
    }


@pytest.fixture
def linked(request: pytest.FixtureRequest) -> Project:
    """Project A linked to the sandbox's demo (Bobby assigned; Sam's assignment made by the first sync)."""
    request.getfixturevalue("installed")
    project: Project = request.getfixturevalue("project_a")
    link(project, request.getfixturevalue("hs"), "Project A")
    return project


def drift(project: Project) -> None:
    """Make the project differ from Hubstaff, so that the next reset updates, creates and deletes."""
    logs = WorkLog.objects.filter(project=project, source="hubstaff").order_by("date", "id")
    first, second, third = list(logs[:3])
    WorkLog.objects.filter(pk=first.pk).update(duration_seconds=first.duration_seconds + 600)
    WorkLog.objects.filter(pk=second.pk).delete()
    WorkLog.objects.create(
        organization=project.organization,
        project=project,
        person=third.person,
        date=date(2026, 2, 7),  # a Saturday: nobody tracked time then
        duration_seconds=1800,
        source="hubstaff",
        source_key=f"hubstaff:{third.source_key.split(':')[1]}:{third.source_key.split(':')[2]}:2026-02-07",
    )


def test_a_runs_ledger_records_what_it_created_updated_and_deleted(linked: Project) -> None:
    first = sync_now(linked)
    rows = list(ledger.entries(first))
    created = [row for entry in rows for row in entry.get("created", [])]
    assert sorted(row["id"] for row in created) == sorted(
        WorkLog.objects.filter(project=linked, source="hubstaff").values_list("id", flat=True)
    )
    (sam_assignment,) = [row for entry in rows for row in entry.get("assignment_created", [])]
    assert sam_assignment["id"] == Assignment.objects.get(project=linked, origin="sync").pk

    drift(linked)
    before = {log.pk: log.duration_seconds for log in WorkLog.objects.filter(project=linked)}
    second = sync_now(linked)
    kinds: dict[str, list[dict[str, Any]]] = {}
    for entry in ledger.entries(second):
        for kind, changes in entry.items():
            kinds.setdefault(kind, []).extend(changes)
    assert {kind: len(changes) for kind, changes in kinds.items()} == {
        "created": 1,
        "updated": 1,
        "deleted": 1,
    }
    (updated,) = kinds["updated"]
    assert updated["seconds_before"] == before[updated["id"]]
    (deleted,) = kinds["deleted"]
    assert (deleted["date"], deleted["seconds"], deleted["source_key"].endswith(":2026-02-07")) == (
        date(2026, 2, 7),
        1800,
        True,
    )
    assert (second.worklogs_created, second.worklogs_updated, second.worklogs_deleted) == (1, 1, 1)


def test_a_run_that_fails_leaves_no_ledger(linked: Project) -> None:
    calls = 0

    def failing_rules(**kwargs: Any) -> rules.SyncPlan:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("the rules failed on the third batch")
        return rules.plan_sync(**kwargs)

    run = sync_now(linked, expect="failed", parts=sync.Parts(plan=failing_rules))
    assert not LedgerEntry.objects.filter(run=run).exists()
    assert not WorkLog.objects.filter(project=linked).exists()


def test_undo_puts_back_exactly_what_was_there_before_the_run(linked: Project) -> None:
    sync_now(linked)
    drift(linked)
    before = snapshot(linked)
    second = sync_now(linked)
    assert snapshot(linked) != before

    done = undo.undo_run(second)

    assert snapshot(linked) == before
    assert (done.mode, done.undoes, done.status) == ("undo", second, "succeeded")
    assert (done.worklogs_created, done.worklogs_updated, done.worklogs_deleted) == (1, 1, 1)
    with pytest.raises(undo.UndoRefused, match="undone already"):
        undo.undo_run(second)


def test_undo_of_a_first_sync_removes_its_work_logs_and_the_assignment_it_made(linked: Project) -> None:
    before = snapshot(linked)
    first = sync_now(linked)
    undo.undo_run(first)
    assert snapshot(linked) == before


def test_undo_lists_rows_changed_since_and_undoes_the_rest_only_when_confirmed(linked: Project) -> None:
    sync_now(linked)
    drift(linked)
    second = sync_now(linked)
    (updated,) = [row for entry in ledger.entries(second) for row in entry.get("updated", [])]
    # A later change of a row the run updated (here by hand; a later run would do the same).
    WorkLog.objects.filter(pk=updated["id"]).update(duration_seconds=4 * 3600)
    changed = snapshot(linked)

    with pytest.raises(undo.UndoConflicts) as refused:
        undo.undo_run(second)
    assert [(c.kind, c.id, c.reason) for c in refused.value.conflicts] == [
        ("updated", updated["id"], "changed since this run")
    ]
    assert refused.value.restorable == 2
    assert snapshot(linked) == changed  # nothing changed, and no undo run recorded
    assert not SyncRun.objects.filter(mode="undo").exists()

    done = undo.undo_run(second, confirm=True)

    assert WorkLog.objects.get(pk=updated["id"]).duration_seconds == 4 * 3600  # the later change stays
    assert (done.worklogs_created, done.worklogs_deleted) == (1, 1)
    assert done.undo_conflicts == [
        {
            "kind": "updated",
            "id": updated["id"],
            "person_id": updated["person_id"],
            "date": updated["date"].isoformat(),
            "reason": "changed since this run",
        }
    ]


def test_undo_after_the_project_was_cleared_says_what_is_gone_and_undoing_the_clear_brings_it_back(
    linked: Project,
) -> None:
    sync_now(linked)
    drift(linked)
    before_second = snapshot(linked)
    second = sync_now(linked)
    after_second = snapshot(linked)
    cleared = runs.clear_project(linked)
    assert not WorkLog.objects.filter(project=linked, source="hubstaff").exists()

    # The sync's new log is gone already; its update and its delete cannot be put back over the Clear data.
    plan = undo.check(second)
    assert sorted(c.reason for c in plan.conflicts) == ["deleted since this run"]
    with pytest.raises(undo.UndoConflicts):
        undo.undo_run(second)

    # Clear data is a run with a ledger: undone, the work logs come back as they were, ids and all.
    undo.undo_run(cleared)
    assert snapshot(linked) == after_second
    undo.undo_run(second)
    assert snapshot(linked) == before_second


def test_undo_is_refused_while_a_sync_of_the_project_is_queued_and_changes_nothing(linked: Project) -> None:
    first = sync_now(linked)
    before = snapshot(linked)
    runs.request_sync(linked, mode="incremental", trigger="manual")
    with pytest.raises(undo.UndoRefused, match="queued or running"):
        undo.undo_run(first)
    assert snapshot(linked) == before
    assert not SyncRun.objects.filter(mode="undo").exists()


def test_undo_is_refused_past_the_retention_and_the_purge_removes_old_ledgers(
    linked: Project, settings: Any
) -> None:
    settings.SYNC_LEDGER_RETENTION_DAYS = 30
    first = sync_now(linked)
    SyncRun.objects.filter(pk=first.pk).update(finished_at=timezone.now() - timedelta(days=31))
    first.refresh_from_db()
    with pytest.raises(undo.UndoRefused, match="older than 30 days cannot be undone"):
        undo.undo_run(first)
    assert tasks.purge_sync_ledger() >= 1
    assert not LedgerEntry.objects.filter(run=first).exists()


def test_undo_leaves_the_locked_period_alone(linked: Project, org: Organization) -> None:
    first = sync_now(linked)
    locks.lock(org, date(2026, 2, 28), None)
    february = WorkLog.objects.filter(project=linked, date__month=2).count()
    with pytest.raises(undo.UndoConflicts) as refused:
        undo.undo_run(first)
    logs = [c for c in refused.value.conflicts if c.kind == "created"]
    assert len(logs) == february
    assert {c.reason for c in logs} == {"locked: dated in the locked period (up to 28 Feb 2026)"}
    # Sam's assignment, made by the run, stays with his February work logs.
    assert [(c.kind, c.reason) for c in refused.value.conflicts if c.kind != "created"] == [
        ("assignment_created", "work logs that stay are on it")
    ]
    done = undo.undo_run(first, confirm=True)
    assert done.locked_kept == february
    assert WorkLog.objects.filter(project=linked).count() == february


def test_clear_data_of_a_date_range_and_a_person(linked: Project) -> None:
    sync_now(linked)
    sam = Person.objects.get(organization=linked.organization, email="sam@acme.test")
    logs = WorkLog.objects.filter(project=linked, source="hubstaff")
    in_march = logs.filter(date__month=3).count()
    sams_in_april = logs.filter(date__month=4, person=sam).count()
    total = logs.count()

    run = runs.clear_project(linked, start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert run.worklogs_deleted == in_march and not logs.filter(date__month=3).exists()
    run = runs.clear_project(linked, start=date(2026, 4, 1), end=date(2026, 4, 30), person=sam)
    assert run.worklogs_deleted == sams_in_april and logs.count() == total - in_march - sams_in_april
    run.refresh_from_db()
    assert (run.window_start, run.window_end, run.cleared_person) == (
        date(2026, 4, 1),
        date(2026, 4, 30),
        sam,
    )


@pytest.mark.django_db(transaction=True)
def test_a_sync_requested_while_an_undo_commits_waits_for_it_then_queues(
    linked: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = sync_now(linked)
    inside, release = threading.Event(), threading.Event()
    apply = undo._apply

    def slow_apply(*args: Any, **kwargs: Any) -> dict[str, int]:
        inside.set()
        assert release.wait(10)
        return apply(*args, **kwargs)

    monkeypatch.setattr(undo, "_apply", slow_apply)
    outcome: dict[str, Any] = {}

    def run_undo() -> None:
        try:
            outcome["run"] = undo.undo_run(first)
        finally:
            connection.close()

    worker = threading.Thread(target=run_undo)
    worker.start()
    assert inside.wait(10)
    requested: dict[str, SyncRun] = {}

    def request() -> None:
        try:
            requested["run"] = runs.request_sync(
                linked, mode="incremental", trigger="manual", send_task=False
            )
        finally:
            connection.close()

    asker = threading.Thread(target=request)
    asker.start()
    asker.join(1)
    assert asker.is_alive()  # waiting for the undo's transaction
    release.set()
    worker.join(10)
    asker.join(10)
    assert outcome["run"].status == "succeeded"
    assert not WorkLog.objects.filter(project=linked, source="hubstaff").exists()
    assert requested["run"].mode == "incremental" and not requested["run"].joined
    assert sync.run_sync(requested["run"].pk, today=TODAY) is not None
