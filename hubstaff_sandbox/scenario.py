"""Scenario files (JSON) and the deterministic generator.

Scenario format (every key optional; see docs/hubstaff.md)::

    {
      "organizations": [{"name": "Acme Hubstaff"}],
      "users": [{"name": "Alice Admin", "email": "alice@acme.test", "time_zone": "Europe/Warsaw"}],
      "memberships": [{"organization": "Acme Hubstaff", "user": "alice@acme.test", "role": "owner"}],
      "projects": [{"organization": "Acme Hubstaff", "name": "Project A", "tasks": ["Design", "Build"]}],
      "daily_activities": [
        {"user": "bobby@acme.test", "project": "Project A", "task": "Build", "date": "2026-02-02",
         "tracked": 21600}
      ],
      "generate": "users=20,projects=3,days=30,seed=1"
    }

The generator spec ``users=500,projects=10,days=365,seed=1[,orgs=N][,end=YYYY-MM-DD]`` makes, for each of
``orgs`` organizations "Generated Org N", ``users`` users (``user{N}@example.test``, N counting from 1
across all organizations; the first user of each organization is its owner, every 25th a manager) and
``projects`` projects "Project N" with 8 tasks each, then daily activities for the ``days`` days ending at
``end`` (default: today, UTC).
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from typing import Any

from .store import DataStore, date_to_ord

FIRST_NAMES = [
    "Ada",
    "Ben",
    "Cara",
    "Dev",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivan",
    "Jade",
    "Kai",
    "Lena",
    "Milo",
    "Nora",
    "Omar",
    "Pia",
    "Quin",
    "Rosa",
    "Seth",
    "Tara",
    "Uma",
    "Vik",
    "Wren",
    "Xena",
    "Yuri",
    "Zoe",
]
LAST_NAMES = [
    "Adams",
    "Baker",
    "Clark",
    "Diaz",
    "Evans",
    "Foster",
    "Garcia",
    "Hughes",
    "Ito",
    "Jensen",
    "Khan",
    "Lopez",
    "Meyer",
    "Novak",
    "Olsen",
    "Park",
    "Quinn",
    "Reyes",
    "Silva",
    "Turner",
]
TIME_ZONES = [
    "Europe/Warsaw",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "UTC",
]
TASK_NAMES = [
    "Planning",
    "Design",
    "Implementation",
    "Code review",
    "Testing",
    "Meetings",
    "Support",
    "Documentation",
]
ROLES = ("owner", "manager", "user", "viewer")
PROJECT_TYPES = ("project", "work_order", "work_break")


class ScenarioError(ValueError):
    pass


def generated_user_name(n: int) -> str:
    """Name of generated user N (1-based): deterministic, unique for N <= 26*20*..., e.g. 'Ada Adams 1'."""
    first = FIRST_NAMES[(n - 1) % len(FIRST_NAMES)]
    last = LAST_NAMES[((n - 1) // len(FIRST_NAMES)) % len(LAST_NAMES)]
    return f"{first} {last} {n}"


def _ts(d: dt.date, seconds: int = 0) -> int:
    return calendar.timegm(d.timetuple()) + seconds


def _activity_values(rng: random.Random, tracked: int) -> dict:
    overall = int(tracked * rng.uniform(0.35, 0.85))
    keyboard = int(overall * rng.uniform(0.3, 0.7))
    mouse = overall - keyboard // 2
    manual = 0 if rng.random() < 0.9 else min(tracked, 600 * rng.randint(1, 6))
    idle = int(tracked * rng.uniform(0, 0.05))
    return {
        "keyboard": keyboard,
        "mouse": min(mouse, tracked),
        "overall": overall,
        "input_tracked": tracked - manual,
        "manual": manual,
        "idle": idle,
        "resumed": 0,
    }


def parse_generate(spec: str) -> dict:
    out: dict[str, Any] = {"users": 10, "projects": 3, "days": 30, "seed": 1, "orgs": 1, "end": None}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        if "=" not in part:
            raise ScenarioError(f"bad generator option {part!r} (want key=value)")
        k, v = (s.strip() for s in part.split("=", 1))
        if k == "end":
            try:
                out["end"] = dt.date.fromisoformat(v)
            except ValueError:
                raise ScenarioError(f"bad end date {v!r}") from None
        elif k in out:
            try:
                out[k] = int(v)
            except ValueError:
                raise ScenarioError(f"{k} must be an integer") from None
            if out[k] < (0 if k == "seed" else 1):
                raise ScenarioError(f"{k} must be positive")
        else:
            raise ScenarioError(f"unknown generator option {k!r}")
    if out["end"] is None:
        out["end"] = dt.datetime.now(dt.UTC).date()
    return out


def _person_day(rng: random.Random, mine: list, mean_hours: float, part_timer: bool) -> list[tuple]:
    """(project, task, seconds) of one person's working day (the rng's draws in a fixed order)."""
    total = max(0.5, rng.gauss(mean_hours * (0.6 if part_timer else 1.0), 1.2))
    day_projects = mine if len(mine) == 1 else rng.sample(mine, rng.randint(1, len(mine)))
    shares = [rng.uniform(0.5, 1.5) for _ in day_projects]
    rows = []
    for (pid, tasks), share in zip(sorted(day_projects), shares, strict=True):
        seconds = int(total * 3600 * share / sum(shares))
        n_tasks = rng.choice((1, 1, 2, 2, 3, 4))
        chosen = sorted(rng.sample(tasks, n_tasks))
        if rng.random() < 0.15:
            chosen[0] = 0  # some time without a task
            chosen = sorted(set(chosen))
        parts = [rng.uniform(0.3, 1.0) for _ in chosen]
        for tid, part in zip(chosen, parts, strict=True):
            tracked = max(60, int(seconds * part / sum(parts)) // 60 * 60)
            rows.append((pid, tid, tracked))
    return rows


def generate(store: DataStore, spec: str | dict) -> dict:
    """Fill ``store`` with generated organizations (see module docstring). Deterministic per spec."""
    opts = parse_generate(spec) if isinstance(spec, str) else spec
    end: dt.date = opts["end"]
    start = end - dt.timedelta(days=opts["days"] - 1)
    created_base = _ts(start - dt.timedelta(days=400))
    user_no = sum(1 for u in store.users.values() if (u.email or "").endswith("@example.test"))
    for o in range(1, opts["orgs"] + 1):
        org = store.add_org(f"Generated Org {o}", created_base)
        projects = []
        for p in range(1, opts["projects"] + 1):
            proj = store.add_project(org.id, f"Project {p}", created_base + p * 3600)
            tasks = [store.add_task(proj.id, name).id for name in TASK_NAMES]
            projects.append((proj.id, tasks))
        people = []
        for k in range(opts["users"]):
            user_no += 1
            rng = random.Random(f"{opts['seed']}:user:{user_no}")
            user = store.add_user(
                generated_user_name(user_no),
                f"user{user_no}@example.test",
                TIME_ZONES[user_no % len(TIME_ZONES)],
                created_base + user_no * 60,
            )
            role = "owner" if k == 0 else ("manager" if k % 25 == 0 else "user")
            store.add_membership(org.id, user.id, role, created_base + user_no * 60)
            mine = rng.sample(projects, min(len(projects), rng.choice((1, 1, 2, 2, 3))))
            people.append((user.id, mine, rng.uniform(5.5, 8.5), rng.random() < 0.15))
        lo = store.begin_segment(org.id)
        day = start
        while day <= end:
            dord = date_to_ord(day)
            weekday = day.weekday() < 5
            for uid, mine, mean_hours, part_timer in people:
                rng = random.Random(f"{opts['seed']}:day:{uid}:{dord}")
                if weekday:
                    if rng.random() < (0.35 if part_timer else 0.08):
                        continue
                elif rng.random() > 0.03:
                    continue
                rows = _person_day(rng, mine, mean_hours, part_timer)
                begins = _ts(day, 9 * 3600)  # generated organizations keep their days in UTC
                for pid, tid, tracked in rows:
                    created = _ts(day, 86400 + rng.randint(300, 7200))
                    v = _activity_values(rng, tracked)
                    v.update(
                        org=org.id,
                        date=dord,
                        user=uid,
                        project=pid,
                        task=tid,
                        tracked=tracked,
                        billable=tracked,
                        work_break=0,
                        start=begins,
                        created=created,
                        updated=created,
                    )
                    store.append_row(v)
                    begins += tracked
            day += dt.timedelta(days=1)
        store.end_segment(org.id, lo)
    return opts


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


def _parse_ts(value, default: int) -> int:
    if value is None:
        return default
    try:
        d = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ScenarioError(f"bad timestamp {value!r}") from None
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.UTC)
    return int(d.timestamp())
