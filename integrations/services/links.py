"""A project's Integration settings: the link between a project and the Hubstaff projects that feed it."""

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import available_timezones

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from integrations.hubstaff.windows import daily_floor
from integrations.models import HubstaffProject, LinkedHubstaffProject, ProjectLink, SyncRun
from integrations.selectors import get_installation, get_link, reachable_projects
from projects.models import Project
from worklogs import locks
from worklogs.models import WorkLog

from .runs import SyncNotPossible, active_run, request_sync


def daily_slot(project_id: int, day: date) -> datetime:
    """The moment of `day` at which a project's daily sync is due: a fixed, evenly spread offset per project.

    Hashing the id spreads thousands of projects over the 24 hours, so that they never call Hubstaff in the same
    minute, and keeps each project at the same hour every day.
    """
    offset = int(hashlib.sha256(f"sync-slot:{project_id}".encode()).hexdigest()[:8], 16) % 86400
    midnight = timezone.make_aware(
        datetime.combine(day, datetime.min.time()), timezone.get_default_timezone()
    )
    return midnight + timedelta(seconds=offset)


def next_daily_slot(project_id: int, after: datetime) -> datetime:
    """The first daily slot of the project strictly after `after`."""
    local_day = timezone.localtime(after).date()
    slot = daily_slot(project_id, local_day)
    while slot <= after:
        local_day += timedelta(days=1)
        slot = daily_slot(project_id, local_day)
    return slot


def link_or_new(project: Project) -> ProjectLink:
    """The project's link, or a new unsaved one holding the model's defaults (a project never linked)."""
    return get_link(project) or ProjectLink(organization=project.organization, project=project)


