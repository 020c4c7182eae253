"""A person's page: what they work on, in one place. Their projects (planned and logged, all time), their
assignments, their hours logged per week over the period where their time is, and what other apps show of a
person (the Hubstaff users matched to them, through people.panels) — not only the form that edits them.

Managers and Administrators see anyone of the organization; every member sees their own page. A fixed handful of
queries whatever the person's history: their assignments with projects, their work logs summed per project, the
names of projects logged without an assignment, and the weekly chart's (see selectors.plan_data).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min, Q, Sum
from django.shortcuts import render
from django.utils import timezone

from people.models import Person
from people.panels import render_person_panels
from people.roles import Role
from people.tenancy import TenantRequest, tenant_view
from projects.models import Assignment, Project
from worklogs.models import AwaitingApproval, WorkLog

from . import charts
from .calculations import hours, totals
from .forms import PlanningFilterForm
from .reports import weekly_rows
from .selectors import plan_data

# Who may read anyone's page; everyone else reads only their own.
READERS_OF_EVERYONE = (Role.MANAGER, Role.ADMINISTRATOR)


@dataclass
class ProjectLine:
    """One project of the person: their assignments on it and the time they logged on it, all time."""

    project: Project
    assignments: list = field(default_factory=list)
    logged: Decimal = Decimal(0)
    synced: Decimal = Decimal(0)  # of `logged`, synced from Hubstaff
    first_logged: date | None = None
    last_logged: date | None = None
    logs: int = 0
    # Hours the time tracker has for them here, waiting for approval there (not in `logged`).
    waiting: Decimal = Decimal(0)

    @property
    def planned_until(self) -> date | None:
        return max((a.end_date for a in self.assignments), default=None)

    @property
    def is_current(self) -> bool:
        """Assigned today or later."""
        return any(a.end_date >= timezone.localdate() for a in self.assignments)


def _may_read(request: TenantRequest, person: Person) -> bool:
    return person.pk == request.tenant.person.pk or request.tenant.holds(*READERS_OF_EVERYONE)


def project_lines(request: TenantRequest, person: Person) -> tuple[list[ProjectLine], list[Assignment]]:
    """The person's projects, current ones first, and all their assignments, newest first (four queries)."""
    assignments = list(
        request.tenant.scope(Assignment)
        .filter(person=person)
        .select_related("project")
        .order_by("-end_date", "-start_date", "id")
    )
    lines: dict[int, ProjectLine] = {}
    for a in assignments:
        lines.setdefault(a.project_id, ProjectLine(a.project)).assignments.append(a)
    logged = (
        request.tenant.scope(WorkLog)
        .filter(person=person)
        .values("project_id")
        .annotate(
            seconds=Sum("duration_seconds"),
            synced=Sum("duration_seconds", filter=Q(source="hubstaff")),
            first=Min("date"),
            last=Max("date"),
            logs=Count("id"),
        )
        .order_by()
    )
    rows = {row["project_id"]: row for row in logged}
    waiting = {
        row["project_id"]: row["seconds"]
        for row in request.tenant.scope(AwaitingApproval)
        .filter(person=person)
        .values("project_id")
        .annotate(seconds=Sum("seconds"))
        .order_by()
    }
    unassigned = (set(rows) | set(waiting)) - set(lines)
    if unassigned:
        for project in request.tenant.scope(Project).filter(pk__in=unassigned):
            lines[project.pk] = ProjectLine(project)
    for project_id, row in rows.items():
        line = lines[project_id]
        line.logged, line.synced = hours(row["seconds"] or 0), hours(row["synced"] or 0)
        line.first_logged, line.last_logged, line.logs = row["first"], row["last"], row["logs"]
    for project_id, seconds in waiting.items():
        lines[project_id].waiting = hours(seconds or 0)
    ordered = sorted(
        lines.values(),
        key=lambda line: (
            not line.is_current,
            -(max(filter(None, (line.planned_until, line.last_logged)), default=date.min).toordinal()),
            line.project.name.lower(),
        ),
    )
    return ordered, assignments


def weekly_context(request: TenantRequest, person: Person) -> dict:
    """The weekly chart of the person's planned and logged hours, over the period where their time is (or the
    period asked for), as on their report."""
    today = timezone.localdate()
    form = PlanningFilterForm(
        request.GET, tenant=request.tenant, today=today, with_person=False, person=person
    )
    if not form.is_valid():
        form = PlanningFilterForm({}, tenant=request.tenant, today=today, with_person=False, person=person)
        form.is_valid()
    filters = form.filters(person=person)
    weeks = weekly_rows(plan_data(request.tenant.scope, filters, request.tenant.organization), today)
    planned_total, logged_total = totals(weeks)
    return {
        "filters": filters,
        "weeks": weeks,
        "chart": charts.weekly_chart(weeks, height=220),
        "planned_total": planned_total,
        "logged_total": logged_total,
        "query": urlencode(filters.as_query()),
    }


@tenant_view()
def person_page(request: TenantRequest, person_id: int):
    """A person's projects, assignments, logged hours and Hubstaff users, with links to edit them and to their
    full planned vs logged report."""
    person = request.tenant.get(Person, person_id)
    if not _may_read(request, person):
        raise PermissionDenied("Only managers and administrators see other people's pages.")
    projects, assignments = project_lines(request, person)
    context = {
        "person": person,
        "projects": projects,
        "assignments": assignments,
        "logged_all_time": sum((line.logged for line in projects), Decimal(0)),
        "may_edit": request.tenant.holds(Role.ADMINISTRATOR),
        "sees_projects": request.tenant.holds(Role.MANAGER),
        "is_me": person.pk == request.tenant.person.pk,
        "today": timezone.localdate(),
        "panels": render_person_panels(request, person),
        **weekly_context(request, person),
    }
    return render(request, "planning/person_page.html", context)
