"""The life of a sync run: requested, claimed by a worker, finished; expired when its worker died.

At most one sync of a project runs at a time: the database refuses a second queued or running `SyncRun` of the
same project (a partial unique constraint), and a request made while one is active gets the active one back.

A running run is owned by a lease: the worker that claimed it holds `lease_id` and renews `heartbeat_at` while
it works (`keep_lease`'s thread keeps it alive while the client sleeps or the apply writes). A lease not renewed
for `lease_length()` has expired: its worker died. A redelivered task takes over an expired lease (`claim`); one
that finds a live lease is told to come back when it would expire (`LeaseHeld`), never dropped. A worker whose
lease was taken over finishes nothing (`finish` matches the lease). `recover_runs` queues again the runs whose
lease expired and sends again the queued runs whose message was lost. A run taken over MAX_TAKEOVERS times (its
sync kills its worker) is failed.

`send_run` and `send_runs` send the tasks by name once the queuing transaction commits: the tasks module imports
the services, so the services do not import it back.

Every write of a run's status, progress, label, heartbeat and lease is made here.
"""

import logging
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any, cast

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import Truncator

from integrations import notifications
from integrations.models import Installation, ProjectLink, SyncRun
from integrations.selectors import get_installation, get_link
from people.models import Person, TenantQuerySet
from projects.models import Project
from worklogs import locks
from worklogs.models import WorkLog

from . import checkpoint, ledger, queues
from .locked import delete_returning

logger = logging.getLogger(__name__)

# A Clear data run (done inside a web request, not by a worker) still "running" after this long has died.
STALE_AFTER = timedelta(minutes=10)
# A queued run no worker took this long after it was due has lost its message: it is sent again.
LOST_AFTER = timedelta(minutes=3)
# How many times a run whose worker died is taken over before it is failed.
MAX_TAKEOVERS = 3
DIED_MESSAGE = "The worker running this sync stopped; the sync is being redone."
ABANDONED_MESSAGE = (
    "The worker running this sync stopped answering several times; the sync was abandoned and can be started "
    "again."
)


def lease_length() -> timedelta:
    """How long a run's lease lasts without a renewal."""
    return timedelta(seconds=getattr(settings, "SYNC_LEASE_SECONDS", 90))


# The label column's length: a long reason is cut to it (the run's error keeps it whole).
LABEL_LENGTH = cast(int, SyncRun._meta.get_field("progress_label").max_length)

UNINSTALLED_MESSAGE = "Hubstaff was uninstalled during the sync; nothing was written."


class SyncNotPossible(Exception):
    """The project cannot be synced now; the message says why, in words for the user."""


class LeaseHeld(Exception):
    """Another worker holds the run's live lease: the task should come back after `countdown` seconds."""

    def __init__(self, countdown: float) -> None:
        super().__init__(f"Another worker holds this run for {countdown:.0f} s more.")
        self.countdown = countdown


class SyncStopped(Exception):
    """The sync must not apply what it fetched (Hubstaff uninstalled or the link disabled meanwhile, or the run
    taken over by another worker); the message says so, in words for the user."""


class RetryLater(Exception):
    """Hubstaff is busy (5xx, timeouts, a Retry-After longer than an attempt waits): the task tries again in
    `countdown` seconds, as its retry policy says (integrations.tasks) or later if Hubstaff asked, from the run's
    checkpoint."""

    def __init__(self, message: str, countdown: float) -> None:
        super().__init__(message)
        self.countdown = countdown


class Paced(Exception):
    """The run waits `countdown` seconds for the installation's request budget (hubstaff/budget.py) and resumes from
    its checkpoint: not a failure, so the wait does not count against the task's retries."""

    def __init__(self, message: str, countdown: float) -> None:
        super().__init__(message)
        self.countdown = countdown


SYNC_TASK = "integrations.tasks.sync_project_task"
SEND_RUNS_TASK = "integrations.tasks.send_runs_task"


