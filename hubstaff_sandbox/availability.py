"""Time off requests and policies, holidays and members' limits of the sandbox's organizations, and how API v2
prints them (definitions TimeOffRequest, TimeOffRequestDay, TimeOffPolicy, Holiday, LimitHistory and
OrganizationMemberLimits of Hubstaff's Swagger document; contract.d/availability.json lists their fields).

A scenario does not load any of this: the control API makes it (availability_routes.py), and the state lives in
``Sandbox.extras["availability"]``, made on first use and gone when a scenario loads.

Where the document is silent, the sandbox takes the reading that is worst for a client (docs/hubstaff.md):

- ``status`` is ``submitted`` (waiting for approval), ``approved`` or ``denied``: the document names these in the
  transitions of its status endpoint (submitted -> approved / denied, approved -> denied, denied -> approved).
  A request under a policy that does not require approval is approved when it is made.
- A decision keeps the times of earlier ones: a denied request approved again keeps its ``denied_at`` and
  ``denied_by_id``; only ``status`` says where it stands. ``approved_at`` is the last approval.
- A deleted request is gone from the listing, whatever its status, with no trace (no tombstone, no event).
- ``paid`` on a request is whether it has been paid out (payroll), not whether its policy pays: that is the
  policy's ``paid``. Times not set print as null.
- An all-day request runs from midnight of its first day to midnight after its last day in the *user's* time
  zone, printed in UTC (``2026-03-01T23:00:00Z`` for a Warsaw user's 2 March): its UTC dates are not its days.
  ``time_off_request_days`` is a list of days (the document's $ref names one day, but its description and the
  request body are lists), every calendar day of the range unless ``exclude_weekends``, 8 hours each unless
  given; ``amount_used`` is their sum, in seconds.
- ``starts_at[start|stop]`` filter on the request's start: a request that began before the window and runs
  into it is not listed. ``approved_at[..]`` lists only requests with an approval time in range.
- Members with the ``user`` or ``viewer`` role see only their own requests and limit histories.
- A holiday's ``amount_used`` (seconds paid) is absent when the holiday is unpaid; the listing does not say which
  members a holiday applies to.
- Members' limits are hours (numbers); a limit not set prints as null, ``include_limits`` shows the values
  last set. Each change of a limit closes the period in force (its ``stop_date`` is the day before the change)
  and opens one from the change's date, whose ``stop_date`` / ``stop_time`` is null until the next change;
  ``total`` is the limit in seconds. ``date[start]`` lists periods that *start* on or after that date, so the
  period in force on that date is left out when it began earlier.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from .store import iso_ts

STATUSES = ("submitted", "approved", "denied")
# submitted -> approved / denied, approved -> denied, denied -> approved (the status endpoint's description)
TRANSITIONS = {
    ("submitted", "approved"),
    ("submitted", "denied"),
    ("approved", "denied"),
    ("denied", "approved"),
}
LIMIT_TYPES = ("daily", "weekly", "expected_per_week")
# OrganizationMemberLimits' field of each limit type
LIMIT_FIELDS = {"daily": "daily_limit", "weekly": "weekly_limit", "expected_per_week": "expected_per_week"}
WORKDAY_SECONDS = 8 * 3600


class AvailabilityError(ValueError):
    """A control call asked for something the data does not allow (answered 422)."""


@dataclass
class Policy:
    id: int
    organization_id: int
    name: str
    requires_approval: bool
    paid: bool
    created_by_id: int
    created: int
    updated: int
    status: str = "active"


@dataclass
class Day:
    date: dt.date
    seconds: int
    starts: int
    stops: int
    holiday: bool = False


@dataclass
class Request:
    id: int
    organization_id: int
    user_id: int
    policy_id: int
    all_day: bool
    starts: int
    stops: int
    days: list[Day]
    created_by_id: int
    created: int
    message: str = ""
    status: str = "submitted"
    paid: bool = False
    response: str | None = None
    approved: int | None = None
    approved_by_id: int | None = None
    denied: int | None = None
    denied_by_id: int | None = None
    updated: int = 0


@dataclass
class Holiday:
    id: int
    organization_id: int
    name: str
    date: dt.date
    paid: bool
    amount_used: int
    created: int
    updated: int


@dataclass
class LimitPeriod:
    id: int
    organization_id: int
    user_id: int
    limit_type: str
    start_date: dt.date
    total: int
    created: int
    updated: int
    stop_date: dt.date | None = None


@dataclass
class Availability:
    """One sandbox's time off, holidays and limits; ``lock`` guards every change and listing."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    next_id: int = 1
    policies: dict[int, Policy] = field(default_factory=dict)
    requests: dict[int, Request] = field(default_factory=dict)
    holidays: dict[int, Holiday] = field(default_factory=dict)
    limit_periods: dict[int, LimitPeriod] = field(default_factory=dict)
    # (organization id, user id) -> OrganizationMemberLimits' hours as last set (a limit type absent: not set)
    limits: dict[tuple[int, int], dict[str, float]] = field(default_factory=dict)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


