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
