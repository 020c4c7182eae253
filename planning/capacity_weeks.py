"""Capacity per person and week for the planning views: capacity's rules (capacity/availability.py), computed a
week at a time rather than a day at a time.

A report of a year of 500 people is 182,500 person-days but only 26,500 person-weeks, and most weeks of most
people are alike: the same working hours, the same assignments, no time off. A week in which nothing of the
person changes (no assignment, time off or work pattern starts or ends inside it) is figured once per distinct
(week, working hours, assignments' hours, time off) and shared; only the weeks where something changes are
figured day by day. Both go through `capacity.availability.person_weeks`, so the figures are capacity's own.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from capacity.availability import ZERO, Calendar, Span, WeekFigures, person_weeks

# (Monday's ordinal, working hours of the week, hours a day of the assignments, of the time off) -> its figures
WeekCache = dict[tuple, WeekFigures]


def _changes(calendar: Calendar) -> list[int]:
    """The ordinals of the days on which something of the person's days changes (besides holidays)."""
    days = {effective_from.toordinal() for effective_from, _ in calendar.patterns}
    for span in (*calendar.assignments, *calendar.time_off):
        days.add(span.start.toordinal())
        days.add(span.end.toordinal() + 1)
    return sorted(days)


def _state(calendar: Calendar, day: date) -> tuple:
    """What decides the person's day `day` but the holidays: working hours, assignments' hours, time off."""
    week = calendar.default_week
    for effective_from, pattern in calendar.patterns:  # sorted by date
        if effective_from <= day:
            week = pattern
    planned = tuple(sorted(s.hours or ZERO for s in calendar.assignments if s.start <= day <= s.end))
    # Whole days off (hours None) sort last.
    off = tuple(
        sorted(
            (s.hours for s in calendar.time_off if s.start <= day <= s.end),
            key=lambda h: (h is None, h or ZERO),
        )
    )
    return week, planned, off


def _alike_week(
    monday: date, state: tuple, holidays: frozenset[date], underused_below: Decimal
) -> WeekFigures:
    week, planned, off = state
    sunday = monday + timedelta(days=6)
    calendar = Calendar(
        default_week=week,
        time_off=[Span(monday, sunday, hours) for hours in off],
        holidays=holidays,
        assignments=[Span(monday, sunday, hours) for hours in planned],
    )
    return person_weeks(calendar, monday, sunday, underused_below)[0]


def capacity_weeks(
    calendar: Calendar,
    weeks: Sequence[date],
    start: date,
    end: date,
    underused_below: Decimal,
    cache: WeekCache,
) -> list[WeekFigures]:
    """The person's WeekFigures for each of `weeks` (consecutive Mondays), counting only the days of start..end;
    exactly `capacity.availability.person_weeks`. `cache` is shared by every person of one organization and
    period (the holidays are the organization's)."""
    changes = _changes(calendar)
    first, last = start.toordinal(), end.toordinal()
    figures = []
    state_at = -1  # the index in `changes` the current state was read after
    state: tuple = ()
    for monday in weeks:
        m = monday.toordinal()
        index = bisect_right(changes, m)
        whole = first <= m and m + 6 <= last
        if not whole or (index < len(changes) and changes[index] <= m + 6):
            days = person_weeks(
                calendar, max(monday, start), min(monday + timedelta(days=6), end), underused_below
            )
            figures.append(days[0] if days else WeekFigures(monday, underused_below))
            continue
        if index != state_at:
            state, state_at = _state(calendar, monday), index
        key = (m, *state)
        week = cache.get(key)
        if week is None:
            week = cache[key] = _alike_week(monday, state, calendar.holidays, underused_below)
        figures.append(week)
    return figures


def with_assignments(calendar: Calendar, spans: Sequence[Span]) -> Calendar:
    """The calendar with only these assignments: the plan of one project, on the person's days."""
    return replace(calendar, assignments=spans)