def deliver(task_name: str, args: list[Any], queue: str = queues.INTERACTIVE) -> None:
    """Put a task's message on the broker, on `queue` (the test suite records them here instead)."""
    current_app.send_task(task_name, args=args, queue=queue)


def deliver_later(task_name: str, args: list[int], countdown: float, queue: str = queues.INTERACTIVE) -> None:
    """Put a task's message on the broker, for a worker to take `countdown` seconds from now."""
    current_app.send_task(task_name, args=args, countdown=countdown, queue=queue)


def send_run(run_id: int, queue: str = queues.INTERACTIVE) -> None:
    """Hand a queued run to a worker once the current transaction commits, on its queue (queues.queue_for)."""
    transaction.on_commit(lambda: deliver(SYNC_TASK, [run_id], queue=queue))


def send_run_later(run_id: int, countdown: float, queue: str = queues.INTERACTIVE) -> None:
    """Hand a queued run to a worker `countdown` seconds after the current transaction commits."""
    transaction.on_commit(lambda: deliver_later(SYNC_TASK, [run_id], countdown, queue=queue))


def send_runs(run_ids: Iterable[int], queue: str = queues.SCHEDULED) -> None:
    """Hand many queued runs to workers once the current transaction commits: one message carrying their ids, from
    which a worker sends each run's own (`send_runs_task`), so that queuing thousands never waits on the broker.
    The message and the runs' own go on `queue`."""
    ids = list(run_ids)
    transaction.on_commit(lambda: deliver(SEND_RUNS_TASK, [ids, queue], queue=queue))


def sync_blocker(
    project: Project, installation: Installation | None = None, link: ProjectLink | None = None
) -> str | None:
    """Why this project cannot be synced now, or None."""
    installation = installation or get_installation(project.organization)
    if installation is None:
        return "An Administrator must install Hubstaff first (Integrations tab)."
    if installation.needs_reauthorization:
        return "Hubstaff needs re-authorization: an Administrator must authorize it again (Integrations tab)."
    if not installation.is_installed:
        return "The Hubstaff installation is not finished: an Administrator must authorize it (Integrations tab)."
    link = link or get_link(project)
    if link is None or not link.enabled:
        return "Tick Hubstaff in this project's Integration settings first."
    if not link.hubstaff_project_ids:
        return "Select at least one Hubstaff project in Select projects."
    return None


def request_sync(
    project: Project,
    *,
    mode: str,
    trigger: str,
    user: User | AnonymousUser | None = None,
    send_task: bool = True,
    applies_preview: SyncRun | None = None,
) -> SyncRun:
    """Queue a sync of the project, or return the one already queued or running (a second request joins it).

    `send_task=False`: the caller runs the sync itself (`sync.run_sync`), so no worker is sent the run.
    `applies_preview`: a preview of the project whose Apply queues this reset (it may take over the preview's
    fetch: sync.ProjectSync._plan).
    """
    if mode not in (SyncRun.Mode.RESET, SyncRun.Mode.INCREMENTAL, SyncRun.Mode.PREVIEW):
        raise ValueError(f"Unknown sync mode {mode!r}")
    if applies_preview is not None and (
        mode != SyncRun.Mode.RESET or applies_preview.project_id != project.pk
    ):
        raise ValueError("Only a reset of the preview's own project applies a preview.")
    reason = sync_blocker(project)
    if reason:
        raise SyncNotPossible(reason)
    run, created = _create_run(project, mode=mode, trigger=trigger, user=user, status=SyncRun.Status.QUEUED)
    run.joined = not created  # the caller may say "already running" rather than "started"
    if created and applies_preview is not None:
        run.applies_preview = applies_preview
        run.save(update_fields=["applies_preview"])
    if created and send_task:
        send_run(run.pk, queues.queue_for(mode, trigger))
    return run


