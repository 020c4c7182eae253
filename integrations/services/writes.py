"""The apply's writes: each runs in the writer's transaction (its thread and connection, or the caller's).

The apply hands these to its writer (`writer.py`) with the values they need; each touches only the rows it writes
or locks, so that the apply's own thread may plan the next batch meanwhile.
"""

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TypeAlias

from django.db.models import Q

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
