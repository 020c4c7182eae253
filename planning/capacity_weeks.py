"""Capacity per person and week for the planning views: capacity's rules (capacity/availability.py), computed a
run of days at a time rather than a day at a time.

A report of a year of 500 people is 182,500 person-days but only 26,500 person-weeks, and most weeks of most
people are alike: the same working hours, the same assignments, no time off. A person's days fall into runs in
which nothing of them changes (no assignment, time off or work pattern starts or ends): a run's state (working
hours, hours planned, hours off) gives each weekday's figures once, in whole hundredths of an hour, and the whole
weeks of a run are that state's weeks, figured once for every week of the period (holidays included) and shared
by everyone. Only the weeks in which a run starts or ends are summed day by day, and those too are shared, by
the runs' pieces of the week. The figures are `capacity.availability.person_weeks`' (its tests check them
against it), without a Decimal or an object per day or per week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from capacity.availability import Calendar, Span, WeekFigures

# Time off of whole days counts as more hours than any day has (capacity.availability's rule).
_WHOLE_DAY = 100 * 10_000

# A day's figures in hundredths of an hour: working, time off, available, planned, over, free.
_DayFigures = tuple[int, int, int, int, int, int]

# A change of a person's days: ordinal, hours planned added, hours off added, the work week taking effect.
_Change = tuple[int, int, int, tuple[int, ...] | None]


def _hundredths(hours: Decimal) -> int:
    return int(Decimal(hours) * 100)


class WeekCache:
    """What is figured once for one organization and period (`weeks`; the holidays are the organization's) and
    shared by its people: each distinct state of a run of days (`number`), its weekdays' figures and its figures
    for every week of the period (`state_weeks`), and the weeks summed from pieces of runs (`pieces`)."""

    def __init__(self) -> None:
        self.states: dict[tuple, int] = {}
        self.days: list[tuple[_DayFigures, ...]] = []  # per state: Monday's to Sunday's figures
        self.state_weeks: list[list[WeekFigures] | None] = []  # per state: its figures for each week
        self.pieces: dict[tuple, WeekFigures] = {}
        self.people: dict[tuple, list[WeekFigures]] = {}  # a person's weeks by the changes of their days
        self.work_weeks: dict[tuple, tuple[int, ...]] = {}  # a work pattern's week, in hundredths
        self.holiday_days: dict[int, tuple[int, ...]] | None = (
            None  # Monday ordinal -> its holidays' weekdays
        )

    def number(self, state: tuple) -> int:
        """The number of a state: (working hundredths of each weekday, hundredths planned, hundredths off)."""
        number = self.states.get(state)
        if number is None:
            number = self.states[state] = len(self.states)
            self.days.append(_state_days(*state))
            self.state_weeks.append(None)
        return number

    def work_week(self, week: Sequence[Decimal]) -> tuple[int, ...]:
        key = tuple(week)
        known = self.work_weeks.get(key)
        if known is None:
            known = self.work_weeks[key] = tuple(_hundredths(hours) for hours in week)
        return known

    def holidays_by_week(self, holidays: frozenset[date]) -> dict[int, tuple[int, ...]]:
        """{Monday ordinal: the weekdays of its holidays}, indexed once."""
        if self.holiday_days is None:
            by_week: dict[int, set[int]] = {}
            for holiday in holidays:
                ordinal = holiday.toordinal()
                by_week.setdefault(ordinal - (ordinal - 1) % 7, set()).add((ordinal - 1) % 7)
            self.holiday_days = {monday: tuple(sorted(days)) for monday, days in by_week.items()}
        return self.holiday_days

    def weeks_of_state(
        self, number: int, weeks: Sequence[date], underused_below: Decimal
    ) -> list[WeekFigures]:
        """The figures of a whole week of state `number` for each of `weeks`: one WeekFigures for them all, but
        for the weeks with a holiday."""
        known = self.state_weeks[number]
        if known is None:
            alike = _summed(self, weeks[0], ((number, 0, 7),), (), underused_below)
            known = self.state_weeks[number] = [alike] * len(weeks)
            for i, monday in enumerate(weeks):
                holidays = (self.holiday_days or {}).get(monday.toordinal())
                if holidays:
                    known[i] = self.summed_pieces(monday, ((number, 0, 7),), holidays, underused_below)
        return known

    def summed_pieces(
        self,
        monday: date,
        pieces: Sequence[tuple[int, int, int]],
        holidays: tuple[int, ...],
        underused_below: Decimal,
    ) -> WeekFigures:
        """A week summed from its pieces, shared by the weeks with the same pieces and holidays."""
        key = (holidays, *pieces)
        week = self.pieces.get(key)
        if week is None:
            week = self.pieces[key] = _summed(self, monday, pieces, holidays, underused_below)
        return week


def _state_days(work_week: tuple[int, ...], planned: int, off: int) -> tuple[_DayFigures, ...]:
    """Each weekday's figures in a state, by capacity's rules: time off takes at most the day's hours, and a day
    with nothing available plans nothing."""
    days = []
    for working in work_week:
        if working <= 0:
            days.append((working, 0, 0, 0, 0, 0))
            continue
        taken = min(off, working)
        available = working - taken
        plan = planned if available > 0 else 0
        days.append((working, taken, available, plan, max(plan - available, 0), max(available - plan, 0)))
    return tuple(days)


def _summed(
    cache: WeekCache,
    monday: date,
    pieces: Sequence[tuple[int, int, int]],
    holidays: tuple[int, ...],
    underused_below: Decimal,
) -> WeekFigures:
    """A week's figures from its pieces ((state number, first weekday, weekday after the last)); a holiday on a day
    with working hours leaves it nothing available and nothing planned."""
    week = WeekFigures(monday, underused_below)
    sums = week.sums
    for number, low, high in pieces:
        days = cache.days[number]
        for weekday in range(low, high):
            working, taken, available, planned, over, free = days[weekday]
            week.days += 1
            sums[0] += working
            if working > 0 and weekday in holidays:
                week.holidays += 1
                continue
            sums[1] += taken
            sums[2] += available
            sums[3] += planned
            sums[4] += over
            sums[5] += free
    return week


def _changes(calendar: Calendar, cache: WeekCache) -> list[_Change]:
    """Every change of the person's days but holidays, sorted by day: an assignment or time off starts, or ends
    (the day after its last), a work pattern takes effect."""
    changes: list[_Change] = []
    for span in calendar.assignments:
        hours = _hundredths(span.hours) if span.hours is not None else 0
        changes.append((span.start.toordinal(), hours, 0, None))
        changes.append((span.end.toordinal() + 1, -hours, 0, None))
    for span in calendar.time_off:
        hours = _WHOLE_DAY if span.hours is None else _hundredths(span.hours)
        changes.append((span.start.toordinal(), 0, hours, None))
        changes.append((span.end.toordinal() + 1, 0, -hours, None))
    for effective_from, week in calendar.patterns:  # one a day, sorted by date
        changes.append((effective_from.toordinal(), 0, 0, cache.work_week(week)))
    changes.sort(key=lambda change: change[0])  # stable: patterns stay in order
    return changes


def capacity_weeks(
    calendar: Calendar,
    weeks: Sequence[date],
    start: date,
    end: date,
    underused_below: Decimal,
    cache: WeekCache,
) -> list[WeekFigures]:
    """The person's WeekFigures for each of `weeks` (consecutive Mondays), counting only the days of start..end;
    exactly `capacity.availability.person_weeks`, but shared: between people, and between the weeks of a run of
    days in which nothing of the person changes, and between people whose days change alike (the list itself:
    read it, do not change it). Read them by their position in `weeks`, not by their `monday`. `cache` is shared
    by every person of one organization and period (the same `weeks`)."""
    if not weeks:
        return []
    holiday_days = cache.holidays_by_week(calendar.holidays)
    origin = weeks[0].toordinal()
    day, last = max(start.toordinal(), origin), min(end.toordinal(), origin + 7 * len(weeks) - 1)
    if day > last:
        return [WeekFigures(monday, underused_below) for monday in weeks]
    # Weeks outside start..end count nothing (each its own, as person_weeks would make them).
    figures = [WeekFigures(monday, underused_below) for monday in weeks[: (day - origin) // 7]]
    changes, pointer = _changes(calendar, cache), 0
    work_week, planned, off = cache.work_week(calendar.default_week), 0, 0
    alike = (work_week, *changes)  # people whose days change alike have the same weeks
    known = cache.people.get(alike)
    if known is not None:
        return known
    pieces: list[tuple[int, int, int]] = []  # of the week being summed, the one of `day`
    while day <= last:
        while pointer < len(changes) and changes[pointer][0] <= day:
            _, plan_change, off_change, pattern = changes[pointer]
            planned += plan_change
            off += off_change
            if pattern is not None:
                work_week = pattern
            pointer += 1
        run_end = min(changes[pointer][0], last + 1) if pointer < len(changes) else last + 1  # after the run
        number = cache.number((work_week, planned, off))
        while day < run_end:
            index = (day - origin) // 7
            monday = origin + 7 * index
            if day == monday and run_end - monday >= 7:  # whole weeks of the state
                count = (run_end - monday) // 7
                figures += cache.weeks_of_state(number, weeks, underused_below)[index : index + count]
                day += 7 * count
                continue
            sunday_after = monday + 7
            piece_end = min(run_end, sunday_after)
            pieces.append((number, day - monday, piece_end - monday))
            day = piece_end
            if day == sunday_after or day > last:  # the week is done
                holidays = holiday_days.get(monday, ())
                figures.append(cache.summed_pieces(weeks[index], pieces, holidays, underused_below))
                pieces.clear()
    figures += [WeekFigures(monday, underused_below) for monday in weeks[len(figures) :]]
    cache.people[alike] = figures
    return figures


def with_assignments(calendar: Calendar, spans: Sequence[Span]) -> Calendar:
    """The calendar with only these assignments: the plan of one project, on the person's days."""
    return replace(calendar, assignments=spans)
