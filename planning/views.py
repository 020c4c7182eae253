"""Planning pages: planned vs logged reports (organization and person), CSV exports, the project timeline panel.

Thin: read the filters (a form over the tenant's own projects and people), fetch with the selectors' aggregate
queries, shape with calculations/reports, draw with charts and timeline, render.
"""

from decimal import Decimal
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from people.models import Person
from people.roles import Role
from people.tenancy import tenant_view
from projects.models import Project
from worklogs import locks
from worklogs.models import WorkLog

from . import charts, timeline
from .calculations import Status, totals
from .exports import csv_response, worklog_csv_rows
from .forms import PlanningFilterForm
from .reports import person_summaries, report_csv_rows, weekly_rows
from .selectors import (
    assignments_in_period,
    person_names,
    plan_data,
    project_timeline_data,
    time_off_by_person,
    worklog_export_rows,
)


def _person_for_report(request, person_id):
    """The person whose report is asked for: Managers see anyone of the organization, others only themself."""
    person = request.tenant.get(Person, person_id)
    if person.pk != request.tenant.person.pk and not request.tenant.holds(Role.MANAGER):
        raise PermissionDenied("Only managers see other people's reports.")
    return person


def _filter_form(request, with_person=True, person=None):
    return PlanningFilterForm(
        request.GET, tenant=request.tenant, today=timezone.localdate(), with_person=with_person, person=person
    )


def _report_context(request, form, person=None):
    """Charts and tables of a valid filter form; for one person, or for everyone the filters reach."""
    today = timezone.localdate()
    filters = form.filters(person=person)
    plan = plan_data(request.tenant.scope, filters, request.tenant.organization)
    weeks = weekly_rows(plan, today)
    planned_total, logged_total = totals(weeks)
    org_slug = request.tenant.organization.slug
    query = urlencode(filters.as_query())
    context = {
        "filters": filters,
        "weeks": weeks,
        "chart": charts.weekly_chart(weeks),
        "planned_total": planned_total,
        "logged_total": logged_total,
        "difference_total": logged_total - planned_total,
        "highlighted_weeks": sum(1 for w in weeks if w.is_highlighted),
        "available_total": sum((w.available or 0 for w in weeks), Decimal(0)),
        "time_off_total": sum((w.time_off for w in weeks), Decimal(0)),
        "over_total": sum((w.over for w in weeks), Decimal(0)),
        "overallocated_weeks": sum(1 for w in weeks if w.overallocated),
        "query": query,
    }
    if person is None:
        people = person_summaries(plan, today)
        # One reverse() for everyone: a year of 500 people links each name twice (matrix and table). A name leads
        # to the person's page, which keeps the period (and project) for its chart and its report link.
        person_url = reverse("planning:person_page", args=[org_slug, 0]).removesuffix("0/")
        for summary in people:
            summary.href = f"{person_url}{summary.person_id}/?{query}"
        context["people"] = people
        if people:
            hrefs = {s.person_id: s.href for s in people}
            context["matrix"] = charts.people_matrix(
                plan.weeks,
                {
                    s.person_id: (s.statuses, s.planned_seconds, s.logged_seconds, s.capacity, s.time_off)
                    for s in people
                },
                plan.people,
                link_for=hrefs.get,
            )
    return context


@tenant_view(Role.MANAGER)
def report(request):
    """Planned vs logged for the organization, narrowed by project, person and period."""
    form = _filter_form(request)
    context = {"form": form, "statuses": Status}
    if not form.is_valid():
        return render(request, "planning/report.html", context, status=400)
    person = form.cleaned_data.get("person")
    context.update(_report_context(request, form, person), single=person)
    if request.tenant.holds(Role.ADMINISTRATOR):
        # Days of the locked period where Hubstaff differs from the hours kept: listed for Administrators to accept
        # on each project's page.
        context["locked_differences"] = [
            (d, locks.describe(d)) for d in locks.open_differences(request.tenant.organization.pk)
        ]
    return render(request, "planning/report.html", context)


