"""The capacity pages: working hours, time off and its approvals, holidays, settings, and "Who is free".

Administrators and Managers manage everyone's; any member sees their own time off and availability, and asks for
time off when the organization allows it. Rows kept by the Hubstaff sync are shown, never changed here.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from people.models import Person
from people.roles import Role
from people.tenancy import TenantRequest, tenant_view

from .availability import WeekFigures, weeks_by_person
from .forms import (
    CapacitySettingsForm,
    HolidayForm,
    TimeOffForm,
    TimeOffRequestForm,
    WhoIsFreeForm,
    WorkPatternForm,
)
from .free import free_people
from .models import Holiday, TimeOff, WorkPattern, settings_for
from .services import (
    ReadOnly,
    decide_time_off,
    delete_time_off,
    enter_time_off,
    request_time_off,
    save_capacity_settings,
    save_work_pattern,
)

MANAGERS = (Role.ADMINISTRATOR, Role.MANAGER)
# How many weeks a person's page and "My time off" show, from this week on.
WEEKS_SHOWN = 13


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _upcoming_weeks(request: TenantRequest, person: Person) -> list[WeekFigures]:
    start = _monday(timezone.localdate())
    end = start + timedelta(weeks=WEEKS_SHOWN, days=-1)
    return weeks_by_person(request.tenant.organization, [person.pk], start, end)[person.pk]


def _is_manager(request: TenantRequest) -> bool:
    return request.tenant.holds(*MANAGERS)


def person_capacity_panel(request: TenantRequest, person: Person) -> str | None:
    """The person's page's capacity section (people.panels): this week, the next time off, a link to the rest."""
    if not _is_manager(request):
        return None
    today = timezone.localdate()
    context = {
        "person": person,
        "week": _upcoming_weeks(request, person)[0],
        "next_time_off": request.tenant.scope(TimeOff)
        .filter(person=person, end_date__gte=today)
        .exclude(status=TimeOff.Status.DENIED)
        .order_by("start_date")
        .first(),
    }
    return render_to_string("capacity/person_panel.html", context, request=request)


# --- Settings and holidays --------------------------------------------------------------------------------


@tenant_view(*MANAGERS)
def capacity_settings(request: TenantRequest) -> HttpResponse:
    organization = request.tenant.organization
    form = CapacitySettingsForm(request.POST or None, instance=settings_for(organization))
    if request.method == "POST" and form.is_valid():
        save_capacity_settings(organization, form.cleaned_data)
        messages.success(request, "The capacity settings were saved.")
        return redirect("capacity:settings", org_slug=organization.slug)
    return render(request, "capacity/settings.html", {"form": form})


@tenant_view(*MANAGERS)
def holiday_list(request: TenantRequest) -> HttpResponse:
    organization = request.tenant.organization
    form = HolidayForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        holiday = form.save()
        messages.success(request, f"{holiday.name} on {holiday.date:%d %b %Y} was added.")
        return redirect("capacity:holidays", org_slug=organization.slug)
    since = timezone.localdate() - timedelta(days=366)
    holidays = request.tenant.scope(Holiday).filter(date__gte=since)
    return render(request, "capacity/holiday_list.html", {"form": form, "holidays": holidays})


@tenant_view(*MANAGERS)
def holiday_edit(request: TenantRequest, holiday_id: int) -> HttpResponse:
    organization = request.tenant.organization
    holiday = request.tenant.get(Holiday, holiday_id)
    if holiday.is_read_only:
        raise PermissionDenied(str(ReadOnly()))
    form = HolidayForm(request.POST or None, instance=holiday, organization=organization)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The holiday was saved.")
        return redirect("capacity:holidays", org_slug=organization.slug)
    return render(request, "capacity/holiday_form.html", {"form": form, "holiday": holiday})


@tenant_view(*MANAGERS)
@require_POST
def holiday_delete(request: TenantRequest, holiday_id: int) -> HttpResponse:
    holiday = request.tenant.get(Holiday, holiday_id)
    if holiday.is_read_only:
        raise PermissionDenied(str(ReadOnly()))
    holiday.delete()
    messages.success(request, f"{holiday.name} on {holiday.date:%d %b %Y} is no longer a holiday.")
    return redirect("capacity:holidays", org_slug=request.tenant.organization.slug)


# --- Working hours ----------------------------------------------------------------------------------------


@tenant_view(*MANAGERS)
def person_capacity(request: TenantRequest, person_id: int) -> HttpResponse:
    """A person's working hours (and a new pattern from a date), their time off and their coming weeks."""
    person = request.tenant.get(Person, person_id)
    form = WorkPatternForm(
        request.POST or None, person=person, initial={"effective_from": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        pattern = save_work_pattern(person, form.cleaned_data)
        messages.success(
            request,
            f"{person.full_name} works {pattern.hours_per_week:g} h a week from {pattern.effective_from:%d %b %Y}.",
        )
        return redirect("capacity:person", org_slug=request.tenant.organization.slug, person_id=person.pk)
    context = {
        "person": person,
        "form": form,
        "patterns": request.tenant.scope(WorkPattern).filter(person=person).order_by("-effective_from"),
        "default": settings_for(request.tenant.organization),
        "time_off": request.tenant.scope(TimeOff).filter(person=person).order_by("-start_date")[:50],
        "weeks": _upcoming_weeks(request, person),
    }
    return render(request, "capacity/person.html", context)


@tenant_view(*MANAGERS)
@require_POST
def pattern_delete(request: TenantRequest, person_id: int, pattern_id: int) -> HttpResponse:
    person = request.tenant.get(Person, person_id)
    pattern = request.tenant.get(WorkPattern, pattern_id, queryset=WorkPattern.objects.filter(person=person))
    pattern.delete()
    messages.success(request, f"The working hours from {pattern.effective_from:%d %b %Y} were removed.")
    return redirect("capacity:person", org_slug=request.tenant.organization.slug, person_id=person.pk)


# --- Time off ---------------------------------------------------------------------------------------------


@tenant_view(*MANAGERS)
def time_off_list(request: TenantRequest) -> HttpResponse:
    """Requests waiting for a decision first, then everyone's time off from a month ago on."""
    scope = request.tenant.scope(TimeOff).select_related("person", "requested_by", "decided_by")
    pending = scope.filter(status=TimeOff.Status.PENDING).order_by("start_date", "id")
    since = timezone.localdate() - timedelta(days=31)
    others = (
        scope.exclude(status=TimeOff.Status.PENDING).filter(end_date__gte=since).order_by("start_date", "id")
    )
    return render(request, "capacity/time_off_list.html", {"pending": pending, "others": others[:500]})


@tenant_view(*MANAGERS)
def time_off_create(request: TenantRequest) -> HttpResponse:
    organization = request.tenant.organization
    initial = {"person": request.GET.get("person")} if request.GET.get("person") else {}
    form = TimeOffForm(request.POST or None, organization=organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        time_off = enter_time_off(form.save(commit=False), request.tenant.person)
        messages.success(request, f"Time off of {time_off.person.full_name} was saved.")
        return redirect("capacity:time_off", org_slug=organization.slug)
    return render(request, "capacity/time_off_form.html", {"form": form, "creating": True})


@tenant_view(*MANAGERS)
def time_off_edit(request: TenantRequest, time_off_id: int) -> HttpResponse:
    organization = request.tenant.organization
    time_off = request.tenant.get(TimeOff, time_off_id)
    if time_off.is_read_only:
        return render(request, "capacity/time_off_form.html", {"time_off": time_off, "form": None})
    form = TimeOffForm(request.POST or None, instance=time_off, organization=organization)
    if request.method == "POST" and form.is_valid():
        enter_time_off(form.save(commit=False), request.tenant.person)
        messages.success(request, "The time off was saved.")
        return redirect("capacity:time_off", org_slug=organization.slug)
    return render(
        request, "capacity/time_off_form.html", {"form": form, "time_off": time_off, "creating": False}
    )


@tenant_view()
@require_POST
def time_off_delete(request: TenantRequest, time_off_id: int) -> HttpResponse:
    """Managers delete any time off entered here; anyone withdraws their own request while it is pending."""
    time_off = request.tenant.get(TimeOff, time_off_id)
    own_request = time_off.person_id == request.tenant.person.pk and time_off.status == TimeOff.Status.PENDING
    if not (_is_manager(request) or own_request):
        raise PermissionDenied("Only a Manager deletes time off once it is decided.")
    try:
        delete_time_off(time_off)
    except ReadOnly as error:
        raise PermissionDenied(str(error)) from None
    messages.success(request, f"The time off of {time_off.person.full_name} was deleted.")
    if _is_manager(request) and not own_request:
        return redirect("capacity:time_off", org_slug=request.tenant.organization.slug)
    return redirect("capacity:my_time_off", org_slug=request.tenant.organization.slug)


@tenant_view(*MANAGERS)
@require_POST
def time_off_decide(request: TenantRequest, time_off_id: int) -> HttpResponse:
    time_off = request.tenant.get(TimeOff, time_off_id)
    decision = request.POST.get("decision")
    if decision not in ("approve", "deny"):
        messages.error(request, "Choose Approve or Deny.")
        return redirect("capacity:time_off", org_slug=request.tenant.organization.slug)
    try:
        decide_time_off(time_off, request.tenant.person, approve=decision == "approve")
    except ReadOnly as error:
        raise PermissionDenied(str(error)) from None
    messages.success(
        request, f"The time off of {time_off.person.full_name} was {time_off.get_status_display().lower()}."
    )
    return redirect("capacity:time_off", org_slug=request.tenant.organization.slug)


@tenant_view()
def my_time_off(request: TenantRequest) -> HttpResponse:
    """A member's own time off and coming weeks, and a request for more where the organization allows it."""
    person = request.tenant.person
    may_request = settings_for(request.tenant.organization).employees_request_time_off or _is_manager(request)
    form = TimeOffRequestForm(request.POST or None, person=person) if may_request else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Your organization does not take time off requests here: ask a Manager.")
        if form.is_valid():
            request_time_off(form.save(commit=False), person)
            messages.success(request, "Your request was sent; it counts once a Manager approves it.")
            return redirect("capacity:my_time_off", org_slug=request.tenant.organization.slug)
    context = {
        "form": form,
        "time_off": request.tenant.scope(TimeOff).filter(person=person).order_by("-start_date")[:100],
        "weeks": _upcoming_weeks(request, person),
    }
    return render(request, "capacity/my_time_off.html", context)


# --- Who is free ------------------------------------------------------------------------------------------


@tenant_view(*MANAGERS)
def who_is_free(request: TenantRequest) -> HttpResponseBase:
    organization = request.tenant.organization
    asked = "hours_per_week" in request.GET
    form = WhoIsFreeForm(
        request.GET if asked else None, organization=organization, today=timezone.localdate()
    )
    rows = None
    if asked and form.is_valid():
        data = form.cleaned_data
        rows = free_people(
            organization,
            data["start"],
            data["end"],
            data["hours_per_week"],
            role=data["role"],
            project_id=data["project"].pk if data["project"] else None,
        )
    return render(request, "capacity/who_is_free.html", {"form": form, "rows": rows})
