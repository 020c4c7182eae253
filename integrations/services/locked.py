"""Syncs and the locked period (worklogs/locks.py): what a run leaves alone, the differences it records instead,
and an Administrator's "accept" of one.

The rules plan as if nothing were locked; `hold_back` then takes out of each batch's plan every change of a work
log dated in the locked period and turns the ones Hubstaff and Primetric disagree on into differences ("Hubstaff
now says 6 h for Sam on 14 Oct; Primetric keeps 8 h, locked"), written with the batch (`replace_differences`).
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, transaction
from django.db.models import Q

from integrations.hubstaff import rules
from integrations.models import SyncRun
from projects.models import Assignment, Project
from worklogs import locks
from worklogs.models import LockedDifference, WorkLog

from .ledger import Changes, micros


@dataclass(frozen=True)
class Difference:
    """Hubstaff's value of a locked day against the work log kept (see LockedDifference)."""

    person_id: int
    hubstaff_person_id: int | None
    date: date
    source_key: str
    hubstaff_project_id: int | None
    worklog_id: int | None
    hubstaff_seconds: int
    kept_seconds: int


def hubstaff_project_of(source_key: str) -> int | None:
    """The Hubstaff project a synced work log's key names (`hubstaff:<project>:<user>:<date>`)."""
    parts = source_key.split(":")
    return int(parts[1]) if len(parts) == 4 and parts[1].isdigit() else None


def hold_back(
    plan: rules.SyncPlan, existing: Sequence[rules.SyncedLog], through: date | None
) -> tuple[rules.SyncPlan, list[Difference]]:
    """The plan without its changes of locked days, and the differences those days show."""
    if through is None:
        return plan, []
    by_id = {log.id: log for log in existing}
    differences: list[Difference] = []
    creates = []
    for new in plan.creates:
        if new.date > through:
            creates.append(new)
            continue
        differences.append(
            Difference(
                new.person_id,
                None,
                new.date,
                new.source_key,
                new.hubstaff_project_id,
                None,
                new.duration_seconds,
                0,
            )
        )
    updates = []
    for update in plan.updates:
        log = by_id[update.id]
        if log.date > through:
            updates.append(update)
            continue
        if update.duration_seconds != log.duration_seconds or update.person_id != log.person_id:
            differences.append(
                Difference(
                    log.person_id,
                    update.person_id if update.person_id != log.person_id else None,
                    log.date,
                    log.source_key,
                    hubstaff_project_of(log.source_key),
                    log.id,
                    update.duration_seconds,
                    log.duration_seconds,
                )
            )
    deletes = []
    for log_id in plan.deletes:
        log = by_id[log_id]
        if log.date > through:
            deletes.append(log_id)
            continue
        differences.append(
            Difference(
                log.person_id,
                None,
                log.date,
                log.source_key,
                hubstaff_project_of(log.source_key),
                log.id,
                0,
                log.duration_seconds,
            )
        )
    if not differences and len(creates) == len(plan.creates) and len(updates) == len(plan.updates):
        return plan, []
    return replace(plan, creates=creates, updates=updates, deletes=deletes), differences


def replace_differences(
    run: SyncRun, project: Project, span: rules.DateSpan, through: date, differences: Sequence[Difference]
) -> None:
    """In the apply's transaction: the project's differences of the span's locked days are now `differences` (a day
    Hubstaff agrees with again has none)."""
    LockedDifference.objects.for_org(project.organization_id).filter(
        project=project, date__gte=span.start, date__lte=min(span.end, through)
    ).delete()
    LockedDifference.objects.bulk_create(
        [
            LockedDifference(
                organization_id=project.organization_id,
                project=project,
                run_id=run.pk,
                person_id=d.person_id,
                hubstaff_person_id=d.hubstaff_person_id,
                date=d.date,
                source_key=d.source_key,
                hubstaff_project_id=d.hubstaff_project_id,
                worklog_id=d.worklog_id,
                hubstaff_seconds=d.hubstaff_seconds,
                kept_seconds=d.kept_seconds,
            )
            for d in differences
        ]
    )