def queue_runs(projects: Sequence[tuple[int, int]], *, mode: str, trigger: str, now: datetime) -> list[int]:
    """Queue a sync of each of many projects at once, for the schedule: [(project_id, organization_id)] in.

    What request_sync does for one project, in one statement for any number of them: an INSERT of their runs
    that skips the projects with an active run (the partial unique constraint: their run goes on, as
    request_sync would join it). Their tasks are sent after the transaction commits, together (`send_runs`).
    The caller has already checked what sync_blocker checks, in its query (schedule.due_links does). Returns the
    new runs' ids.
    """
    if not projects:
        return []
    columns, values = _queued_run_columns(mode=mode, trigger=trigger, now=now)
    rows = ", ".join(["(%s, %s)"] * len(projects))
    # The columns every run shares are parameters once, not once per run.
    sql = (
        f"WITH wanted (project_id, organization_id) AS (VALUES {rows}) "
        f'INSERT INTO "{SyncRun._meta.db_table}" (project_id, organization_id, {", ".join(columns)}) '
        f"SELECT project_id, organization_id, {', '.join(['%s'] * len(columns))} FROM wanted "
        'ON CONFLICT DO NOTHING RETURNING "id"'
    )
    params = [value for pair in projects for value in pair] + values
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        run_ids = [row[0] for row in cursor.fetchall()]
    if run_ids:
        send_runs(run_ids, queues.queue_for(mode, trigger))
    return run_ids


class EventRunBusy(Exception):
    """The project's sync is running (or a preview is queued): its fetch is already decided, so the days of an event
    cannot join it. The event is handled again `countdown` seconds later, when it queues a run of its own."""

    def __init__(self, countdown: float) -> None:
        super().__init__(
            f"A sync of this project is running; the event is handled again in {countdown:.0f} s."
        )
        self.countdown = countdown


def queue_event_run(project: Project, days: Iterable[str], *, delay: float, send: bool = True) -> SyncRun:
    """Queue a sync of the given days (ISO dates) of the project for Hubstaff's events, coalesced: a run queued by
    events and not yet started takes the days in; any other queued sync (which reads what changed) is joined as it
    is. A new run is due `delay` seconds later, so that the events of the next seconds join it: its own task is
    sent for then, or, with `send=False`, the installation's event batch takes it (batch.py; if that never comes,
    recover_runs sends the run's own task).

    Raises SyncNotPossible (the project cannot sync) or EventRunBusy (a sync is running).
    """
    reason = sync_blocker(project)
    if reason:
        raise SyncNotPossible(reason)
    wanted = sorted(set(days))
    for _ in range(3):
        with transaction.atomic():
            # Locked as claim() locks it: a run is either still queued here (it takes the days before a worker
            # reads them) or running (its fetch is decided, the event waits).
            run = (
                SyncRun.objects.for_org(project.organization_id)
                .select_for_update()
                .filter(project=project, status__in=SyncRun.ACTIVE_STATUSES)
                .first()
            )
            if run is not None:
                if run.status == SyncRun.Status.RUNNING or run.mode == SyncRun.Mode.PREVIEW:
                    raise EventRunBusy(max(1.0, float(settings.HUBSTAFF_EVENT_COALESCE_SECONDS)))
                if run.trigger == SyncRun.Trigger.HUBSTAFF_EVENT:
                    merged = sorted(set(run.event_days) | set(wanted))
                    if merged != run.event_days:
                        run.event_days = merged
                        run.save(update_fields=["event_days"])
                run.joined = True
                return run
            now = timezone.now()
            try:
                with transaction.atomic():
                    run = SyncRun.objects.create(
                        organization_id=project.organization_id,
                        project=project,
                        mode=SyncRun.Mode.INCREMENTAL,
                        trigger=SyncRun.Trigger.HUBSTAFF_EVENT,
                        status=SyncRun.Status.QUEUED,
                        queued_at=now,
                        # a queued run's heartbeat is when a worker is due to take it (recover_runs)
                        heartbeat_at=now + timedelta(seconds=delay),
                        event_days=wanted,
                    )
            except IntegrityError:
                continue  # a run was queued meanwhile: join it
            if send:
                send_run_later(run.pk, delay)
            return run
    raise SyncNotPossible("Another sync of this project started at the same moment; try again.")