@tenant_view()
def person_report(request, person_id):
    """Planned vs logged for one person: Managers for anyone, every member for themself."""
    person = _person_for_report(request, person_id)
    form = _filter_form(request, with_person=False, person=person)
    context = {"form": form, "person": person, "statuses": Status}
    if not form.is_valid():
        return render(request, "planning/person_report.html", context, status=400)
    context.update(_report_context(request, form, person))
    context["assignments"] = assignments_in_period(request.tenant.scope, context["filters"])
    return render(request, "planning/person_report.html", context)


def _bad_filters(form):
    """A CSV link with bad filters: say what is wrong, as plain text (there is no page to show it on)."""
    lines = [
        f"{form[name].label if name in form.fields else 'Period'}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    ]
    return HttpResponseBadRequest(
        "The filters are not valid.\n" + "\n".join(lines), content_type="text/plain; charset=utf-8"
    )


def _csv_filename(kind, request, filters, person=None):
    who = f"-person-{person.pk}" if person is not None else ""
    return (
        f"{kind}-{request.tenant.organization.slug}{who}-{filters.start:%Y-%m-%d}-{filters.end:%Y-%m-%d}.csv"
    )


def _report_csv(request, person=None):
    form = _filter_form(request, with_person=person is None, person=person)
    if not form.is_valid():
        return _bad_filters(form)
    filters = form.filters(person=person)
    plan = plan_data(request.tenant.scope, filters, request.tenant.organization)
    rows = report_csv_rows(plan, timezone.localdate())
    return csv_response(rows, _csv_filename("planned-vs-logged", request, filters, person))


def _worklogs_csv(request, person=None):
    form = _filter_form(request, with_person=person is None, person=person)
    if not form.is_valid():
        return _bad_filters(form)
    filters = form.filters(person=person)
    rows = worklog_csv_rows(worklog_export_rows(request.tenant.scope(WorkLog), filters))
    return csv_response(rows, _csv_filename("worklogs", request, filters, person))


@tenant_view(Role.MANAGER)
def report_csv(request):
    return _report_csv(request)


@tenant_view(Role.MANAGER)
def worklogs_csv(request):
    return _worklogs_csv(request)


@tenant_view()
def person_report_csv(request, person_id):
    return _report_csv(request, _person_for_report(request, person_id))


@tenant_view()
def person_worklogs_csv(request, person_id):
    return _worklogs_csv(request, _person_for_report(request, person_id))


def project_timeline_panel(request, project):
    """The project page's timeline card, loaded after the page: a big project's chart must not slow the page."""
    return render_to_string(
        "planning/project_timeline_placeholder.html", {"project": project}, request=request
    )


@tenant_view(Role.MANAGER)
@require_GET
def project_timeline(request, project_id):
    """The timeline card itself: assignments per person as bars, hours logged per week drawn over them."""
    project = request.tenant.get(Project, project_id)
    today = timezone.localdate()
    assignments, logged = project_timeline_data(request.tenant.scope, project)
    assigned = {a.person_id for a in assignments}
    names = person_names(
        request.tenant.scope, {pid for pid, _ in logged} - assigned
    )  # logged without an assignment
    first, last, clipped = timeline.timeline_range(project, assignments, logged, today)
    rows = timeline.timeline_rows(assignments, logged, names)
    time_off = time_off_by_person(request.tenant.scope, [row.person_id for row in rows], first, last)
    person_url = reverse("planning:person_page", args=[request.tenant.organization.slug, 0]).removesuffix(
        "0/"
    )
    return render(
        request,
        "planning/project_timeline.html",
        {
            "project": project,
            "timeline": timeline.timeline_chart(
                rows,
                logged,
                first,
                last,
                today,
                link_for=lambda pid: f"{person_url}{pid}/",
                time_off=time_off,
            )
            if rows
            else None,
            "first": first,
            "last": last,
            "clipped": clipped,
        },
    )
