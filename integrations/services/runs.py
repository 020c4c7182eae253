"""The life of a sync run: requested, claimed by a worker, finished; expired when its worker died.

At most one sync of a project runs at a time: the database refuses a second queued or running `SyncRun` of the
same project (a partial unique constraint), and a request made while one is active gets the active one back. A run
whose worker died (no heartbeat for STALE_AFTER) is queued again, at most MAX_TAKEOVERS times, then failed.

Handing a run to a worker: this module does not import the Celery tasks, which import the services (the tasks are
the top of the app, the services below them). The function that sends a run id to a worker is registered once at
startup (`register_dispatch`, from `IntegrationsConfig.ready`, with `integrations.tasks.send_run`) and called
after the transaction that queued the run commits. A `send` argument on every call would have to be passed by
every view, command and the beat through `request_sync`, and a function-level import hid the cycle rather than
removing it.
"""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from integrations.models import ProjectLink, SyncRun
from integrations.selectors import get_installation, get_link
from worklogs.models import WorkLog

STALE_AFTER = timedelta(minutes=10)
# A queued run no worker picked up for this long is considered lost (its message is gone).
QUEUED_STALE_AFTER = timedelta(hours=2)
# How many times a run whose worker died is queued again before it is failed.
MAX_TAKEOVERS = 2


class SyncNotPossible(Exception):
    """The project cannot be synced now; the message says why, in words for the user."""


class RetryLater(Exception):
    """Hubstaff is busy (rate limit, 5xx, timeouts): the task should try again after `countdown` seconds."""

    def __init__(self, message, countdown):
        super().__init__(message)
        self.countdown = countdown


# "send": run id -> None, hands a queued run to a worker; "send_many": run ids -> None, hands many at once (their
# messages in batches). Set at startup by register_dispatch.
_dispatch = {}


def register_dispatch(send, send_many=None):
    """Set how queued runs reach workers: `send(run_id)` and `send_many(run_ids)`, called after the queuing
    transaction commits (without `send_many`, `send` is called for each)."""
    _dispatch["send"] = send
    _dispatch["send_many"] = send_many or (lambda run_ids: [send(run_id) for run_id in run_ids])


def _dispatcher(name):
    sender = _dispatch.get(name)
    if sender is None:
        raise ImproperlyConfigured("No sync dispatch registered: IntegrationsConfig.ready registers it.")
    return sender


def _send_after_commit(run_id):
    send = _dispatcher("send")
    transaction.on_commit(lambda: send(run_id))


def sync_blocker(project, installation=None, link=None):
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


def request_sync(project, *, mode, trigger, user=None, send_task=True):
    """Queue a sync of the project, or return the one already queued or running (a second request joins it).

    `send_task=False`: the caller runs the sync itself (`sync.run_sync`), so no worker is sent the run.
    """
    if mode not in (SyncRun.Mode.RESET, SyncRun.Mode.INCREMENTAL):
        raise ValueError(f"Unknown sync mode {mode!r}")
    reason = sync_blocker(project)
    if reason:
        raise SyncNotPossible(reason)
    run, created = _create_run(project, mode=mode, trigger=trigger, user=user, status=SyncRun.Status.QUEUED)
    run.joined = not created  # the caller may say "already running" rather than "started"
    if created and send_task:
        _send_after_commit(run.pk)
    return run


def queue_runs(projects, *, mode, trigger, now):
    """Queue a sync of each of many projects at once, for the schedule: [(project_id, organization_id)] in.

    What request_sync does for one project, in one statement for any number of them: an INSERT of their runs
    that skips the projects with an active run (the partial unique constraint: their run goes on, as
    request_sync would join it). Their tasks are sent after the transaction commits, together (`send_many`).
    The caller has already checked what sync_blocker checks, in its query (schedule.due_links does), and
    expired the stale runs. Returns the new runs' ids.
    """
    if not projects:
        return []
    columns, values = _queued_run_columns(mode=mode, trigger=trigger, now=now)
    rows = ", ".join(["(%s, %s)"] * len(projects))
    # The columns every run shares are parameters once, not once per run; WHERE true tells SQLite's parser that
    # ON CONFLICT belongs to the INSERT.
    sql = (
        f"WITH wanted (project_id, organization_id) AS (VALUES {rows}) "
        f'INSERT INTO "{SyncRun._meta.db_table}" (project_id, organization_id, {", ".join(columns)}) '
        f"SELECT project_id, organization_id, {', '.join(['%s'] * len(columns))} FROM wanted WHERE true "
        'ON CONFLICT DO NOTHING RETURNING "id"'
    )
    params = [value for pair in projects for value in pair] + values
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        run_ids = [row[0] for row in cursor.fetchall()]
    if run_ids:
        send_many = _dispatcher("send_many")
        transaction.on_commit(lambda: send_many(run_ids))
    return run_ids


