"""The installation's request budget: every client of an installation paces itself to Hubstaff's rate limit.

Hubstaff allows an OAuth app HUBSTAFF_RATE_BUDGET requests per HUBSTAFF_RATE_WINDOW_SECONDS. Rather than meeting
429s, each request first takes one unit from a counter on the `Installation` row with one conditional UPDATE, so
that every worker and every sync of the installation share the budget. When it is spent, the client waits for the
next window (plus a slack, as our window and Hubstaff's are not aligned to the second): sleeping if that is within
HUBSTAFF_MAX_RETRY_AFTER, else raising `BudgetSpent` so that the sync is queued again and resumes from its
checkpoint. An attempt that has read part of a window and saved none sleeps through the wait: a window needing more
pages than a budget would otherwise be started again by every attempt and never finish.

Hubstaff's 429 is the truth about the window (`hubstaff_said_wait`): the window counts as spent until its
Retry-After, so the installation's other syncs wait too instead of meeting 429s of their own; and when the 429
came before the budget was spent, Hubstaff allows less than we thought, so the budget keeps to what it let through
(`Installation.budget_learned`, halving at most per 429). Each window then used in full without a 429 probes a
tenth higher, so a budget lowered by another app's burst comes back.

Fair share: a large sync (a reset, a preview, a first sync) leaves HUBSTAFF_RATE_RESERVE of every window to the
others even when it runs alone, so that a click or a daily sync arriving later starts at once; while another sync
of the same organization is active, it takes half of the window at most.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from integrations.models import Installation, SyncRun
from primetric import counters

from .errors import RateLimited
from .retries import Sleep

# How often whether other syncs of the organization are active is read again (not once a request).
OTHERS_CHECK_SECONDS = 2.0

# Both statements are written out in full (no text put together at run time). In them, a window is new when
# budget_window_started_at is NULL or at least a window old (<= %(cutoff)s), and the window's requests are
# LEAST(%(budget)s, COALESCE(budget_learned, %(budget)s)): HUBSTAFF_RATE_BUDGET, or what Hubstaff was seen to allow.

# Written out: a CASE built by Django's update() on every request costs more CPU than the database's part. A new
# window raises a learned budget by a tenth when the window before used at least half of it with no 429 (a 429
# sets rate_limited_until at or after its window's start): the probe that lets the budget come back up.
TAKE_ONE = """
    UPDATE integrations_installation SET
        budget_learned = CASE
            WHEN budget_learned IS NULL
                OR NOT (budget_window_started_at IS NULL OR budget_window_started_at <= %(cutoff)s)
                OR budget_used * 2 < budget_learned
                OR rate_limited_until >= budget_window_started_at THEN budget_learned
            WHEN budget_learned + GREATEST(1, budget_learned / 10) >= %(budget)s THEN NULL
            ELSE budget_learned + GREATEST(1, budget_learned / 10) END,
        budget_window_started_at = CASE
            WHEN budget_window_started_at IS NULL OR budget_window_started_at <= %(cutoff)s THEN %(now)s
            ELSE budget_window_started_at END,
        budget_used = CASE
            WHEN budget_window_started_at IS NULL OR budget_window_started_at <= %(cutoff)s THEN 1
            ELSE budget_used + 1 END
    WHERE id = %(pk)s
      AND (budget_window_started_at IS NULL OR budget_window_started_at <= %(cutoff)s
           OR budget_used < GREATEST(1, LEAST(%(budget)s, COALESCE(budget_learned, %(budget)s)) * (1 - %(reserve)s)))
"""

# After a 429: the window is spent until Hubstaff's Retry-After, and a 429 before the budget was spent teaches it
# what Hubstaff lets through (the requests that went through; at most halving the budget per 429, since a window
# of ours that began after Hubstaff's counts fewer requests than Hubstaff did). Never below a tenth of the
# configured budget: 429s at the first request of each window (another app's burst, an outage) say nothing of
# the limit, and the budget would take days of probing to come back; below that, the 429s alone pace the syncs.
HUBSTAFF_SAID_WAIT = """
    UPDATE integrations_installation SET
        budget_learned = CASE
            WHEN budget_window_started_at IS NULL OR budget_window_started_at <= %(cutoff)s
                OR budget_used >= LEAST(%(budget)s, COALESCE(budget_learned, %(budget)s)) THEN budget_learned
            ELSE GREATEST(%(floor)s, budget_used - 1, LEAST(%(budget)s, COALESCE(budget_learned, %(budget)s)) / 2)
            END,
        budget_used = GREATEST(budget_used, LEAST(%(budget)s, COALESCE(budget_learned, %(budget)s))),
        budget_window_started_at = %(started)s
    WHERE id = %(pk)s
"""


class BudgetSpent(RateLimited):
    """The installation's request budget of this window is spent; the next window starts at `until`."""

    def __init__(self, until: datetime, wait: float):
        when = timezone.localtime(until)
        super().__init__(f"The Hubstaff request budget is spent; requests resume at {when:%H:%M}.", wait)
        self.until = until


def window_length() -> timedelta:
    return timedelta(seconds=settings.HUBSTAFF_RATE_WINDOW_SECONDS)


