"""Celery tasks: a few lines each; they take ids and are safe to run twice or to kill at any point.

This module is the top of the app: it imports the sync services and nothing imports it back. The services reach
a worker through `send_run`, which `IntegrationsConfig.ready` registers with `services.runs`.
"""

import random

from celery import shared_task

from .hubstaff.retries import MAX_RETRY_AFTER
from .services import runs, schedule, sync


@shared_task(bind=True, acks_late=True, max_retries=5, soft_time_limit=45 * 60, time_limit=50 * 60)
def sync_project_task(self, run_id):
    """Carry out a queued sync run; Hubstaff being busy makes it wait and try again, honouring Retry-After."""
    try:
        sync.run_sync(run_id, final_attempt=self.request.retries >= self.max_retries)
    except runs.LeaseHeld as exc:
        # Another worker holds the run: come back when its lease would expire (taken over then if it died).
        # A new message, not a retry: waiting for a live worker spends none of this run's retries.
        sync_project_task.apply_async(args=[run_id], countdown=exc.countdown)
    except runs.RetryLater as exc:
        if exc.paced:
            # Waiting for the installation's request budget is no failure: a new message for when the budget
            # allows more, with this task's retries left as they are (the run resumes from its checkpoint).
            sync_project_task.apply_async(args=[run_id], countdown=exc.countdown)
            return
        raise self.retry(countdown=retry_countdown(exc.countdown, self.request.retries)) from exc


@shared_task(acks_late=True, time_limit=5 * 60)
def recover_sync_runs():
    """Celery beat, every minute: runs whose worker died (lease expired) or whose message was lost, set going."""
    return runs.recover_runs()


@shared_task(acks_late=True, time_limit=10 * 60)
def enqueue_due_syncs():
    """Celery beat, every few minutes: queue the projects whose daily sync slot has come."""
    return schedule.enqueue_due_syncs()


def retry_countdown(countdown, retries):
    """Seconds before the task's next try: a short wait doubles with each retry; none exceeds an hour."""
    backoff = countdown * (2**retries) if countdown <= 60 else countdown
    return min(MAX_RETRY_AFTER, backoff) + random.uniform(0, 5)


def send_run(run_id):
    """Hand a queued run to a worker (what `runs` calls once the run is committed)."""
    sync_project_task.delay(run_id)


# Messages buffered before they go to the broker: on Redis, one pipelined round trip per batch instead of two
# round trips a message.
SEND_BATCH = 500


@shared_task(acks_late=True, time_limit=10 * 60)
def send_runs_task(run_ids):
    """Hand a batch of queued runs to workers, a message each (the schedule sends one of these per batch).

    Safe twice: a run's second message finds it claimed or finished and does nothing (runs.claim).
    """
    send_runs(run_ids)


def send_runs(run_ids):
    """Send each run's own task, through one producer, its messages to the broker in batches."""
    with sync_project_task.app.producer_or_acquire() as producer, producer.batch(max_size=SEND_BATCH):
        for run_id in run_ids:
            sync_project_task.apply_async((run_id,), producer=producer)


def dispatch_runs(run_ids):
    """Hand many queued runs to workers with one message (what `runs.queue_runs` calls once they are committed).

    Building a task message costs Celery ~0.5-1 ms of CPU: after downtime, 10,000 of them would hold the beat for
    seconds, so the beat sends one message per batch and a worker sends the runs' own (send_runs_task).
    """
    send_runs_task.delay(list(run_ids))
