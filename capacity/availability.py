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

`person_days` is pure (no database); `load_calendars` reads what it needs for many people in five queries whatever
their number and the length of the period, and `days_by_person` / `weeks_by_person` combine the two.
capacity/free.py computes the same figures in SQL to rank people by free hours.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from people.models import Organization, Person
from projects.models import Assignment

from .models import WEEKDAY_FIELDS, CapacitySettings, Holiday, TimeOff, WorkPattern, settings_for

ZERO = Decimal(0)
Week = tuple[Decimal, ...]


@dataclass(frozen=True, slots=True)
class Span:
    """Hours a day over a date range, both ends included. For time off, `hours` None means whole days."""

    start: date
    end: date
    hours: Decimal | None


@dataclass(slots=True)
class Calendar:
    """Everything that decides one person's days: patterns (sorted by date), approved time off, holidays, plans."""

    default_week: Week
    patterns: Sequence[tuple[date, Week]] = ()
    time_off: Sequence[Span] = ()
    holidays: frozenset[date] = frozenset()
    assignments: Sequence[Span] = ()


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    working_hours: Decimal
    time_off: Decimal
    holiday: bool
    available: Decimal
    planned: Decimal

    @property
    def over(self) -> Decimal:
        """Hours planned beyond what is available (0 if none)."""
        return max(self.planned - self.available, ZERO)

    @property
    def free(self) -> Decimal:
        """Hours available and not planned (0 if none)."""
        return max(self.available - self.planned, ZERO)

    @property
    def is_overallocated(self) -> bool:
        return self.planned > self.available


@dataclass(slots=True)
class WeekFigures:
    """One week's sums (only the days inside the period asked for); `monday` names the week."""

    monday: date
    days: int = 0
    working_hours: Decimal = ZERO
    time_off: Decimal = ZERO
    holidays: int = 0
    available: Decimal = ZERO
    planned: Decimal = ZERO
    over: Decimal = ZERO
    free: Decimal = ZERO
    underused_below: Decimal = field(default=ZERO)

    @property
    def is_overallocated(self) -> bool:
        return self.over > 0

    @property
    def is_underused(self) -> bool:
        return self.planned < self.available - self.underused_below


