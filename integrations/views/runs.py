"""A run's page (its changes from the ledger, paged and by person, and as CSV), "Undo this run", Clear data of a
part of the project, and the Administrators' "accept" of a locked day's difference."""

import csv
from datetime import date

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from people.models import Person
from people.roles import Role
from people.tenancy import TenantRequest, tenant_view
from projects.forms import DateInput
from projects.models import Project
from worklogs.models import LockedDifference

from ..models import SyncRun
from ..services import ledger, locked, undo
from ..services.runs import SyncNotPossible, clear_project
from ..templatetags.sync_words import count_of

CHANGES_PER_PAGE = 100


def _run(request: TenantRequest, project: Project, run_id: int) -> SyncRun:
    """The run, looked up in the organization and the project (another one's id is a 404)."""
    return request.tenant.get(SyncRun, run_id, queryset=SyncRun.objects.filter(project=project))


def _person_filter(request: TenantRequest) -> Person | None:
    raw = request.GET.get("person") or ""
    if not raw.isdigit():
        return None
    return request.tenant.scope(Person).filter(pk=int(raw)).first()


@tenant_view(Role.MANAGER)
@require_GET
def run_page(request: TenantRequest, project_id: int, run_id: int) -> HttpResponse:
    """What the run changed, a page at a time, optionally of one person; Undo this run."""
    project = request.tenant.get(Project, project_id)
    run = _run(request, project, run_id)
    person = _person_filter(request)
    changes = ledger.change_rows(run, person.pk if person else None)
    page = Paginator(changes, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    names = dict(
        request.tenant.scope(Person)
        .filter(pk__in={c.person_id for c in page.object_list})
        .values_list("pk", "full_name")
    )
    everyone = request.tenant.scope(Person).order_by("full_name").values_list("pk", "full_name")
    conflicts = [{**c, "name": names.get(c.get("person_id"), "")} for c in run.undo_conflicts]
    return render(
        request,
        "integrations/run_page.html",
        {
            "project": project,
            "run": run,
            "page": page,
            "rows": [(c, names.get(c.person_id, "")) for c in page.object_list],
            "people": everyone,
            "person": person,
            "extra": f"&person={person.pk}" if person else "",
            "refusal": undo.refusal(run),
            "undone_by": run.undone_by.filter(status=SyncRun.Status.SUCCEEDED).first(),
            "conflicts": conflicts,
        },
    )


@tenant_view(Role.MANAGER)
@require_GET
def run_changes_csv(request: TenantRequest, project_id: int, run_id: int) -> HttpResponse:
    """The run's changes (of one person with ?person=) as CSV."""
    project = request.tenant.get(Project, project_id)
    run = _run(request, project, run_id)
    person = _person_filter(request)
    changes = ledger.change_rows(run, person.pk if person else None)
    names = dict(request.tenant.scope(Person).values_list("pk", "full_name"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{slugify(project.name) or 'project'}-run-{run.pk}-changes.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(["change", "id", "person", "date", "before", "after"])
    for change in changes:
        writer.writerow(
            [
                change.label,
                change.id,
                _csv_text(names.get(change.person_id, "")),
                change.day.isoformat() if change.day else "",
                change.before,
                change.after,
            ]
        )
    return response


def _csv_text(value: str) -> str:
    """A name as a CSV cell that no spreadsheet runs as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@tenant_view(Role.MANAGER)
def undo_page(request: TenantRequest, project_id: int, run_id: int) -> HttpResponse:
    """Undo this run: at once when nothing changed since; otherwise the conflicts listed, and the rest undone only
    when the Manager confirms."""
    project = request.tenant.get(Project, project_id)
    run = _run(request, project, run_id)
    run_url = reverse("project_hubstaff:run", args=[request.tenant.organization.slug, project.pk, run.pk])
    if request.method != "POST":
        return redirect(run_url)
    try:
        done = undo.undo_run(run, user=request.user, confirm=request.POST.get("confirm") == "yes")
    except undo.UndoRefused as exc:
        messages.error(request, str(exc))
        return redirect(run_url)
    except undo.UndoConflicts as exc:
        names = dict(
            request.tenant.scope(Person)
            .filter(pk__in={c.person_id for c in exc.conflicts})
            .values_list("pk", "full_name")
        )
        return render(
            request,
            "integrations/undo_confirm.html",
            {
                "project": project,
                "run": run,
                "conflicts": [
                    (c, names.get(c.person_id, ""), ledger.KIND_LABELS[c.kind]) for c in exc.conflicts
                ],
                "restorable": exc.restorable,
            },
            status=409,
        )
    changed = done.worklogs_created + done.worklogs_updated + done.worklogs_deleted
    message = f"The run was undone: {count_of(changed, 'work log')} put back as before."
    if done.undo_conflicts:
        message += f" {count_of(len(done.undo_conflicts), 'row')} changed since stayed as they are."
    messages.success(request, message)
    return redirect(reverse("projects:detail", args=[request.tenant.organization.slug, project.pk]))


class ClearForm(forms.Form):
    """Clear data of the whole project, or of a date range and/or a person."""

    start = forms.DateField(required=False, widget=DateInput(), label="From")
    end = forms.DateField(required=False, widget=DateInput(), label="To")
    person = forms.ModelChoiceField(queryset=Person.objects.none(), required=False, label="Person")

    def __init__(self, *args: object, organization_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["person"]
        if not isinstance(field, forms.ModelChoiceField):
            raise TypeError("the person filter is a model choice")
        field.queryset = Person.objects.for_org(organization_id).order_by("full_name")


def clear_message(run: SyncRun) -> str:
    """What Clear data did, and what it left alone."""
    what = "synced work log"
    message = f"Clear data: {count_of(run.worklogs_deleted, what)} deleted; manual work logs were kept."
    if run.locked_kept:
        left = count_of(run.locked_kept, what)
        message += f" {left} of the locked period {'was' if run.locked_kept == 1 else 'were'} left alone."
    return message


def clear_part(request: TenantRequest, project: Project) -> tuple[SyncRun | None, str]:
    """Clear data as the form posted it: (the run, "") or (None, why not)."""
    form = ClearForm(request.POST, organization_id=project.organization_id)
    if not form.is_valid():
        return None, "Clear data: enter the dates as YYYY-MM-DD and a person of the organization."
    data = form.cleaned_data
    start: date | None = data["start"]
    end: date | None = data["end"]
    try:
        run = clear_project(project, user=request.user, start=start, end=end, person=data["person"])
    except SyncNotPossible as exc:
        return None, str(exc)
    return run, ""


@tenant_view(Role.ADMINISTRATOR)
@require_POST
def accept_difference(request: TenantRequest, project_id: int) -> HttpResponse:
    """Accept Hubstaff's value of a locked day (`difference`, posted): unlocked for that day, applied, locked again
    (recorded)."""
    project = request.tenant.get(Project, project_id)
    if not request.POST.get("difference"):
        messages.error(request, "Choose the difference to accept.")
        return redirect(reverse("projects:detail", args=[request.tenant.organization.slug, project.pk]))
    difference = request.tenant.get(
        LockedDifference,
        request.POST.get("difference", ""),
        queryset=LockedDifference.objects.filter(project=project),
    )
    words = locked.accept(difference, request.user)
    messages.success(request, f"Accepted: {words}. The day is locked again.")
    return redirect(reverse("projects:detail", args=[request.tenant.organization.slug, project.pk]))
