"""A project's Integration settings: the link between a project and the Hubstaff projects that feed it."""

import hashlib
from datetime import datetime, timedelta
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import HubstaffProject, LinkedHubstaffProject, ProjectLink
from integrations.selectors import get_installation, reachable_projects


def daily_slot(project_id, day):
    """The moment of `day` at which a project's daily sync is due: a fixed, evenly spread offset per project.

    Hashing the id spreads thousands of projects over the 24 hours, so that they never call Hubstaff in the same
    minute, and keeps each project at the same hour every day.
    """
    offset = int(hashlib.sha256(f"sync-slot:{project_id}".encode()).hexdigest()[:8], 16) % 86400
    midnight = timezone.make_aware(
        datetime.combine(day, datetime.min.time()), timezone.get_default_timezone()
    )
    return midnight + timedelta(seconds=offset)


def next_daily_slot(project_id, after):
    """The first daily slot of the project strictly after `after`."""
    local_day = timezone.localtime(after).date()
    slot = daily_slot(project_id, local_day)
    while slot <= after:
        local_day += timedelta(days=1)
        slot = daily_slot(project_id, local_day)
    return slot


@transaction.atomic
def update_link(
    project,
    *,
    enabled,
    hubstaff_project_ids,
    prevent_new_assignments,
    trim_assignments,
    count_work_breaks=None,
    hubstaff_time_zone=None,
):
    """Save a project's Integration settings: enabled only with at least one Hubstaff project selected, and only
    projects the installation reaches (the page and the API both come here). `count_work_breaks` and
    `hubstaff_time_zone` left None keep what the link has (a new link: counted, the default time zone)."""
    ids = sorted({int(i) for i in hubstaff_project_ids or []})
    if hubstaff_time_zone is not None:
        hubstaff_time_zone = hubstaff_time_zone.strip()
    if hubstaff_time_zone and hubstaff_time_zone not in available_timezones():
        raise ValidationError(
            {
                "hubstaff_time_zone": [
                    f"Unknown time zone {hubstaff_time_zone!r}: use a name like Europe/Warsaw."
                ]
            }
        )
    if enabled and get_installation(project.organization) is None:
        raise ValidationError({"enabled": ["An Administrator must install Hubstaff first."]})
    if enabled and not ids:
        raise ValidationError(
            {"hubstaff_project_ids": ["Select at least one Hubstaff project to sync from."]}
        )
    if ids:
        known = set(
            reachable_projects(project.organization)
            .filter(hubstaff_id__in=ids)
            .values_list("hubstaff_id", flat=True)
        )
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ValidationError(
                {
                    "hubstaff_project_ids": [
                        f"Hubstaff projects not reached by this organization's installation: {unknown}"
                    ]
                }
            )
    link, _ = ProjectLink.objects.select_for_update().get_or_create(
        organization_id=project.organization_id, project=project
    )
    link.enabled = bool(enabled)
    link.hubstaff_project_ids = ids
    link.prevent_new_assignments = bool(prevent_new_assignments)
    link.trim_assignments = bool(trim_assignments)
    if count_work_breaks is not None:
        link.count_work_breaks = bool(count_work_breaks)
    if hubstaff_time_zone is not None:
        link.hubstaff_time_zone = hubstaff_time_zone
    if link.enabled and link.next_sync_due_at is None:
        link.next_sync_due_at = next_daily_slot(project.pk, timezone.now())
    link.save()
    _link_hubstaff_projects(link, ids)
    return link


def _link_hubstaff_projects(link, ids):
    """Keep the link's LinkedHubstaffProject rows in step with its selection, in update_link's transaction.

    A Hubstaff project another project of the organization links is refused, naming that project: it would count
    every hour twice. The unique constraint decides when two saves race (the second insert waits for the first
    transaction, then fails).
    """
    LinkedHubstaffProject.objects.filter(link=link).exclude(hubstaff_project_id__in=ids).delete()
    _refuse_taken(link, ids)
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
        _refuse_taken(link, ids)  # another save took one meanwhile: name it
        raise


def _refuse_taken(link, ids):
    taken = (
        LinkedHubstaffProject.objects.filter(
            organization_id=link.organization_id, hubstaff_project_id__in=ids
        )
        .exclude(link=link)
        .select_related("link__project")
        .order_by("hubstaff_project_id")
    )
    names = dict(
        HubstaffProject.objects.for_org(link.organization_id)
        .filter(hubstaff_id__in=ids)
        .values_list("hubstaff_id", "name")
    )
    messages = [
        f"The Hubstaff project “{names.get(row.hubstaff_project_id, row.hubstaff_project_id)}” is already "
        f"linked to the project “{row.link.project.name}”: a Hubstaff project feeds one project at a time."
        for row in taken
    ]
    if messages:
        raise ValidationError({"hubstaff_project_ids": messages})
