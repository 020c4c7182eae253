"""The apply's writes: each runs in the writer's transaction (its thread and connection, or the caller's).

The apply hands these to its writer (`writer.py`) with the values they need; each touches only the rows it writes
or locks, so that the apply's own thread may plan the next batch meanwhile.
"""

from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeAlias

from django.db.models import Q, Sum

from capacity.availability import load_calendars, person_days
from integrations.hubstaff import rules
from integrations.models import ProjectLink, SyncRun
from people.models import TenantQuerySet
from primetric import db
from projects.models import Assignment, Project
from worklogs.models import WorkLog

from .runs import check_still_wanted, synced_worklogs
from .staging import Window

WORKLOG_COLUMNS = (
    "organization_id",
    "project_id",
    "person_id",
    "assignment_id",
    "date",
    "duration_seconds",
    "source",
    "source_key",
    "source_project_id",
    "note",
    "created_at",
    "updated_at",
)
# A new work log's values, in WORKLOG_COLUMNS' order.
WorkLogRow: TypeAlias = tuple[int, int, int, int | None, date, int, str, str, int, str, datetime, datetime]


def lock_link(sync_run: SyncRun, link_pk: int) -> None:
    """Lock the link, then make sure the sync may still commit (not uninstalled or disabled meanwhile)."""
    ProjectLink.objects.select_for_update().filter(pk=link_pk).first()
    check_still_wanted(sync_run, link_pk)


def create_assignments(
    project: Project, spans: Mapping[int, rules.DateSpan], trimmed: bool
) -> list[Assignment]:
    """One assignment per person (`spans`: person id -> DateSpan), made by the sync; returns them with their ids."""
    return Assignment.objects.bulk_create(
        [
            Assignment(
                organization_id=project.organization_id,
                project=project,
                person_id=person_id,
                start_date=span.start,
                end_date=span.end,
                origin=Assignment.Origin.SYNC,
                trimmed=trimmed,
            )
            for person_id, span in spans.items()
        ]
    )


def plan_created_assignments(project: Project, assignment_ids: Collection[int]) -> int:
    """The hours a day of the assignments a sync created (made with the model's 8 h): the person's synced hours on
    the project within the assignment's dates, spread over the days of those dates they can work (capacity's
    working hours less time off and holidays), to the quarter hour; at least 0.25 h, at most the hours of their
    most available day in it. So an assignment plans what was logged, not 8 h on every day of the project.
    Returns how many were planned."""
    assignments = list(
        Assignment.objects.for_org(project.organization_id).filter(pk__in=list(assignment_ids))
    )
    if not assignments:
        return 0
    logged = dict(
        WorkLog.objects.for_org(project.organization_id)
        .filter(project=project, assignment_id__in=[a.pk for a in assignments])
        .values_list("assignment_id")
        .annotate(seconds=Sum("duration_seconds"))
    )
    calendars = load_calendars(
        project.organization_id,
        {a.person_id for a in assignments},
        min(a.start_date for a in assignments),
        max(a.end_date for a in assignments),
    )
    for assignment in assignments:
        days = person_days(calendars[assignment.person_id], assignment.start_date, assignment.end_date)
        workable = [day for day in days if day.available_hundredths > 0]
        most = max((day.available for day in workable), default=Decimal(24))
        hours = Decimal(logged.get(assignment.pk) or 0) / 3600 / max(1, len(workable) or len(days))
        quarters = (hours * 4).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 4
        assignment.hours_per_day = min(most, max(Decimal("0.25"), quarters))
    Assignment.objects.bulk_update(assignments, ["hours_per_day"])
    return len(assignments)


def delete_logs(project: Project, ids: list[int]) -> int:
    deleted, _ = synced_worklogs(project).filter(pk__in=ids).delete()
    return deleted


def outside(project: Project, window: Window | None) -> TenantQuerySet[WorkLog]:
    """P's synced work logs outside the window (all of them when there is none)."""
    logs = synced_worklogs(project)
    if window is not None:
        logs = logs.filter(Q(date__lt=window[0]) | Q(date__gt=window[1]))
    return logs


def delete_outside(project: Project, window: Window | None) -> int:
    deleted, _ = outside(project, window).delete()
    return deleted


def worklog_copy_line(now: datetime) -> Callable[[WorkLogRow], str]:
    """A new work log's row (WORKLOG_COLUMNS) as a line of COPY text: ints and a date as they are, the rest escaped.

    Plain %-formatting of ints and one escape call per text column: it runs once per row written.
    """
    now_text = db.copy_value(now)
    null = db.copy_value(None)

    def line(row: WorkLogRow) -> str:
        (
            org_id,
            project_id,
            person_id,
            assignment_id,
            day,
            seconds,
            source,
            key,
            hubstaff_project_id,
            note,
            _,
            _,
        ) = row
        assignment = null if assignment_id is None else "%d" % assignment_id  # noqa: UP031
        return "%d\t%d\t%d\t%s\t%s\t%d\t%s\t%s\t%d\t%s\t%s\t%s\n" % (  # noqa: UP031
            org_id,
            project_id,
            person_id,
            assignment,
            day.isoformat(),
            seconds,
            db.copy_value(source),
            db.copy_value(key),
            hubstaff_project_id,
            db.copy_value(note),
            now_text,
            now_text,
        )

    return line
