"""Handlers of Hubstaff's timesheets (API v2) and of the control calls that submit, approve, deny and reopen them.

The listing is held to contract.d/timesheets.json; what the reference leaves open is read as timesheets.py says.
Hubstaff has no API call that submits or approves a timesheet: those are control calls (``--control`` only,
errors 422 ``{"error": ...}`` like the rest of the control API):

- ``PUT /_sandbox/organizations/{org_id}/pay_period`` ``{"pay_period": "weekly"|"biweekly", "starts_on"?:
  "YYYY-MM-DD", "user"?: e-mail, name or id}``: the organization's pay period (or one member's); periods start
  on ``starts_on`` and every 7 or 14 days before and after it (default: Mondays);
- ``POST /_sandbox/organizations/{org_id}/timesheets/{action}`` (submit, approve, deny, reopen) ``{"user",
  "date": "YYYY-MM-DD", "by"?}``: the action on the user's timesheet of the period holding ``date``; ``by``
  approves (default: the organization's owner); answers ``{"timesheet": ...}`` as the API prints it;
- ``GET /_sandbox/organizations/{org_id}/timesheets``: every timesheet of the organization, unpaged.
"""

from __future__ import annotations

import datetime as dt

from . import timesheets
from .records import user_json
from .routing import HTTPError, invalid, parse_date, route


class TimesheetRoutesMixin:
    # --- API v2 ----------------------------------------------------------------------------------
    def _optional_date(self, name: str) -> dt.date | None:
        value = self.q(name)
        return None if value is None else parse_date(value, name)

    @route("GET", "/v2/organizations/{org_id}/timesheets")
    def api_timesheets(self, org_id):
        _, user = self.bearer()
        start_id, limit = self.paging()
        org, member = self.org_access(org_id, user)
        first, last = self._optional_date("date[start]"), self._optional_date("date[stop]")
        if first is not None and last is not None and last < first:
            raise invalid("date[stop] must not be before date[start]")
        approved = self._optional_date("approved[start]")
        status = self.q("status")
        if status is not None and status not in timesheets.STATUSES:
            raise invalid("status does not have a valid value")
        own = frozenset({user.id}) if member.role in ("user", "viewer") else None  # plain members: their own
        items = timesheets.state(self.sandbox).listing(
            self.sandbox.store, org.id, (first, last), user_ids=own
        )
        if status is not None:
            items = [t for t in items if t["status"] == status]
        if approved is not None:
            items = [t for t in items if t.get("approved_on", "") >= approved.isoformat()]
        page, pag = self.paged(items, start_id, limit, key=lambda t: t["id"])
        extra = {}
        if "users" in self.includes():
            store = self.sandbox.store
            extra["users"] = [user_json(store.users[u]) for u in sorted({t["user_id"] for t in page})]
        self.send_listing("timesheets", page, pag, **extra)

    # --- control ---------------------------------------------------------------------------------
    def _timesheet_org(self, org_id: str):
        org = self.sandbox.store.organizations.get(int(org_id)) if org_id.isdigit() else None
        if org is None:
            raise HTTPError(404, "organization not found")
        return org

    def _timesheet_member(self, org, ref) -> int:
        user = self._user_ref(ref)
        if (org.id, user.id) not in self.sandbox.store.member_index:
            raise HTTPError(422, f"{ref!r} is not a member of organization {org.id}")
        return user.id

    @route("PUT", "/_sandbox/organizations/{org_id}/pay_period")
    def c_pay_period(self, org_id):
        body = self.json_body()
        org = self._timesheet_org(org_id)
        ref = body.get("user_id", body.get("user"))
        user_id = None if ref is None else self._timesheet_member(org, ref)
        anchor = None
        if body.get("starts_on") is not None:
            try:
                anchor = dt.date.fromisoformat(str(body["starts_on"]))
            except ValueError:
                raise HTTPError(422, "starts_on must be YYYY-MM-DD") from None
        book = timesheets.state(self.sandbox)
        try:
            setting = book.set_pay_period(org.id, user_id, str(body.get("pay_period")), anchor)
        except timesheets.TimesheetError as e:
            raise HTTPError(422, str(e)) from None
        self.send_json(200, {"organization_id": org.id, "user_id": user_id, **setting.public()})

    @route("POST", "/_sandbox/organizations/{org_id}/timesheets/{action}")
    def c_timesheet_action(self, org_id, action):
        body = self.json_body()
        org = self._timesheet_org(org_id)
        if action not in timesheets.ACTIONS:
            raise HTTPError(404, f"no timesheet action {action!r}: {', '.join(timesheets.ACTIONS)}")
        user_id = self._timesheet_member(org, body.get("user_id", body.get("user")))
        try:
            day = dt.date.fromisoformat(str(body.get("date")))
        except ValueError:
            raise HTTPError(422, "date must be YYYY-MM-DD") from None
        if body.get("by") is not None:
            by = self._timesheet_member(org, body["by"])
        else:
            by = self._blame({}, org.id, user_id)  # the organization's owner
        book = timesheets.state(self.sandbox)
        now = int(self.sandbox.now())
        try:
            sheet = book.act(self.sandbox.store, org.id, user_id, day, action, by, now)
        except timesheets.TimesheetError as e:
            raise HTTPError(422, str(e)) from None
        self.send_json(200, {"timesheet": sheet})

    @route("GET", "/_sandbox/organizations/{org_id}/timesheets")
    def c_timesheets(self, org_id):
        org = self._timesheet_org(org_id)
        items = timesheets.state(self.sandbox).listing(self.sandbox.store, org.id)
        self.send_json(200, {"timesheets": items})
