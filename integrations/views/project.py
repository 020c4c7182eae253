"""The project page's Integration settings (Manager role): link, sync, clear, progress, history."""

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from celery.utils.time import get_exponential_backoff_interval
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.dateformat import time_format
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET, require_POST

from people.forms import PersonForm
from people.invitations import InvitationError, invite
from people.roles import Role
from people.services import save_person
from people.tenancy import TenantRequest, tenant_view
from projects.models import Project
from worklogs import locks

from ..hubstaff.errors import HubstaffError
from ..models import Installation, SyncRun
from ..project_forms import ProjectLinkForm
from ..selectors import get_installation, get_link, synced_log_count
from ..services import runs as run_life
from ..services.checkpoint import KEEP_PREVIEW
from ..services.cleanup import remove_sync_assignments, sync_assignments_without_worklogs
from ..services.installation import refresh_hubstaff_projects
from ..services.links import HeldElsewhere, held_elsewhere, hours, left_behind, update_link
from ..services.live import NO_WRITE_SCOPE, WRITE_SCOPE
from ..services.runs import SyncNotPossible, active_run, request_sync, sync_blocker
from ..services.user_links import LINK_ROLES, link_user
from ..tasks import sync_project_task
from ..templatetags.sync_words import count_of, describe_changes, for_managers, worklog_changes
from .runs import ClearForm, clear_message, clear_part
from .user_links import MissingNow, missing_now

HISTORY_SHOWN = 5
# An event this recent reads "last event just now" ("0 minutes ago" reads like a fault).
JUST_NOW = timedelta(minutes=1)
# Session key of refused Integration settings (the form's fields as posted), shown once by the page the save
# redirects to.
_SUBMITTED = "integration-settings-submitted:{}"
# Session key of the synced work logs other projects hold of the Hubstaff projects a refused save selected: the
# panel offers to move them, re-posting the submitted settings.
_HELD = "integration-settings-held:{}"
_SHOWN_AT_FIELD = {"enabled", "hubstaff_project_ids", "hubstaff_time_zone"}


def _project_url(request: TenantRequest, project: Project, anchor: str = "") -> HttpResponse:
    url = reverse("projects:detail", args=[request.tenant.organization.slug, project.pk])
    return redirect(url + anchor)


def _runs(request: TenantRequest, project: Project) -> QuerySet[SyncRun]:
    return request.tenant.scope(SyncRun).filter(project=project).select_related("requested_by")


def live_updates_context(installation: Installation | None) -> dict[str, Any]:
    """For integrations/live_updates.html: whether the last event was just now, and whether live updates wait for
    a re-authorization with hubstaff:write (an installation made before live updates may record no reason)."""
    if installation is None:
        return {}
    needs_write_scope = WRITE_SCOPE not in installation.scope.split()
    last_event = installation.last_event_at
    reason = installation.live_updates_reason or (NO_WRITE_SCOPE if needs_write_scope else "")
    return {
        "live_event_just_now": last_event is not None and timezone.now() - last_event < JUST_NOW,
        "live_needs_write_scope": needs_write_scope,
        "live_reason": reason,
        # A reason that already says "checked hourly" (events stopped arriving) is not preceded by it again.
        "live_reason_says_hourly": reason.rstrip(".").endswith("checked hourly"),
    }


# The label waiting.py gives a run queued again because Hubstaff failed (5xx, timeouts): "... in 60 s.".
_RETRY_LABEL = re.compile(r"^Hubstaff is busy; trying again in (\d+) s\.?$")


@dataclass(frozen=True)
class Retrying:
    """A run queued again after Hubstaff failed, in a manager's terms: since when it has tried, which attempt comes
    next of how many, in how many seconds (from the due time the retry was queued for, not the words of the label)
    and when it gives up if Hubstaff keeps failing."""

    since: datetime
    next_attempt: (
        int | None
    )  # None: the label's wait is none the task's policy gives (settings changed since)
    attempts: int
    due: datetime
    seconds_left: int
    gives_up_at: datetime | None


def retry_delays() -> list[int]:
    """The task's waits before each retry (its policy: `retry_backoff` doubling to `retry_backoff_max`, no jitter),
    as Celery computes them for `autoretry_for`."""
    task = sync_project_task
    return [
        int(get_exponential_backoff_interval(int(task.retry_backoff), r, int(task.retry_backoff_max)))
        for r in range(int(task.max_retries))
    ]


