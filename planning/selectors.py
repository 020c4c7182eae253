"""Reads for the planning views: a fixed handful of aggregate queries, whatever the number of rows.

Logged time is read from the work logs' weekly totals (worklogs.WeeklyTotal, kept by triggers: a row per
project, person, source and week), summed per person and week in the database, so a year of an organization
costs a row per person and week rather than one per log; assignments are read as the few columns the plan
needs. Callers pass querysets already scoped to the tenant (`request.tenant.scope(...)`).
"""

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.db import connection
from django.db.models import Max, Min, Sum

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
    """

    weeks: list
    planned_seconds: dict  # person_id -> [seconds per week]
    logged_seconds: dict  # person_id -> [seconds per week]
    people: dict = field(default_factory=dict)  # person_id -> full name, sorted by name

    @cached_property
    def planned(self):
        return {key: hours(seconds) for key, seconds in by_week(self.planned_seconds, self.weeks).items()}

    @cached_property
    def logged(self):
        return {key: hours(seconds) for key, seconds in by_week(self.logged_seconds, self.weeks).items()}


def plan_data(scope, filters):
    """Everything a report needs, in three queries: assignments, summed work logs, names of those people.

    `scope` is the tenant's `scope` (request.tenant.scope): every read goes through it.
    """
    weeks = filters.weeks
    planned = planned_seconds_by_person(
        planned_stretches(filter_assignments(scope(Assignment), filters)), weeks
    )
    logged = logged_seconds_by_person(filter_weekly_totals(scope(WeeklyTotal), filters), weeks)
    with_time = {pid for rows in (planned, logged) for pid, row in rows.items() if any(row)}
    return PlanData(
        weeks=weeks, planned_seconds=planned, logged_seconds=logged, people=person_names(scope, with_time)
    )


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
