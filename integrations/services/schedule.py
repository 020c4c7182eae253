"""The daily schedule: each linked project's incremental sync queued once a day, at the project's own slot, and
its reconciliation (reconcile.py) once a day too, half a day from it.

The slots themselves (`links.daily_slot`, `links.next_daily_slot`) stay with the link, whose settings set the first
one; this module finds the links whose slot has come and queues their syncs (Celery beat runs it every few
minutes through `integrations.tasks.enqueue_due_syncs` and `enqueue_due_reconciliations`).
"""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from integrations.models import Installation, ProjectLink, SyncRun

from .links import next_daily_slot
from .runs import queue_runs

logger = logging.getLogger(__name__)
# Links queued together: one INSERT of their runs, one UPDATE of their slots, and one message for their tasks.
# After downtime every link is due at once (10,000 of them: 20 batches).
BATCH = 500
# A project's reconciliation comes this long after its daily sync's slot, so that the two rarely meet (a project
# runs one sync at a time: the one that finds the other still running is skipped that day).
RECONCILE_OFFSET = timedelta(hours=12)


def due_links(now: datetime | None = None) -> QuerySet[ProjectLink]:
    """Links whose daily sync is due: enabled, with projects selected, of an installed installation."""
    now = now or timezone.now()
    installed = Installation.objects.filter(status=Installation.Status.INSTALLED).values("organization_id")
    return (
        ProjectLink.objects.filter(
            enabled=True, next_sync_due_at__lte=now, project__archived=False, organization_id__in=installed
        )
        .exclude(hubstaff_project_ids=[])
        .select_related("project", "project__organization")
        .order_by("next_sync_due_at")
    )


def next_reconcile_slot(project_id: int, after: datetime) -> datetime:
    """The first reconciliation slot of the project strictly after `after`: its daily slot, half a day later."""
    return next_daily_slot(project_id, after - RECONCILE_OFFSET) + RECONCILE_OFFSET


def due_reconciliations(now: datetime | None = None) -> QuerySet[ProjectLink]:
    """Links whose reconciliation is due: those the daily sync takes (`due_links`'s conditions) that have synced
    once (before that, their first sync is a full one)."""
    now = now or timezone.now()
    installed = Installation.objects.filter(status=Installation.Status.INSTALLED).values("organization_id")
    return (
        ProjectLink.objects.filter(
            enabled=True,
            next_reconcile_due_at__lte=now,
            synced_through__isnull=False,
            project__archived=False,
            organization_id__in=installed,
        )
        .exclude(hubstaff_project_ids=[])
        .order_by("next_reconcile_due_at")
    )


def enqueue_due_reconciliations(now: datetime | None = None) -> int:
    """Queue the reconciliation of every project whose reconciliation slot has come; returns how many were queued.

    A link that has none yet is given its first slot (no run: thousands of links given slots at once would
    otherwise all reconcile now). As for the daily syncs, by batches; a project whose sync is still queued or
    running is skipped until its next slot, and every due link's slot moves on.
    """
    now = now or timezone.now()
    _give_first_reconcile_slots(now)
    return _queue_by_batches(due_reconciliations(now), now, mode=SyncRun.Mode.RECONCILE)


def _give_first_reconcile_slots(now: datetime) -> None:
    waiting = ProjectLink.objects.filter(enabled=True, next_reconcile_due_at__isnull=True)
    pending = list(waiting.values_list("pk", "project_id")[:BATCH])
    while pending:
        _move_slots(
            [(pk, next_reconcile_slot(project_id, now)) for pk, project_id in pending],
            column="next_reconcile_due_at",
        )
        pending = list(waiting.values_list("pk", "project_id")[:BATCH])


def enqueue_due_syncs(now: datetime | None = None) -> int:
    """Queue the incremental sync of every project whose daily slot has come; returns how many were queued.

    Each project keeps its own slot of the day (links.daily_slot), so the syncs are spread over 24 hours. The
    due links are queued by batches (BATCH), a few statements each: a beat after downtime, when every project is
    due at once, queues thousands in seconds. A project whose sync is still queued or running is skipped (not
    counted); every due link's slot moves to its next day either way.
    """
    now = now or timezone.now()
    return _queue_by_batches(due_links(now), now, mode=SyncRun.Mode.INCREMENTAL)


def _queue_by_batches(links: QuerySet[ProjectLink], now: datetime, *, mode: str) -> int:
    """Queue the runs of the due `links` in `mode`, BATCH links at a time; returns how many were queued."""
    queued = 0
    batch: list[tuple[int, int, int]] = []
    for link in links.values_list("pk", "project_id", "organization_id").iterator(chunk_size=BATCH):
        batch.append(link)
        if len(batch) == BATCH:
            queued += _queue_batch(batch, now, mode=mode)
            batch = []
    if batch:
        queued += _queue_batch(batch, now, mode=mode)
    return queued


def _queue_batch(links: Sequence[tuple[int, int, int]], now: datetime, *, mode: str) -> int:
    """Queue the syncs (or reconciliations) of a batch of due links and move their slots: two statements, in one
    transaction."""
    with transaction.atomic():
        run_ids = queue_runs(
            [(project_id, organization_id) for _, project_id, organization_id in links],
            mode=mode,
            trigger=SyncRun.Trigger.SCHEDULE,
            now=now,
        )
        if mode == SyncRun.Mode.RECONCILE:
            slots = [(pk, next_reconcile_slot(project_id, now)) for pk, project_id, _ in links]
            _move_slots(slots, column="next_reconcile_due_at")
        else:
            _move_slots([(pk, next_daily_slot(project_id, now)) for pk, project_id, _ in links])
    if len(run_ids) < len(links):
        logger.info(
            "%d scheduled syncs skipped: their project's sync is still queued or running.",
            len(links) - len(run_ids),
        )
    return len(run_ids)


def _move_slots(slots: Sequence[tuple[int, datetime]], column: str = "next_sync_due_at") -> None:
    """Set each link's next slot, [(link id, when)], in one UPDATE (bulk_update's CASE of 500 branches cost more
    CPU than the rest of a batch); `column` is the daily sync's slot or the reconciliation's."""
    if column not in ("next_sync_due_at", "next_reconcile_due_at"):
        raise ValueError(f"Not a slot of a link: {column}")
    adapt = connection.ops.adapt_datetimefield_value
    table = ProjectLink._meta.db_table
    rows = ", ".join(["(%s, %s)"] * len(slots))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH slots (id, due) AS (VALUES {rows}) "
            f'UPDATE "{table}" SET {column} = slots.due FROM slots WHERE "{table}".id = slots.id',
            [value for pk, due in slots for value in (pk, adapt(due))],
        )