def retrying(run: SyncRun | None, now: datetime | None = None) -> Retrying | None:
    """How a run that keeps retrying stands, or None when it is not waiting for a retry."""
    if run is None or run.status != SyncRun.Status.QUEUED or run.heartbeat_at is None:
        return None
    found = _RETRY_LABEL.match(run.progress_label)
    if found is None:
        return None
    now = now or timezone.now()
    delays = retry_delays()
    waited = int(found.group(1))
    # The task's retries so far: the wait it is in is the one its policy gives after that many failures.
    retries = delays.index(waited) if waited in delays else None
    gives_up_at = None
    if retries is not None:
        # The last attempt starts after the waits still to come (each attempt's own time comes on top).
        gives_up_at = run.heartbeat_at + timedelta(seconds=sum(delays[retries + 1 :]))
    return Retrying(
        since=run.queued_at,
        next_attempt=retries + 2 if retries is not None else None,
        attempts=len(delays) + 1,
        due=run.heartbeat_at,
        seconds_left=max(0, round((run.heartbeat_at - now).total_seconds())),
        gives_up_at=gives_up_at,
    )


def result_words(run: SyncRun | None) -> str:
    """A finished run's result in one sentence, announced when the page following it sees it end."""
    if run is None or run.is_active:
        return ""
    name = str(run.get_mode_display())
    if run.status == SyncRun.Status.FAILED:
        return f"{name} failed: {for_managers(run.error)}"
    if run.mode == SyncRun.Mode.PREVIEW:
        return (
            "The preview is ready below; nothing was written. A reset would make: "
            f"{describe_changes(run.worklogs_created, run.worklogs_updated, run.worklogs_deleted)}."
        )
    return f"{name} succeeded: {worklog_changes(run)}."


def _last_sync(runs: Iterable[SyncRun]) -> SyncRun | None:
    """The run "Last sync" shows, of `runs` newest first. A reconciliation re-reads old days only, a run of
    Hubstaff's events the days they named: Last sync (its missing teammates too) stays the daily sync's."""
    not_syncs = (SyncRun.Mode.CLEAR, SyncRun.Mode.PREVIEW, SyncRun.Mode.RECONCILE)
    return next(
        (
            r
            for r in runs
            if r.mode not in not_syncs and r.trigger != SyncRun.Trigger.HUBSTAFF_EVENT and not r.is_active
        ),
        None,
    )


def status_context(
    request: TenantRequest, project: Project, installation: Installation | None = None
) -> dict[str, Any]:
    installation = installation or get_installation(project.organization)
    runs = list(_runs(request, project)[: HISTORY_SHOWN + 1])
    current = runs[0] if runs else None
    last_sync = _last_sync(runs)
    # The preview is shown until anything else runs after it (its Apply, a sync, Clear data).
    preview = current if current and current.mode == SyncRun.Mode.PREVIEW and not current.is_active else None
    # Matched again with the people as they are now: someone added or linked since the sync is no longer missing.
    missing = missing_now(request, last_sync.missing_teammates if last_sync else [])
    return {
        "project": project,
        "run": current,
        "last_sync": last_sync,
        "preview": preview,
        # The missing teammates, each with the person a Manager linked them to since ("This is ..."), if any, and
        # the person their name gives; those added since with their e-mail, apart.
        "missing": missing,
        "missing_teammates": missing.missing,
        "link_people": missing.people if missing.missing else [],
        "history": runs[:HISTORY_SHOWN],
        # A run that keeps retrying: how long, which attempt, when it gives up; Cancel while it waits.
        "retrying": retrying(current),
        "can_cancel": current is not None
        and current.status == SyncRun.Status.QUEUED
        and request.tenant.holds(Role.MANAGER),
        "more_history": len(runs) > HISTORY_SHOWN,
        # Managers add missing teammates too (as Managers or Employees), then sync again.
        "can_add_people": request.tenant.holds(Role.ADMINISTRATOR, Role.MANAGER),
        # Without an installation an old run's error ("re-authorize") is no longer what to do: the notice
        # above says to install.
        "installed": installation is not None and installation.was_installed,
        # Live updates: the line at the top of the status block, refreshed with it; while they are on, the page
        # polls the block and reloads when a run of Hubstaff's events has finished (static/js/sync.js).
        "installation": installation,
        "latest_run": f"{current.pk}:{current.status}" if current else "",
        "result_words": result_words(current),
        **live_updates_context(installation),
    }


