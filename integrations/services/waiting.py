"""A sync run that must wait for Hubstaff: queued again with the reason, or failed on its last attempt.

Waiting for the installation's request budget is not a failure: the run paces itself (hubstaff/budget.py), its
checkpoint keeps what it fetched (checkpoint.py) so the next attempt resumes, and the task re-sends the run
without counting a retry (`RetryLater(paced=True)`). Hubstaff's own 429s (the budget set above what Hubstaff
allows, another app of the account), 5xx and timeouts are failures: retried with the task's retries (each retry
resuming from the checkpoint too), and the run fails on its final attempt.
"""

from datetime import timedelta

from django.utils import timezone

from integrations.hubstaff.budget import BudgetSpent
from integrations.hubstaff.errors import RateLimited
from integrations.models import SyncRun

from . import runs
from .runs import RetryLater


def waiting_label(until, done, total):
    """What the page says while a run waits for the rate limit: until when, and how far it has got."""
    when = timezone.localtime(until)
    waiting = f"Waiting for Hubstaff's rate limit until {when:%H:%M}"
    return f"{waiting}; {done:,} of {total:,} pages read" if total else f"{waiting}."


def retry_or_fail(run, exc, final_attempt):
    """Hubstaff is busy: queue the run again (RetryLater) or, on the final attempt of a failure, fail it."""
    paced = isinstance(exc, BudgetSpent)
    if final_attempt and not paced:
        runs.finish(run, SyncRun.Status.FAILED, error=f"Hubstaff did not answer properly: {exc}")
        return
    countdown = getattr(exc, "retry_after", None) or 60
    if isinstance(exc, RateLimited):
        until = getattr(exc, "until", None) or timezone.now() + timedelta(seconds=countdown)
        done, total = SyncRun.objects.filter(pk=run.pk).values_list("progress_done", "progress_total").first()
        message = waiting_label(until, done, total)
    else:
        message = f"Hubstaff is busy; trying again in {int(countdown)} s."
    SyncRun.objects.filter(pk=run.pk, lease_id=run.lease_id).update(
        status=SyncRun.Status.QUEUED,
        lease_id="",
        # When the retry is due: the periodic check sends a queued run again only once that has long passed.
        heartbeat_at=timezone.now() + timedelta(seconds=countdown),
        progress_label=message,
    )
    raise RetryLater(str(exc), countdown, paced=paced) from exc
