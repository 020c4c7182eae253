"""Undo a run: recorded as a run of its own, in one transaction.

Undo reads the run's ledger (services/ledger.py) and puts back, for the rows it changed, exactly what was there
before it: the work logs it created are deleted, those it updated get their values back, those it deleted come
back with their ids and content; the assignments it created are deleted, those it stretched get their span back.

A row changed since (by a later run, a Clear data, an accepted difference or a person) is a **conflict**: undo does
not overwrite it. Without `confirm`, undo lists the conflicts and changes nothing (`UndoConflicts`); with it, the
rest is undone and the conflicts are recorded on the undo run. A work log dated in the locked period is never
touched (a conflict whose reason says so).

The undo run is created running, in the transaction that undoes: the partial unique constraint on active runs
refuses it while a sync of the project is queued or running ("undo when it has finished"), and a sync requested
meanwhile waits for the undo's commit (its insert waits on the constraint), so nothing is ever half-done.

After a project's Clear data, the logs an earlier sync created are gone already (nothing to undo for them), and
those it updated are conflicts ("deleted since"): undo the Clear data first (it is a run with a ledger too), then
the sync.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, transaction
from django.utils import timezone

from integrations.models import SyncRun
from people.models import Person
from projects.models import Assignment, Project
from worklogs import locks
from worklogs.models import WorkLog

from . import ledger, runs
from .ledger import Changes, from_micros, micros
from .locked import delete_returning

# Runs whose changes a ledger records, and that undo may take back.
UNDOABLE = (
    SyncRun.Mode.RESET,
    SyncRun.Mode.INCREMENTAL,
    SyncRun.Mode.RECONCILE,
    SyncRun.Mode.CLEAR,
)

BUSY_MESSAGE = "A sync of this project is queued or running; undo when it has finished."


class UndoRefused(Exception):
    """The run cannot be undone; the message says why, for the user."""


@dataclass(frozen=True)
class Conflict:
    """A row of the run that undo leaves as it is, and why."""

    kind: str
    id: int
    person_id: int
    date: date | None
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "person_id": self.person_id,
            "date": self.date.isoformat() if self.date else None,
            "reason": self.reason,
        }


class UndoConflicts(Exception):  # noqa: N818  # a refusal carrying its list, like Django's ValidationError
    """Rows changed since the run: undo them only with `confirm` (the rest is undone, these stay)."""

    def __init__(self, conflicts: Sequence[Conflict], restorable: int) -> None:
        super().__init__(f"{len(conflicts)} rows changed since this run.")
        self.conflicts = list(conflicts)
        self.restorable = restorable


@dataclass
class _Plan:
    """What undo does: the rows to put back per kind, and the conflicts."""

    delete_logs: list[int] = field(default_factory=list)
    restore_logs: list[dict[str, Any]] = field(default_factory=list)  # ledger "updated" rows
    insert_logs: list[dict[str, Any]] = field(default_factory=list)  # ledger "deleted" rows
    delete_assignments: list[dict[str, Any]] = field(default_factory=list)
    restore_assignments: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return (
            len(self.delete_logs)
            + len(self.restore_logs)
            + len(self.insert_logs)
            + len(self.delete_assignments)
            + len(self.restore_assignments)
        )


def refusal(run: SyncRun, now: datetime | None = None) -> str | None:
    """Why `run` cannot be undone, or None."""
    now = now or timezone.now()
    if run.mode == SyncRun.Mode.UNDO:
        return "An undo cannot be undone; sync again to bring Hubstaff's hours back."
    if run.mode not in UNDOABLE:
        return f"A {run.get_mode_display().lower()} changes nothing, so there is nothing to undo."
    if run.status != SyncRun.Status.SUCCEEDED:
        return "Only a run that succeeded changed anything; this one changed nothing."
    undone = (
        SyncRun.objects.for_org(run.organization_id)
        .filter(undoes=run, status=SyncRun.Status.SUCCEEDED)
        .first()
    )
    if undone is not None:
        return f"This run was undone already ({undone.finished_at or undone.queued_at:%d %b %Y, %H:%M})."
    finished = run.finished_at or run.queued_at
    kept = ledger.retention()
    if now - finished > kept:
        return (
            f"Runs older than {kept.days} days cannot be undone: what they changed is no longer kept "
            f"(this one finished on {finished:%d %b %Y})."
        )
    if not ledger.has_ledger(run):
        if (
            run.worklogs_created + run.worklogs_updated + run.worklogs_deleted + run.assignments_created == 0
            and (run.assignments_stretched == 0)
        ):
            return "This run changed nothing, so there is nothing to undo."
        return "What this run changed was not recorded (it ran before changes were recorded), so it cannot be undone."
    return None


def check(run: SyncRun) -> _Plan:
    """What undoing `run` would do now, and its conflicts (reads only)."""
    through = locks.locked_through(run.organization_id)
    return _plan(run, through, lock_rows=False)


def undo_run(
    run: SyncRun,
    *,
    user: User | AnonymousUser | None = None,
    trigger: str = SyncRun.Trigger.MANUAL,
    confirm: bool = False,
) -> SyncRun:
    """Undo `run` in one transaction, recorded as a run of mode "undo" pointing at it; returns that run.

    Raises UndoRefused (why not), or UndoConflicts when rows changed since and `confirm` is not given.
    """
    reason = refusal(run)
    if reason:
        raise UndoRefused(reason)
    project = run.project
    with transaction.atomic():
        undo = runs.start_in_transaction(project, mode=SyncRun.Mode.UNDO, trigger=trigger, user=user)
        if undo is None:
            raise UndoRefused(BUSY_MESSAGE)
        # Held until the commit: the lock does not move while undo decides which days it may touch.
        through = locks.hold_for_change(run.organization_id)
        # Two undos of one run cannot both pass `refusal`: the second waits for the first's active run, then finds
        # it undone.
        reason = refusal(run)
        if reason:
            raise UndoRefused(reason)
        plan = _plan(run, through, lock_rows=True)
        if plan.conflicts and not confirm:
            raise UndoConflicts(plan.conflicts, plan.changes)
        SyncRun.objects.filter(pk=undo.pk).update(undoes=run)
        undo.undoes = run
        counts = _apply(undo, project, plan)
        runs.finish(
            undo,
            SyncRun.Status.SUCCEEDED,
            locked_kept=sum(1 for c in plan.conflicts if c.reason.startswith("locked")),
            undo_conflicts=[c.as_json() for c in plan.conflicts],
            **counts,
        )
    return undo


# ------------------------------------------------------------------------------------------------ planning


def _plan(run: SyncRun, through: date | None, *, lock_rows: bool) -> _Plan:
    plan = _Plan()
    rows: dict[str, list[dict[str, Any]]] = {kind: [] for kind in ledger.KINDS}
    for entry in ledger.entries(run):
        for kind, changes in entry.items():
            rows[kind].extend(changes)
    org_id, project_id = run.organization_id, run.project_id
    log_ids = {r["id"] for kind in ("created", "updated", "deleted") for r in rows[kind]}
    logs = WorkLog.objects.for_org(org_id).filter(project_id=project_id)
    current_rows = logs.filter(pk__in=log_ids)
    if lock_rows:
        current_rows = current_rows.select_for_update()
    current = {
        log["id"]: log
        for log in current_rows.values(
            "id", "person_id", "duration_seconds", "assignment_id", "date", "source"
        )
    }
    deleted_keys = [r["source_key"] for r in rows["deleted"]]
    taken_keys = set(
        logs.filter(source=WorkLog.Source.HUBSTAFF, source_key__in=deleted_keys).values_list(
            "source_key", flat=True
        )
    )
    people = set(Person.objects.for_org(org_id).values_list("pk", flat=True))

    def locked(day: date) -> bool:
        return locks.is_locked(through, day)

    locked_reason = f"locked: dated in the locked period (up to {through:%d %b %Y})" if through else ""

    for r in rows["created"]:
        now = current.get(r["id"])
        if now is None:
            continue  # gone already (a later run, a Clear data): as before the run
        if locked(r["date"]):
            plan.conflicts.append(Conflict("created", r["id"], r["person_id"], r["date"], locked_reason))
        elif (now["person_id"], now["duration_seconds"], now["assignment_id"]) != (
            r["person_id"],
            r["seconds"],
            r["assignment_id"],
        ):
            plan.conflicts.append(
                Conflict("created", r["id"], r["person_id"], r["date"], "changed since this run")
            )
        else:
            plan.delete_logs.append(r["id"])
    for r in rows["updated"]:
        now = current.get(r["id"])
        if locked(r["date"]):
            plan.conflicts.append(Conflict("updated", r["id"], r["person_id"], r["date"], locked_reason))
        elif now is None:
            plan.conflicts.append(
                Conflict("updated", r["id"], r["person_id"], r["date"], "deleted since this run")
            )
        elif (now["person_id"], now["duration_seconds"], now["assignment_id"]) != (
            r["person_id"],
            r["seconds"],
            r["assignment_id"],
        ):
            plan.conflicts.append(
                Conflict("updated", r["id"], r["person_id"], r["date"], "changed since this run")
            )
        elif r["person_before"] not in people:
            plan.conflicts.append(
                Conflict("updated", r["id"], r["person_id"], r["date"], "its person was deleted since")
            )
        else:
            plan.restore_logs.append(r)
    for r in rows["deleted"]:
        if locked(r["date"]):
            plan.conflicts.append(Conflict("deleted", r["id"], r["person_id"], r["date"], locked_reason))
        elif r["id"] in current or r["source_key"] in taken_keys:
            plan.conflicts.append(
                Conflict("deleted", r["id"], r["person_id"], r["date"], "synced again since this run")
            )
        elif r["person_id"] not in people:
            plan.conflicts.append(
                Conflict("deleted", r["id"], r["person_id"], r["date"], "its person was deleted since")
            )
        else:
            plan.insert_logs.append(r)
    _plan_assignments(run, rows, plan, lock_rows)
    return plan


def _plan_assignments(
    run: SyncRun, rows: dict[str, list[dict[str, Any]]], plan: _Plan, lock_rows: bool
) -> None:
    ids = {r["id"] for kind in ("assignment_created", "assignment_stretched") for r in rows[kind]}
    if not ids:
        return
    assignments = Assignment.objects.for_org(run.organization_id).filter(
        project_id=run.project_id, pk__in=ids
    )
    if lock_rows:
        assignments = assignments.select_for_update()
    current = {a["id"]: a for a in assignments.values("id", "start_date", "end_date")}
    # Work logs that will still point at an assignment this undo deletes: those it neither deletes nor moves back.
    leaving = set(plan.delete_logs) | {r["id"] for r in plan.restore_logs}
    created_ids = [r["id"] for r in rows["assignment_created"]]
    referenced = set(
        WorkLog.objects.for_org(run.organization_id)
        .filter(assignment_id__in=created_ids)
        .exclude(pk__in=leaving)
        .values_list("assignment_id", flat=True)
    )
    referenced |= {r["assignment_id"] for r in plan.insert_logs if r["assignment_id"] in created_ids}
    for r in rows["assignment_created"]:
        now = current.get(r["id"])
        if now is None:
            continue
        if (now["start_date"], now["end_date"]) != (r["start"], r["end"]):
            plan.conflicts.append(
                Conflict("assignment_created", r["id"], r["person_id"], None, "changed since this run")
            )
        elif r["id"] in referenced:
            plan.conflicts.append(
                Conflict(
                    "assignment_created",
                    r["id"],
                    r["person_id"],
                    None,
                    "work logs that stay are on it",
                )
            )
        else:
            plan.delete_assignments.append(r)
    for r in rows["assignment_stretched"]:
        now = current.get(r["id"])
        if now is None:
            plan.conflicts.append(
                Conflict("assignment_stretched", r["id"], r["person_id"], None, "deleted since this run")
            )
        elif (now["start_date"], now["end_date"]) != (r["start"], r["end"]):
            plan.conflicts.append(
                Conflict("assignment_stretched", r["id"], r["person_id"], None, "changed since this run")
            )
        else:
            plan.restore_assignments.append(r)


# ------------------------------------------------------------------------------------------------ writing


def _apply(undo: SyncRun, project: Project, plan: _Plan) -> dict[str, int]:
    """Write the plan in the caller's transaction, and the undo's own ledger (what its page lists)."""
    org_id = project.organization_id
    changes = Changes()
    logs = WorkLog.objects.for_org(org_id).filter(project=project)
    deleted = delete_returning(logs.filter(pk__in=plan.delete_logs), changes)
    existing_assignments = set(
        Assignment.objects.for_org(org_id).filter(project=project).values_list("pk", flat=True)
    ) - {r["id"] for r in plan.delete_assignments}
    table = connection.ops.quote_name(WorkLog._meta.db_table)
    with connection.cursor() as cursor:
        for r in plan.restore_logs:
            cursor.execute(
                f"UPDATE {table} SET person_id = %s, duration_seconds = %s, assignment_id = %s, updated_at = %s "
                "WHERE id = %s AND organization_id = %s",
                [
                    r["person_before"],
                    r["seconds_before"],
                    r["assignment_before"] if r["assignment_before"] in existing_assignments else None,
                    from_micros(r["updated_before"]),
                    r["id"],
                    org_id,
                ],
            )
            changes.add(
                "updated",
                (
                    r["id"],
                    r["date"].toordinal(),
                    r["person_id"],
                    r["seconds"],
                    r["assignment_id"],
                    micros(timezone.now()),
                    r["person_before"],
                    r["seconds_before"],
                    r["assignment_before"],
                ),
            )
        for r in plan.insert_logs:
            assignment_id = r["assignment_id"] if r["assignment_id"] in existing_assignments else None
            cursor.execute(
                f"INSERT INTO {table} (id, organization_id, project_id, person_id, assignment_id, date, "
                "duration_seconds, source, source_key, source_project_id, note, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    r["id"],
                    org_id,
                    project.pk,
                    r["person_id"],
                    assignment_id,
                    r["date"],
                    r["seconds"],
                    WorkLog.Source.HUBSTAFF,
                    r["source_key"],
                    r["hubstaff_project_id"],
                    r["note"],
                    from_micros(r["created_at"]),
                    from_micros(r["updated_at"]),
                ],
            )
            changes.add(
                "created",
                (
                    r["id"],
                    r["person_id"],
                    r["date"].toordinal(),
                    r["seconds"],
                    assignment_id,
                    r["hubstaff_project_id"],
                ),
            )
    assignments = Assignment.objects.for_org(org_id).filter(project=project)
    for r in plan.restore_assignments:
        assignments.filter(pk=r["id"]).update(
            start_date=r["start_before"],
            end_date=r["end_before"],
            updated_at=from_micros(r["updated_before"]),
        )
    if plan.delete_assignments:
        assignments.filter(pk__in=[r["id"] for r in plan.delete_assignments]).delete()
    ledger.write(undo, 1, changes)
    return {
        "worklogs_created": len(plan.insert_logs),
        "worklogs_updated": len(plan.restore_logs),
        "worklogs_deleted": deleted,
        "assignments_created": 0,
        "assignments_stretched": len(plan.restore_assignments),
    }
