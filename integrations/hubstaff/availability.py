"""Hubstaff's time off, holidays and members' expected hours: what capacity planning reads from Hubstaff.

Four listings of an organization (GET .../time_off_requests, .../time_off_policies, .../holidays,
.../limit_histories) and the limits on its members (GET .../members?include_limits=true), read page after page
through `HubstaffClient.listing` and handed out as small frozen records with parsed values:

- times are aware datetimes in UTC, days are dates;
- durations from these listings are whole **seconds** (`*_seconds`), as Hubstaff counts them there;
- the members' limits are **hours** as `Decimal` (Hubstaff gives them as numbers of hours: 37.5), never floats.

What a caller must know of Hubstaff's readings (docs/hubstaff.md):

- A request's `status` is Hubstaff's word, kept as sent: "submitted" (waiting), "approved" or "denied"; an
  approved request can be denied later and a denied one approved, and a request can be deleted (it is then
  simply absent: there is no tombstone). Only `is_approved` says whether the time off counts.
- An all-day request's times are midnights in the *user's* time zone, printed in UTC: its days are in `days`
  (the per-day breakdown Hubstaff sends), not in the UTC dates of `starts_at` / `stops_at`.
- `paid` on a request says whether it has been paid out; whether its policy pays is the policy's `paid`.
- Requests are filtered by their *start*: one that starts before the window and runs into it is not listed, so
  ask from early enough. A holiday's `amount_used_seconds` is None when Hubstaff sends none (unpaid).
- Limit histories filtered `since` a date list periods that start on or after it: the period in force on that
  date may start earlier. The period in force now has no `stop_date`.

Hubstaff's answer is checked here, once: an item that lacks a field this module hands out, or has it in the
wrong type, makes the whole listing a `MalformedResponse` rather than a guess. Hubstaff's refusals are raised as
the client raises them (Rejected, Refused, NotFound, RateLimited...).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .client import HubstaffClient, Params
from .fields import BadField as _Bad
from .fields import day as _date
from .fields import flag as _flag
from .fields import integer as _integer
from .fields import moment as _moment
from .fields import parsed as _parsed
from .fields import text as _text
from .windows import iso_utc

# Hubstaff's words for a request's status (the transitions of its status endpoint).
APPROVED = "approved"
# The `status` filter of policies and the `limit_type` filter of limit histories, as the reference lists them.
POLICY_STATUSES = ("active", "archived", "all")
LIMIT_TYPES = ("daily", "weekly", "expected_per_week")


@dataclass(frozen=True)
class TimeOffDay:
    """One day of a time off request: the user's `date`, and the seconds of time off taken on it."""

    date: date
    seconds: int
    holiday: bool


@dataclass(frozen=True)
class TimeOffRequest:
    """One time off request of one user, under one policy.

    `amount_used_seconds` is the time off taken over the whole request; `days` splits it by the user's days
    (empty when Hubstaff sends no breakdown). `approved_at` is the last approval, `denied_at` the last denial:
    both can be set at once, only `status` says where the request stands.
    """

    id: int
    user_id: int
    policy_id: int
    status: str
    all_day: bool
    starts_at: datetime
    stops_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None
    denied_at: datetime | None
    paid: bool
    amount_used_seconds: int
    days: tuple[TimeOffDay, ...]
    updated_at: datetime

    @property
    def is_approved(self) -> bool:
        return self.status == APPROVED


@dataclass(frozen=True)
class TimeOffPolicy:
    """A kind of time off (vacation, sick leave...): whether its requests need approval and whether it pays."""

    id: int
    name: str
    requires_approval: bool
    paid: bool
    status: str


@dataclass(frozen=True)
class Holiday:
    """A holiday of the organization on `date`; `amount_used_seconds` is the time paid for it (None: not sent)."""

    id: int
    date: date
    name: str
    paid: bool
    amount_used_seconds: int | None


