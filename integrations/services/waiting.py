"""A sync run that must wait for Hubstaff: what its page says while it waits, and when it is queued again with the
reason or failed on its last attempt.

Inside one attempt the client backs off after a 5xx or a timeout, or sleeps through a Retry-After: the run's
progress names that wait, then the retry, rather than the phase it was in or "Waiting for a worker".

Waiting for the installation's request budget is not a failure: the run paces itself (hubstaff/budget.py), its
checkpoint keeps what it fetched (checkpoint.py) so the next attempt resumes, and the task re-sends the run
without counting a retry (`Paced`). Hubstaff's own 429s (the budget set above what Hubstaff
allows, another app of the account), 5xx and timeouts are failures: retried with the task's retries (each retry
resuming from the checkpoint too), and the run fails on its final attempt.
"""

from datetime import datetime, timedelta

from django.utils import timezone

from integrations.hubstaff.budget import BudgetSpent
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import RateLimited, TransientHubstaffError
from integrations.hubstaff.retries import MAX_RETRY_AFTER, Sleep
from integrations.models import SyncRun

from . import runs
from .runs import Paced, RetryLater


def waiting_label(until: datetime, done: int, total: int) -> str:
    """What the page says while a run waits for the rate limit: until when, and how far it has got."""
    when = timezone.localtime(until)
    waiting = f"Waiting for Hubstaff's rate limit until {when:%H:%M}"
    return f"{waiting}; {done:,} of {total:,} pages read" if total else f"{waiting}."


def retry_or_fail(
    run: SyncRun, exc: RateLimited | TransientHubstaffError, *, final_attempt: bool, retry_in: float
) -> None:
    """Hubstaff is busy: queue the run again (Paced for the budget's wait, RetryLater for a failure, whose retry
    comes in `retry_in` seconds) or, on the final attempt of a failure, fail it."""
    paced = isinstance(exc, BudgetSpent)
    if final_attempt and not paced:
        runs.finish(run, SyncRun.Status.FAILED, error=f"Hubstaff did not answer properly: {exc}")
        return
    if isinstance(exc, BudgetSpent):
        countdown = exc.retry_after
    else:
        # Hubstaff's Retry-After, when it asks for longer than the task's backoff (at most an hour).
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else 0
        countdown = max(retry_in, min(retry_after, MAX_RETRY_AFTER))
    due = timezone.now() + timedelta(seconds=countdown)
    if isinstance(exc, RateLimited):
        # The budget's wait ends when its next window starts; Hubstaff's 429 says only for how long.
        until = exc.until if isinstance(exc, BudgetSpent) else None
        done, total = SyncRun.objects.filter(pk=run.pk).values_list("progress_done", "progress_total").get()
        message = waiting_label(until or due, done, total)
    else:
        message = f"Hubstaff is busy; trying again in {int(countdown)} s."
    runs.queue_again(run, due=due, label=message)
    if paced:
        raise Paced(str(exc), countdown) from exc
    raise RetryLater(str(exc), countdown) from exc


RETRYING = "Trying Hubstaff again"


def announce_waits(client: HubstaffClient, run: SyncRun) -> HubstaffClient:
    """Wrap the client's `sleep` (its seam for waiting) so that each wait is named on the run, then the retry."""
    sleep: Sleep | None = getattr(client, "sleep", None)
    if sleep is None:
        return client

    def waiting(seconds: float) -> None:
        label = f"Hubstaff is busy; trying again in {max(1, round(seconds))} s."
        runs.set_label(run, label)
        sleep(seconds)
        runs.set_label(run, RETRYING)

    client.sleep = waiting
    return client
