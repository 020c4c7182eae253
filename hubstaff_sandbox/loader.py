"""Loading a scenario (JSON, see scenario.py and docs/hubstaff.md "Scenario files") into a data store."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from .scenario import PROJECT_TYPES, ROLES, ScenarioError, _activity_values, _parse_ts, _ts, generate
from .store import DataStore, date_to_ord


def _resolve_user(store: DataStore, ref, where: str):
    """A user by id, by e-mail or (for users without a visible e-mail) by name."""
    if isinstance(ref, int):
        user = store.users.get(ref)
    else:
        user = store.users_by_email.get(str(ref).lower())
        if user is None:
            user = next((u for u in store.users.values() if u.name == ref), None)
    if user is None:
        raise ScenarioError(f"{where}: unknown user {ref!r}")
    return user


class _Loader:
    """Loads one scenario dict into an empty store (see the module docstring and docs/hubstaff.md)."""

    def __init__(self, store: DataStore, data: dict, now: int) -> None:
        self.store, self.data, self.now = store, data, now
        self.orgs_by_name: dict[str, Any] = {}
        self.projects_by_name: dict[tuple[int, str], Any] = {}
        self.tasks_by_name: dict[tuple[int, str], int] = {}

    def run(self) -> None:
        self.organizations()
        self.users()
        self.memberships()
        self.projects()
        self.daily_activities()

    def org_of(self, ref, where: str):
        if ref is None:
            org = next(iter(self.orgs_by_name.values()), None)
            if org is None:
                raise ScenarioError(f"{where}: no organization")
            return org
        org = self.orgs_by_name.get(ref) if not isinstance(ref, int) else self.store.organizations.get(ref)
        if org is None:
            raise ScenarioError(f"{where}: unknown organization {ref!r}")
        return org

    def organizations(self) -> None:
        for i, o in enumerate(self.data.get("organizations", [])):
            if "name" not in o:
                raise ScenarioError(f"organizations[{i}]: name is required")
            created = _parse_ts(o.get("created_at"), self.now - 400 * 86400)
            org = self.store.add_org(o["name"], created, o.get("id"))
            org.time_zone = o.get("time_zone") or "UTC"
            try:
                org.zone()
            except (ValueError, KeyError):
                raise ScenarioError(f"organizations[{i}]: unknown time_zone {org.time_zone!r}") from None
            org.inactive_plan = bool(o.get("inactive_plan", False))
            self.orgs_by_name[o["name"]] = org

    def users(self) -> None:
        for i, u in enumerate(self.data.get("users", [])):
            if "email" not in u:
                raise ScenarioError(f"users[{i}]: email is required (null for a user without a visible one)")
            email = u["email"]
            if email is None and not u.get("name"):
                raise ScenarioError(f"users[{i}]: a user without an e-mail needs a name")
            self.store.add_user(
                u.get("name") or email.split("@")[0],
                email,
                u.get("time_zone", "UTC"),
                _parse_ts(u.get("created_at"), self.now - 300 * 86400),
                u.get("id"),
            )

    def memberships(self) -> None:
        for i, m in enumerate(self.data.get("memberships", [])):
            where = f"memberships[{i}]"
            org = self.org_of(m.get("organization"), where)
            user = _resolve_user(self.store, m.get("user"), where)
            role = m.get("role", "user")
            if role not in ROLES:
                raise ScenarioError(f"{where}: role must be one of {', '.join(ROLES)}")
            removed = _parse_ts(m["removed_at"], 0) if m.get("removed_at") else None
            self.store.add_membership(org.id, user.id, role, self.now - 300 * 86400, removed)

    def projects(self) -> None:
        for i, p in enumerate(self.data.get("projects", [])):
            where = f"projects[{i}]"
            org = self.org_of(p.get("organization"), where)
            if "name" not in p:
                raise ScenarioError(f"{where}: name is required")
            kind = p.get("type", "project")
            if kind not in PROJECT_TYPES:
                raise ScenarioError(f"{where}: type must be one of {', '.join(PROJECT_TYPES)}")
            proj = self.store.add_project(
                org.id,
                p["name"],
                self.now - 200 * 86400,
                p.get("id"),
                p.get("status", "active"),
                p.get("description"),
            )
            proj.type = kind
            self.projects_by_name[(org.id, p["name"])] = proj
            self.projects_by_name.setdefault((0, p["name"]), proj)
            for t in p.get("tasks", []):
                self.tasks_by_name[(proj.id, t)] = self.store.add_task(proj.id, t).id

    def _project(self, a: dict, where: str):
        pref = a.get("project")
        if isinstance(pref, int):
            proj = self.store.projects.get(pref)
        else:
            org_ref = a.get("organization")
            proj = self.projects_by_name.get((self.org_of(org_ref, where).id if org_ref else 0, pref))
        if proj is None:
            raise ScenarioError(f"{where}: unknown project {pref!r}")
        return proj

    def _task(self, proj, task) -> int:
        if task is None:
            return 0
        tid = task if isinstance(task, int) else self.tasks_by_name.get((proj.id, task), 0)
        if not tid:
            tid = self.store.add_task(proj.id, task).id
            self.tasks_by_name[(proj.id, task)] = tid
        return tid

    def _row(self, a: dict, where: str, day_offsets: dict) -> dict:
        user = _resolve_user(self.store, a.get("user"), where)
        proj = self._project(a, where)
        org = self.store.organizations[proj.organization_id]
        tid = self._task(proj, a.get("task"))
        tracked = a.get("tracked")
        if tracked is None and "hours" in a:
            tracked = int(round(float(a["hours"]) * 3600))
        if not isinstance(tracked, int) or tracked < 0:
            raise ScenarioError(f"{where}: tracked (seconds) is required")
        if a.get("starts_at"):
            start = _parse_ts(a["starts_at"], 0)
            day = org.local_date(start)  # Hubstaff's date is the organization's day of the start
        else:
            try:
                day = dt.date.fromisoformat(a["date"])
            except (KeyError, TypeError, ValueError):
                raise ScenarioError(f"{where}: date (YYYY-MM-DD) or starts_at is required") from None
            offset = day_offsets.get((user.id, day), 0)
            start = org.local_time(day) + offset
        day_offsets[(user.id, day)] = day_offsets.get((user.id, day), 0) + tracked
        rng = random.Random(f"scenario:{user.id}:{proj.id}:{tid}:{day}")
        v = _activity_values(rng, tracked)
        for k in ("keyboard", "mouse", "overall", "input_tracked", "manual", "idle", "resumed"):
            if k in a:
                v[k] = int(a[k])
        created = _parse_ts(a.get("created_at"), _ts(day, 86400 + 600))
        work_break = tracked if proj.type == "work_break" else 0
        v.update(
            org=proj.organization_id,
            date=date_to_ord(day),
            user=user.id,
            project=proj.id,
            task=tid,
            tracked=tracked,
            billable=int(a.get("billable", 0 if work_break else tracked)),
            work_break=int(a.get("work_break", work_break)),
            start=start,
            created=created,
            updated=_parse_ts(a.get("updated_at"), created),
        )
        return v

    def daily_activities(self) -> None:
        rows_by_org: dict[int, list[dict]] = {oid: [] for oid in self.store.organizations}
        day_offsets: dict = {}
        for i, a in enumerate(self.data.get("daily_activities", [])):
            v = self._row(a, f"daily_activities[{i}]", day_offsets)
            rows_by_org.setdefault(v["org"], []).append(v)
        for oid, rows in rows_by_org.items():
            rows.sort(key=lambda r: (r["date"], r["user"], r["project"], r["task"]))
            lo = self.store.begin_segment(oid)
            for v in rows:
                self.store.append_row(v)
            self.store.end_segment(oid, lo)


def load(store: DataStore, data: dict, now: int) -> None:
    """Load a scenario dict into an (empty) store."""
    if not isinstance(data, dict):
        raise ScenarioError("scenario must be a JSON object")
    _Loader(store, data, now).run()
    if data.get("generate"):
        generate(store, data["generate"])