@dataclass(frozen=True)
class MemberLimits:
    """A member's limits as set now, in hours a week or a day; None where none is set."""

    user_id: int
    expected_per_week: Decimal | None
    weekly_limit: Decimal | None
    daily_limit: Decimal | None


@dataclass(frozen=True)
class LimitPeriod:
    """One period of one of a member's limits: `total_seconds` from `start_date` to `stop_date` (both included;
    None: still in force). `limit_type` is one of LIMIT_TYPES; for "expected_per_week" the total is a week's."""

    id: int
    user_id: int
    limit_type: str
    start_date: date
    stop_date: date | None
    total_seconds: int

    def covers(self, day: date) -> bool:
        return self.start_date <= day and (self.stop_date is None or day <= self.stop_date)


# --- the listings


def time_off_requests(
    client: HubstaffClient,
    organization_id: int,
    *,
    starts_from: datetime,
    starts_until: datetime,
    user_ids: Iterable[int] | None = None,
) -> Iterator[TimeOffRequest]:
    """The organization's time off requests that start in [starts_from, starts_until), of every status.

    `user_ids` keeps those users' requests. The order is Hubstaff's.
    """
    if starts_until <= starts_from:
        raise ValueError("starts_until is not after starts_from")
    path = f"/organizations/{int(organization_id)}/time_off_requests"
    params: Params = {"starts_at[start]": iso_utc(starts_from), "starts_at[stop]": iso_utc(starts_until)}
    if user_ids is not None:
        params["user_ids[]"] = [int(i) for i in user_ids]
    for item in client.listing(path, "time_off_requests", params):
        yield _parsed(item, path, "a time off request", time_off_request)


def time_off_policies(
    client: HubstaffClient, organization_id: int, *, status: str = "all"
) -> Iterator[TimeOffPolicy]:
    """The organization's time off policies; archived ones too by default (old requests still name them)."""
    if status not in POLICY_STATUSES:
        raise ValueError(f"status must be one of {', '.join(POLICY_STATUSES)}")
    path = f"/organizations/{int(organization_id)}/time_off_policies"
    for item in client.listing(path, "time_off_policies", {"status": status}):
        yield _parsed(item, path, "a time off policy", time_off_policy)


def holidays(client: HubstaffClient, organization_id: int, *, start: date, stop: date) -> Iterator[Holiday]:
    """The organization's holidays from `start` to `stop` (both included). Hubstaff does not say which members
    a holiday applies to."""
    if stop < start:
        raise ValueError("stop is before start")
    path = f"/organizations/{int(organization_id)}/holidays"
    params: Params = {"date[start]": start.isoformat(), "date[stop]": stop.isoformat()}
    for item in client.listing(path, "holidays", params):
        yield _parsed(item, path, "a holiday", holiday)


def member_limits(client: HubstaffClient, organization_id: int) -> Iterator[MemberLimits]:
    """Every member's limits as set now (people who left included), one per member; a member without limits
    comes with every limit None. For the hours expected before a change, see `limit_histories`."""
    path = f"/organizations/{int(organization_id)}/members"
    params: Params = {"include_limits": "true", "include_removed": "true"}
    for item in client.listing(path, "members", params):
        yield _parsed(item, path, "a member", member_limit)


def limit_histories(
    client: HubstaffClient,
    organization_id: int,
    *,
    since: date | None = None,
    user_ids: Iterable[int] | None = None,
    limit_type: str | None = None,
) -> Iterator[LimitPeriod]:
    """Periods of the members' limits: every period, or those starting on or after `since` (the one in force on
    `since` may have started earlier: leave `since` out to have it); `user_ids` and `limit_type` (one of
    LIMIT_TYPES) narrow them."""
    if limit_type is not None and limit_type not in LIMIT_TYPES:
        raise ValueError(f"limit_type must be one of {', '.join(LIMIT_TYPES)}")
    path = f"/organizations/{int(organization_id)}/limit_histories"
    params: Params = {}
    if since is not None:
        params["date[start]"] = since.isoformat()
    if user_ids is not None:
        params["user_ids[]"] = [int(i) for i in user_ids]
    if limit_type is not None:
        params["limit_type"] = limit_type
    for item in client.listing(path, "limit_histories", params):
        yield _parsed(item, path, "a limit history", limit_period)