def slack() -> timedelta:
    """How long after our window's end a waiting client starts again: 5 % of the window, at most a minute."""
    return timedelta(seconds=min(60.0, settings.HUBSTAFF_RATE_WINDOW_SECONDS * 0.05))


class RequestBudget:
    """One client's draw on its installation's budget: `take()` before each request, sleeping or raising."""

    def __init__(self, installation: Installation, *, sleep: Sleep = time.sleep):
        self.installation = installation
        self.sleep = sleep
        self.run: SyncRun | None = None  # set by share_fairly
        # Called with the end of the wait before sleeping (the run's progress label).
        self.on_wait: Callable[[datetime], object] | None = None
        # Whether a long wait may end the attempt (BudgetSpent) rather than be slept through (the sync decides: when
        # ending loses no page read, sync.ProjectSync._pace).
        self.may_stop: Callable[[], bool] = lambda: True
        self.window_pages = 1  # pages a fetch window takes so far; the sync updates it
        self._others_checked_at: float | None = None
        self._others_active = False

    def share_fairly(self, run: SyncRun) -> None:
        """This client fetches for a large sync (`run`): it leaves the others their share of every window."""
        self.run = run

    def take(self) -> None:
        """Take one request from the budget, first waiting for the next window if this one is spent."""
        if not self.installation.pk:
            return
        while True:
            until = self._try_take()
            if until is None:
                return
            wait = max(0.0, (until - timezone.now()).total_seconds())
            if wait > settings.HUBSTAFF_MAX_RETRY_AFTER and self.may_stop():
                counters.add(counters.PACING, "budget", "deferred")
                raise BudgetSpent(until, wait)
            if self.on_wait is not None:
                self.on_wait(until)
            counters.waited("budget", wait)
            self.sleep(wait)

    def hubstaff_said_wait(self, until: datetime) -> None:
        """Hubstaff answered 429 until `until`: this window is spent for every client of the installation, and the
        budget learns from it when it thought the window was not (HUBSTAFF_SAID_WAIT)."""
        if not self.installation.pk:
            return
        now = timezone.now()
        stamp = connection.ops.adapt_datetimefield_value
        budget: int = settings.HUBSTAFF_RATE_BUDGET
        params = {
            "pk": self.installation.pk,
            "budget": budget,
            "floor": max(1, budget // 10),
            "cutoff": stamp(now - window_length()),
            # The window ends at `until` (a client waiting in take() adds the slack, as for any window).
            "started": stamp(until - window_length()),
        }
        with connection.cursor() as cursor:
            cursor.execute(HUBSTAFF_SAID_WAIT, params)

    def room_for_window(self) -> bool:
        """Whether this window's budget has room for a whole fetch window (always, when a wait would be slept
        through rather than end the attempt: nothing fetched is lost then)."""
        if not self.installation.pk or not self.may_stop():
            return True
        started, used, learned = (
            Installation.objects.filter(pk=self.installation.pk)
            .values_list("budget_window_started_at", "budget_used", "budget_learned")
            .first()
        ) or (None, 0, None)
        if started is None or started <= timezone.now() - window_length():
            return True
        budget: int = settings.HUBSTAFF_RATE_BUDGET
        allowed = min(budget, learned or budget)
        return max(1, allowed * (1 - self._reserve())) - used >= self.window_pages

    def _try_take(self) -> datetime | None:
        """None if a request was taken; otherwise when the next window starts (with the slack)."""
        now = timezone.now()
        rows = Installation.objects.filter(pk=self.installation.pk)
        stamp = connection.ops.adapt_datetimefield_value  # as the ORM stores it
        params = {
            "pk": self.installation.pk,
            "now": stamp(now),
            "cutoff": stamp(now - window_length()),
            "budget": settings.HUBSTAFF_RATE_BUDGET,
            "reserve": self._reserve(),
        }
        with connection.cursor() as cursor:
            cursor.execute(TAKE_ONE, params)
            if cursor.rowcount:
                return None
        row = rows.values_list("budget_window_started_at", flat=True)
        if not row:  # uninstalled meanwhile: no budget to keep (the client stops on its own check)
            return None
        if row[0] is None:  # the row was just reset by another worker: try again
            return now
        return row[0] + window_length() + slack()

    def _reserve(self) -> float:
        """The share of the window this client leaves to others: none for a daily sync or a click, the reserve for
        a large sync alone, half while another sync of the organization is active."""
        if self.run is None:
            return 0.0
        if self._others_waiting(self.run):
            return 0.5
        reserve: float = settings.HUBSTAFF_RATE_RESERVE
        return reserve

    def _others_waiting(self, run: SyncRun) -> bool:
        now = time.monotonic()
        if self._others_checked_at is None or now - self._others_checked_at >= OTHERS_CHECK_SECONDS:
            self._others_checked_at = now
            self._others_active = (
                SyncRun.objects.for_org(self.installation.organization_id)
                .filter(status__in=SyncRun.ACTIVE_STATUSES)
                .exclude(pk=run.pk)
                .exists()
            )
        return self._others_active
