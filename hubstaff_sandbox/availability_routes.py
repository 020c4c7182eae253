"""Handlers of Hubstaff's time off requests and policies, holidays and limits (API v2), and of their control calls.

API v2 (read only, as the product uses it): ``time_off_requests``, ``time_off_policies``, ``holidays`` and
``limit_histories`` of an organization, errors and paging as every other listing (api.py); the members listing
shows limits with ``include_limits=true`` (availability.with_limits). The readings the sandbox takes where
Hubstaff's document is silent are listed in availability.py.

Control API (``--control`` only; errors are ours: 422 with ``{"error": ...}``, 404 for an unknown id):

- ``POST /_sandbox/time_off_policies`` ``{"organization": id or name, "name", "requires_approval"?: true,
  "paid"?: true}``; ``PATCH /_sandbox/time_off_policies/{id}`` ``{"status"?: "active"|"archived", "name"?,
  "paid"?, "requires_approval"?}``;
- ``POST /_sandbox/time_off_requests`` ``{"user": e-mail, name or id, "time_off_policy_id", "start_date",
  "stop_date"}`` (all day, both inclusive, in the user's time zone; ``"exclude_weekends"?``, ``"hours_per_day"?:
  8``) or ``{"user", "time_off_policy_id", "all_day": false, "starts_at", "stops_at"}`` (ISO 8601 times);
  ``"message"?``, ``"paid"?`` (paid out), ``"blame_user"?`` (who asks; default the organization's owner);
  submitted, or approved at once when the policy does not require approval;
- ``POST /_sandbox/time_off_requests/{id}/approve`` ``{"blame_user"?}``, ``POST .../{id}/deny``
  ``{"response", "blame_user"?}`` (the status endpoint's transitions); ``DELETE /_sandbox/time_off_requests/{id}``;
- ``POST /_sandbox/holidays`` ``{"organization", "name", "date", "paid"?: true, "amount_used"?: 28800}``;
  ``DELETE /_sandbox/holidays/{id}``;
- ``PATCH /_sandbox/organizations/{org_id}/members/{user}/limits`` ``{"daily_limit"?, "weekly_limit"?,
  "expected_per_week"?: hours or null, "since"?: date (default: the organization's today)}``: recorded in the
  limit histories.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from . import availability
from .availability import AvailabilityError
from .records import user_json
from .routing import HTTPError, invalid, parse_date, parse_time, route

MANAGERS = ("owner", "manager")


def _flag(body: dict, name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise HTTPError(422, f"{name} must be true or false")
    return value


def _control_date(value, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise HTTPError(422, f"{name} must be YYYY-MM-DD") from None


class AvailabilityRoutesMixin:
    # --- shared pieces ---------------------------------------------------------------------------
    def _availability(self) -> availability.Availability:
        return availability.state(self.sandbox)

    def _time_filter(self, name: str) -> tuple[int, int] | None:
        """``name[start]`` (inclusive) and ``name[stop]`` (exclusive), both optional; None without either."""
        start, stop = self.q(f"{name}[start]"), self.q(f"{name}[stop]")
        if not start and not stop:
            return None
        lo = parse_time(start, f"{name}[start]") if start else -(2**62)
        hi = parse_time(stop, f"{name}[stop]") if stop else 2**62
        if hi <= lo:
            raise invalid(f"{name}[stop] must be after {name}[start]")
        return lo, hi

    def _date_filter(self, name: str) -> tuple[dt.date, dt.date] | None:
        """``name[start]`` and ``name[stop]`` as dates, both inclusive and optional; None without either."""
        start, stop = self.q(f"{name}[start]"), self.q(f"{name}[stop]")
        if not start and not stop:
            return None
        lo = parse_date(start, f"{name}[start]") if start else dt.date.min
        hi = parse_date(stop, f"{name}[stop]") if stop else dt.date.max
        if hi < lo:
            raise invalid(f"{name}[stop] must not be before {name}[start]")
        return lo, hi

    def _own_only(self, member, user_ids: frozenset | None, me) -> frozenset | None:
        """Plain members (user, viewer) see their own records only, as with daily activities."""
        if member.role in MANAGERS:
            return user_ids
        return frozenset({me.id}) if user_ids is None else frozenset(user_ids & {me.id})

    # --- API v2 ----------------------------------------------------------------------------------
    @route("GET", "/v2/organizations/{org_id}/time_off_requests")
    def api_time_off_requests(self, org_id):
        _, user = self.bearer()
        start_id, limit = self.paging()
        org, member = self.org_access(org_id, user)
        starts = self._time_filter("starts_at")
        approved = self._time_filter("approved_at")
        created = self._time_filter("created")
        user_ids = self._own_only(member, self.id_list("user_ids"), user)
        av = self._availability()
        with av.lock:
            found = [
                r
                for r in av.requests.values()
                if r.organization_id == org.id
                and (user_ids is None or r.user_id in user_ids)
                and (starts is None or starts[0] <= r.starts < starts[1])
                and (approved is None or (r.approved is not None and approved[0] <= r.approved < approved[1]))
                and (created is None or created[0] <= r.created < created[1])
            ]
            page, pag = self.paged(found, start_id, limit)
            items = [availability.request_json(r) for r in page]
            policies = {r.policy_id: av.policies[r.policy_id] for r in page if r.policy_id in av.policies}
        extra = {}
        includes = self.includes()
        if "users" in includes:
            store = self.sandbox.store
            extra["users"] = [user_json(store.users[u]) for u in sorted({r.user_id for r in page})]
        if "time_off_policies" in includes:
            extra["time_off_policies"] = [availability.policy_json(policies[p]) for p in sorted(policies)]
        self.send_listing("time_off_requests", items, pag, **extra)

    @route("GET", "/v2/organizations/{org_id}/time_off_policies")
    def api_time_off_policies(self, org_id):
        _, user = self.bearer()
        start_id, limit = self.paging()
        org, _ = self.org_access(org_id, user)
        status = self.q("status") or "active"
        if status not in ("active", "archived", "all"):
            raise invalid("status does not have a valid value")
        av = self._availability()
        with av.lock:
            found = [
                p for p in av.policies.values() if p.organization_id == org.id and status in ("all", p.status)
            ]
            page, pag = self.paged(found, start_id, limit)
            items = [availability.policy_json(p) for p in page]
        self.send_listing("time_off_policies", items, pag)

    @route("GET", "/v2/organizations/{org_id}/holidays")
    def api_holidays(self, org_id):
        _, user = self.bearer()
        start_id, limit = self.paging()
        org, _ = self.org_access(org_id, user)
        dates = self._date_filter("date")
        created = self._time_filter("created")
        av = self._availability()
        with av.lock:
            found = [
                h
                for h in av.holidays.values()
                if h.organization_id == org.id
                and (dates is None or dates[0] <= h.date <= dates[1])
                and (created is None or created[0] <= h.created < created[1])
            ]
            page, pag = self.paged(found, start_id, limit)
            items = [availability.holiday_json(h) for h in page]
        self.send_listing("holidays", items, pag)

    @route("GET", "/v2/organizations/{org_id}/limit_histories")
    def api_limit_histories(self, org_id):
        _, user = self.bearer()
        start_id, limit = self.paging()
        org, member = self.org_access(org_id, user)
        since = self.q("date[start]")
        since_date = parse_date(since, "date[start]") if since else None
        limit_type = self.q("limit_type")
        if limit_type not in (None, "") and limit_type not in availability.LIMIT_TYPES:
            raise invalid("limit_type does not have a valid value")
        user_ids = self._own_only(member, self.id_list("user_ids"), user)
        av = self._availability()
        with av.lock:
            found = [
                p
                for p in av.limit_periods.values()
                if p.organization_id == org.id
                and (user_ids is None or p.user_id in user_ids)
                and (since_date is None or p.start_date >= since_date)
                and (not limit_type or p.limit_type == limit_type)
            ]
            page, pag = self.paged(found, start_id, limit)
            items = [availability.limit_period_json(p, org.zone()) for p in page]
        self.send_listing("limit_histories", items, pag)

    # --- control: policies -----------------------------------------------------------------------
    def _org_ref(self, ref):
        store = self.sandbox.store
        if isinstance(ref, int):
            org = store.organizations.get(ref)
        else:
            org = next((o for o in store.organizations.values() if o.name == ref), None)
        if org is None:
            raise HTTPError(422, f"unknown organization {ref!r}")
        return org

    def _policy(self, policy_id) -> availability.Policy:
        av = self._availability()
        with av.lock:
            p = av.policies.get(int(policy_id)) if str(policy_id).isdigit() else None
        if p is None:
            raise HTTPError(404, "time off policy not found")
        return p

    @route("POST", "/_sandbox/time_off_policies")
    def c_add_time_off_policy(self):
        body = self.json_body()
        org = self._org_ref(body.get("organization_id", body.get("organization")))
        if not body.get("name"):
            raise HTTPError(422, "name is required")
        p = availability.add_policy(
            self._availability(),
            org.id,
            str(body["name"]),
            requires_approval=_flag(body, "requires_approval", True),
            paid=_flag(body, "paid", True),
            by=self._blame(body, org.id, 0),
            now=int(self.sandbox.now()),
        )
        self.send_json(201, {"time_off_policy": availability.policy_json(p)})

    @route("PATCH", "/_sandbox/time_off_policies/{policy_id}")
    def c_edit_time_off_policy(self, policy_id):
        body = self.json_body()
        p = self._policy(policy_id)
        if "status" in body and body["status"] not in ("active", "archived"):
            raise HTTPError(422, "status must be active or archived")
        av = self._availability()
        with av.lock:
            p.status = body.get("status", p.status)
            p.name = str(body.get("name", p.name))
            p.paid = _flag(body, "paid", p.paid)
            p.requires_approval = _flag(body, "requires_approval", p.requires_approval)
            p.updated = int(self.sandbox.now())
        self.send_json(200, {"time_off_policy": availability.policy_json(p)})

    # --- control: time off requests --------------------------------------------------------------
    def _request_days(self, body: dict, zone: ZoneInfo, holidays: set[dt.date]) -> tuple[bool, list]:
        all_day = _flag(body, "all_day", True)
        if all_day:
            if "start_date" not in body or "stop_date" not in body:
                raise HTTPError(422, "start_date and stop_date are required for an all-day request")
            first = _control_date(body["start_date"], "start_date")
            last = _control_date(body["stop_date"], "stop_date")
            if last < first:
                raise HTTPError(422, "stop_date must not be before start_date")
            days = availability.request_days(
                zone, first, last, exclude_weekends=_flag(body, "exclude_weekends", False), holidays=holidays
            )
            hours = body.get("hours_per_day", 8)
            if not isinstance(hours, int | float) or isinstance(hours, bool) or not 0 < hours <= 24:
                raise HTTPError(422, "hours_per_day must be a number of hours (0 to 24)")
            for d in days:
                d.seconds = int(round(hours * 3600))
            return True, days
        if "starts_at" not in body or "stops_at" not in body:
            raise HTTPError(422, "starts_at and stops_at are required unless all_day")
        starts = self._moment(body["starts_at"], "starts_at")
        stops = self._moment(body["stops_at"], "stops_at")
        if stops <= starts:
            raise HTTPError(422, "stops_at must be after starts_at")
        return False, availability.span_days(zone, starts, stops, holidays)

    def _moment(self, value, name: str) -> int:
        try:
            return parse_time(str(value), name)
        except HTTPError:
            raise HTTPError(422, f"{name} must be an ISO 8601 time") from None

    @route("POST", "/_sandbox/time_off_requests")
    def c_add_time_off_request(self):
        body = self.json_body()
        if not isinstance(body.get("time_off_policy_id"), int):
            raise HTTPError(422, "time_off_policy_id is required")
        policy = self._policy(body["time_off_policy_id"])
        user = self._user_ref(body.get("user_id", body.get("user")))
        membership = self.sandbox.store.member_index.get((policy.organization_id, user.id))
        if membership is None:
            raise HTTPError(422, "the user is not a member of the policy's organization")
        av = self._availability()
        all_day, days = self._request_days(
            body, ZoneInfo(user.time_zone), availability.holiday_dates(av, policy.organization_id)
        )
        try:
            r = availability.add_request(
                av,
                policy,
                user.id,
                days,
                all_day=all_day,
                by=self._user_ref(body["blame_user"]).id if body.get("blame_user") is not None else user.id,
                now=int(self.sandbox.now()),
                message=str(body.get("message") or ""),
                paid=_flag(body, "paid", False),
            )
        except AvailabilityError as e:
            raise HTTPError(422, str(e)) from None
        self.send_json(201, {"time_off_request": availability.request_json(r)})

    def _decide(self, request_id: str, status: str) -> None:
        body = self.json_body()
        av = self._availability()
        with av.lock:
            r = av.requests.get(int(request_id)) if request_id.isdigit() else None
        if r is None:
            raise HTTPError(404, "time off request not found")
        try:
            r = availability.decide(
                av,
                r.id,
                status,
                by=self._blame(body, r.organization_id, r.user_id),
                now=int(self.sandbox.now()),
                response=body.get("response"),
            )
        except AvailabilityError as e:
            raise HTTPError(422, str(e)) from None
        self.send_json(200, {"time_off_request": availability.request_json(r)})

    @route("POST", "/_sandbox/time_off_requests/{request_id}/approve")
    def c_approve_time_off(self, request_id):
        self._decide(request_id, "approved")

    @route("POST", "/_sandbox/time_off_requests/{request_id}/deny")
    def c_deny_time_off(self, request_id):
        self._decide(request_id, "denied")

    @route("DELETE", "/_sandbox/time_off_requests/{request_id}")
    def c_delete_time_off(self, request_id):
        try:
            availability.delete_request(self._availability(), int(request_id) if request_id.isdigit() else -1)
        except KeyError:
            raise HTTPError(404, "time off request not found") from None
        self.send_json(200, {"deleted": int(request_id)})

    # --- control: holidays -----------------------------------------------------------------------
    @route("POST", "/_sandbox/holidays")
    def c_add_holiday(self):
        body = self.json_body()
        org = self._org_ref(body.get("organization_id", body.get("organization")))
        if not body.get("name"):
            raise HTTPError(422, "name is required")
        amount = body.get("amount_used", availability.WORKDAY_SECONDS)
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise HTTPError(422, "amount_used must be a non-negative number of seconds")
        h = availability.add_holiday(
            self._availability(),
            org.id,
            str(body["name"]),
            _control_date(body.get("date"), "date"),
            paid=_flag(body, "paid", True),
            amount_used=amount,
            now=int(self.sandbox.now()),
        )
        self.send_json(201, {"holiday": availability.holiday_json(h)})

    @route("DELETE", "/_sandbox/holidays/{holiday_id}")
    def c_delete_holiday(self, holiday_id):
        try:
            availability.delete_holiday(self._availability(), int(holiday_id) if holiday_id.isdigit() else -1)
        except KeyError:
            raise HTTPError(404, "holiday not found") from None
        self.send_json(200, {"deleted": int(holiday_id)})

    # --- control: limits -------------------------------------------------------------------------
    @route("PATCH", "/_sandbox/organizations/{org_id}/members/{user_ref}/limits")
    def c_member_limits(self, org_id, user_ref):
        body = self.json_body()
        store = self.sandbox.store
        user = self._user_ref(int(user_ref) if user_ref.isdigit() else user_ref)
        m = store.member_index.get((int(org_id), user.id)) if org_id.isdigit() else None
        if m is None:
            raise HTTPError(404, "membership not found")
        org = store.organizations[m.organization_id]
        hours: dict[str, float | None] = {}
        for limit_type, name in availability.LIMIT_FIELDS.items():
            if name not in body:
                continue
            value = body[name]
            if value is not None and (
                not isinstance(value, int | float) or isinstance(value, bool) or value < 0
            ):
                raise HTTPError(422, f"{name} must be a number of hours or null")
            hours[limit_type] = None if value is None else float(value)
        since = (
            _control_date(body["since"], "since") if "since" in body else org.local_date(self.sandbox.now())
        )
        try:
            now_set = availability.set_limits(
                self._availability(), org.id, user.id, hours, since, int(self.sandbox.now())
            )
        except AvailabilityError as e:
            raise HTTPError(422, str(e)) from None
        self.send_json(200, {"user_id": user.id, "limits": availability.limits_json(now_set)})