def integration_settings_panel(request: TenantRequest, project: Project) -> str:
    """The right-hand "Integration settings" panel of a project's page."""
    installation = get_installation(project.organization)
    link = get_link(project)
    # Settings the last save refused: shown once, as submitted, with the form's errors at their fields.
    submitted = request.session.pop(_SUBMITTED.format(project.pk), None)
    form = ProjectLinkForm(MultiValueDict(submitted) if submitted else None, project=project, instance=link)
    held = request.session.pop(_HELD.format(project.pk), None)
    behind = left_behind(project, link) if installation and installation.was_installed else []
    context = {
        # Settings held back because other projects hold their Hubstaff projects' synced work logs: the offer to
        # move them re-posts these fields.
        "move_offer": held,
        "move_fields": [(name, value) for name, values in (submitted or {}).items() for value in values]
        if held
        else [],
        # Synced work logs no sync of this project will touch again (Hubstaff off, a Hubstaff project unselected).
        "left_behind": [{**asdict(h), "hours": hours(h.seconds)} for h in behind],
        "left_behind_hours": hours(sum(h.seconds for h in behind)),
        "installation": installation,
        "link": link,
        "form": form,
        # Errors of no field shown in the panel: listed above the form.
        "other_errors": [
            e for field, errs in form.errors.items() if field not in _SHOWN_AT_FIELD for e in errs
        ],
        "synced_worklogs": 0 if installation and installation.was_installed else synced_log_count(project),
        "blocker": sync_blocker(project, installation, link) if installation else None,
        "sync_made_assignments": sync_assignments_without_worklogs(project).count(),
        # Clear data of a date range or a person, besides the whole project's.
        "clear_form": ClearForm(organization_id=project.organization_id),
        # Days of the locked period where Hubstaff differs from what is kept, for Administrators to accept.
        "locked_differences": [
            (d, locks.describe(d)) for d in locks.open_differences(project.organization_id, project)
        ]
        if request.tenant.holds(Role.ADMINISTRATOR)
        else [],
        **status_context(request, project, installation),
    }
    return render_to_string("integrations/project_panel.html", context, request=request)


@tenant_view(Role.MANAGER)
@require_POST
def save_link(request: TenantRequest, project_id: int) -> HttpResponse:
    project = request.tenant.get(Project, project_id)
    form = ProjectLinkForm(request.POST, project=project)
    submitted = {name: request.POST.getlist(name) for name in form.fields if name in request.POST}
    if form.is_valid():
        # The Manager's answer to the offer to move the synced work logs another project holds.
        move = request.POST.get("move_worklogs") == "yes"
        moving = held_elsewhere(project, form.cleaned_data["hubstaff_project_ids"]) if move else []
        try:
            link = update_link(project, move_worklogs=move, user=request.user, **form.cleaned_data)
        except HeldElsewhere as exc:
            request.session[_SUBMITTED.format(project.pk)] = submitted
            request.session[_HELD.format(project.pk)] = [
                {**asdict(h), "hours": hours(h.seconds), "outside_hours": hours(h.outside_seconds)}
                for h in exc.held
            ]
            messages.warning(
                request,
                "Integration settings were not saved yet: other projects hold work logs synced from the "
                "selected Hubstaff projects. Move them here, or cancel.",
            )
            return _project_url(request, project, "#integration-settings")
        except ValidationError as exc:
            # Another save took a selected Hubstaff project meanwhile (the form shown again names it), or a sync
            # of a project whose work logs would move is running.
            messages.error(request, "Integration settings were not saved: " + " ".join(exc.messages))
        else:
            message = "Integration settings were saved."
            if moving:
                total = hours(sum(h.seconds for h in moving))
                sources = ", ".join(sorted({f"“{h.project_name}”" for h in moving}))
                message += f" {total} of synced work logs were removed from {sources}: " + (
                    "Reset and sync all work logs has started and brings them in here."
                    if active_run(project)
                    else "they come in here with this project's first sync once Hubstaff is on for it."
                )
                if lost := sum(h.outside_seconds for h in moving):
                    message += (
                        f" {hours(lost)} of them, dated where this project does not sync, do not come back."
                    )
            messages.success(request, message)
            if left_behind(project, link):
                # Turned off or a Hubstaff project unselected: the panel offers to clear what stays behind.
                return _project_url(request, project, "#left-behind")
            return _project_url(request, project)
    else:
        messages.error(request, "Integration settings were not saved: see the errors in the form.")
    request.session[_SUBMITTED.format(project.pk)] = submitted
    return _project_url(request, project, "#integration-settings")


@tenant_view(Role.MANAGER)
@require_POST
def reset_and_sync(request: TenantRequest, project_id: int) -> HttpResponse:
    project = request.tenant.get(Project, project_id)
    return _start_sync(request, project, SyncRun.Mode.RESET, "Reset and sync all work logs has started.")