def _queued_run_columns(*, mode: str, trigger: str, now: datetime) -> tuple[list[str], list[Any]]:
    """The columns of a queued run but its id, project and organization, and their values ready for the database:
    the model's defaults, and the mode, trigger, status and time given. A value is whatever the field's
    get_db_prep_save makes for the driver (a JSON field's an adapter object), hence Any."""
    given = {
        "mode": mode,
        "trigger": trigger,
        "status": SyncRun.Status.QUEUED,
        "queued_at": now,
        "heartbeat_at": now,
    }
    columns: list[str] = []
    values: list[Any] = []
    for field in SyncRun._meta.concrete_fields:
        if field.primary_key or field.attname in ("project_id", "organization_id"):
            continue
        value = given[field.attname] if field.attname in given else field.get_default()
        columns.append(connection.ops.quote_name(cast(str, field.column)))  # concrete: it has a column
        values.append(field.get_db_prep_save(value, connection))
    return columns, values


def clear_project(
    project: Project,
    *,
    user: User | AnonymousUser | None = None,
    trigger: str = SyncRun.Trigger.MANUAL,
    start: date | None = None,
    end: date | None = None,
    person: Person | None = None,
) -> SyncRun:
    """Clear data: delete the project's synced work logs (manual ones stay), all of them or those of a date range
    and/or a person, but never those of the locked period (worklogs/locks.py; counted in the run's `locked_kept`).
    Recorded as a run with a ledger (so that it can be undone: services/undo.py), in one transaction.

    The whole project cleared, the next incremental sync reads everything again (as a reset); a part cleared, it
    comes back when a reset (or the reconciliation sweep) re-reads its days.
    """
    if start is not None and end is not None and end < start:
        raise SyncNotPossible("The end of the range cannot be before its start.")
    with transaction.atomic():
        run = start_in_transaction(project, mode=SyncRun.Mode.CLEAR, trigger=trigger, user=user)
        if run is None:
            raise SyncNotPossible("A sync of this project is running; Clear data when it has finished.")
        # Held until the commit: the lock does not move while Clear data decides which days it may touch.
        through = locks.hold_for_change(project.organization_id)
        logs = synced_worklogs(project)
        if start is not None:
            logs = logs.filter(date__gte=start)
        if end is not None:
            logs = logs.filter(date__lte=end)
        if person is not None:
            logs = logs.filter(person=person)
        kept = 0
        if through is not None:
            kept = logs.filter(date__lte=through).count()
            logs = logs.filter(date__gt=through)
        changes = ledger.Changes()
        deleted = delete_returning(logs, changes)
        ledger.write(run, 1, changes)
        SyncRun.objects.filter(pk=run.pk).update(window_start=start, window_end=end, cleared_person=person)
        run.window_start, run.window_end, run.cleared_person = start, end, person
        link = get_link(project)
        if link is not None and start is None and end is None and person is None:
            # The next incremental sync must fetch everything again.
            ProjectLink.objects.filter(pk=link.pk).update(synced_through=None)
        finish(run, SyncRun.Status.SUCCEEDED, worklogs_deleted=deleted, locked_kept=kept)
    return run


def start_in_transaction(
    project: Project, *, mode: str, trigger: str, user: User | AnonymousUser | None
) -> SyncRun | None:
    """A run carried out inside the caller's transaction (Clear data of a part, undo: services/undo.py), created
    running; None when a sync of the project is queued or running (the partial unique constraint refuses it). Since
    the run commits with its work already finished, no one ever sees it running, and a sync requested meanwhile
    waits for the commit on the constraint."""
    run, created = _create_run(project, mode=mode, trigger=trigger, user=user, status=SyncRun.Status.RUNNING)
    return run if created else None


