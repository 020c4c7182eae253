"""Hubstaff's timesheets: which of a user's pay periods a manager approved (GET .../timesheets).

A timesheet is one user's pay period in one Hubstaff organization, across every project: its status (open,
submitted, approved, denied), whether it is locked, and the minutes tracked in it. Hubstaff approves whole
periods, never single days or projects; approval can be undone (a reopened timesheet is open again and has no
approval date). Pay periods are a member's setting: weekly, biweekly or others, so two people's periods need not
line up, and a period may start before and end after the dates asked for. Hubstaff's reference does not say
that approval freezes the period's time: plan for time added or deleted in an approved period (the timesheet
stays approved; its `tracked_minutes` changes).

Hubstaff's answer is checked here, once: a timesheet that lacks a field this module hands out, or has it in the
wrong type, makes the whole listing a `MalformedResponse` rather than a guess.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .client import HubstaffClient, Params
from .errors import MalformedResponse
from .fields import BadField as _Bad
from .fields import day as _date
from .fields import flag as _flag
from .fields import integer as _integer
from .fields import moment as _moment
from .fields import text as _text

# The statuses Hubstaff's reference lists for the `status` filter.
STATUSES = ("open", "submitted", "approved", "denied")


@dataclass(frozen=True)
class Timesheet:
    """One user's pay period as Hubstaff reports it.

    `tracked_minutes` is the time tracked in the whole period, on every project of the organization (Hubstaff
    counts minutes here, not seconds as in daily activities). `approved_on` is the UTC day of the approval as
    Hubstaff reports it, None when it reports none (an open, submitted, denied or reopened timesheet); only
    `is_approved` says the period is approved now. `status` is Hubstaff's word, kept as sent.
    """

    id: int
    user_id: int
    status: str
    locked: bool
    start_date: date
    stop_date: date
    approved_on: date | None
    tracked_minutes: int
    updated_at: datetime

    @property
    def is_approved(self) -> bool:
        return self.status == "approved"

    def covers(self, day: date) -> bool:
        """Whether `day` is one of the period's days (both ends included)."""
        return self.start_date <= day <= self.stop_date


def timesheets(
    client: HubstaffClient,
    organization_id: int,
    *,
    start: date,
    stop: date,
    approved_since: date | None = None,
    status: str | None = None,
) -> Iterator[Timesheet]:
    """The organization's timesheets whose period overlaps `start`..`stop` (both included), page after page.

    `approved_since` keeps those approved on that UTC day or later (approved ones only); `status` keeps one
    status (one of STATUSES). Every user's timesheets come, people who left the organization included; the
    order is Hubstaff's. Hubstaff's refusals are raised as the client raises them (Rejected, Refused, NotFound,
    RateLimited...); an answer of the wrong shape as MalformedResponse.
    """
    if stop < start:
        raise ValueError("stop is before start")
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    path = f"/organizations/{int(organization_id)}/timesheets"
    params: Params = {"date[start]": start.isoformat(), "date[stop]": stop.isoformat()}
    if approved_since is not None:
        params["approved[start]"] = approved_since.isoformat()
    if status is not None:
        params["status"] = status
    for item in client.listing(path, "timesheets", params):
        yield timesheet(item, path)


def timesheet(item: object, path: str = "/timesheets") -> Timesheet:
    """A Timesheet from one item of Hubstaff's `timesheets` list; MalformedResponse names the first bad field."""
    if not isinstance(item, dict):
        raise MalformedResponse(f"Hubstaff's answer to GET {path} has a timesheet that is not an object.")
    try:
        return Timesheet(
            id=_integer(item, "id"),
            user_id=_integer(item, "user_id"),
            status=_text(item, "status"),
            locked=_flag(item, "locked"),
            start_date=_date(item, "start_date"),
            stop_date=_date(item, "stop_date"),
            approved_on=_approval_day(item),
            tracked_minutes=_integer(item, "tracked"),
            updated_at=_moment(item, "updated_at"),
        )
    except _Bad as bad:
        raise MalformedResponse(
            f"Hubstaff's answer to GET {path} has a timesheet without a valid '{bad.field}'."
        ) from None


def _approval_day(item: dict[str, Any]) -> date | None:
    """`approved_on`: absent or null until approved. The reference types it a date; a time is taken as its UTC
    day (the `approved[start]` filter counts in UTC)."""
    value = item.get("approved_on")
    if value is None:
        return None
    if isinstance(value, str) and "T" in value:
        return _moment(item, "approved_on").date()
    return _date(item, "approved_on")
