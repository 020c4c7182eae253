"""Reads for the planning views: a fixed handful of aggregate queries, whatever the number of rows.

Logged time is read from the work logs' weekly totals (worklogs.WeeklyTotal, kept by triggers: a row per
project, person, source and week), summed per person and week in the database, so a year of an organization
costs a row per person and week rather than one per log; assignments are read as the few columns the plan
needs. Callers pass querysets already scoped to the tenant (`request.tenant.scope(...)`).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from django.db import connection
from django.db.models import Max, Min, Sum

from capacity.availability import Span, load_calendars
from capacity.models import TimeOff, settings_for
from people.models import Person
from projects.models import Assignment
from worklogs.models import WeeklyTotal, WorkLog

from .calculations import (
    PlannedStretch,
    by_week,
    hours,
    logged_hours_per_week,
    opening_period,
    planned_seconds_by_person,
    week_start,
    weeks_of_period,
)
from .capacity_weeks import WeekCache, capacity_weeks, with_assignments


@dataclass
class Filters:
    """What a report is narrowed to: a period of whole weeks (Monday to Sunday), optionally one project and one
    person. Logged time is read by week, so a period starting mid-week counts that whole week."""

    start: date
    end: date
    project: object = None
    person: object = None

    @property
    def weeks(self):
        return weeks_of_period(self.start, self.end)

    def as_query(self):
        """The filters as GET parameters, to carry them over to exports and links."""
        query = {"date_from": self.start.isoformat(), "date_to": self.end.isoformat()}
        if self.project is not None:
            query["project"] = self.project.pk
        if self.person is not None:
            query["person"] = self.person.pk
        return query


def filter_assignments(assignments, filters):
    assignments = assignments.filter(start_date__lte=filters.end, end_date__gte=filters.start)
    if filters.project is not None:
        assignments = assignments.filter(project=filters.project)
    if filters.person is not None:
        assignments = assignments.filter(person=filters.person)
    return assignments


def filter_weekly_totals(totals, filters):
    totals = totals.filter(week__gte=week_start(filters.start), week__lte=filters.end)
    if filters.project is not None:
        totals = totals.filter(project=filters.project)
    if filters.person is not None:
        totals = totals.filter(person=filters.person)
    return totals


def filter_worklogs(worklogs, filters):
    worklogs = worklogs.filter(date__gte=filters.start, date__lte=filters.end)
    if filters.project is not None:
        worklogs = worklogs.filter(project=filters.project)
    if filters.person is not None:
        worklogs = worklogs.filter(person=filters.person)
    return worklogs


def default_period(scope, today, *, project=None, person=None, weeks=12, max_weeks=157):
    """The period a report opens on without dates (`calculations.opening_period`): the project's, or the weeks
    where the person (or anyone) logged time, rather than blindly the last weeks (two aggregate queries)."""
    assignments, worklogs = scope(Assignment), scope(WorkLog)
    if project is not None:
        assignments, worklogs = assignments.filter(project=project), worklogs.filter(project=project)
    if person is not None:
        assignments, worklogs = assignments.filter(person=person), worklogs.filter(person=person)
    planned = assignments.aggregate(first=Min("start_date"), last=Max("end_date"))
    logged = worklogs.aggregate(first=Min("date"), last=Max("date"))
    firsts = [d for d in (planned["first"], logged["first"]) if d is not None]
    lasts = [d for d in (planned["last"], logged["last"]) if d is not None]
    return opening_period(
        today,
        first=min(firsts, default=None),
        last=max(lasts, default=None),
        last_logged=logged["last"],
        project_span=(project.start_date, project.end_date) if project is not None else None,
        weeks=weeks,
        max_weeks=max_weeks,
    )


def assignments_in_period(scope, filters):
    """The assignments the filters reach, with their projects, for a table (one query)."""
    return (
        filter_assignments(scope(Assignment), filters)
        .select_related("project")
        .order_by("start_date", "project__name", "id")
    )


def planned_stretches(assignments):
    """The assignments as PlannedStretch values, in one query of four columns."""
    return [
        PlannedStretch(person_id, start, end, hours_per_day)
        for person_id, start, end, hours_per_day in assignments.values_list(
            "person_id", "start_date", "end_date", "hours_per_day"
        )
    ]


def logged_seconds_per_week(totals):
    """(person_id, monday, seconds) rows: weekly totals (of every project and source) summed per person and week
    in the database."""
    return (
        totals.values("person_id", "week")
        .annotate(seconds=Sum("seconds"))
        .order_by()
        .values_list("person_id", "week", "seconds")
    )


def logged_seconds_by_person(totals, weeks):
    """{person_id: [logged seconds in each of `weeks`]} (consecutive Mondays) from their weekly totals.

    The database gathers each person's weekly totals into arrays: a row per person to read rather than one per
    person and week; a week logged on several projects or from several sources comes as several values, summed
    here.
    """
    rows = {}
    if not weeks:
        return rows
    first, count = weeks[0], len(weeks)
    sql, params = totals.order_by().values_list("person_id", "week", "seconds").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT person_id, array_agg((week - %s::date) / 7), array_agg(seconds) "
            f"FROM ({sql}) AS weekly GROUP BY person_id",
            [first, *params],
        )
        per_person = (
            (person_id, zip(indexes, seconds, strict=True)) for person_id, indexes, seconds in cursor
        )
        for person_id, values in per_person:
            row = rows[person_id] = [0] * count
            for i, value in values:
                row[i] += value
    return rows


@dataclass
class PlanData:
    """Planned and logged seconds per person and week, and the names of the people with either.

    Whole seconds (ints), a list per person with a value for each of `weeks`, so that a report's many cells are
    summed and compared exactly and cheaply; `planned` and `logged` give them as {(person_id, monday): hours}
    (Decimals, the weeks with nothing left out) for the pages that show a few weeks.

    With capacity (`plan_data(..., organization=...)`), `capacity` holds each person's WeekFigures (availability,
    time off, holidays, over-allocation: capacity's figures over all their assignments, whatever the filters),
    `time_off` what they were away for ({person_id: {week index: ["vacation 5 d", ...]}}), `holidays` the
    names of the organization's holidays by week index, and the planned seconds count only the days people can
    work (a vacation week plans nothing).
    """

    weeks: list
    planned_seconds: dict  # person_id -> [seconds per week]
    logged_seconds: dict  # person_id -> [seconds per week]
    people: dict = field(default_factory=dict)  # person_id -> full name, sorted by name
    capacity: dict | None = None  # person_id -> [WeekFigures per week]
    time_off: dict = field(default_factory=dict)  # person_id -> {week index: [labels]}
    holidays: dict = field(default_factory=dict)  # week index -> [holiday names]

    @cached_property
    def planned(self):
        return {key: hours(seconds) for key, seconds in by_week(self.planned_seconds, self.weeks).items()}

    @cached_property
    def logged(self):
        return {key: hours(seconds) for key, seconds in by_week(self.logged_seconds, self.weeks).items()}


def plan_data(scope, filters, organization=None):
    """Everything a report needs, in three queries: assignments, summed work logs, names of those people; with
    `organization`, their capacity too (`capacity_data`: four more, five with a project, whatever their number).

    `scope` is the tenant's `scope` (request.tenant.scope): every read goes through it.
    """
    weeks = filters.weeks
    stretches = planned_stretches(filter_assignments(scope(Assignment), filters))
    logged = logged_seconds_by_person(filter_weekly_totals(scope(WeeklyTotal), filters), weeks)
    if organization is not None and weeks:
        # Capacity counts the planned hours (capacity_data): everyone with an assignment in the period shows.
        planned = {}
        with_time = {s.person_id for s in stretches} | {pid for pid, row in logged.items() if any(row)}
    else:
        planned = planned_seconds_by_person(stretches, weeks)
        with_time = {pid for rows in (planned, logged) for pid, row in rows.items() if any(row)}
    data = PlanData(
        weeks=weeks, planned_seconds=planned, logged_seconds=logged, people=person_names(scope, with_time)
    )
    if organization is not None and weeks:
        capacity_data(organization, filters, data, stretches)
    return data


# Hundredths of an hour (capacity's unit) to seconds (the report's).
_SECONDS_PER_HUNDREDTH = 36


def capacity_data(organization, filters, data, stretches):
    """Fill `data` with its people's capacity over the filters' weeks, and count their planned hours as capacity
    does: only on days they can work. Four queries (five with a project filter): `capacity_calendars`.

    The over-allocation is always the person's, over all their assignments; the planned hours are those of the
    assignments the filters reach (one project's, when filtered by project).
    """
    weeks, people = data.weeks, list(data.people)
    if filters.person is not None and filters.person.pk not in data.people:
        people.append(filters.person.pk)  # their availability, even in weeks with nothing planned or logged
    start, end = weeks[0], weeks[-1] + timedelta(days=6)
    settings = settings_for(organization)
    underused_below = settings.underused_hours_per_week
    calendars = capacity_calendars(organization, settings, filters, people, start, end, stretches)
    filtered = defaultdict(list)  # the project's assignments, when filtered by project
    if filters.project is not None:
        for stretch in stretches:
            filtered[stretch.person_id].append(Span(stretch.start, stretch.end, stretch.hours_per_day))
    cache = WeekCache()
    capacity, planned, planned_of = {}, {}, {}
    for pid, calendar in calendars.items():
        capacity[pid] = capacity_weeks(calendar, weeks, start, end, underused_below, cache)
        if filters.project is None:
            plan_weeks = capacity[pid]
        else:
            plan_weeks = capacity_weeks(
                with_assignments(calendar, filtered.get(pid, [])), weeks, start, end, underused_below, cache
            )
        seconds = planned_of.get(
            id(plan_weeks)
        )  # people with the same weeks share their list (capacity_weeks)
        if seconds is None:
            seconds = planned_of[id(plan_weeks)] = [
                week.sums[3] * _SECONDS_PER_HUNDREDTH for week in plan_weeks
            ]
        planned[pid] = seconds
    data.capacity, data.planned_seconds = capacity, planned
    data.time_off = time_off_labels(calendars, weeks, start, end)
    if people:
        calendar = calendars[people[0]]
        data.holidays = holiday_names(calendar.holiday_names, weeks, calendar.default_week)
    return data


def capacity_calendars(organization, settings, filters, people, start, end, stretches):
    """{person_id: Calendar} of these people from start to end (working hours, approved time off and its kinds,
    holidays and their names, assignments), read by `capacity.availability.load_calendars`.

    Read for the organization's period rather than for a list of 500 ids (the filters' person narrows them);
    the report's own assignments (`stretches`) are the people's when no project narrows them, so that only a
    project's report reads them again. Four queries, five with a project.
    """
    if not people:
        return {}
    read = load_calendars(
        organization,
        people if filters.person is not None else None,
        start,
        end,
        capacity_settings=settings,
        with_assignments=filters.project is not None,
    )
    calendars = {pid: read[pid] for pid in people}
    if filters.project is None:
        plans = defaultdict(list)
        for stretch in stretches:
            plans[stretch.person_id].append(Span(stretch.start, stretch.end, stretch.hours_per_day))
        for pid, calendar in calendars.items():
            calendar.assignments = plans.get(pid, ())
    return calendars


def time_off_labels(calendars, weeks, start, end):
    """{person_id: {week index: ("vacation 5 d", ...)}}: their approved time off (each calendar's, by start date),
    by kind and working days (the days of the week they have working hours), in each week it falls in.

    The same time off on the same working days says the same: its labels are made once for everyone (the default
    week is the organization's, the same in every calendar)."""
    labels = {}
    origin, first, last = weeks[0].toordinal(), start.toordinal(), end.toordinal()
    known = {}
    for person_id, calendar in calendars.items():
        if not calendar.time_off:
            continue
        by_week = {}
        patterns = tuple(calendar.patterns)
        for span in calendar.time_off:
            key = (span, patterns) if patterns else span
            said = known.get(key)
            if said is None:
                said = known[key] = _span_labels(span, calendar, origin, first, last)
            for index, label in said:
                by_week[index] = (*by_week.get(index, ()), label)
        if by_week:
            labels[person_id] = by_week
    return labels


_KINDS = {kind: label.lower() for kind, label in TimeOff.Kind.choices}


def _span_labels(span, calendar, origin, first, last):
    """((week index, label), ...) of one time off within first..last (ordinals; weeks counted from the Monday
    `origin`): in each week, the days it covers on which the work pattern in force has hours."""
    changes = [(day.toordinal(), _works(week)) for day, week in calendar.patterns]  # sorted by date
    default = _works(calendar.default_week)
    name = _KINDS.get(span.kind, span.kind)
    some = f", {span.hours.normalize():f} h a day" if span.hours is not None else ""
    per_week = {}
    day, until = max(span.start.toordinal(), first), min(span.end.toordinal(), last)
    while day <= until:
        index = (day - origin) // 7
        monday = origin + 7 * index
        week_end = min(until, monday + 6)
        works = default
        for effective_from, pattern in changes:
            if effective_from > day:
                if effective_from <= week_end:  # a pattern from mid-week: counted up to its first day
                    week_end = effective_from - 1
                break
            works = pattern
        days = sum(works[day - monday : week_end - monday + 1])
        if days:
            per_week[index] = per_week.get(index, 0) + days
        day = week_end + 1
    return tuple((index, f"{name} {days} d{some}") for index, days in per_week.items())


def _works(week):
    """The weekdays with working hours (Monday first), as 1 or 0."""
    return tuple(int(hours > 0) for hours in week)


def holiday_names(holidays, weeks, default_week):
    """{week index: [names]} of the holidays ((date, name) rows) on days of the organization's working week (none
    without anyone to show): a holiday on a weekend changes nothing."""
    names = defaultdict(list)
    if default_week is None:
        return names
    first = weeks[0]
    for day, name in holidays:
        if default_week[day.weekday()] > 0:
            names[(day - first).days // 7].append(f"{name} ({day:%a %d %b})")
    return names


def project_timeline_data(scope, project):
    """A project's assignments (with their people) and its hours logged per person and week: two queries."""
    assignments = list(
        scope(Assignment)
        .filter(project=project)
        .select_related("person")
        .order_by("person__full_name", "person_id", "start_date", "id")
    )
    rows = list(logged_seconds_per_week(scope(WeeklyTotal).filter(project=project)))
    logged = logged_hours_per_week(rows)
    return assignments, logged


def time_off_by_person(scope, person_ids, first, last):
    """{person_id: [(start, end, hours a day or None, kind in words)]}: the approved time off of these people that
    touches first..last, for drawing (one query; none for no ids)."""
    spans = defaultdict(list)
    if not person_ids:
        return spans
    rows = (
        scope(TimeOff)
        .filter(
            person__in=person_ids, status=TimeOff.Status.APPROVED, start_date__lte=last, end_date__gte=first
        )
        .order_by("start_date", "id")
        .values_list("person_id", "start_date", "end_date", "hours_per_day", "kind")
    )
    for person_id, start, end, hours_per_day, kind in rows:
        spans[person_id].append((start, end, hours_per_day, _KINDS.get(kind, kind)))
    return spans


def person_names(scope, person_ids):
    """{person_id: full name} of these people, sorted by name (one query; none for no ids)."""
    if not person_ids:
        return {}
    return dict(
        scope(Person).filter(pk__in=person_ids).order_by("full_name", "id").values_list("id", "full_name")
    )


def worklog_export_rows(worklogs, filters):
    """The filtered work logs as tuples for CSV, streamed from the database in chunks (one query per chunk)."""
    return (
        filter_worklogs(worklogs, filters)
        .order_by("date", "person__full_name", "project__name", "id")
        .values_list(
            "date",
            "person__full_name",
            "person__email",
            "project__name",
            "duration_seconds",
            "source",
            "source_project_id",
            "note",
        )
        .iterator(chunk_size=2000)
    )