def synced_worklogs(project: Project) -> TenantQuerySet[WorkLog]:
    return WorkLog.objects.for_org(project.organization_id).filter(
        project=project, source=WorkLog.Source.HUBSTAFF
    )


def active_run(project: Project) -> SyncRun | None:
    return (
        SyncRun.objects.for_org(project.organization_id)
        .filter(project=project, status__in=SyncRun.ACTIVE_STATUSES)
        .first()
    )


def recover_runs(now: datetime | None = None) -> int:
    """Beat's check: runs whose worker or message is gone, set going again, so that none stays "running" or
    "queued" for long.

    - running, lease expired: queued again and sent again (at most MAX_TAKEOVERS times, then failed);
    - queued, and not taken LOST_AFTER after it was due (`heartbeat_at`: when queued or when its retry is due):
      its message was lost (a broker restarted without persistence): sent again.
      A second message of a run that has one does no harm: `claim` lets one worker have it;
    - a Clear data run still running after STALE_AFTER (its web request died): failed.
    Returns how many runs were requeued, sent again or failed.
    """
    now = now or timezone.now()
    runs = SyncRun.objects.all()
    running = runs.filter(status=SyncRun.Status.RUNNING)
    expired = running.exclude(mode=SyncRun.Mode.CLEAR).filter(heartbeat_at__lt=now - lease_length())
    requeue_queues = {
        pk: queues.queue_for(mode, trigger)
        for pk, mode, trigger in expired.filter(takeovers__lt=MAX_TAKEOVERS).values_list(
            "pk", "mode", "trigger"
        )
    }
    requeue = list(requeue_queues)
    requeued = SyncRun.objects.filter(pk__in=requeue, status=SyncRun.Status.RUNNING).update(
        status=SyncRun.Status.QUEUED,
        takeovers=F("takeovers") + 1,
        heartbeat_at=now,
        lease_id="",
        progress_label=DIED_MESSAGE,
    )
    abandoned = expired.exclude(pk__in=requeue) | running.filter(
        mode=SyncRun.Mode.CLEAR, heartbeat_at__lt=now - STALE_AFTER
    )
    failed = 0
    with transaction.atomic():
        # Locked, so that no heartbeat renews a lease between this check and the failure; each is failed the way
        # a worker fails a run (its label, its checkpoint, the notifications).
        for run in abandoned.select_for_update(skip_locked=True):
            failed += _finish_run(run, SyncRun.Status.FAILED, error=ABANDONED_MESSAGE)
    # A queue still holding messages is a backlog being drained, not a lost message: its runs are sent again only
    # once it is empty (a second message for each of 10,000 runs waiting their turn would double the backlog).
    draining = {queue for queue in queues.QUEUES if queues.depth(queue)}
    lost_queues = {
        pk: queue
        for pk, mode, trigger in runs.filter(status=SyncRun.Status.QUEUED)
        .filter(
            Q(heartbeat_at__lt=now - LOST_AFTER)
            | Q(heartbeat_at__isnull=True, queued_at__lt=now - LOST_AFTER)
        )
        .values_list("pk", "mode", "trigger")
        if (queue := queues.queue_for(mode, trigger)) not in draining
    }
    lost = list(lost_queues)
    SyncRun.objects.filter(pk__in=lost).update(heartbeat_at=now)  # sent again once per LOST_AFTER at most
    for run_id, queue in [*(requeue_queues.items() if requeued else []), *lost_queues.items()]:
        send_run(run_id, queue)
    if requeued or failed or lost:
        logger.info("sync runs recovered: %s requeued, %s failed, %s sent again", requeued, failed, len(lost))
    return requeued + failed + len(lost)