def state(sandbox) -> Availability:
    """The sandbox's availability state, made on first use (a scenario load empties ``extras``)."""
    with sandbox.lock:
        found = sandbox.extras.get("availability")
        if not isinstance(found, Availability):
            found = sandbox.extras["availability"] = Availability()
        return found


# --- changes (the control API's) -----------------------------------------------------------------------------


def add_policy(
    av: Availability, org_id: int, name: str, *, requires_approval: bool, paid: bool, by: int, now: int
):
    with av.lock:
        p = Policy(av.new_id(), org_id, name, requires_approval, paid, by, now, now)
        av.policies[p.id] = p
        return p


def request_days(
    zone: ZoneInfo, first: dt.date, last: dt.date, *, exclude_weekends: bool, holidays: set[dt.date]
) -> list[Day]:
    """The days of an all-day request from ``first`` to ``last`` (inclusive) in the user's time zone."""
    days, day = [], first
    while day <= last:
        if not (exclude_weekends and day.weekday() >= 5):
            starts = int(dt.datetime.combine(day, dt.time(0), tzinfo=zone).timestamp())
            stops = int(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone).timestamp())
            days.append(Day(day, WORKDAY_SECONDS, starts, stops, day in holidays))
        day += dt.timedelta(days=1)
    return days


def span_days(zone: ZoneInfo, starts: int, stops: int, holidays: set[dt.date]) -> list[Day]:
    """The days a request with times covers, each with the seconds of the span that fall on it."""
    days, cursor = [], starts
    while cursor < stops:
        local = dt.datetime.fromtimestamp(cursor, zone).date()
        midnight = int(dt.datetime.combine(local + dt.timedelta(days=1), dt.time(0), tzinfo=zone).timestamp())
        end = min(stops, midnight)
        days.append(Day(local, end - cursor, cursor, end, local in holidays))
        cursor = end
    return days


def holiday_dates(av: Availability, org_id: int) -> set[dt.date]:
    with av.lock:
        return {h.date for h in av.holidays.values() if h.organization_id == org_id}


def add_request(
    av: Availability,
    policy: Policy,
    user_id: int,
    days: list[Day],
    *,
    all_day: bool,
    by: int,
    now: int,
    message: str = "",
    paid: bool = False,
) -> Request:
    if not days:
        raise AvailabilityError("the time off covers no day")
    with av.lock:
        r = Request(
            av.new_id(),
            policy.organization_id,
            user_id,
            policy.id,
            all_day,
            days[0].starts,
            days[-1].stops,
            days,
            by,
            now,
            message=message,
            paid=paid,
            updated=now,
        )
        if not policy.requires_approval:  # "When false time off requests are automatically approved."
            r.status, r.approved, r.approved_by_id = "approved", now, by
        av.requests[r.id] = r
        return r


def decide(av: Availability, request_id: int, status: str, *, by: int, now: int, response: str | None = None):
    """Approve or deny, as the status endpoint allows (paid requests cannot change)."""
    with av.lock:
        r = av.requests.get(request_id)
        if r is None:
            raise KeyError(request_id)
        if r.paid:
            raise AvailabilityError("a paid time off request cannot be approved or denied")
        if (r.status, status) not in TRANSITIONS:
            raise AvailabilityError(f"a {r.status} time off request cannot become {status}")
        if status == "denied" and not response:
            raise AvailabilityError("a response (the reason) is required when denying")
        r.status, r.updated = status, now
        if status == "approved":
            r.approved, r.approved_by_id = now, by
        else:
            r.denied, r.denied_by_id, r.response = now, by, response
        return r


def delete_request(av: Availability, request_id: int) -> None:
    with av.lock:
        if av.requests.pop(request_id, None) is None:
            raise KeyError(request_id)


def add_holiday(
    av: Availability, org_id: int, name: str, day: dt.date, *, paid: bool, amount_used: int, now: int
):
    with av.lock:
        h = Holiday(av.new_id(), org_id, name, day, paid, amount_used, now, now)
        av.holidays[h.id] = h
        return h


def delete_holiday(av: Availability, holiday_id: int) -> None:
    with av.lock:
        if av.holidays.pop(holiday_id, None) is None:
            raise KeyError(holiday_id)


