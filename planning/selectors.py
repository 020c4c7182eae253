"""Reads for the planning views: a fixed handful of aggregate queries, whatever the number of rows.

Work logs are summed in the database (GROUP BY person and week, with TruncWeek); assignments are read as the
few columns the plan needs. Callers pass querysets already scoped to the tenant (`request.tenant.scope(...)`).
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Max, Min, Sum
from django.db.models.functions import TruncWeek

from people.models import Person
from projects.models import Assignment
from worklogs.models import WorkLog

from .calculations import (
    PlannedStretch,
    logged_hours_per_week,
    opening_period,
    planned_hours_per_week,
    weeks_of_period,
)


@dataclass
class Filters:
    """What a report is narrowed to: a period of whole weeks, optionally one project and one person."""

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


def filter_worklogs(worklogs, filters):
    worklogs = worklogs.filter(date__gte=filters.start, date__lte=filters.end)
    if filters.project is not None:
        worklogs = worklogs.filter(project=filters.project)
    if filters.person is not None:
        worklogs = worklogs.filter(person=filters.person)
    return worklogs


def default_period(scope, today, *, project=None, person=None, weeks=12, max_weeks=157):
    """The period a report opens on without dates: the project's, or the most recent weeks with plans or logs
    of the person (or of everyone), rather than blindly the last weeks (two aggregate queries)."""
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


def logged_seconds_per_week(worklogs):
    """(person_id, monday, seconds) rows: work logs summed per person and week in the database."""
    return (
        worklogs.annotate(week=TruncWeek("date"))
        .values("person_id", "week")
        .annotate(seconds=Sum("duration_seconds"))
        .order_by()
        .values_list("person_id", "week", "seconds")
    )


@dataclass
class PlanData:
    """Planned and logged hours per (person_id, monday), and the names of the people in either."""

    weeks: list
    planned: dict
    logged: dict
    people: dict = field(default_factory=dict)  # person_id -> full name, sorted by name


def plan_data(scope, filters):
    """Everything a report needs, in three queries: assignments, summed work logs, names of those people.

    `scope` is the tenant's `scope` (request.tenant.scope): every read goes through it.
    """
    weeks = filters.weeks
    stretches = planned_stretches(filter_assignments(scope(Assignment), filters))
    planned = planned_hours_per_week(stretches, weeks)
    logged = logged_hours_per_week(logged_seconds_per_week(filter_worklogs(scope(WorkLog), filters)))
    people = person_names(scope, {pid for pid, _ in planned} | {pid for pid, _ in logged})
    return PlanData(weeks=weeks, planned=planned, logged=logged, people=people)


def project_timeline_data(scope, project):
    """A project's assignments (with their people) and its hours logged per person and week: two queries."""
    assignments = list(
        scope(Assignment)
        .filter(project=project)
        .select_related("person")
        .order_by("person__full_name", "person_id", "start_date", "id")
    )
    worklogs = scope(WorkLog).filter(project=project)
    rows = list(logged_seconds_per_week(worklogs))
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
