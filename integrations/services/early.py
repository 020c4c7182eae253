"""Applying a sync while it is fetched: each window planned and written as soon as Hubstaff has sent all of it.

A reset spends most of its time waiting for Hubstaff; applied early, the planning and writing fill that wait
rather than follow it. The guarantees stay those of `apply.py`:

- One transaction. The apply runs in a thread of its own (its own connection to read, the writer's to write), in the
  one transaction that commits only when the whole fetch is over and `apply.py`'s last checks pass (the locks and
  `runs.check_still_wanted` come at the end, so that no row is locked while Hubstaff is read: a token refresh during
  the fetch locks the installation's row).
- Date order. Windows are applied in the order of the fetch plan, as the rules expect; a window is handed out once
  every Hubstaff organization of the link has sent it in full (the staging is shared, its file behind a lock).
- No transaction through a long wait. When the fetch must wait for the installation's request budget, the early
  apply is rolled back and the apply runs after the fetch. The client's own short waits (bounded by
  HUBSTAFF_MAX_RETRY_AFTER) do not stop it.
- A failure stops both sides. A fetch that fails rolls the early apply back; an apply that fails (the rules, the
  database) stops the fetch at its next page, with the apply's error.

Used outside a caller's transaction (where the apply's writer runs in its own thread), for resets and incremental
syncs but not previews (rolled back anyway); the setting HUBSTAFF_APPLY_WHILE_FETCHING turns it off.
"""

import threading
from collections.abc import Callable
from datetime import date
from typing import Generic, TypeVar

from django.conf import settings
from django.db import connection

from integrations.hubstaff.rules import DailyActivity

from .staging import Staging, Window

_R = TypeVar("_R")


class Abandoned(Exception):
    """The early apply was given up (the fetch waits for the budget, or failed): its transaction rolls back."""


def possible() -> bool:
    """Whether this sync may apply while it fetches (see the module's docstring)."""
    enabled: bool = settings.HUBSTAFF_APPLY_WHILE_FETCHING
    return enabled and not connection.in_atomic_block


class EarlyApply(Generic[_R]):
    """An apply run in a thread, fed the fetch's windows as they complete.

    `start(work)` runs `work()` (the sync's apply, reading the staging through `view(staging)`) in a thread. The
    fetch calls `window_complete(window)` once all of a window is staged, `check()` after each page (raising the
    apply's error, if it failed), `abandon()` when it must wait for the budget, and `fetch_over()` once it has
    ended and written its own progress; then `result()` gives what `work()` returned, or None when it was
    abandoned (the caller applies after the fetch). The apply calls `wait_fetch_over()` before anything that must
    come after the whole fetch.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._changed = threading.Condition()
        self._complete: set[Window] = set()
        self._fetch_over = False
        self._abandoned = False
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._result: _R | None = None

    # -- the fetch's side

    def view(self, staging: Staging) -> "_CompleteWindows":
        return _CompleteWindows(self._wait_window, staging)

    def start(self, work: Callable[[], _R]) -> None:
        def run() -> None:
            try:
                self._result = work()
            except Abandoned:
                pass
            except BaseException as exc:  # handed to the fetch: check() and result() raise it
                self._error = exc
            finally:
                connection.close()  # this thread's own connection

        self._thread = threading.Thread(target=run, name=self._name, daemon=True)
        self._thread.start()

    def window_complete(self, window: Window) -> None:
        with self._changed:
            self._complete.add(window)
            self._changed.notify_all()

    def check(self) -> None:
        """Raise the apply's error if it failed: the fetch stops rather than read pages nobody will apply."""
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        """Roll the early apply back at its next step (it waits for a window or for the fetch's end)."""
        with self._changed:
            self._abandoned = True
            self._changed.notify_all()

    @property
    def abandoned(self) -> bool:
        return self._abandoned

    def fetch_over(self) -> None:
        with self._changed:
            self._fetch_over = True
            self._changed.notify_all()

    def result(self) -> _R | None:
        """Wait for the apply; what it returned, or None if it was abandoned. Raises the apply's error."""
        if self._thread is None:
            raise RuntimeError("The early apply's result was asked for before it was started.")
        self._thread.join()
        self.check()
        return None if self._abandoned else self._result

    def stop(self) -> None:
        """The fetch failed: roll the early apply back and wait for it."""
        self.abandon()
        if self._thread is not None:
            self._thread.join()

    # -- the apply's side

    def _wait(self, ready: Callable[[], bool]) -> None:
        with self._changed:
            while not (self._abandoned or ready()):
                self._changed.wait()
            if self._abandoned:
                raise Abandoned

    def wait_fetch_over(self) -> None:
        self._wait(lambda: self._fetch_over)

    def _wait_window(self, window: Window) -> None:
        self._wait(lambda: window in self._complete)


class _CompleteWindows:
    """The staging as the early apply reads it: a window's rows once the fetch has all of them."""

    def __init__(self, wait_window: Callable[[Window], None], staging: Staging) -> None:
        self._wait_window = wait_window
        self._staging = staging

    def activities(
        self, window: Window, first: date | None = None, last: date | None = None
    ) -> list[DailyActivity]:
        self._wait_window(window)
        return self._staging.activities(window, first, last)