def _create_run(
    project: Project, *, mode: str, trigger: str, user: User | AnonymousUser | None, status: str
) -> tuple[SyncRun, bool]:
    for _ in range(3):
        try:
            with transaction.atomic():
                now = timezone.now()
                run = SyncRun.objects.create(
                    organization_id=project.organization_id,
                    project=project,
                    mode=mode,
                    trigger=trigger,
                    requested_by=user if user and user.is_authenticated else None,
                    status=status,
                    queued_at=now,
                    started_at=now if status == SyncRun.Status.RUNNING else None,
                    heartbeat_at=now,
                )
                return run, True
        except IntegrityError:
            running = active_run(project)
            if running is not None:
                return running, False
    raise SyncNotPossible("Another sync of this project started at the same moment; try again.")


# ---------------------------------------------------------------------------------------------- running


def claim(run_id: int, now: datetime | None = None) -> SyncRun | None:
    """Take a queued run, or a running one whose lease expired, for this worker; None if there is nothing to do.

    Raises LeaseHeld if another worker holds a live lease on it (the task comes back when it would expire).
    """
    now = now or timezone.now()
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().select_related("project").filter(pk=run_id).first()
        if run is None or run.status not in SyncRun.ACTIVE_STATUSES:
            return None
        fields = ["status", "started_at", "heartbeat_at", "progress_done", "lease_id"]
        if run.status == SyncRun.Status.RUNNING:
            expires = (run.heartbeat_at or now) + lease_length()
            if expires > now:
                raise LeaseHeld((expires - now).total_seconds() + 1)
            if run.takeovers >= MAX_TAKEOVERS:
                _finish_run(run, SyncRun.Status.FAILED, error=ABANDONED_MESSAGE)
                return None
            run.takeovers += 1  # its worker died: this worker takes over
            run.progress_label = DIED_MESSAGE
            fields += ["takeovers", "progress_label"]
        elif run.progress_label != DIED_MESSAGE:
            # A run that started before is being tried again (Hubstaff was busy): say so, and drop the
            # "trying again in 60 s" of the wait, which is over.
            run.progress_label = "Trying Hubstaff again" if run.started_at else "Starting"
            fields.append("progress_label")
        run.status = SyncRun.Status.RUNNING
        run.started_at = now
        run.heartbeat_at = now
        run.progress_done = 0
        run.lease_id = uuid.uuid4().hex
        run.save(update_fields=fields)
    return run


def renew_lease(run: SyncRun) -> bool:
    """Renew the run's lease now; False if this worker no longer holds it."""
    return bool(
        SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING, lease_id=run.lease_id).update(
            heartbeat_at=timezone.now()
        )
    )


@contextmanager
def keep_lease(run: SyncRun) -> Iterator[None]:
    """Renew the run's lease from a thread every third of its length while the block runs.

    The progress heartbeat renews it while pages arrive; this thread also covers the pauses between (a Retry-After
    slept through, the apply's transaction), so that a live worker never loses its run. The thread uses its own
    database connection and closes it.
    """
    stop = threading.Event()
    every = lease_length().total_seconds() / 3

    def renew() -> None:
        try:
            while not stop.wait(every):
                try:
                    if not renew_lease(run):
                        return
                except DatabaseError:
                    logger.warning("sync run %s: the lease could not be renewed", run.pk, exc_info=True)
        finally:
            connections.close_all()

    thread = threading.Thread(target=renew, name=f"sync-run-{run.pk}-lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


WAITING_FOR_SLOT = "Waiting for this organization's other syncs to finish"


def wait_for_slot(run_id: int, countdown: float) -> None:
    """A queued run whose installation runs its most syncs at once (fairness.py) comes back `countdown` seconds
    later: its heartbeat says when it is due, so that recover_runs does not take its message for lost."""
    SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.QUEUED).update(
        heartbeat_at=timezone.now() + timedelta(seconds=countdown), progress_label=WAITING_FOR_SLOT
    )


def update_run(run: SyncRun, **fields: object) -> None:
    """Record a running run's progress (and any other field) with its heartbeat: its worker is alive."""
    fields["heartbeat_at"] = timezone.now()
    SyncRun.objects.filter(pk=run.pk).update(**fields)
    for name, value in fields.items():
        setattr(run, name, value)


