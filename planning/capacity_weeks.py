"""Capacity per person and week for the planning views: capacity's rules (capacity/availability.py), computed a
week at a time rather than a day at a time.

A report of a year of 500 people is 182,500 person-days but only 26,500 person-weeks, and most weeks of most
people are alike: the same working hours, the same assignments, no time off. A week in which nothing of the
person changes (no assignment, time off or work pattern starts or ends inside it) is figured once per distinct
(week, working hours, assignments' hours, time off) and shared; only the weeks where something changes are
figured day by day. Both go through `capacity.availability.person_weeks`, so the figures are capacity's own.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from capacity.availability import ZERO, Calendar, Span, WeekFigures, person_weeks


class WeekCache:
    """The weeks figured so far for one organization and period (the holidays are the organization's), shared by
    its people: `states` numbers each distinct state of a day (working hours, assignments' hours, time off) so
    that a week is looked up by a few ints, not by hashing Decimals; `weeks` maps (Monday's ordinal, state
    number, and for a week where something changes, the changes: `_events`) to its figures."""

    def __init__(self) -> None:
        self.states: dict[tuple, int] = {}
        self.weeks: dict[tuple, WeekFigures] = {}
        self.holiday_weeks: list[int] | None = None  # Monday ordinals of the weeks with a holiday, sorted

    def number(self, state: tuple) -> int:
        return self.states.setdefault(state, len(self.states))


# The kinds of change of a person's days, in `_events`.
_PATTERN, _PLAN_STARTS, _PLAN_ENDS, _OFF_STARTS, _OFF_ENDS = range(5)


def _events(calendar: Calendar) -> list[tuple]:
    """(ordinal, kind, value) of every change of the person's days but holidays, sorted by day: a work pattern
    taking effect (its week), an assignment or time off starting or ending (the day after its last; its hours).
    The state of a day and the events after it tell every later day."""
    events: list[tuple] = [(start.toordinal(), _PATTERN, week) for start, week in calendar.patterns]
    for kinds, spans in ((_PLAN_STARTS, calendar.assignments), (_OFF_STARTS, calendar.time_off)):
        for span in spans:
            events.append((span.start.toordinal(), kinds, span.hours))
            events.append((span.end.toordinal() + 1, kinds + 1, span.hours))
    events.sort(key=lambda event: event[:2])
    return events


def _whole_days_last(hours: Decimal | None) -> tuple:
    return (hours is None, hours or ZERO)


def _state(calendar: Calendar, day: date) -> tuple:
    """What decides the person's day `day` but the holidays: working hours, assignments' hours, time off."""
    week = calendar.default_week
    for effective_from, pattern in calendar.patterns:  # sorted by date
        if effective_from > day:
            break
        week = pattern
    planned = [s.hours for s in calendar.assignments if s.start <= day <= s.end]
    if len(planned) > 1:
        planned.sort()
    off = [s.hours for s in calendar.time_off if s.start <= day <= s.end]
    if len(off) > 1:
        off.sort(key=_whole_days_last)
    return week, tuple(planned), tuple(off)


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


def _changing_week(
    calendar: Calendar,
    cache: WeekCache,
    monday: int,
    number: int,
    low: int,
    high: int,
    events: Sequence[tuple],
    underused_below: Decimal,
) -> WeekFigures:
    """A week in which something of the person changes (or which the period cuts: days low..high), named by
    the state of its first day and the events after it."""
    key = (monday, number, low - monday, high - monday, *[(o - monday, k, v) for o, k, v in events])
    week = cache.weeks.get(key)
    if week is None:
        days = person_weeks(calendar, date.fromordinal(low), date.fromordinal(high), underused_below)
        week = cache.weeks[key] = days[0]
    return week


def _alike_run(
    figures: list[WeekFigures],
    cache: WeekCache,
    calendar: Calendar,
    weeks: Sequence[date],
    begin: int,
    end: int,
    state: tuple,
    number: int,
    underused_below: Decimal,
) -> int:
    """Append the figures of weeks[begin:end], whole weeks in which nothing of the person changes: they share one
    week's figures, but for the weeks with a holiday. Returns `end`."""
    known, holiday_weeks = cache.weeks, cache.holiday_weeks or []
    alike = known.get((number,))
    if alike is None:
        alike = known[(number,)] = _alike_week(weeks[begin], state, frozenset(), underused_below)
    base, first = len(figures), weeks[begin].toordinal()
    figures.extend([alike] * (end - begin))
    index, stop = bisect_left(holiday_weeks, first), first + 7 * (end - begin)
    while index < len(holiday_weeks) and holiday_weeks[index] < stop:
        monday = holiday_weeks[index]
        week = known.get((monday, number))
        if week is None:
            week = known[(monday, number)] = _alike_week(
                date.fromordinal(monday), state, calendar.holidays, underused_below
            )
        figures[base + (monday - first) // 7] = week
        index += 1
    return end


def capacity_weeks(
    calendar: Calendar,
    weeks: Sequence[date],
    start: date,
    end: date,
    underused_below: Decimal,
    cache: WeekCache,
) -> list[WeekFigures]:
    """The person's WeekFigures for each of `weeks` (consecutive Mondays), counting only the days of start..end;
    exactly `capacity.availability.person_weeks`, but shared: between people, and between the weeks without a
    holiday in a run where nothing of the person changes. Read them by their position in `weeks`, not by their
    `monday`. `cache` is shared by every person of one organization and period."""
    if cache.holiday_weeks is None:
        cache.holiday_weeks = sorted({day.toordinal() - day.weekday() for day in calendar.holidays})
    events = _events(calendar)
    count, total = len(events), len(weeks)
    first, last = start.toordinal(), end.toordinal()
    origin = weeks[0].toordinal() if weeks else 0
    # Weeks from this index on end after the period: not whole.
    whole_until = (last - 6 - origin) // 7 + 1
    figures: list[WeekFigures] = []
    pointer = 0  # events[:pointer] are on or before the current day
    state: tuple = ()
    number = -1
    i = 0
    while i < total:
        m = origin + 7 * i
        low, high = max(m, first), min(m + 6, last)
        if low > high:
            figures.append(WeekFigures(weeks[i], underused_below))
            i += 1
            continue
        if number < 0 or (pointer < count and events[pointer][0] <= low):
            while pointer < count and events[pointer][0] <= low:
                pointer += 1
            state = _state(calendar, date.fromordinal(low))
            number = cache.number(state)
        within = pointer
        while within < count and events[within][0] <= high:
            within += 1
        if within != pointer or low != m or high != m + 6:
            week = _changing_week(
                calendar, cache, m, number, low, high, events[pointer:within], underused_below
            )
            figures.append(week)
            i += 1
            continue
        run_end = min(total, whole_until, (events[pointer][0] - origin) // 7 if pointer < count else total)
        i = _alike_run(
            figures, cache, calendar, weeks, i, max(run_end, i + 1), state, number, underused_below
        )
    return figures


def with_assignments(calendar: Calendar, spans: Sequence[Span]) -> Calendar:
    """The calendar with only these assignments: the plan of one project, on the person's days."""
    return replace(calendar, assignments=spans)
