"""A project's Integration settings: the link between a project and the Hubstaff projects that feed it."""

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import HubstaffProject, LinkedHubstaffProject, ProjectLink
from integrations.selectors import get_installation, get_link, reachable_projects
from projects.models import Project


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


@transaction.atomic
def update_link(project: Project, **settings: object) -> ProjectLink:
    """Save a project's Integration settings: the one place a link's settings are written (the panel, the API,
    the admin, commands), checked by clean_settings whoever calls.

    `settings` names ProjectLink.SETTINGS; one left out keeps what the link has (a new link: the model's default).
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
    for name, value in values.items():
        setattr(link, name, value)
    if link.enabled and link.next_sync_due_at is None:
        link.next_sync_due_at = next_daily_slot(project.pk, timezone.now())
    link.save()
    _link_hubstaff_projects(link, link.hubstaff_project_ids)
    return link


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
