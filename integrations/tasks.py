"""Celery tasks: a few lines each; they take ids and are safe to run twice or to kill at any point.

This module is the top of the app: it imports the sync services and nothing imports it back (the services send
these tasks by name, `runs.send_run` and `runs.send_runs`).
"""

from typing import Any

from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval

from .hubstaff.retries import MAX_RETRY_AFTER
from .models import Installation
from .services import (
    availability,
    batch,
    checkpoint,
    fairness,
    installation,
    ledger,
    live,
    queues,
    runs,
    schedule,
    sync,
)


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=45 * 60,
    time_limit=50 * 60,
    # Hubstaff failing (5xx, timeouts); each try resumes from the run's checkpoint.
    autoretry_for=(runs.RetryLater,),
    max_retries=5,
    retry_backoff=60,
    retry_backoff_max=MAX_RETRY_AFTER,
    retry_jitter=False,
)
def sync_project_task(self: Task, run_id: int) -> None:
    """Carry out a queued sync run."""
    retries = self.request.retries
    # The run's page shows when the next retry comes.
    backoff = get_exponential_backoff_interval(self.retry_backoff, retries, self.retry_backoff_max)
    try:
        # At most HUBSTAFF_RUNS_PER_INSTALLATION runs of an installation at once, the others not in a worker.
        with fairness.slot(run_id):
            sync.run_sync(run_id, final_attempt=retries >= self.max_retries, retry_in=backoff)
    except (runs.LeaseHeld, runs.Paced, fairness.InstallationBusy) as exc:
        # A new message, not a retry: waiting for a live worker's lease, for Hubstaff's Retry-After, for the
        # request budget or for a slot is no failure, so it spends none of this run's retries (RetryLater:
        # autoretry_for).
        if isinstance(exc, fairness.InstallationBusy):
            runs.wait_for_slot(run_id, exc.countdown)
        sync_project_task.apply_async(args=[run_id], countdown=exc.countdown, queue=queues.queue_of(run_id))


@shared_task(acks_late=True, time_limit=5 * 60)
def recover_sync_runs() -> int:
    """Celery beat, every minute: runs whose worker died (lease expired) or whose message was lost, set going."""
    recovered: int = runs.recover_runs()
    return recovered


@shared_task(acks_late=True, time_limit=10 * 60)
def enqueue_due_syncs() -> int:
    """Celery beat, every few minutes: queue the projects whose daily sync slot has come."""
    queued: int = schedule.enqueue_due_syncs()
    return queued


# Messages buffered before they go to the broker: on Redis, one pipelined round trip per batch.
SEND_BATCH = 500


@shared_task(acks_late=True, time_limit=10 * 60)
def send_runs_task(run_ids: list[int], queue: str = queues.SCHEDULED) -> None:
    """Send each run's own task through one producer, on `queue`. Safe twice: a second message finds its run claimed
    or finished (runs.claim)."""
    with sync_project_task.app.producer_or_acquire() as producer, producer.batch(max_size=SEND_BATCH):
        for run_id in run_ids:
            sync_project_task.apply_async((run_id,), producer=producer, queue=queue)


@shared_task(acks_late=True, time_limit=10 * 60)
def purge_sync_ledger() -> int:
    """Celery beat, daily: the ledger of runs finished longer ago than SYNC_LEDGER_RETENTION_DAYS (they can no
    longer be undone) is deleted."""
    purged: int = ledger.purge()
    return purged


@shared_task(acks_late=True, time_limit=5 * 60)
def sweep_fetch_checkpoints() -> int:
    """Celery beat, every KEEP_PREVIEW: fetch checkpoints no run can use (a preview's once KEEP_PREVIEW has
    passed, a run's that ended without its finish), deleted even when the project never syncs again."""
    deleted: int = checkpoint.sweep()
    return deleted


@shared_task(acks_late=True, time_limit=10 * 60)
def enqueue_due_reconciliations() -> int:
    """Celery beat, every few minutes: queue the projects whose reconciliation slot has come (reconcile.py)."""
    queued: int = schedule.enqueue_due_reconciliations()
    return queued


@shared_task(acks_late=True, time_limit=5 * 60)
def subscribe_live_updates_task(installation_id: int) -> None:
    """After an install or a re-authorization: subscribe the installation's webhooks (services/live.py)."""
    found = Installation.objects.filter(pk=installation_id).first()
    if found is not None and found.is_installed:
        live.subscribe(found)


@shared_task(acks_late=True, time_limit=5 * 60)
def handle_hubstaff_event_task(
    installation_id: int, event: str, payload: dict[str, Any], created_at: str
) -> None:
    """Queue the syncs a Hubstaff event asks for; while a linked project's sync runs, come back later (the days
    already queued elsewhere are kept once: joining a queued run is a set union)."""
    if event == live.PROJECT_CREATE:
        installation.refresh_installed_projects(installation_id)
        return
    try:
        live.handle_event(installation_id, event, payload, created_at)
    except runs.EventRunBusy as exc:
        handle_hubstaff_event_task.apply_async(
            args=[installation_id, event, payload, created_at], countdown=exc.countdown
        )


@shared_task(acks_late=True, soft_time_limit=45 * 60, time_limit=50 * 60)
def run_event_batch_task(installation_id: int) -> None:
    """Carry out the installation's queued event runs together (services/batch.py)."""
    batch.run(installation_id)


@shared_task(acks_late=True, time_limit=5 * 60)
def purge_hubstaff_events() -> int:
    """Celery beat: forget the Hubstaff event ids seen more than a few days ago."""
    purged: int = live.purge_events()
    return purged


@shared_task(acks_late=True, time_limit=10 * 60)
def check_live_updates_hourly() -> int:
    """Celery beat, hourly: the fallback for Hubstaff events that never come (services/live.py). One task per
    installed installation, through one producer, so that thousands are checked by every worker at once and one
    Hubstaff's slow answer delays no other installation. Returns how many were sent."""
    installation_ids = live.installations_to_check()
    with check_live_updates_task.app.producer_or_acquire() as producer, producer.batch(max_size=SEND_BATCH):
        for installation_id in installation_ids:
            check_live_updates_task.apply_async((installation_id,), producer=producer)
    return len(installation_ids)


@shared_task(acks_late=True, time_limit=5 * 60)
def check_live_updates_task(installation_id: int) -> int:
    """One installation's hourly check (services/live.py check_installation); returns the syncs it queued."""
    queued: int = live.check_one(installation_id)
    return queued


@shared_task(acks_late=True, time_limit=10 * 60)
def import_availability_daily() -> int:
    """Celery beat, daily: each installation with the option on takes its time off, holidays and expected hours
    from Hubstaff (services/availability.py), in a task of its own. Returns how many were sent."""
    installation_ids = availability.installations_to_import()
    with import_availability_task.app.producer_or_acquire() as producer, producer.batch(max_size=SEND_BATCH):
        for installation_id in installation_ids:
            import_availability_task.apply_async((installation_id,), producer=producer)
    return len(installation_ids)


@shared_task(acks_late=True, time_limit=15 * 60)
def import_availability_task(installation_id: int) -> None:
    """One installation's time off, holidays and expected hours from Hubstaff."""
    availability.import_one(installation_id)
