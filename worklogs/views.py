from django import forms
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
from projects.forms import DateInput
from projects.models import Assignment, Project

from . import locks
from .forms import ManualWorkLogForm
from .models import AwaitingApproval, WeeklyTotal, WorkLog
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
    waiting = list(
        request.tenant.scope(AwaitingApproval)
        .filter(project=project)
        .values("person__full_name")
        .annotate(seconds=Sum("seconds"))
        .order_by("-seconds", "person__full_name")
    )
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
            # Hours the time tracker has that wait for approval there: shown apart, never in the totals.
            "waiting": waiting,
            "waiting_seconds": sum(row["seconds"] for row in waiting),
        },
        request=request,
    )


@tenant_view(Role.MANAGER)
def worklog_create(request: TenantRequest, project_id: int) -> HttpResponse:
    project = request.tenant.get(Project, project_id)
    form = ManualWorkLogForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid() and _saved(form):
        log = form.instance
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
    try:
        locks.delete_log(log)
    except locks.PeriodLocked as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The work log was deleted.")
    return redirect("projects:detail", org_slug=request.tenant.organization.slug, project_id=project.pk)


def _saved(form: ManualWorkLogForm) -> bool:
    """Save the form's work log unless its date is in the locked period; if it is, the form says so on its date."""
    try:
        locks.save_log(form.save(commit=False))
    except locks.PeriodLocked as exc:
        form.add_error("date", str(exc))
        return False
    return True


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


class LockForm(forms.Form):
    """Lock the work logs up to a date."""

    locked_through = forms.DateField(label="Lock work logs up to", widget=DateInput())


class MoveBackForm(forms.Form):
    """Move the lock back to an earlier date (empty: nothing locked), saying why."""

    to = forms.DateField(
        label="Move the lock back to",
        required=False,
        widget=DateInput(),
        help_text="Empty: unlock everything.",
    )
    reason = forms.CharField(label="Why", max_length=500)


@tenant_view(Role.ADMINISTRATOR)
def lock_settings(request: TenantRequest) -> HttpResponse:
    """The organization's locked period (Administrators): lock up to a date, move the lock back with a reason, and
    every change of it with who and when."""
    organization = request.tenant.organization
    lock_form = LockForm(request.POST if request.POST.get("action") == "lock" else None, prefix="lock")
    back_form = MoveBackForm(
        request.POST if request.POST.get("action") == "move_back" else None, prefix="back"
    )
    if request.method == "POST":
        try:
            if lock_form.is_bound and lock_form.is_valid():
                through = lock_form.cleaned_data["locked_through"]
                locks.lock(organization, through, request.user)
                messages.success(request, f"Work logs up to {through:%d %b %Y} are locked.")
                return redirect("worklogs:lock", org_slug=organization.slug)
            if back_form.is_bound and back_form.is_valid():
                to = back_form.cleaned_data["to"]
                locks.move_back(organization, to, back_form.cleaned_data["reason"], request.user)
                messages.success(
                    request,
                    f"The lock was moved back to {to:%d %b %Y}." if to else "Nothing is locked any more.",
                )
                return redirect("worklogs:lock", org_slug=organization.slug)
        except locks.LockNotMoved as exc:
            messages.error(request, str(exc))
    return render(
        request,
        "worklogs/lock.html",
        {
            "locked_through": locks.locked_through(organization.pk),
            "lock_form": lock_form,
            "back_form": back_form,
            "events": locks.history(organization.pk),
        },
    )
