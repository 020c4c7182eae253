"""Date and time windows within Hubstaff's per-request limit (31 days; docs/hubstaff.md), and its time format."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

# Hubstaff answers at most this many days (of dates, or of update times) in one request.
MAX_WINDOW_DAYS = 31


def date_windows(start: date, stop: date, days: int = MAX_WINDOW_DAYS) -> Iterator[tuple[date, date]]:
    """[start, stop] (both inclusive) as consecutive windows of at most `days` dates each."""
    current = start
    while current <= stop:
        end = min(stop, current + timedelta(days=days - 1))
        yield current, end
        current = end + timedelta(days=1)


def time_windows(
    since: datetime, until: datetime, days: int = MAX_WINDOW_DAYS
) -> Iterator[tuple[datetime, datetime]]:
    """[since, until) as consecutive half-open windows of at most `days` days, on whole seconds.

    The start is floored and the end ceiled to the second, so that nothing between them is lost to rounding.
    """
    since = _utc(since).replace(microsecond=0)
    until_utc = _utc(until)
    if until_utc.microsecond:
        until_utc = until_utc.replace(microsecond=0) + timedelta(seconds=1)
    current = since
    while current < until_utc:
        end = min(until_utc, current + timedelta(days=days))
        yield current, end
        current = end


def _utc(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment.astimezone(UTC)


def iso_utc(moment: datetime) -> str:
    """`moment` as Hubstaff writes times: ISO 8601 in UTC, whole seconds, with a Z."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")
