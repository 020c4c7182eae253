"""The reconciliation sweep: every linked project's history re-read, a slice a day, whatever Hubstaff's change
listings record.

The daily sync re-reads the days Hubstaff's listings name and the trailing recent days. A change they do not
name (tracked time deleted or edited, if the time edit log records manual time only) to a day older than both
would never arrive. So a second daily run of each project, a `SyncRun.Mode.RECONCILE`, re-reads one slice of
each of two lanes of the project's readable window (never before Hubstaff's 3-year floor):

- the recent lane, the days from `RECONCILE_RECENT_DAYS` (90) ago, plus the lane's own period, to the trailing
  days: every day of it is re-read at least every `RECONCILE_RECENT_EVERY_DAYS` (7). The period's extra days keep
  a day that was under 90 days old when it changed in this lane until its turn comes;
- the old lane, every older day: re-read at least every `RECONCILE_OLD_EVERY_DAYS` (30).

Each lane keeps on the link the next date it re-reads (`ProjectLink.reconcile_recent_next`, `reconcile_old_next`),
moved only when a reconciliation succeeds, so that a failed slice is the next day's. A slice is as many days as
go through the whole lane in its period less three days (the lane's dates move on by one a day, a change may come
just after its day was read, and a run may fail): 24 days of the recent lane, about 39 of the old one for a
project with three years of history, so that a reconciliation asks Hubstaff for at most three date windows and
the members. These are pure functions of dates; `Fetch.spans` and `Commit.succeed` call them.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from math import ceil

from django.conf import settings

from integrations.hubstaff import rules
from integrations.hubstaff.windows import daily_floor

from .staging import Window


@dataclass(frozen=True)
class Lanes:
    """The recent and the old lane of a project's readable window on one day (None: the lane is empty)."""

    recent: Window | None
    old: Window | None


def recent_lane_start(today: date) -> date:
    """The oldest day of the recent lane: 90 days and one period of the lane before today."""
    return today - timedelta(days=settings.RECONCILE_RECENT_DAYS + settings.RECONCILE_RECENT_EVERY_DAYS - 1)


def lanes(readable: Window, today: date) -> Lanes:
    """The lanes within `readable` (the project's window from Hubstaff's floor on): the trailing days, re-read
    by every daily sync, are in neither."""
    start, end = readable
    split = recent_lane_start(today)
    recent_end = min(end, today - timedelta(days=max(0, settings.HUBSTAFF_TRAILING_DAYS)))
    recent = (max(start, split), recent_end)
    old = (start, min(end, split - timedelta(days=1)))
    return Lanes(
        recent=recent if recent[0] <= recent[1] else None,
        old=old if old[0] <= old[1] else None,
    )


def slice_of(lane: Window | None, next_day: date | None, every_days: int) -> rules.DateSpan | None:
    """The lane's slice for this run: from `next_day` (or the lane's start, when it is outside the lane), as many
    days as go through the whole lane in `every_days` less three."""
    if lane is None:
        return None
    start, end = lane
    if next_day is None or not start <= next_day <= end:
        next_day = start
    length = (end - start).days + 1
    days = ceil(length / max(1, every_days - 3)) + 1
    return rules.DateSpan(next_day, min(end, next_day + timedelta(days=days - 1)))


def spans(
    readable: Window, today: date, recent_next: date | None, old_next: date | None
) -> list[rules.DateSpan]:
    """The dates a reconciliation of the project re-reads today: the old lane's slice, then the recent lane's
    (kept apart even when they touch, so that `next_days` tells them apart)."""
    found = lanes(readable, today)
    slices = [
        slice_of(found.old, old_next, settings.RECONCILE_OLD_EVERY_DAYS),
        slice_of(found.recent, recent_next, settings.RECONCILE_RECENT_EVERY_DAYS),
    ]
    return [span for span in slices if span is not None]


def next_days(window: Window, today: date, read: list[rules.DateSpan]) -> dict[str, date | None]:
    """After a reconciliation of the project's `window` that re-read `read` (its `spans`): the link's fields of
    the lanes it went through, each the day after its slice, or None (the lane's start again) once the slice
    reached the lane's end."""
    found = lanes((max(window[0], daily_floor(today)), window[1]), today)
    moved: dict[str, date | None] = {}
    for span in read:
        recent = span.start >= recent_lane_start(today)
        lane = found.recent if recent else found.old
        done = lane is None or span.end >= lane[1]
        moved["reconcile_recent_next" if recent else "reconcile_old_next"] = (
            None if done else span.end + timedelta(days=1)
        )
    return moved