def set_limits(
    av: Availability, org_id: int, user_id: int, hours: dict[str, float | None], since: dt.date, now: int
) -> dict[str, float]:
    """Set (a number of hours) or clear (None) limits from ``since``; each change ends the period in force the
    day before and, unless cleared, opens a new one. Returns the member's limits now set."""
    with av.lock:
        current = av.limits.setdefault((org_id, user_id), {})
        changes = {t: v for t, v in hours.items() if current.get(t) != v}
        in_force = {
            p.limit_type: p
            for p in av.limit_periods.values()
            if (p.organization_id, p.user_id, p.stop_date) == (org_id, user_id, None)
            and p.limit_type in changes
        }
        for p in in_force.values():  # checked first: a refused call changes nothing
            if since <= p.start_date:
                raise AvailabilityError(f"the {p.limit_type} limit already changed on {p.start_date}")
        for limit_type, value in changes.items():
            if limit_type in in_force:
                p = in_force[limit_type]
                p.stop_date, p.updated = since - dt.timedelta(days=1), now
            if value is None:
                current.pop(limit_type, None)
                continue
            current[limit_type] = value
            period = LimitPeriod(
                av.new_id(), org_id, user_id, limit_type, since, int(round(value * 3600)), now, now
            )
            av.limit_periods[period.id] = period
        return dict(current)


# --- API v2's records ----------------------------------------------------------------------------------------


def _ts(epoch: int | None) -> str | None:
    return None if epoch is None else iso_ts(epoch)


def day_json(d: Day, paid: bool) -> dict:
    return {
        "date": d.date.isoformat(),
        "amount_used": d.seconds,
        "starts_at": iso_ts(d.starts),
        "stops_at": iso_ts(d.stops),
        "holiday": d.holiday,
        "paid": paid,
    }


def request_json(r: Request) -> dict:
    return {
        "id": r.id,
        "user_id": r.user_id,
        "time_off_policy_id": r.policy_id,
        "status": r.status,
        "all_day": r.all_day,
        "starts_at": iso_ts(r.starts),
        "stops_at": iso_ts(r.stops),
        "submitted_at": iso_ts(r.created),
        "approved_at": _ts(r.approved),
        "denied_at": _ts(r.denied),
        "paid": r.paid,
        "amount_used": sum(d.seconds for d in r.days),
        "message": r.message,
        "response": r.response,
        "created_by_id": r.created_by_id,
        "approved_by_id": r.approved_by_id,
        "denied_by_id": r.denied_by_id,
        "team_payment_detail_id": None,
        "team_payment_id": None,
        "time_off_request_days": [day_json(d, r.paid) for d in r.days],
        "created_at": iso_ts(r.created),
        "updated_at": iso_ts(r.updated),
    }


def policy_json(p: Policy) -> dict:
    return {
        "id": p.id,
        "organization_id": p.organization_id,
        "created_at": iso_ts(p.created),
        "updated_at": iso_ts(p.updated),
        "name": p.name,
        "created_by_id": p.created_by_id,
        "auto_add_new_users": True,
        "allow_negative_balances": False,
        "requires_approval": p.requires_approval,
        "balance_rolls_over_annually": False,
        "paid": p.paid,
        "status": p.status,
        "policy_type": "list",
        "policy_config": {"starting_balance": 0.0},
    }


def holiday_json(h: Holiday) -> dict:
    out = {
        "id": h.id,
        "organization_id": h.organization_id,
        "name": h.name,
        "auto_add_new_users": True,
        "paid": h.paid,
        "created_at": iso_ts(h.created),
        "updated_at": iso_ts(h.updated),
        "date": h.date.isoformat(),
    }
    if h.paid:
        out["amount_used"] = h.amount_used
    return out


def limit_period_json(p: LimitPeriod, zone: ZoneInfo) -> dict:
    def midnight(day: dt.date) -> str:
        return iso_ts(int(dt.datetime.combine(day, dt.time(0), tzinfo=zone).timestamp()))

    return {
        "id": p.id,
        "user_id": p.user_id,
        "limit_type": p.limit_type,
        "start_date": p.start_date.isoformat(),
        "stop_date": p.stop_date.isoformat() if p.stop_date else None,
        "start_time": midnight(p.start_date),
        "stop_time": midnight(p.stop_date + dt.timedelta(days=1)) if p.stop_date else None,
        "total": p.total,
        "created_at": iso_ts(p.created),
        "updated_at": iso_ts(p.updated),
    }


def limits_json(hours: dict[str, float]) -> dict:
    """OrganizationMemberLimits: hours, null where not set; tracking allowed and expected on workdays."""
    return {
        "limits_by_shifts": False,
        "weekly_limit": hours.get("weekly"),
        "daily_limit": hours.get("daily"),
        "dow_limit": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
        "expected_per_week": hours.get("expected_per_week"),
        "dow_expected": ["monday", "tuesday", "wednesday", "thursday", "friday"],
    }


def with_limits(sandbox, org_id: int, members: list[dict]) -> list[dict]:
    """Members of ``members?include_limits=true``: each with its ``limits``."""
    av = state(sandbox)
    with av.lock:
        return [{**m, "limits": limits_json(av.limits.get((org_id, m["user_id"]), {}))} for m in members]
