"""Celery tasks: a few lines each; they take ids and are safe to run twice or to kill at any point.

This module is the top of the app: it imports the sync services and nothing imports it back (the services send
these tasks by name, `runs.send_run` and `runs.send_runs`).
"""

from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval

from .hubstaff.retries import MAX_RETRY_AFTER
from .services import runs, schedule, sync


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=45 * 60,
    time_limit=50 * 60,
    # Hubstaff failing (5xx, timeouts): tried again after 60 s, 120 s, 240 s ... at most an hour, five times; each
    # try resumes from the run's checkpoint.
    autoretry_for=(runs.RetryLater,),
    max_retries=5,
    retry_backoff=60,
    retry_backoff_max=MAX_RETRY_AFTER,
    retry_jitter=False,
)
def sync_project_task(self: Task, run_id: int) -> None:
    """Carry out a queued sync run."""
    retries = self.request.retries
    # When the options above bring the next retry; the run's page says it, and a Retry-After may ask for more.
    backoff = get_exponential_backoff_interval(self.retry_backoff, retries, self.retry_backoff_max)
    try:
        sync.run_sync(run_id, final_attempt=retries >= self.max_retries, retry_in=backoff)
    except runs.LeaseHeld as exc:
        # Another worker holds the run: come back when its lease would expire (taken over then if it died).
        # A new message, not a retry: waiting for a live worker spends none of this run's retries.
        sync_project_task.apply_async(args=[run_id], countdown=exc.countdown)
    except runs.Paced as exc:
        # Waiting for the installation's request budget is no failure: a new message for when the budget allows
        # more, with the retries left as they are.
        sync_project_task.apply_async(args=[run_id], countdown=exc.countdown)
    except runs.RetryLater as exc:
        if exc.countdown <= backoff:
            raise  # autoretry_for: the declared backoff
        # Hubstaff's Retry-After asks for longer than the backoff: the retry honours it.
        raise self.retry(exc=exc, countdown=exc.countdown) from exc


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


# Messages buffered before they go to the broker: on Redis, one pipelined round trip per batch instead of two
# round trips a message.
SEND_BATCH = 500


@shared_task(acks_late=True, time_limit=10 * 60)
def send_runs_task(run_ids: list[int]) -> None:
    """Send each run's own task (the schedule sends one of these per batch of runs, `runs.send_runs`), through one
    producer, its messages to the broker in batches.

    Safe twice: a run's second message finds it claimed or finished and does nothing (runs.claim).
    """
    with sync_project_task.app.producer_or_acquire() as producer, producer.batch(max_size=SEND_BATCH):
        for run_id in run_ids:
            sync_project_task.apply_async((run_id,), producer=producer)
