from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from people.models import Person
from people.roles import Role
from people.tenancy import TenantRequest, tenant_view
from projects.models import Assignment, Project

from .forms import ManualWorkLogForm
from .models import WeeklyTotal, WorkLog
from .selectors import project_totals, recent_worklogs
from .sources import name_sources

PAGE_SIZE = 50


def project_worklogs_panel(request: TenantRequest, project: Project) -> str:
    """The work-log section of a project's page: totals per person and the logs, a page at a time.

    Its cost follows the project's people and weeks, not its logs: the totals are summed from its weekly totals
    (kept by triggers), the paginator reuses their count, and the page is read through the (project, date) index.
    """
    worklogs = request.tenant.scope(WorkLog).filter(project=project)
    source = request.GET.get("source")
    if source not in WorkLog.Source.values:
        source = None
    totals = project_totals(
        request.tenant.scope(WeeklyTotal).filter(project=project), request.tenant.scope(Person), source
    )
    listed = worklogs.filter(source=source) if source else worklogs
    paginator = Paginator(recent_worklogs(listed), PAGE_SIZE)
    paginator.count = totals.count(source)  # known already: spare the paginator its own COUNT(*)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = name_sources(request.tenant.organization, page.object_list)
    return render_to_string(
        "worklogs/project_panel.html",
        {
            "project": project,
            "page": page,
            "totals": totals.per_person,
            "per_source": totals.per_source,
            "source": source or "",
            "extra": f"&source={source}" if source else "",
            "sources": WorkLog.Source.choices,
        },
        request=request,
    )


@tenant_view(Role.MANAGER)
def worklog_create(request: TenantRequest, project_id: int) -> HttpResponse:
    project = request.tenant.get(Project, project_id)
    form = ManualWorkLogForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        log = form.save()
        messages.success(request, f"{log.hours:.2f} h logged for {log.person} on {log.date:%d %b %Y}.")
        return redirect("projects:detail", org_slug=request.tenant.organization.slug, project_id=project.pk)
    return render(request, "worklogs/worklog_form.html", {"form": form, "project": project})


@tenant_view(Role.MANAGER)
@require_POST
def worklog_delete(request: TenantRequest, project_id: int, worklog_id: int) -> HttpResponse:
    project = request.tenant.get(Project, project_id)
    log = request.tenant.get(
        WorkLog, worklog_id, queryset=WorkLog.objects.filter(project=project, source=WorkLog.Source.MANUAL)
    )
    log.delete()
    messages.success(request, "The work log was deleted.")
    return redirect("projects:detail", org_slug=request.tenant.organization.slug, project_id=project.pk)


@tenant_view(Role.EMPLOYEE)
def my_work(request: TenantRequest) -> HttpResponse:
    person = request.tenant.person
    worklogs = request.tenant.scope(WorkLog).filter(person=person).select_related("project")
    page = Paginator(worklogs.order_by("-date", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    assignments = (
        request.tenant.scope(Assignment).filter(person=person).select_related("project").order_by("-end_date")
    )
    totals = (
        worklogs.values("project__name").order_by("project__name").annotate(seconds=Sum("duration_seconds"))
    )
    return render(
        request, "worklogs/my_work.html", {"assignments": assignments, "page": page, "totals": totals}
    )
