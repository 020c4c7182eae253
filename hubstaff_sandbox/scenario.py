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