# The columns a deleted work log is kept with in the ledger (ledger.KINDS["deleted"]), as SQL.
_DELETED_COLUMNS = (
    "id, person_id, date, duration_seconds, assignment_id, source_project_id, created_at, updated_at, "
    "source_key, note"
)


def deleted_row(row: Sequence[Any]) -> tuple[Any, ...]:
    """A row of `_DELETED_COLUMNS` as the ledger keeps it."""
    log_id, person_id, day, seconds, assignment_id, source_project_id, created, updated, key, note = row
    return (
        log_id,
        person_id,
        day.toordinal(),
        seconds,
        assignment_id,
        source_project_id,
        micros(created),
        micros(updated),
        key,
        note,
    )


def delete_returning(logs: "Any", changes: Changes) -> int:
    """Delete the work logs of a queryset in one statement, their content noted in `changes`; how many."""
    ids = list(logs.values_list("id", flat=True))
    if not ids:
        return 0
    table = connection.ops.quote_name(WorkLog._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id = ANY(%s) RETURNING {_DELETED_COLUMNS}",
            [ids],
        )
        rows = cursor.fetchall()
    changes.extend("deleted", (deleted_row(row) for row in rows))
    return len(rows)


def delete_outside(
    project: Project, window: tuple[date, date] | None, through: date | None, changes: Changes
) -> tuple[int, int]:
    """A reset's last delete: P's synced logs outside the window, but those of the locked period. Returns (deleted,
    kept because locked); the deleted logs' content is noted in `changes`."""
    logs = WorkLog.objects.for_org(project.organization_id).filter(
        project=project, source=WorkLog.Source.HUBSTAFF
    )
    if window is not None:
        logs = logs.filter(Q(date__lt=window[0]) | Q(date__gt=window[1]))
    kept = 0
    if through is not None:
        kept = logs.filter(date__lte=through).count()
        logs = logs.filter(date__gt=through)
    return delete_returning(logs, changes), kept


class LockMoved(Exception):
    """The locked period moved while the run applied; nothing it wrote is kept."""


def check_lock_unchanged(organization_id: int, through: date | None) -> None:
    """Before the apply commits: hold the lock's row (a move of the lock waits for the commit) and make sure it is
    still where the apply read it."""
    now = locks.hold_for_change(organization_id)
    if now != through:
        raise LockMoved("The locked period was changed during the sync; nothing was written. Sync again.")


# ------------------------------------------------------------------------------------------------ differences


@transaction.atomic
def accept(difference: LockedDifference, user: User | AnonymousUser | None) -> str:
    """Accept one difference: its day unlocked, Hubstaff's value applied to its work log, locked again, recorded
    as one lock event with the difference in words. Returns those words."""
    organization_id = difference.organization_id
    locks.hold_for_change(organization_id)
    difference = (
        LockedDifference.objects.select_for_update(of=("self",))
        .select_related("person", "hubstaff_person")
        .get(pk=difference.pk)
    )
    words = locks.describe(difference)
    logs = WorkLog.objects.for_org(organization_id).filter(
        project_id=difference.project_id, source=WorkLog.Source.HUBSTAFF
    )
    log = logs.filter(source_key=difference.source_key).select_for_update().first()
    person_id = difference.hubstaff_person_id or difference.person_id
    if difference.hubstaff_seconds == 0:
        if log is not None:
            log.delete()
    elif log is not None:
        log.duration_seconds = difference.hubstaff_seconds
        log.person_id = person_id
        log.save(update_fields=["duration_seconds", "person", "updated_at"])
    else:
        assignment = (
            Assignment.objects.for_org(organization_id)
            .filter(
                project_id=difference.project_id,
                person_id=person_id,
                start_date__lte=difference.date,
                end_date__gte=difference.date,
            )
            .first()
        )
        WorkLog.objects.create(
            organization_id=organization_id,
            project_id=difference.project_id,
            person_id=person_id,
            assignment=assignment,
            date=difference.date,
            duration_seconds=difference.hubstaff_seconds,
            source=WorkLog.Source.HUBSTAFF,
            source_key=difference.source_key,
            source_project_id=difference.hubstaff_project_id,
        )
    locks.record_accept(organization_id, difference.date, f"Accepted: {words}.", user)
    difference.delete()
    return words