def clean_settings(project: Project, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The checks of a project's Integration settings, in one place: the panel's form, the API's serializer and
    update_link call it. Returns the values as saved (selection sorted, time zone trimmed); raises a ValidationError
    naming the field of each refusal.

    `settings` holds ProjectLink.SETTINGS by name, each of its own type (a form's cleaned data, a serializer's
    validated data); a form leaves out a field it already refused, and the checks
    that need it are skipped. Hubstaff may be enabled only once installed and with at least one Hubstaff project
    selected; only projects the installation reaches may be selected, each feeding one project of the organization.
    """
    cleaned = dict(settings)
    errors: dict[str, list[str]] = {}
    if cleaned.get("hubstaff_time_zone") is not None:
        time_zone = cleaned["hubstaff_time_zone"] = cleaned["hubstaff_time_zone"].strip()
        if time_zone and time_zone not in available_timezones():
            errors["hubstaff_time_zone"] = [
                f"Unknown time zone {time_zone!r}: use a name like Europe/Warsaw."
            ]
    enabled = cleaned.get("enabled")
    if enabled and get_installation(project.organization) is None:
        errors["enabled"] = ["An Administrator must install Hubstaff first."]
    elif "hubstaff_project_ids" in cleaned:
        ids = cleaned["hubstaff_project_ids"] = sorted(
            {int(i) for i in cleaned["hubstaff_project_ids"] or []}
        )
        if messages := _selection_errors(project, enabled, ids):
            errors["hubstaff_project_ids"] = messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def _selection_errors(project: Project, enabled: bool | None, ids: Sequence[int]) -> list[str]:
    if not ids:
        return ["Select at least one Hubstaff project to sync from."] if enabled else []
    known = set(
        reachable_projects(project.organization)
        .filter(hubstaff_id__in=ids)
        .values_list("hubstaff_id", flat=True)
    )
    unknown = [i for i in ids if i not in known]
    if unknown:
        return [f"Hubstaff projects not reached by this organization's installation: {unknown}"]
    return _taken(project.organization_id, project.pk, ids)


def hours(seconds: int) -> str:
    """Seconds as the hours a manager reads in the offers: 93240 -> "25.9 h"."""
    return f"{seconds / 3600:,.1f} h"


@dataclass(frozen=True)
class HeldLogs:
    """The synced work logs of one Hubstaff project that one project of the organization holds."""

    project_id: int
    project_name: str
    hubstaff_project_id: int
    hubstaff_project_name: str
    logs: int
    seconds: int
    # Of those, the ones dated where the project they would move to does not sync (before its start, after its
    # end or today, older than the three years Hubstaff serves): a move loses them.
    outside_logs: int = 0
    outside_seconds: int = 0

    def __str__(self) -> str:
        return (
            f"The project “{self.project_name}” holds {hours(self.seconds)} ({self.logs} work "
            f"log{'' if self.logs == 1 else 's'}) synced from the Hubstaff project “{self.hubstaff_project_name}”"
        )


class HeldElsewhere(ValidationError):
    """Selected Hubstaff projects whose synced work logs other projects of the organization hold: linking them
    without moving those logs would count their hours twice."""

    def __init__(self, held: Sequence[HeldLogs]) -> None:
        self.held = list(held)
        super().__init__(
            {
                "hubstaff_project_ids": [
                    f"{h}: linking it here moves them, or they would be counted twice."
                    + (
                        f" {hours(h.outside_seconds)} of them are dated where this project does not sync: "
                        "a move would delete those for good."
                        if h.outside_logs
                        else ""
                    )
                    for h in self.held
                ]
            }
        )


def _held_logs(project: Project, rows: Collection[dict[str, Any]]) -> list[HeldLogs]:
    names = dict(
        HubstaffProject.objects.for_org(project.organization_id)
        .filter(hubstaff_id__in={row["source_project_id"] for row in rows})
        .values_list("hubstaff_id", "name")
    )
    return [
        HeldLogs(
            project_id=row["project_id"],
            project_name=row["project__name"],
            hubstaff_project_id=row["source_project_id"],
            hubstaff_project_name=names.get(row["source_project_id"], str(row["source_project_id"])),
            logs=row["logs"],
            seconds=row["seconds"],
            outside_logs=row.get("outside_logs", 0),
            outside_seconds=row.get("outside_seconds") or 0,
        )
        for row in rows
    ]


def _synced_logs_by_source(logs: QuerySet[WorkLog], outside: Q | None = None) -> list[dict[str, Any]]:
    sums: dict[str, Count | Sum] = {"logs": Count("id"), "seconds": Sum("duration_seconds")}
    if outside is not None:
        sums |= {
            "outside_logs": Count("id", filter=outside),
            "outside_seconds": Sum("duration_seconds", filter=outside),
        }
    rows = (
        logs.values("project_id", "project__name", "source_project_id")
        .annotate(**sums)
        .order_by("project__name", "project_id", "source_project_id")
    )
    return [dict(row) for row in rows]


def _outside_sync_window(project: Project) -> Q:
    """Dates a sync of the project never reads (rules.sync_window, bounded by Hubstaff's floor), by the server's
    today: the organization's differs by a day at most."""
    today = timezone.localdate()
    start = max(project.start_date, daily_floor(today))
    stop = min(project.end_date, today) if project.end_date else today
    return Q(date__lt=start) | Q(date__gt=stop)


def held_elsewhere(project: Project, hubstaff_project_ids: Collection[int]) -> list[HeldLogs]:
    """The synced work logs of these Hubstaff projects that other projects of the organization hold (a link
    turned off or unselected there keeps them): per project and Hubstaff project, with their hours."""
    if not hubstaff_project_ids:
        return []
    logs = (
        WorkLog.objects.for_org(project.organization_id)
        .filter(source=WorkLog.Source.HUBSTAFF, source_project_id__in=hubstaff_project_ids)
        .exclude(project_id=project.pk)
    )
    return _held_logs(project, _synced_logs_by_source(logs, _outside_sync_window(project)))


def left_behind(project: Project, link: ProjectLink | None) -> list[HeldLogs]:
    """The project's synced work logs that no sync of it will touch again: all of them while Hubstaff is off
    for it, else those of Hubstaff projects no longer selected. They still count in its hours."""
    logs = WorkLog.objects.for_org(project.organization_id).filter(
        project=project, source=WorkLog.Source.HUBSTAFF
    )
    if link is not None and link.enabled:
        logs = logs.exclude(source_project_id__in=link.hubstaff_project_ids)
    return _held_logs(project, _synced_logs_by_source(logs))


@transaction.atomic
def update_link(
    project: Project,
    *,
    move_worklogs: bool = False,
    user: User | AnonymousUser | None = None,
    **settings: object,
) -> ProjectLink:
    """Save a project's Integration settings: the one place a link's settings are written (the panel, the API,
    the admin, commands), checked by clean_settings whoever calls.

    `settings` names ProjectLink.SETTINGS; one left out keeps what the link has (a new link: the model's default).
    A selected Hubstaff project whose synced work logs another project of the organization holds is refused
    (HeldElsewhere, naming them) unless `move_worklogs`: then see _move_worklogs.
    """
    unknown = settings.keys() - set(ProjectLink.SETTINGS)
    if unknown:
        raise TypeError(f"Not a setting of a project's link: {', '.join(sorted(unknown))}")
    link, _ = ProjectLink.objects.select_for_update().get_or_create(
        organization_id=project.organization_id, project=project
    )
    # A refusal raises here, and the transaction drops the row a first save created.
    values = clean_settings(
        project, {name: settings.get(name, getattr(link, name)) for name in link.SETTINGS}
    )
    held = held_elsewhere(project, values["hubstaff_project_ids"])
    if held and not move_worklogs:
        raise HeldElsewhere(held)
    for name, value in values.items():
        setattr(link, name, value)
    if link.enabled and link.next_sync_due_at is None:
        link.next_sync_due_at = next_daily_slot(project.pk, timezone.now())
    link.save()
    _link_hubstaff_projects(link, link.hubstaff_project_ids)
    if held:
        _move_worklogs(link, held, user)
    return link


def _move_worklogs(link: ProjectLink, held: Sequence[HeldLogs], user: User | AnonymousUser | None) -> None:
    """Move the synced work logs `held` by other projects to the link's project, in update_link's transaction.

    They are deleted from the projects that hold them and the link's project is reset from Hubstaff at once, so
    that its own rules (assignments, Prevent new assignment creation, trimming) decide what they become here;
    until that sync commits the hours count nowhere, never twice. With `synced_through` cleared, whichever sync of
    the project comes next (the daily one too, if Hubstaff is off here now) reads the whole history. Refused while
    a sync of either project runs: one of the old project could write them back from what it fetched before.
    """
    project = link.project
    for other in [
        project,
        *Project.objects.for_org(link.organization_id).filter(pk__in={h.project_id for h in held}),
    ]:
        if active_run(other) is not None:
            raise ValidationError(
                {
                    "hubstaff_project_ids": [
                        f"A sync of the project “{other.name}” is running: save again when it has finished, "
                        "so that no work log is moved while it is being written."
                    ]
                }
            )
    moving = WorkLog.objects.for_org(link.organization_id).filter(
        source=WorkLog.Source.HUBSTAFF,
        source_project_id__in={h.hubstaff_project_id for h in held},
        project_id__in={h.project_id for h in held},
    )
    # The locked period's logs stay where they are (nothing changes a locked day); the reset here then shows
    # Hubstaff's hours of those days as differences for an Administrator to accept.
    locked = locks.hold_for_change(link.organization_id)
    if locked is not None:
        moving = moving.filter(date__gt=locked)
    moving.delete()
    ProjectLink.objects.filter(pk=link.pk).update(synced_through=None)
    link.synced_through = None
    try:
        with transaction.atomic():
            request_sync(project, mode=SyncRun.Mode.RESET, trigger=SyncRun.Trigger.MANUAL, user=user)
    except SyncNotPossible:
        pass  # Hubstaff off here or not authorized: the first sync once it is on brings them.


def _link_hubstaff_projects(link: ProjectLink, ids: Sequence[int]) -> None:
    """Keep the link's LinkedHubstaffProject rows in step with its selection, in update_link's transaction.

    clean_settings refused a Hubstaff project another project of the organization links (it would count every
    hour twice); the unique constraint decides when two saves race (the second insert waits for the first
    transaction, then fails), and the refusal names the project that won.
    """
    LinkedHubstaffProject.objects.filter(link=link).exclude(hubstaff_project_id__in=ids).delete()
    have = set(LinkedHubstaffProject.objects.filter(link=link).values_list("hubstaff_project_id", flat=True))
    new = [
        LinkedHubstaffProject(
            organization_id=link.organization_id, link=link, hubstaff_project_id=hubstaff_id
        )
        for hubstaff_id in ids
        if hubstaff_id not in have
    ]
    try:
        with transaction.atomic():
            LinkedHubstaffProject.objects.bulk_create(new)
    except IntegrityError:
        if messages := _taken(link.organization_id, link.project_id, ids):
            raise ValidationError({"hubstaff_project_ids": messages}) from None
        raise


def _taken(organization_id: int, project_id: int, ids: Sequence[int]) -> list[str]:
    """Why each of `ids` another project of the organization links cannot be selected (none: an empty list)."""
    taken = (
        LinkedHubstaffProject.objects.filter(organization_id=organization_id, hubstaff_project_id__in=ids)
        .exclude(link__project_id=project_id)
        .select_related("link__project")
        .order_by("hubstaff_project_id")
    )
    names = dict(
        HubstaffProject.objects.for_org(organization_id)
        .filter(hubstaff_id__in=ids)
        .values_list("hubstaff_id", "name")
    )
    return [
        f"The Hubstaff project “{names.get(row.hubstaff_project_id, row.hubstaff_project_id)}” is already "
        f"linked to the project “{row.link.project.name}”: a Hubstaff project feeds one project at a time."
        for row in taken
    ]
