"""A sync run that must wait for Hubstaff: what its page says while it waits, and when it is queued again with the
reason or failed.

Inside one attempt the client backs off after a 5xx or a timeout, or sleeps through a Retry-After: the run's
progress names that wait, then the retry, rather than the phase it was in or "Waiting for a worker".

Pacing is not failure. Waiting for the installation's request budget, or for the end of a 429's Retry-After, ends
an attempt without counting a retry (`Paced`): its checkpoint keeps what it fetched (checkpoint.py), and the run
is queued again for when the window opens. A paced run fails only when it has read nothing for
HUBSTAFF_NO_PROGRESS_SECONDS (`stalled`). 5xx and timeouts are failures: retried with the task's retries (each
resuming from the checkpoint too), and the run fails on its final attempt.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from integrations.hubstaff.budget import BudgetSpent
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import RateLimited, TransientHubstaffError
from integrations.hubstaff.retries import MAX_RETRY_AFTER, Sleep
from integrations.models import FetchCheckpoint, SyncRun

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
    """Hubstaff is busy: queue the run again (Paced when it paces us, RetryLater for a failure, whose retry comes
    in `retry_in` seconds), or fail it (a failure on the final attempt, pacing that let nothing be read for too
    long)."""
    if isinstance(exc, RateLimited):
        _pace(run, exc)  # raises Paced, or fails the run
        return
    if final_attempt:
        runs.finish(run, SyncRun.Status.FAILED, error=f"Hubstaff did not answer properly: {exc}")
        return
    runs.queue_again(
        run,
        due=timezone.now() + timedelta(seconds=retry_in),
        label=f"Hubstaff is busy; trying again in {int(retry_in)} s.",
    )
    raise RetryLater(str(exc), retry_in) from exc


def _pace(run: SyncRun, exc: RateLimited) -> None:
    """Queue the run for when Hubstaff (its Retry-After, at most an hour) or the budget's next window lets it go on,
    and raise Paced; or fail it if it has read nothing for HUBSTAFF_NO_PROGRESS_SECONDS."""
    now = timezone.now()
    total, since, at_pages = (
        SyncRun.objects.filter(pk=run.pk)
        .values_list("progress_total", "stalled_since", "stalled_at_pages")
        .get()
    )
    # Progress is what the run's checkpoint holds: pages of windows read in full, which no later attempt reads again.
    done = FetchCheckpoint.objects.filter(run_id=run.pk).aggregate(pages=Coalesce(Sum("pages"), 0))["pages"]
    if since is None or done != at_pages:
        since = now  # pages were read since the last wait: the clock of no progress starts again
        runs.update_run(run, stalled_since=since, stalled_at_pages=done)
    elif now - since >= timedelta(seconds=settings.HUBSTAFF_NO_PROGRESS_SECONDS):
        runs.finish(
            run,
            SyncRun.Status.FAILED,
            error=(
                "Hubstaff kept asking us to wait (rate limit) and nothing could be read for "
                f"{_duration(settings.HUBSTAFF_NO_PROGRESS_SECONDS)}; "
                "nothing was changed. Another app may be using the Hubstaff account's request limit."
            ),
        )
        return
    countdown = min(exc.retry_after, MAX_RETRY_AFTER)
    # The budget's wait ends when its next window starts; Hubstaff's 429 says only for how long.
    until = exc.until if isinstance(exc, BudgetSpent) else now + timedelta(seconds=countdown)
    runs.queue_again(run, due=now + timedelta(seconds=countdown), label=waiting_label(until, done, total))
    raise Paced(str(exc), countdown) from exc


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:g} h"


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