@tenant_view(Role.MANAGER)
@require_POST
def preview_reset(request: TenantRequest, project_id: int) -> HttpResponse:
    """Preview of Reset and sync all work logs: a reset's fetch and plan, nothing written; Apply runs the reset."""
    project = request.tenant.get(Project, project_id)
    return _start_sync(
        request,
        project,
        SyncRun.Mode.PREVIEW,
        "The preview has started: nothing is written until you click Apply.",
    )


@tenant_view(Role.MANAGER)
@require_POST
def apply_preview(request: TenantRequest, project_id: int, run_id: int) -> HttpResponse:
    """A preview's Apply: Reset and sync all work logs, which may plan what the preview read (if kept and Hubstaff
    lists no change since; the run says which)."""
    project = request.tenant.get(Project, project_id)
    previews = SyncRun.objects.filter(
        project=project, mode=SyncRun.Mode.PREVIEW, status=SyncRun.Status.SUCCEEDED
    )
    preview = request.tenant.get(SyncRun, run_id, previews)
    read_at = time_format(localtime(preview.rows_read_at), "H:i") if preview.rows_read_at else "?"
    if preview.finished_at and preview.finished_at >= timezone.now() - KEEP_PREVIEW:
        started = (
            f"Reset and sync all work logs has started. Applies the preview read at {read_at}, unless Hubstaff "
            "lists a change since: then it reads Hubstaff again."
        )
    else:
        started = (
            f"Reset and sync all work logs has started. The preview read at {read_at} is over 10 minutes old, so "
            "it reads Hubstaff again."
        )
    return _start_sync(request, project, SyncRun.Mode.RESET, started, applies_preview=preview)


def _start_sync(
    request: TenantRequest,
    project: Project,
    mode: SyncRun.Mode,
    started: str,
    applies_preview: SyncRun | None = None,
) -> HttpResponse:
    """Queue a run of the project in `mode` (or join the one under way) and say which happened."""
    try:
        run = request_sync(
            project,
            mode=mode,
            trigger=SyncRun.Trigger.MANUAL,
            user=request.user,
            applies_preview=applies_preview,
        )
    except SyncNotPossible as exc:
        messages.error(request, str(exc))
    else:
        if run.joined:
            messages.info(
                request, "A sync of this project is already running; its progress is shown on the right."
            )
        else:
            messages.success(request, started)
    # The page opens at the run's progress, where the person follows it to its result (static/js/sync.js).
    return _project_url(request, project, "#sync-status")


@tenant_view(Role.MANAGER)
@require_POST
def cancel_run(request: TenantRequest, project_id: int, run_id: int) -> HttpResponse:
    """Cancel a run while it waits (queued: for a worker, a retry or Hubstaff's rate limit): it ends as failed,
    "Cancelled by <name>", and nothing it fetched is applied. A run a worker holds is not cancelled here: its apply
    is one transaction that ends by itself."""
    project = request.tenant.get(Project, project_id)
    run = request.tenant.get(SyncRun, run_id, SyncRun.objects.filter(project=project))
    with transaction.atomic():
        # Locked as a worker's claim locks it: the run is cancelled while queued, or claimed first and left alone.
        waiting = SyncRun.objects.select_for_update().filter(pk=run.pk, status=SyncRun.Status.QUEUED).first()
        if waiting is not None:
            run_life.finish(
                waiting, SyncRun.Status.FAILED, error=f"Cancelled by {request.tenant.person.full_name}."
            )
    if waiting is None:
        messages.error(
            request,
            "This sync could not be cancelled: it is no longer waiting (it has ended, or a worker is carrying it "
            "out and it ends by itself).",
        )
    else:
        messages.success(request, f"{run.get_mode_display()} was cancelled; nothing it read was written.")
    return _project_url(request, project, "#sync-status")


def _missing_of_last_sync(request: TenantRequest, project: Project) -> MissingNow:
    # Newest first, without the active run: enough to reach the last sync behind reconciliations and previews.
    return missing_now(
        request, getattr(_last_sync(_runs(request, project)[:50]), "missing_teammates", None) or []
    )


