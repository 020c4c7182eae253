"""The installation's request budget: every client of an installation paces itself to Hubstaff's rate limit.

Hubstaff allows an OAuth app HUBSTAFF_RATE_BUDGET requests per HUBSTAFF_RATE_WINDOW_SECONDS. Rather than meeting
429s, each request first takes one unit from a counter on the `Installation` row with one conditional UPDATE, so
that every worker and every sync of the installation share the budget. When it is spent, the client waits for the
next window (plus a slack, as our window and Hubstaff's are not aligned to the second): sleeping if that is within
HUBSTAFF_MAX_RETRY_AFTER, else raising `BudgetSpent` so that the sync is queued again and resumes from its
checkpoint. An attempt that has not saved a window yet sleeps through the wait: a window needing more pages than a
budget would otherwise be started again by every attempt and never finish.

Fair share: a large sync (a reset) takes at most half of a window's budget while another sync of the same
organization is active, so it never starves the daily syncs; alone, it may use all of it.

A 429 is still possible (another app of the same Hubstaff account): the client honours it (retries.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from integrations.models import Installation, SyncRun

from .errors import RateLimited
from .retries import Sleep

# How often whether other syncs of the organization are active is read again (not once a request).
OTHERS_CHECK_SECONDS = 2.0

# Written out: a CASE built by Django's update() on every request costs more CPU than the database's part.
TAKE_ONE = """
    UPDATE integrations_installation SET
        budget_window_started_at = CASE
            WHEN budget_window_started_at IS NULL OR budget_window_started_at <= %(cutoff)s THEN %(now)s
            ELSE budget_window_started_at END,
        budget_used = CASE
            WHEN budget_window_started_at IS NULL OR budget_window_started_at <= %(cutoff)s THEN 1
            ELSE budget_used + 1 END
    WHERE id = %(pk)s
      AND (budget_window_started_at IS NULL OR budget_window_started_at <= %(cutoff)s OR budget_used < %(cap)s)
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
        # Whether a long wait may end the attempt (BudgetSpent): only once it has saved a window, so that every
        # attempt moves the run forward.
        self.may_stop: Callable[[], bool] = lambda: True
        self.window_pages = 1  # pages a fetch window takes so far; the sync updates it
        self._others_checked_at: float | None = None
        self._others_active = False

    def share_fairly(self, run: SyncRun) -> None:
        """This client fetches for a large sync (`run`): it leaves half of a window to the organization's others."""
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
                raise BudgetSpent(until, wait)
            if self.on_wait is not None:
                self.on_wait(until)
            self.sleep(wait)

    def room_for_window(self) -> bool:
        """Whether this window's budget has room for a whole fetch window (always, when a wait would be slept
        through rather than end the attempt: nothing fetched is lost then)."""
        if not self.installation.pk or not self.may_stop():
            return True
        started, used = (
            Installation.objects.filter(pk=self.installation.pk)
            .values_list("budget_window_started_at", "budget_used")
            .first()
        ) or (None, 0)
        if started is None or started <= timezone.now() - window_length():
            return True
        return self._cap() - used >= self.window_pages

    def _try_take(self) -> datetime | None:
        """None if a request was taken; otherwise when the next window starts (with the slack)."""
        now = timezone.now()
        rows = Installation.objects.filter(pk=self.installation.pk)
        stamp = connection.ops.adapt_datetimefield_value  # as the ORM stores it
        params = {"pk": self.installation.pk, "now": stamp(now), "cutoff": stamp(now - window_length())}
        with connection.cursor() as cursor:
            cursor.execute(TAKE_ONE, {**params, "cap": self._cap()})
            if cursor.rowcount:
                return None
        row = rows.values_list("budget_window_started_at", flat=True)
        if not row:  # uninstalled meanwhile: no budget to keep (the client stops on its own check)
            return None
        if row[0] is None:  # the row was just reset by another worker: try again
            return now
        return row[0] + window_length() + slack()

    def _cap(self) -> int:
        budget: int = settings.HUBSTAFF_RATE_BUDGET
        if self.run is None or not self._others_waiting(self.run):
            return budget
        return budget - budget // 2

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
