"""Control API (``--control`` only), data half: scenarios, daily rows, organizations and members.

Every change of a daily row made here is recorded in the time edit log (timelog.py), as Hubstaff records
manual additions, edits and deletions; time added without ``manual`` seconds is tracked time and is not. With the
``edit_log`` reading "manual" (faults.py), edits and deletions of tracked time (a row without ``manual`` seconds)
are not recorded either.
Additions, edits and deletions made here emit ``activity.create|update|delete`` to webhooks of organizations
switched on for them (webhook_routes.py).
Errors of the control API are ours: 422 with ``{"error": ...}``.
"""

from __future__ import annotations

import datetime as dt

from . import scenario, timelog
from .routing import HTTPError, route
from .store import COLUMNS, date_to_ord

# The numbers of a daily row that the control API may set: the store's columns from `tracked` to `work_break`.
ROW_NUMBERS = COLUMNS[COLUMNS.index("tracked") : COLUMNS.index("work_break") + 1]


def _parse_moment(value, name: str) -> int:
    try:
        d = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise HTTPError(422, f"{name} must be an ISO 8601 time") from None
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.UTC)
    return int(d.timestamp())


class ControlMixin:
    @route("GET", "/_sandbox/scenario")
    def c_scenario(self):
        self.send_json(200, self.sandbox.summary(limit=int(self.q("limit") or 50)))

    @route("POST", "/_sandbox/scenario")
    def c_load(self):
        body = self.json_body()
        try:
            if isinstance(body, dict) and set(body) == {"generate"}:
                summary = self.sandbox.load_scenario(generate=body["generate"])
            else:
                summary = self.sandbox.load_scenario(body)
        except scenario.ScenarioError as e:
            raise HTTPError(422, str(e)) from None
        self.send_json(200, summary)

    # --- references ------------------------------------------------------------------------------
    def _user_ref(self, ref):
        store = self.sandbox.store
        if isinstance(ref, int):
            u = store.users.get(ref)
        else:
            u = store.users_by_email.get(str(ref).lower()) or next(
                (x for x in store.users.values() if x.name == ref), None
            )
        if u is None:
            raise HTTPError(422, f"unknown user {ref!r}")
        return u

    def _project_ref(self, ref):
        store = self.sandbox.store
        if isinstance(ref, int):
            p = store.projects.get(ref)
        else:
            p = next((p for p in store.projects.values() if p.name == ref), None)
        if p is None:
            raise HTTPError(422, f"unknown project {ref!r}")
        return p

    def _activity_fields(self, body: dict, partial: bool) -> dict:
        out = {}
        if "user" in body or "user_id" in body:
            out["user"] = self._user_ref(body.get("user_id", body.get("user"))).id
        if "project" in body or "project_id" in body:
            p = self._project_ref(body.get("project_id", body.get("project")))
            out["project"], out["org"] = p.id, p.organization_id
        if "task_id" in body:
            out["task"] = int(body["task_id"] or 0)
        if "starts_at" in body:
            out["start"] = _parse_moment(body["starts_at"], "starts_at")
        if "date" in body:
            try:
                out["date"] = date_to_ord(dt.date.fromisoformat(body["date"]))
            except (TypeError, ValueError):
                raise HTTPError(422, "date must be YYYY-MM-DD") from None
        if "hours" in body and "tracked" not in body:
            body["tracked"] = int(round(float(body["hours"]) * 3600))
        for k in ROW_NUMBERS:
            if k in body:
                if not isinstance(body[k], int) or body[k] < 0:
                    raise HTTPError(422, f"{k} must be a non-negative integer")
                out[k] = body[k]
        if not partial:
            for k in ("user", "project", "tracked"):
                if k not in out:
                    raise HTTPError(422, f"{k} is required")
            if "date" not in out and "start" not in out:
                raise HTTPError(422, "date or starts_at is required")
        return out

    def _place_in_time(self, org, values: dict, old_start: int | None = None, old_date: int | None = None):
        """Make ``date`` and ``start`` agree: the date is the organization's day of the start (Hubstaff's
        "organization timezone date"); a new date alone keeps the local time of day (or 09:00)."""
        if "start" in values:
            values["date"] = date_to_ord(org.local_date(values["start"]))
        elif "date" in values:
            day = dt.date(1970, 1, 1) + dt.timedelta(days=values["date"])
            if old_start is not None and old_date is not None:
                shift = (values["date"] - old_date) * 86400
                values["start"] = old_start + shift
                if org.local_date(values["start"]) != day:  # a DST change in between
                    values["start"] = org.local_time(day)
            else:
                values["start"] = org.local_time(day)

    def _records(self, *manual_seconds: int) -> bool:
        """Whether the time edit log records a change of rows with these ``manual`` seconds (before, after)."""
        return self.sandbox.faults.edit_log == "all" or any(manual_seconds)

    def _blame(self, body: dict, org_id: int, fallback: int) -> int:
        if body.get("blame_user") is not None:
            return self._user_ref(body["blame_user"]).id
        store = self.sandbox.store
        owner = next(
            (
                m.user_id
                for m in store.memberships.values()
                if m.organization_id == org_id and m.role == "owner"
            ),
            None,
        )
        return owner or fallback

    # --- daily rows ------------------------------------------------------------------------------
    @route("POST", "/_sandbox/daily_activities")
    def c_add_activity(self):
        body = self.json_body()
        v = self._activity_fields(body, partial=False)
        store = self.sandbox.store
        org = store.organizations[v["org"]]
        self._place_in_time(org, v)
        now = int(self.sandbox.now())
        tracked = v["tracked"]
        kind = store.projects[v["project"]].type
        defaults = {
            "task": 0,
            "keyboard": tracked // 3,
            "mouse": tracked // 2,
            "overall": tracked // 2,
            "input_tracked": tracked - v.get("manual", 0),
            "manual": 0,
            "idle": 0,
            "resumed": 0,
            "billable": 0 if kind == "work_break" else tracked,
            "work_break": tracked if kind == "work_break" else 0,
            "created": now,
            "updated": now,
        }
        with store.lock:
            idx = store.add_extra_row({**defaults, **v})
            if v.get("manual"):
                blame = self._blame(body, org.id, v["user"])
                timelog.record_add(store, timelog.snapshot(store, idx), blame, now, body.get("reason", ""))
            row = store.row(idx)
        self.emit_activity("activity.create", row)
        self.send_json(201, {"daily_activity": row})

    def _activity_index(self, activity_id: str) -> int:
        idx = self.sandbox.store.index_of(int(activity_id)) if activity_id.isdigit() else None
        if idx is None:
            raise HTTPError(404, "daily activity not found")
        return idx

    @route("GET", "/_sandbox/daily_activities/{activity_id}")
    def c_get_activity(self, activity_id):
        store = self.sandbox.store
        with store.lock:
            self.send_json(200, {"daily_activity": store.row(self._activity_index(activity_id))})

    @route("PATCH", "/_sandbox/daily_activities/{activity_id}")
    def c_edit_activity(self, activity_id):
        body = self.json_body()
        store = self.sandbox.store
        now = int(self.sandbox.now())
        with store.lock:
            idx = self._activity_index(activity_id)
            changes = self._activity_fields(body, partial=True)
            if "org" in changes and changes["org"] != store.cols["org"][idx]:
                raise HTTPError(422, "cannot move a daily activity to another organization")
            changes.pop("org", None)
            org = store.organizations[store.cols["org"][idx]]
            self._place_in_time(org, changes, store.cols["start"][idx], store.cols["date"][idx])
            before, manual_before = timelog.snapshot(store, idx), store.cols["manual"][idx]
            store.update_row(idx, changes, now)
            after = timelog.snapshot(store, idx)
            if self._records(manual_before, store.cols["manual"][idx]):
                blame = self._blame(body, org.id, after["user"])
                timelog.record_edit(store, before, after, blame, now, body.get("reason", ""))
            row = store.row(idx)
        self.emit_activity("activity.update", row)
        self.send_json(200, {"daily_activity": row})

    c_put_activity = c_edit_activity
    route("PUT", "/_sandbox/daily_activities/{activity_id}")(c_put_activity)

    @route("DELETE", "/_sandbox/daily_activities/{activity_id}")
    def c_delete_activity(self, activity_id):
        store = self.sandbox.store
        now = int(self.sandbox.now())
        with store.lock:
            idx = self._activity_index(activity_id)
            before, manual = timelog.snapshot(store, idx), store.cols["manual"][idx]
            row = store.row(idx)
            store.delete_row(idx)
            if self._records(manual):
                timelog.record_delete(store, before, self._blame({}, before["org"], before["user"]), now)
        self.emit_activity("activity.delete", row)
        self.send_json(200, {"deleted": int(activity_id)})

    @route("GET", "/_sandbox/time_edit_logs")
    def c_time_edit_logs(self):
        store = self.sandbox.store
        with store.lock:
            self.send_json(200, {"time_edit_logs": [timelog.public(e) for e in store.edit_logs]})

    # --- organizations and members ---------------------------------------------------------------
    @route("PATCH", "/_sandbox/organizations/{org_id}")
    def c_edit_org(self, org_id):
        body = self.json_body()
        org = self.sandbox.store.organizations.get(int(org_id)) if org_id.isdigit() else None
        if org is None:
            raise HTTPError(404, "organization not found")
        if "time_zone" in body:
            old, org.time_zone = org.time_zone, str(body["time_zone"])
            try:
                org.zone()
            except (ValueError, KeyError):
                org.time_zone = old
                raise HTTPError(422, f"unknown time_zone {body['time_zone']!r}") from None
        if "inactive_plan" in body:
            org.inactive_plan = bool(body["inactive_plan"])
        self.send_json(200, {"id": org.id, "time_zone": org.time_zone, "inactive_plan": org.inactive_plan})

    @route("PATCH", "/_sandbox/organizations/{org_id}/members/{user_ref}")
    def c_edit_member(self, org_id, user_ref):
        """``{"removed": true}`` (now) or ``{"removed_at": "<ISO time>" | null}``; ``{"role": ...}``."""
        body = self.json_body()
        store = self.sandbox.store
        user = self._user_ref(int(user_ref) if user_ref.isdigit() else user_ref)
        m = store.member_index.get((int(org_id), user.id)) if org_id.isdigit() else None
        if m is None:
            raise HTTPError(404, "membership not found")
        with store.lock:
            if body.get("removed"):
                m.removed = int(self.sandbox.now())
            if "removed_at" in body:
                m.removed = (
                    None if body["removed_at"] is None else _parse_moment(body["removed_at"], "removed_at")
                )
            if "role" in body:
                if body["role"] not in scenario.ROLES:
                    raise HTTPError(422, f"role must be one of {', '.join(scenario.ROLES)}")
                m.role = body["role"]
        self.send_json(200, {"user_id": m.user_id, "role": m.role, "removed": m.removed})
