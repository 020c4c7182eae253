"""Writes of capacity data shared by the pages and the API: working hours, settings, time off and its decisions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from people.models import Organization, Person

from .models import WEEKDAY_FIELDS, CapacitySettings, Source, TimeOff, WorkPattern


class ReadOnly(Exception):
    """The row is kept by the Hubstaff sync: it is changed in Hubstaff, and the next sync brings the change."""

    def __init__(self) -> None:
        super().__init__("This comes from Hubstaff: change it there; the next sync brings the change here.")


def save_work_pattern(person: Person, data: Mapping[str, Any]) -> WorkPattern:
    """The person's working hours from `data["effective_from"]` on; a pattern starting that same day (a Manager's
    or one Hubstaff set) is replaced, and the result is the Manager's own from then on."""
    pattern, _ = WorkPattern.objects.update_or_create(
        organization_id=person.organization_id,
        person=person,
        effective_from=data["effective_from"],
        defaults={**{field: data[field] for field in WEEKDAY_FIELDS}, "source": Source.MANUAL},
    )
    return pattern


def save_capacity_settings(organization: Organization, data: Mapping[str, Any]) -> CapacitySettings:
    """The organization's one settings row, created on its first save."""
    fields = [*WEEKDAY_FIELDS, "employees_request_time_off", "underused_hours_per_week"]
    saved, _ = CapacitySettings.objects.update_or_create(
        organization=organization, defaults={field: data[field] for field in fields if field in data}
    )
    return saved


def enter_time_off(time_off: TimeOff, entered_by: Person) -> TimeOff:
    """Time off a Manager enters: it counts at once (approved by them)."""
    if time_off.pk is None:
        time_off.status = TimeOff.Status.APPROVED
        time_off.requested_by = entered_by
        time_off.decided_by = entered_by
        time_off.decided_at = timezone.now()
    elif time_off.is_read_only:
        raise ReadOnly
    time_off.source = Source.MANUAL
    time_off.save()
    return time_off


def request_time_off(time_off: TimeOff, requested_by: Person) -> TimeOff:
    """Time off a person asks for: pending, not counted, until a Manager approves it."""
    time_off.status = TimeOff.Status.PENDING
    time_off.source = Source.MANUAL
    time_off.requested_by = requested_by
    time_off.save()
    return time_off


def decide_time_off(time_off: TimeOff, decided_by: Person, *, approve: bool) -> TimeOff:
    """Approve (it counts from now on) or deny (it stays on record, not counted) a request; a decision can be
    changed later the same way."""
    if time_off.is_read_only:
        raise ReadOnly
    time_off.status = TimeOff.Status.APPROVED if approve else TimeOff.Status.DENIED
    time_off.decided_by = decided_by
    time_off.decided_at = timezone.now()
    time_off.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return time_off


def delete_time_off(time_off: TimeOff) -> None:
    if time_off.is_read_only:
        raise ReadOnly
    time_off.delete()