# --- one item each (public for the tests and for callers that read a side-load)


def time_off_request(item: dict[str, Any]) -> TimeOffRequest:
    return TimeOffRequest(
        id=_integer(item, "id"),
        user_id=_integer(item, "user_id"),
        policy_id=_integer(item, "time_off_policy_id"),
        status=_text(item, "status"),
        all_day=_flag(item, "all_day"),
        starts_at=_moment(item, "starts_at"),
        stops_at=_moment(item, "stops_at"),
        submitted_at=_optional_moment(item, "submitted_at"),
        approved_at=_optional_moment(item, "approved_at"),
        denied_at=_optional_moment(item, "denied_at"),
        paid=_flag(item, "paid"),
        amount_used_seconds=_integer(item, "amount_used"),
        days=_days(item),
        updated_at=_moment(item, "updated_at"),
    )


def time_off_policy(item: dict[str, Any]) -> TimeOffPolicy:
    return TimeOffPolicy(
        id=_integer(item, "id"),
        name=_text(item, "name"),
        requires_approval=_flag(item, "requires_approval"),
        paid=_flag(item, "paid"),
        status=_text(item, "status"),
    )


def holiday(item: dict[str, Any]) -> Holiday:
    amount = item.get("amount_used")
    return Holiday(
        id=_integer(item, "id"),
        date=_date(item, "date"),
        name=_text(item, "name"),
        paid=_flag(item, "paid"),
        amount_used_seconds=None if amount is None else _integer(item, "amount_used"),
    )


def member_limit(item: dict[str, Any]) -> MemberLimits:
    limits = item.get("limits")
    if limits is None:
        limits = {}
    elif not isinstance(limits, dict):
        raise _Bad("limits")
    return MemberLimits(
        user_id=_integer(item, "user_id"),
        expected_per_week=_hours(limits, "expected_per_week"),
        weekly_limit=_hours(limits, "weekly_limit"),
        daily_limit=_hours(limits, "daily_limit"),
    )


def limit_period(item: dict[str, Any]) -> LimitPeriod:
    stop = item.get("stop_date")
    return LimitPeriod(
        id=_integer(item, "id"),
        user_id=_integer(item, "user_id"),
        limit_type=_text(item, "limit_type"),
        start_date=_date(item, "start_date"),
        stop_date=None if stop is None else _date(item, "stop_date"),
        total_seconds=_integer(item, "total"),
    )


# --- checking Hubstaff's values


def _optional_moment(item: dict[str, Any], field: str) -> datetime | None:
    return None if item.get(field) is None else _moment(item, field)


def _hours(item: dict[str, Any], field: str) -> Decimal | None:
    """Hours as Hubstaff sends them (a number, 37.5), exactly as written; None when absent or null."""
    value = item.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Bad(field)
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        raise _Bad(field) from None
    if not hours.is_finite() or hours < 0:
        raise _Bad(field)
    return hours


def _days(item: dict[str, Any]) -> tuple[TimeOffDay, ...]:
    """`time_off_request_days`: a list of days (the reference's $ref names one day: one object is taken as a
    list of one); absent or null is no breakdown."""
    value = item.get("time_off_request_days")
    if value is None:
        return ()
    entries = [value] if isinstance(value, dict) else value
    if not isinstance(entries, list):
        raise _Bad("time_off_request_days")
    days = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise _Bad("time_off_request_days")
        try:
            days.append(
                TimeOffDay(
                    date=_date(entry, "date"),
                    seconds=_integer(entry, "amount_used"),
                    holiday=_flag(entry, "holiday"),
                )
            )
        except _Bad as bad:
            raise _Bad(f"time_off_request_days.{bad.field}") from None
    return tuple(days)
