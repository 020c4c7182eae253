"""Availability and allocation of people, day by day and week by week.

The rules, for one person on one day:

- **Working hours**: the day's hours in their work pattern in force that day (the latest with `effective_from` on
  or before it), or in the organization's default week if they have none yet.
- **Available** = working hours − approved time off − holidays. Whole-day time off and a holiday leave nothing;
  time off of some hours a day takes those hours, never more than the day has. A holiday on a day without working
  hours (a weekend) takes nothing away. Pending and denied time off take nothing away.
- **Planned** (allocation) = the sum of `hours_per_day` of their assignments covering the day, counted only on days
  they are available at all: an assignment plans its hours on working days, and a holiday or a whole day off takes
  the day out of every plan (a vacation week shows nothing planned). A day off of some hours leaves the plans as
  they are, so a full day planned on a half day off shows as over-allocated.
- **Over-allocated** where planned > available; a week is over-allocated if any of its days is, by the sum of the
  days' excess. **Under-used** weeks have planned < available − the organization's "under-used below" hours.

`person_days` and `person_weeks` are pure (no database); `load_calendars` reads what it needs for many people in
five queries whatever their number and the length of the period, and `days_by_person` / `weeks_by_person` combine
the two.
capacity/free.py computes the same figures in SQL to rank people by free hours.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple, TypeVar

from django.db.models import Model, QuerySet

from people.models import Organization, Person
from projects.models import Assignment

from .models import WEEKDAY_FIELDS, CapacitySettings, Holiday, TimeOff, WorkPattern, settings_for

ZERO = Decimal(0)
Week = tuple[Decimal, ...]
_Row = TypeVar("_Row", bound=Model)

# The arithmetic runs on whole hundredths of an hour (the precision of every hours column): exact, and several
# times faster than Decimal over 500 people x a year. Whole days off count as more than any day has.
_WHOLE_DAY = 100 * 10_000


def _hundredths(hours: Decimal) -> int:
    return int(Decimal(hours) * 100)


def _hours(hundredths: int) -> Decimal:
    return Decimal(hundredths) / 100


class Span(NamedTuple):
    """Hours a day over a date range, both ends included. For time off, `hours` None means whole days, and `kind`
    is what it is for (TimeOff.Kind's value: "vacation"), for the pages that say so.

    A tuple: a report reads thousands, and a tuple of dates, numbers and strings is quick to make and soon left
    alone by the garbage collector (an object of a class is scanned at every collection while it lives)."""

    start: date
    end: date
    hours: Decimal | None
    kind: str = ""


@dataclass(slots=True)
class Calendar:
    """Everything that decides one person's days: patterns (sorted by date), approved time off (by start date),
    holidays, plans; and the holidays' names ((date, name) by date), for the pages that show them."""

    default_week: Week
    patterns: Sequence[tuple[date, Week]] = ()
    time_off: Sequence[Span] = ()
    holidays: frozenset[date] = frozenset()
    assignments: Sequence[Span] = ()
    holiday_names: Sequence[tuple[date, str]] = ()


@dataclass(frozen=True, slots=True)
class Day:
    """One person's day; the figures are kept in hundredths of an hour and read as hours."""

    day: date
    working_hundredths: int
    time_off_hundredths: int
    holiday: bool
    available_hundredths: int
    planned_hundredths: int

    @property
    def working_hours(self) -> Decimal:
        return _hours(self.working_hundredths)

    @property
    def time_off(self) -> Decimal:
        return _hours(self.time_off_hundredths)

    @property
    def available(self) -> Decimal:
        return _hours(self.available_hundredths)

    @property
    def planned(self) -> Decimal:
        return _hours(self.planned_hundredths)

    @property
    def over(self) -> Decimal:
        """Hours planned beyond what is available (0 if none)."""
        return _hours(max(self.planned_hundredths - self.available_hundredths, 0))

    @property
    def free(self) -> Decimal:
        """Hours available and not planned (0 if none)."""
        return _hours(max(self.available_hundredths - self.planned_hundredths, 0))

    @property
    def is_overallocated(self) -> bool:
        return self.planned_hundredths > self.available_hundredths


@dataclass(slots=True)
class WeekFigures:
    """One week's sums (only the days inside the period asked for), in hundredths of an hour and read as hours;
    `monday` names the week."""

    monday: date
    underused_below: Decimal = ZERO
    days: int = 0
    holidays: int = 0
    sums: list[int] = field(
        default_factory=lambda: [0] * 6
    )  # working, time off, available, planned, over, free

    @property
    def working_hours(self) -> Decimal:
        return _hours(self.sums[0])

    @property
    def time_off(self) -> Decimal:
        return _hours(self.sums[1])

    @property
    def available(self) -> Decimal:
        return _hours(self.sums[2])

    @property
    def planned(self) -> Decimal:
        return _hours(self.sums[3])

    @property
    def over(self) -> Decimal:
        return _hours(self.sums[4])

    @property
    def free(self) -> Decimal:
        return _hours(self.sums[5])

    @property
    def is_overallocated(self) -> bool:
        return self.sums[4] > 0

    @property
    def is_underused(self) -> bool:
        return self.sums[3] < self.sums[2] - _hundredths(self.underused_below)


def week_of(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def _by_day(spans: Iterable[Span], first: int, last: int, whole_day: int = 0) -> dict[int, int]:
    """Day ordinal -> summed hundredths of the spans covering it, within first..last (ordinals)."""
    totals: dict[int, int] = defaultdict(int)
    for span in spans:
        value = whole_day if span.hours is None else _hundredths(span.hours)
        for ordinal in range(max(span.start.toordinal(), first), min(span.end.toordinal(), last) + 1):
            totals[ordinal] += value
    return totals


_DayFigures = tuple[int, int, int, bool, int, int]  # ordinal, working, time off, holiday, available, planned


def _day_figures(calendar: Calendar, start: date, end: date) -> Iterator[_DayFigures]:
    """The rules of this module's docstring, one day at a time, in hundredths of an hour."""
    first, last = start.toordinal(), end.toordinal()
    off = _by_day(calendar.time_off, first, last, whole_day=_WHOLE_DAY)
    planned = _by_day(calendar.assignments, first, last)
    holidays = {day.toordinal() for day in calendar.holidays}
    changes = sorted(
        (effective_from.toordinal(), tuple(_hundredths(h) for h in week))
        for effective_from, week in calendar.patterns
    )
    week = tuple(_hundredths(h) for h in calendar.default_week)
    index = 0
    while index < len(changes) and changes[index][0] <= first:
        week = changes[index][1]
        index += 1
    for ordinal in range(first, last + 1):
        if index < len(changes) and changes[index][0] <= ordinal:
            week = changes[index][1]
            index += 1
        working = week[(ordinal - 1) % 7]  # ordinal 1 (1 January of year 1) is a Monday
        if working <= 0:
            yield ordinal, working, 0, False, 0, 0
        elif ordinal in holidays:
            yield ordinal, working, 0, True, 0, 0
        else:
            taken = min(off.get(ordinal, 0), working)
            available = working - taken
            yield ordinal, working, taken, False, available, planned.get(ordinal, 0) if available > 0 else 0


def person_days(calendar: Calendar, start: date, end: date) -> list[Day]:
    """The person's days from start to end (both included), by the rules of this module's docstring."""
    return [
        Day(date.fromordinal(ordinal), working, taken, holiday, available, planned)
        for ordinal, working, taken, holiday, available, planned in _day_figures(calendar, start, end)
    ]


def _weeks(figures: Iterable[_DayFigures], underused_below: Decimal) -> list[WeekFigures]:
    weeks: dict[int, WeekFigures] = {}
    for ordinal, working, taken, holiday, available, planned in figures:
        monday = ordinal - (ordinal - 1) % 7
        week = weeks.get(monday)
        if week is None:
            week = weeks[monday] = WeekFigures(date.fromordinal(monday), underused_below)
        sums = week.sums
        week.days += 1
        week.holidays += holiday
        sums[0] += working
        sums[1] += taken
        sums[2] += available
        sums[3] += planned
        if planned > available:
            sums[4] += planned - available
        else:
            sums[5] += available - planned
    return list(weeks.values())


def weeks(days: Iterable[Day], underused_below: Decimal = ZERO) -> list[WeekFigures]:
    """The days summed by week (Monday first), in order."""
    return _weeks(
        (
            (
                day.day.toordinal(),
                day.working_hundredths,
                day.time_off_hundredths,
                day.holiday,
                day.available_hundredths,
                day.planned_hundredths,
            )
            for day in days
        ),
        underused_below,
    )


def person_weeks(
    calendar: Calendar, start: date, end: date, underused_below: Decimal = ZERO
) -> list[WeekFigures]:
    """The person's weeks from start to end (the first and last cut to the period), without building each day."""
    return _weeks(_day_figures(calendar, start, end), underused_below)


# --- Reading the database ---------------------------------------------------------------------------------


def _week_of_row(row: CapacitySettings | WorkPattern) -> Week:
    return tuple(Decimal(getattr(row, name)) for name in WEEKDAY_FIELDS)


class Calendars(dict[int, Calendar]):
    """{person_id: Calendar} read for an organization's period: a person without a work pattern, time off or
    assignment in it is not read, and gets the organization's default week and holidays when asked for."""

    def __init__(self, default: Calendar) -> None:
        super().__init__()
        self.default = default

    def __missing__(self, person_id: int) -> Calendar:
        calendar = self[person_id] = replace(self.default)
        return calendar


def load_calendars(
    organization: Organization | int,
    person_ids: Iterable[int] | None,
    start: date,
    end: date,
    *,
    excluding_assignment: Assignment | int | None = None,
    capacity_settings: CapacitySettings | None = None,
    with_assignments: bool = True,
) -> dict[int, Calendar]:
    """The calendars of these people (of `organization`) for start..end: five queries, whatever their number (four
    `with_assignments=False`, for a caller that has read the assignments already and sets them).

    `person_ids` None reads all of the organization's rows in the period rather than a list of ids (a report of
    everyone): the calendars of the people without any are made when asked for (`Calendars`).
    """
    ids = None if person_ids is None else list(person_ids)
    default_week = _week_of_row(capacity_settings or settings_for(organization))
    calendars = Calendars(Calendar(default_week=default_week))
    if ids is not None and not ids:
        return calendars

    def of_people(queryset: QuerySet[_Row]) -> QuerySet[_Row]:
        return queryset if ids is None else queryset.filter(person__in=ids)

    patterns: dict[int, list[tuple[date, Week]]] = defaultdict(list)
    pattern_rows = of_people(
        WorkPattern.objects.for_org(organization).filter(effective_from__lte=end)
    ).order_by()
    for person_id, effective_from, *hours in pattern_rows.values_list(
        "person_id", "effective_from", *WEEKDAY_FIELDS
    ):
        patterns[person_id].append((effective_from, tuple(Decimal(h) for h in hours)))
    time_off: dict[int, list[Span]] = defaultdict(list)
    approved = of_people(
        TimeOff.objects.for_org(organization).filter(
            status=TimeOff.Status.APPROVED, start_date__lte=end, end_date__gte=start
        )
    )
    for person_id, first, last, hours, kind in approved.order_by("start_date", "id").values_list(
        "person_id", "start_date", "end_date", "hours_per_day", "kind"
    ):
        time_off[person_id].append(Span(first, last, hours, kind))
    holiday_rows = (
        Holiday.objects.for_org(organization).filter(date__range=(start, end)).order_by("date", "id")
    )
    holiday_names = tuple(holiday_rows.values_list("date", "name"))
    holidays = frozenset(day for day, _ in holiday_names)
    assignments: dict[int, list[Span]] = defaultdict(list)
    if with_assignments:
        planned = of_people(
            Assignment.objects.for_org(organization).filter(start_date__lte=end, end_date__gte=start)
        )
        if excluding_assignment is not None:
            planned = planned.exclude(pk=getattr(excluding_assignment, "pk", excluding_assignment))
        for person_id, first, last, hours in planned.values_list(
            "person_id", "start_date", "end_date", "hours_per_day"
        ):
            assignments[person_id].append(Span(first, last, hours))
    calendars.default.holidays, calendars.default.holiday_names = holidays, holiday_names
    for person_id in ids if ids is not None else {*patterns, *time_off, *assignments}:
        calendars[person_id] = Calendar(
            default_week=default_week,
            patterns=sorted(patterns.get(person_id, ())),
            time_off=time_off.get(person_id, ()),
            holidays=holidays,
            assignments=assignments.get(person_id, ()),
            holiday_names=holiday_names,
        )
    return calendars


def days_by_person(
    organization: Organization | int,
    person_ids: Iterable[int],
    start: date,
    end: date,
    capacity_settings: CapacitySettings | None = None,
) -> dict[int, list[Day]]:
    """Each person's days from start to end."""
    calendars = load_calendars(organization, person_ids, start, end, capacity_settings=capacity_settings)
    return {person_id: person_days(calendar, start, end) for person_id, calendar in calendars.items()}


def weeks_by_person(
    organization: Organization | int, person_ids: Iterable[int], start: date, end: date
) -> dict[int, list[WeekFigures]]:
    """Each person's weeks from start to end (the first and last cut to the period), flagged by the
    organization's "under-used below" hours."""
    capacity_settings = settings_for(organization)
    underused_below = Decimal(capacity_settings.underused_hours_per_week)
    calendars = load_calendars(organization, person_ids, start, end, capacity_settings=capacity_settings)
    return {
        person_id: person_weeks(calendar, start, end, underused_below)
        for person_id, calendar in calendars.items()
    }


def overallocation(
    person: Person,
    start: date,
    end: date,
    hours_per_day: Decimal,
    excluding_assignment: Assignment | int | None = None,
) -> list[tuple[date, Decimal, Decimal]]:
    """(day, planned, available) of each day on which planning `hours_per_day` more for the person from start to
    end leaves them over-allocated, counting their other assignments (but not `excluding_assignment`, the one being
    edited). For a warning: nothing stops a Manager from planning it."""
    calendar = load_calendars(
        person.organization_id, [person.pk], start, end, excluding_assignment=excluding_assignment
    )[person.pk]
    calendar.assignments = [*calendar.assignments, Span(start, end, Decimal(hours_per_day))]
    return [
        (day.day, day.planned, day.available)
        for day in person_days(calendar, start, end)
        if day.is_overallocated
    ]