@tenant_view(Role.MANAGER)
@require_POST
def add_all_missing(request: TenantRequest, project_id: int) -> HttpResponse:
    """Add every missing teammate of the last sync who has an e-mail and no person yet, as an Employee, and invite
    them: their time comes with the next sync. Each is checked as Add person checks one; one refused is named and
    the others are still added."""
    project = request.tenant.get(Project, project_id)
    added, refused, not_invited = [], [], []
    for teammate in _missing_of_last_sync(request, project).addable:
        email = str(teammate["email"]).strip()
        name = str(teammate.get("name") or "").strip() or email.split("@")[0]
        form = PersonForm(
            {"full_name": name, "email": email, "roles": [Role.EMPLOYEE.value]},
            organization=request.tenant.organization,
            allowed_roles=[Role.EMPLOYEE],
            role_required=True,
        )
        if not form.is_valid():
            refused.append(f"{name} ({' '.join(str(e) for errs in form.errors.values() for e in errs)})")
            continue
        person = save_person(form)
        added.append(person.full_name)
        try:
            invite(person, invited_by=request.tenant.person)
        except InvitationError:
            not_invited.append(person.full_name)
    if added:
        message = f"{count_of(len(added), 'teammate')} added as Employees and invited: {', '.join(added)}."
        if not_invited:
            message += f" Not invited (invite them from People): {', '.join(not_invited)}."
        messages.success(request, message + " Sync again to bring their time in.")
    if refused:
        messages.error(request, "Not added: " + "; ".join(refused) + ".")
    if not added and not refused:
        messages.info(request, "Every missing teammate with an e-mail is already in Primetric.")
    return _project_url(request, project, "#missing-teammates")


@tenant_view(*LINK_ROLES)
@require_POST
def link_all_suggested(request: TenantRequest, project_id: int) -> HttpResponse:
    """Link each missing teammate of the last sync to the one person their name gives (the panel's "Looks like
    ..."), as "This is ..." does one at a time: kept, told by e-mail, in the audit trail."""
    project = request.tenant.get(Project, project_id)
    linked = []
    for teammate in _missing_of_last_sync(request, project).suggested:
        person_id, person_name, _ = teammate["suggested"]
        try:
            link_user(
                request.tenant.organization,
                hubstaff_user_id=teammate.get("hubstaff_user_id"),
                person_id=person_id,
                name=teammate.get("name", ""),
                actor=request.tenant.person,
            )
        except ValidationError as exc:
            messages.error(request, f"{teammate.get('name')}: {' '.join(exc.messages)}")
        else:
            linked.append(f"{teammate.get('name')} → {person_name}")
    if linked:
        messages.success(
            request,
            f"{count_of(len(linked), 'Hubstaff user')} linked: {', '.join(linked)}. Sync again to bring their "
            "time in; each person is told by e-mail, and the links are in the audit trail.",
        )
    else:
        messages.info(request, "No missing teammate has a suggested person left to link.")
    return _project_url(request, project, "#missing-teammates")


@tenant_view(Role.MANAGER)
@require_POST
def clear_data(request: TenantRequest, project_id: int) -> HttpResponse:
    project = request.tenant.get(Project, project_id)
    run, refused = clear_part(request, project)
    if run is None:
        messages.error(request, refused)
    else:
        kept = sync_assignments_without_worklogs(project).count()
        message = clear_message(run)
        if kept:
            message += (
                f" {count_of(kept, 'assignment')} that syncs created {'was' if kept == 1 else 'were'} kept:"
                " Remove sync-made assignments in Integration settings deletes them."
            )
        messages.success(request, message)
    return _project_url(request, project)


@tenant_view(Role.MANAGER)
@require_POST
def remove_sync_made_assignments(request: TenantRequest, project_id: int) -> HttpResponse:
    project = request.tenant.get(Project, project_id)
    try:
        removed = remove_sync_assignments(project)
    except SyncNotPossible as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{count_of(removed, 'assignment')} made by syncs removed.")
    return _project_url(request, project)


@tenant_view(Role.MANAGER)
@require_POST
def refresh_projects(request: TenantRequest, project_id: int) -> HttpResponse:
    project = request.tenant.get(Project, project_id)
    installation = get_installation(project.organization)
    if installation is None or not installation.is_installed:
        messages.error(request, "An Administrator must install Hubstaff first.")
    else:
        try:
            count = refresh_hubstaff_projects(installation)
        except HubstaffError as exc:
            messages.error(request, f"The Hubstaff projects could not be refreshed: {for_managers(exc)}")
        else:
            messages.success(request, f"{count_of(count, 'Hubstaff project')} in Select projects.")
    return _project_url(request, project)


@tenant_view(Role.MANAGER)
@require_GET
def sync_status(request: TenantRequest, project_id: int) -> HttpResponse:
    """The status block alone, polled by the page while a sync runs (progress bar, then the result)."""
    project = request.tenant.get(Project, project_id)
    return render(request, "integrations/project_sync_status.html", status_context(request, project))


@tenant_view(Role.MANAGER)
@require_GET
def sync_history(request: TenantRequest, project_id: int) -> HttpResponse:
    project = request.tenant.get(Project, project_id)
    return render(
        request, "integrations/sync_history.html", {"project": project, "runs": _runs(request, project)[:100]}
    )
