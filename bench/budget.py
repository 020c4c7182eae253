"""Section 6: a reset that needs four rate windows, paced to the installation's request budget.

Hubstaff allows an app 1000 requests an hour; scaled down here to a budget B per window of W seconds, with B a
quarter of the requests the reset needs (measured first, without a limit). The sandbox enforces the same limit
(fault `rate_limit=B`, `rate_limit_window=W`), and the sync's budget is set to the same (HUBSTAFF_RATE_BUDGET,
HUBSTAFF_RATE_WINDOW_SECONDS). Two ways of waiting are measured:

- *in one attempt*: the worker sleeps through each window's end (HUBSTAFF_MAX_RETRY_AFTER above W);
- *resumed*: each wait ends the attempt (HUBSTAFF_MAX_RETRY_AFTER below W, as with Hubstaff's hour); the run is
  queued with the wait and started again after it, as the Celery task does, resuming from its checkpoint.

W is set from the unlimited reset's time t so that fetching a window's budget takes at most half a window (the
budget, not the machine, is what limits). The limit: k = ceil(minimum / B) windows; a reset cannot end before the
start of its last window plus the time to fetch that window's share at full speed, (k - 1) * W + t / k; requests
cannot be fewer than the unlimited reset's.
"""

import math
import time

from django.test import override_settings

from .measure import Timer
from .sync import END, SyncSetup, sandbox

MIN_WINDOW_SECONDS = 4.0


def run(users, projects, days):
    """The unlimited reset, then the paced reset in one attempt and resumed: their figures."""
    with sandbox(users, projects, days) as hs:
        setup = SyncSetup(hs, users=users, projects=projects, days=days, tag="budget")
        unlimited = _reset(setup, hs)
        truth = _logs(setup.project)
        budget = math.ceil(unlimited["requests"] / 4)
        windows = math.ceil(unlimited["requests"] / budget)
        window = max(MIN_WINDOW_SECONDS, round(2 * unlimited["seconds"] / windows))
        result = {
            "users": users,
            "projects": projects,
            "days": days,
            "minimum": unlimited["requests"],
            "unlimited_seconds": unlimited["seconds"],
            "budget": budget,
            "window": window,
            "windows": windows,
        }
        for name, max_retry_after in (("one attempt", window * 2), ("resumed", 0.5)):
            setup.clear()
            with override_settings(
                HUBSTAFF_RATE_BUDGET=budget,
                HUBSTAFF_RATE_WINDOW_SECONDS=window,
                HUBSTAFF_MAX_RETRY_AFTER=max_retry_after,
            ):
                _fresh_window(setup, hs, budget, window)
                figures = _reset(setup, hs)
            hs.reset_faults()
            figures["same_work_logs"] = _logs(setup.project) == truth
            result[name] = figures
        return result


def _fresh_window(setup, hs, budget, window):
    from integrations.models import Installation

    Installation.objects.filter(organization=setup.organization).update(
        budget_window_started_at=None, budget_used=0, rate_limited_until=None
    )
    hs.fault(rate_limit=budget, rate_limit_window=window)
    time.sleep(window)  # the sandbox's window of earlier requests has ended too


def _reset(setup, hs):
    """A reset from empty, in this process, taken up again after each wait as the task would: its figures."""
    from integrations.services import runs, sync

    hs.reset_stats()
    run = runs.request_sync(setup.project, mode="reset", trigger="manual", send_task=False)
    attempts = 0
    with Timer() as timer:
        while True:
            attempts += 1
            try:
                finished = sync.run_sync(run.pk, today=END)
                break
            except runs.Paced as exc:
                time.sleep(exc.countdown)
    if finished.status != "succeeded":
        raise RuntimeError(f"the reset {finished.status}: {finished.error}")
    stats = hs.stats()
    refused = sum(codes.get("429", 0) for codes in stats["routes"].values())
    return {"seconds": timer.seconds, "requests": stats["total"], "refused": refused, "attempts": attempts}


def _logs(project):
    from worklogs.models import WorkLog

    return sorted(
        WorkLog.objects.filter(project=project, source="hubstaff").values_list(
            "person_id", "date", "duration_seconds"
        )
    )


def limit_seconds(result):
    """The earliest a reset of `windows` windows can end: its last window's start, plus that window's share of
    the unlimited reset's time."""
    k = result["windows"]
    return (k - 1) * result["window"] + result["unlimited_seconds"] / k