def set_label(run: SyncRun, label: str) -> None:
    """Say what the run is doing now (a wait inside an attempt, then the retry)."""
    SyncRun.objects.filter(pk=run.pk).update(progress_label=label)


def count_requests(run: SyncRun, requests: int) -> None:
    """Add an attempt's Hubstaff requests to the run's count."""
    SyncRun.objects.filter(pk=run.pk).update(requests_made=F("requests_made") + requests)


def queue_again(run: SyncRun, *, due: datetime, label: str) -> None:
    """Give the run back to the queue until `due` (a retry, or a wait for the request budget), saying why. The
    periodic check sends a queued run again only once `due` has long passed (its heartbeat is set to `due`)."""
    SyncRun.objects.filter(pk=run.pk, lease_id=run.lease_id).update(
        status=SyncRun.Status.QUEUED, lease_id="", heartbeat_at=due, progress_label=label
    )


def check_still_wanted(run: SyncRun, link_pk: int) -> None:
    """Inside the apply's transaction, before it commits: raise SyncStopped if the sync must not apply.

    The installation's row is locked (an uninstall waits for the apply, or the apply sees it gone), the link is
    re-read, and the run must still be this worker's.
    """
    installation = (
        Installation.objects.select_for_update().filter(organization_id=run.organization_id).first()
    )
    if installation is None or not installation.is_installed:
        raise SyncStopped(UNINSTALLED_MESSAGE)
    link = ProjectLink.objects.filter(pk=link_pk).values_list("enabled", flat=True).first()
    if not link:
        raise SyncStopped("Hubstaff was turned off for this project during the sync; nothing was written.")
    if run.lease_id and not SyncRun.objects.filter(pk=run.pk, lease_id=run.lease_id).exists():
        raise SyncStopped("Another worker took this sync over; this one wrote nothing.")


def finish(run: SyncRun, status: str, **fields: object) -> None:
    """Record the run's outcome. A worker that lost the run's lease records nothing: raises SyncStopped for a
    success (so the transaction recording it rolls back), logs otherwise."""
    if _finish_run(run, status, **fields):
        return
    if status == SyncRun.Status.SUCCEEDED:
        raise SyncStopped("Another worker took this sync over; this one wrote nothing.")
    logger.warning(
        "sync run %s: taken over by another worker; its outcome here (%s) is dropped", run.pk, status
    )


def _finish_run(run: SyncRun, status: str, **fields: object) -> bool:
    """The one place a run ends, whoever ends it (its worker, `claim`, `recover_runs`, Clear data): its result,
    its label, its checkpoint and the notifications. False if the run is no longer active or no longer this
    worker's."""
    fields.update(status=status, finished_at=timezone.now(), heartbeat_at=timezone.now())
    if status == SyncRun.Status.SUCCEEDED:
        fields.setdefault("progress_done", run.progress_total)
    fields["progress_label"] = result_label(status, str(fields.get("error") or ""))
    rows = SyncRun.objects.filter(pk=run.pk, status__in=SyncRun.ACTIVE_STATUSES)
    if run.lease_id:
        rows = rows.filter(lease_id=run.lease_id)
    updated = rows.update(**fields)
    if updated:
        for name, value in fields.items():
            setattr(run, name, value)
        # What it fetched is applied, or never will be (not when another worker took it); a preview keeps it.
        checkpoint.forget(run)
        notifications.run_finished(run)
    return bool(updated)


def result_label(status: str, error: str = "") -> str:
    """A finished run's label is its result, so that no "Starting" or "being redone" outlives the run."""
    if status == SyncRun.Status.SUCCEEDED:
        return "Succeeded"
    label = f"Failed: {error.strip()}" if error.strip() else "Failed"
    return Truncator(label).chars(LABEL_LENGTH)