def week_of(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def _hours_by_day(spans: Iterable[Span], start: date, end: date) -> dict[int, Decimal]:
    """Day ordinal -> summed hours of the spans covering it, within start..end."""
    hours: dict[int, Decimal] = defaultdict(Decimal)
    first, last = start.toordinal(), end.toordinal()
    for span in spans:
        value = span.hours if span.hours is not None else ZERO
        for ordinal in range(max(span.start.toordinal(), first), min(span.end.toordinal(), last) + 1):
            hours[ordinal] += value
    return hours


def _whole_days(spans: Iterable[Span], start: date, end: date) -> set[int]:
    first, last = start.toordinal(), end.toordinal()
    days: set[int] = set()
    for span in spans:
        if span.hours is None:
            days.update(range(max(span.start.toordinal(), first), min(span.end.toordinal(), last) + 1))
    return days


def person_days(calendar: Calendar, start: date, end: date) -> list[Day]:
    """The person's days from start to end (both included), by the rules of this module's docstring."""
    off_hours = _hours_by_day(calendar.time_off, start, end)
    off_whole = _whole_days(calendar.time_off, start, end)
    planned_hours = _hours_by_day(calendar.assignments, start, end)
    holidays = {day.toordinal() for day in calendar.holidays}
    patterns = sorted(calendar.patterns)
    # The pattern in force on `start`, then each next one as its date comes.
    index = 0
    while index < len(patterns) and patterns[index][0] <= start:
        index += 1
    week = patterns[index - 1][1] if index else calendar.default_week
    next_change = patterns[index][0].toordinal() if index < len(patterns) else None

    days: list[Day] = []
    for ordinal in range(start.toordinal(), end.toordinal() + 1):
        while next_change is not None and ordinal >= next_change:
            week = patterns[index][1]
            index += 1
            next_change = patterns[index][0].toordinal() if index < len(patterns) else None
        day = date.fromordinal(ordinal)
        working = week[day.weekday()]
        holiday = ordinal in holidays
        if working <= 0 or holiday:
            taken = ZERO
        elif ordinal in off_whole:
            taken = working
        else:
            taken = min(off_hours.get(ordinal, ZERO), working)
        available = ZERO if holiday else working - taken
        planned = planned_hours.get(ordinal, ZERO) if available > 0 else ZERO
        days.append(Day(day, working, taken, holiday and working > 0, available, planned))
    return days


def weeks(days: Iterable[Day], underused_below: Decimal = ZERO) -> list[WeekFigures]:
    """The days summed by week (Monday first), in order."""
    figures: dict[date, WeekFigures] = {}
    for day in days:
        monday = week_of(day.day)
        week = figures.get(monday)
        if week is None:
            week = figures[monday] = WeekFigures(monday, underused_below=underused_below)
        week.days += 1
        week.working_hours += day.working_hours
        week.time_off += day.time_off
        week.holidays += day.holiday
        week.available += day.available
        week.planned += day.planned
        week.over += day.over
        week.free += day.free
    return list(figures.values())


# --- Reading the database ---------------------------------------------------------------------------------


def _week_of_row(row: CapacitySettings | WorkPattern) -> Week:
    return tuple(Decimal(getattr(row, name)) for name in WEEKDAY_FIELDS)


def load_calendars(
    organization: Organization | int,
    person_ids: Iterable[int],
    start: date,
    end: date,
    *,
    excluding_assignment: Assignment | int | None = None,
    capacity_settings: CapacitySettings | None = None,
) -> dict[int, Calendar]:
    """The calendars of these people (of `organization`) for start..end: five queries, whatever their number."""
    ids = list(person_ids)
    default_week = _week_of_row(capacity_settings or settings_for(organization))
    calendars = {person_id: Calendar(default_week=default_week) for person_id in ids}
    if not ids:
        return calendars
    patterns: dict[int, list[tuple[date, Week]]] = defaultdict(list)
    for pattern in WorkPattern.objects.for_org(organization).filter(person__in=ids, effective_from__lte=end):
        patterns[pattern.person_id].append((pattern.effective_from, _week_of_row(pattern)))
    time_off: dict[int, list[Span]] = defaultdict(list)
    approved = TimeOff.objects.for_org(organization).filter(
        person__in=ids, status=TimeOff.Status.APPROVED, start_date__lte=end, end_date__gte=start
    )
    for person_id, first, last, hours in approved.values_list(
        "person_id", "start_date", "end_date", "hours_per_day"
    ):
        time_off[person_id].append(Span(first, last, hours))
    holidays = frozenset(
        Holiday.objects.for_org(organization).filter(date__range=(start, end)).values_list("date", flat=True)
    )
    assignments: dict[int, list[Span]] = defaultdict(list)
    planned = Assignment.objects.for_org(organization).filter(
        person__in=ids, start_date__lte=end, end_date__gte=start
    )
    if excluding_assignment is not None:
        planned = planned.exclude(pk=getattr(excluding_assignment, "pk", excluding_assignment))
    for person_id, first, last, hours in planned.values_list(
        "person_id", "start_date", "end_date", "hours_per_day"
    ):
        assignments[person_id].append(Span(first, last, hours))
    for person_id, calendar in calendars.items():
        calendar.patterns = sorted(patterns.get(person_id, ()))
        calendar.time_off = time_off.get(person_id, ())
        calendar.holidays = holidays
        calendar.assignments = assignments.get(person_id, ())
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
    return {
        person_id: weeks(days, underused_below)
        for person_id, days in days_by_person(organization, person_ids, start, end, capacity_settings).items()
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
