"""Celery tasks: a few lines each; they take ids and are safe to run twice or to kill at any point."""

import random

from celery import shared_task

from .services import sync


@shared_task(bind=True, acks_late=True, max_retries=5, soft_time_limit=45 * 60, time_limit=50 * 60)
def sync_project_task(self, run_id):
    """Carry out a queued sync run; Hubstaff being busy makes it wait and try again, honouring Retry-After."""
    try:
        sync.run_sync(run_id, final_attempt=self.request.retries >= self.max_retries)
    except sync.RetryLater as exc:
        backoff = exc.countdown * (2**self.request.retries) if exc.countdown <= 60 else exc.countdown
        raise self.retry(countdown=backoff + random.uniform(0, 5)) from exc


@shared_task(acks_late=True, time_limit=10 * 60)
def enqueue_due_syncs():
    """Celery beat, every few minutes: queue the projects whose daily sync slot has come."""
    return sync.enqueue_due_syncs()
