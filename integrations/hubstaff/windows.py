"""Hubstaff's limits in dates and times: windows within its per-request limit (31 days), the organization's day,
the 3-year floor of daily dates and the reach of /daily/updates (docs/hubstaff.md), and its time format."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

# Hubstaff answers at most this many days (of dates, or of update times) in one request.
MAX_WINDOW_DAYS = 31
# Daily activities and the time edit log go back 3 years from the organization's today ("the floor").
FLOOR_YEARS = 3
# /daily/updates "only returns activities from the last month": relied on for rows of the last 28 days (the
# shortest month), and only when the last sync is that recent.
UPDATES_REACH_DAYS = 28
# Kept on both limits: how Hubstaff counts "today" (organization's day or UTC) is not published, and the
# organization's time zone we are given may be off by up to a day.
LIMIT_MARGIN = timedelta(days=1)


def zone(name: str | None) -> ZoneInfo:
    """The time zone of an IANA name; UTC for a blank or unknown one."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def organization_date(moment: datetime, time_zone: str | None) -> date:
    """The day of `moment` in the Hubstaff organization's time zone (the day Hubstaff dates rows by)."""
    return _utc(moment).astimezone(zone(time_zone)).date()


def years_before(day: date, years: int) -> date:
    """The same day `years` years earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def daily_floor(today: date) -> date:
    """The oldest date the sync asks Hubstaff for: the organization's today - 3 years, plus a day's margin."""
    return years_before(today, FLOOR_YEARS) + LIMIT_MARGIN


def updates_reach(now: datetime) -> datetime:
    """The oldest update time /daily/updates is relied on from (28 days ago, less a day's margin)."""
    return now - timedelta(days=UPDATES_REACH_DAYS) + LIMIT_MARGIN


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
