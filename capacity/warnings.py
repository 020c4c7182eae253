"""What a Manager is told after planning someone beyond their availability: a warning, never a refusal."""

from __future__ import annotations

from projects.models import Assignment

from .availability import overallocation

# Days named one by one in a warning; the rest are counted.
DAYS_LISTED = 5


def overallocation_warning(assignment: Assignment) -> str | None:
    """The days (and hours) on which the saved assignment, with the person's other assignments, plans more than
    they are available; None if there are none."""
    over = overallocation(
        assignment.person,
        assignment.start_date,
        assignment.end_date,
        assignment.hours_per_day,
        excluding_assignment=assignment.pk,
    )
    if not over:
        return None
    listed = "; ".join(
        f"{day:%a %d %b %Y}: {planned:g} h planned, {available:g} h available"
        for day, planned, available in over[:DAYS_LISTED]
    )
    more = len(over) - DAYS_LISTED
    rest = f"; and {more} more day{'s' if more > 1 else ''}" if more > 0 else ""
    days = f"{len(over)} day{'s' if len(over) > 1 else ''}"
    return f"{assignment.person.full_name} is over-allocated on {days}: {listed}{rest}."