def _queued_run_columns(*, mode, trigger, now):
    """The columns of a queued run but its id, project and organization, and their values ready for the database:
    the model's defaults, and the mode, trigger, status and time given."""
    given = {"mode": mode, "trigger": trigger, "status": SyncRun.Status.QUEUED, "queued_at": now}
    columns, values = [], []
    for field in SyncRun._meta.concrete_fields:
        if field.primary_key or field.attname in ("project_id", "organization_id"):
            continue
        value = given[field.attname] if field.attname in given else field.get_default()
        columns.append(connection.ops.quote_name(field.column))
        values.append(field.get_db_prep_save(value, connection))
    return columns, values


def clear_project(project, *, user=None, trigger=SyncRun.Trigger.MANUAL):
    """Clear data: delete every synced work log of the project (manual ones stay). Recorded as a run."""
    run, created = _create_run(
        project, mode=SyncRun.Mode.CLEAR, trigger=trigger, user=user, status=SyncRun.Status.RUNNING
    )
    if not created:
        raise SyncNotPossible("A sync of this project is running; Clear data when it has finished.")
    with transaction.atomic():
        deleted, _ = synced_worklogs(project).delete()
        link = get_link(project)
        if link is not None:
            # The next incremental sync must fetch everything again.
            ProjectLink.objects.filter(pk=link.pk).update(synced_through=None)
        finish(run, SyncRun.Status.SUCCEEDED, worklogs_deleted=deleted)
    return run


def synced_worklogs(project):
    return WorkLog.objects.for_org(project.organization_id).filter(
        project=project, source=WorkLog.Source.HUBSTAFF
    )


def active_run(project):
    return (
        SyncRun.objects.for_org(project.organization_id)
        .filter(project=project, status__in=SyncRun.ACTIVE_STATUSES)
        .first()
    )


def expire_stale_runs(project=None, now=None):
    """Deal with runs whose worker died, so that none stays "running" forever and a killed sync is redone.

    A running run without a heartbeat for STALE_AFTER is queued again and its task sent again, at most
    MAX_TAKEOVERS times (a message Redis redelivers later finds it claimed or finished and does nothing); after
    that, or for a queued run no worker took within QUEUED_STALE_AFTER, the run is failed with the reason.
    Returns how many runs were requeued or failed.
    """
    now = now or timezone.now()
    dead = SyncRun.objects.filter(status=SyncRun.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    lost = SyncRun.objects.filter(status=SyncRun.Status.QUEUED, queued_at__lt=now - QUEUED_STALE_AFTER)
    if project is not None:
        dead, lost = dead.filter(project=project), lost.filter(project=project)
    requeue = list(dead.filter(takeovers__lt=MAX_TAKEOVERS).values_list("pk", flat=True))
    requeued = SyncRun.objects.filter(pk__in=requeue, status=SyncRun.Status.RUNNING).update(
        status=SyncRun.Status.QUEUED,
        takeovers=F("takeovers") + 1,
        queued_at=now,
        progress_label="The worker running this sync stopped; the sync is being redone.",
    )
    if requeued:
        for run_id in requeue:
            _send_after_commit(run_id)
    failed = (dead.exclude(pk__in=requeue) | lost).update(
        status=SyncRun.Status.FAILED,
        finished_at=now,
        error="The worker running this sync stopped answering; the sync was abandoned and can be started again.",
    )
    return requeued + failed


def _create_run(project, *, mode, trigger, user, status):
    expire_stale_runs(project)
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
                    heartbeat_at=now if status == SyncRun.Status.RUNNING else None,
                )
                return run, True
        except IntegrityError:
            running = active_run(project)
            if running is not None:
                return running, False
    raise SyncNotPossible("Another sync of this project started at the same moment; try again.")


# ---------------------------------------------------------------------------------------------- running


def claim(run_id, now=None):
    """Take a queued run (or a running one whose worker died) for this worker; None if there is nothing to do."""
    now = now or timezone.now()
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().select_related("project").filter(pk=run_id).first()
        if run is None or run.status not in SyncRun.ACTIVE_STATUSES:
            return None
        if run.status == SyncRun.Status.RUNNING and run.heartbeat_at and now - run.heartbeat_at < STALE_AFTER:
            return None  # another worker is on it
        run.status = SyncRun.Status.RUNNING
        run.started_at = now
        run.heartbeat_at = now
        run.progress_done = 0
        run.save(update_fields=["status", "started_at", "heartbeat_at", "progress_done"])
    return run


def finish(run, status, **fields):
    fields.update(status=status, finished_at=timezone.now(), heartbeat_at=timezone.now())
    if status == SyncRun.Status.SUCCEEDED:
        fields.setdefault("progress_done", run.progress_total)
        fields.setdefault("progress_label", "Done")
    SyncRun.objects.filter(pk=run.pk).update(**fields)
    for name, value in fields.items():
        setattr(run, name, value)
