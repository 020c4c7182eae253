"""Writes of capacity data shared by the pages and the API: working hours, settings, time off and its decisions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from people.models import Organization, Person

from .models import WEEKDAY_FIELDS, CapacitySettings, Source, TimeOff, WorkPattern, settings_for


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


def set_hours_from_hubstaff(
    person: Person, effective_from: date, hours_per_week: Decimal
) -> WorkPattern | None:
    """Hubstaff's `expected_per_week` as the person's working hours from `effective_from`, where nobody here has set
    their hours: a person with any pattern of a Manager's (whatever its date) keeps theirs, and None is returned.

    The week is spread like the organization's default week (40 h over 8 h Monday to Friday: 20 h is 4 h those
    days), to the hundredth of an hour and at most 24 h a day.
    """
    patterns = WorkPattern.objects.for_org(person.organization_id).filter(person=person)
    if patterns.filter(source=Source.MANUAL).exists():
        return None
    default = settings_for(person.organization_id).week
    total = sum(default, Decimal(0))
    shares = default if total > 0 else (Decimal(1),) * 5 + (Decimal(0),) * 2
    share_total = sum(shares, Decimal(0))
    week = {
        field: min(Decimal(hours_per_week) * share / share_total, Decimal(24)).quantize(Decimal("0.01"))
        for field, share in zip(WEEKDAY_FIELDS, shares, strict=True)
    }
    pattern, _ = WorkPattern.objects.update_or_create(
        organization_id=person.organization_id,
        person=person,
        effective_from=effective_from,
        defaults={**week, "source": Source.HUBSTAFF},
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
