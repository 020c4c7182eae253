"""In-memory data of the sandbox: organizations, users, memberships, projects, tasks and daily activities.

Daily activities are kept column-wise in ``array`` objects (a few bytes per field per row) so that a
generated organization of hundreds of thousands of rows stays small. A row's id is
``DA_BASE + index + 1``; ids therefore ascend with the index. Rows loaded from a scenario or made by the
generator are appended organization by organization in date order ("base" rows), which lets a date-range
query bisect on ``sort_date`` instead of scanning everything; rows added later through the control API
("extra" rows) and rows whose date was edited are checked one by one.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from array import array
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

DA_BASE = 1_000_000
EPOCH = dt.date(1970, 1, 1)

# Columns of the daily-activity table (all ints; task 0 = no task).
COLUMNS = (
    "org",
    "date",
    "sort_date",
    "user",
    "project",
    "task",
    "tracked",
    "keyboard",
    "mouse",
    "overall",
    "input_tracked",
    "manual",
    "idle",
    "resumed",
    "billable",
    "work_break",
    "start",
    "created",
    "updated",
)
WIDE_COLUMNS = ("start", "created", "updated")  # epoch seconds: 64-bit


def date_to_ord(d: dt.date) -> int:
    return (d - EPOCH).days


def ord_to_date(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=n)


_iso_cache: dict[int, str] = {}


def iso_ts(epoch: int) -> str:
    """ISO 8601 UTC timestamp with a Z suffix, as Hubstaff prints them."""
    s = _iso_cache.get(epoch)
    if s is None:
        s = dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if len(_iso_cache) < 200_000:
            _iso_cache[epoch] = s
    return s


_date_cache: dict[int, str] = {}


def iso_date(n: int) -> str:
    s = _date_cache.get(n)
    if s is None:
        s = ord_to_date(n).isoformat()
        _date_cache[n] = s
    return s


@dataclass
class Organization:
    id: int
    name: str
    created: int
    status: str = "active"
    # Not in API v2's Organization: only the day of each daily row shows it (docs/hubstaff.md).
    time_zone: str = "UTC"
    # Hubstaff answers 403 "API access is only for organizations on an active plan".
    inactive_plan: bool = False

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def local_date(self, epoch: float) -> dt.date:
        return dt.datetime.fromtimestamp(epoch, self.zone()).date()

    def local_time(self, day: dt.date, hour: int = 9) -> int:
        """Epoch seconds of ``hour``:00 on ``day`` in the organization's time zone."""
        return int(dt.datetime.combine(day, dt.time(hour), tzinfo=self.zone()).timestamp())


@dataclass
class User:
    id: int
    name: str
    email: str | None  # None: the e-mail is not visible (Hubstaff's User.email is optional)
    time_zone: str
    created: int
    status: str = "active"


@dataclass
class Membership:
    id: int
    organization_id: int
    user_id: int
    role: str
    created: int
    status: str = "active"
    removed: int | None = None  # epoch seconds the member left the organization

    @property
    def active(self) -> bool:
        return self.removed is None and self.status == "active"


@dataclass
class Project:
    id: int
    organization_id: int
    name: str
    created: int
    status: str = "active"
    description: str | None = None
    billable: bool = True
    type: str = "project"  # project, work_order or work_break


@dataclass
class Task:
    id: int
    project_id: int
    summary: str


@dataclass
class DataStore:
    """All Hubstaff data. Mutations and reads happen under ``lock``."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    organizations: dict[int, Organization] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    users_by_email: dict[str, User] = field(default_factory=dict)
    memberships: dict[int, Membership] = field(default_factory=dict)
    # (org id, user id) -> Membership
    member_index: dict[tuple[int, int], Membership] = field(default_factory=dict)
    projects: dict[int, Project] = field(default_factory=dict)
    tasks: dict[int, Task] = field(default_factory=dict)
    # Time edit log entries (dicts as the API prints them), in id order; see timelog.py.
    edit_logs: list[dict] = field(default_factory=list)
    version: int = 0

    def __post_init__(self) -> None:
        self.cols = {name: array("q" if name in WIDE_COLUMNS else "i") for name in COLUMNS}
        self.alive = bytearray()
        # org id -> (lo, hi) index range of base rows, date-sorted.
        self.segments: dict[int, tuple[int, int]] = {}
        # org id -> list of indexes of rows not covered by the segment bisect (added, or date edited).
        self.extras: dict[int, list[int]] = {}
        self._cache: dict[tuple, list[int]] = {}
        self._next = {
            "org": 100_001,
            "user": 300_001,
            "membership": 500_001,
            "project": 200_001,
            "task": 400_001,
            "edit_log": 700_001,
        }

    # --- ids -------------------------------------------------------------------------------------
    def next_id(self, kind: str) -> int:
        n = self._next[kind]
        self._next[kind] = n + 1
        return n

    # --- entities --------------------------------------------------------------------------------
    def add_org(self, name: str, created: int, id: int | None = None) -> Organization:
        org = Organization(id or self.next_id("org"), name, created)
        self._next["org"] = max(self._next["org"], org.id + 1)
        self.organizations[org.id] = org
        return org

    def add_user(
        self, name: str, email: str | None, time_zone: str, created: int, id: int | None = None
    ) -> User:
        user = User(id or self.next_id("user"), name, email, time_zone, created)
        self._next["user"] = max(self._next["user"], user.id + 1)
        self.users[user.id] = user
        if email:
            self.users_by_email[email.lower()] = user
        return user

    def add_membership(
        self, org_id: int, user_id: int, role: str, created: int, removed: int | None = None
    ) -> Membership:
        m = Membership(self.next_id("membership"), org_id, user_id, role, created, removed=removed)
        self.memberships[m.id] = m
        self.member_index[(org_id, user_id)] = m
        return m

    def add_project(
        self,
        org_id: int,
        name: str,
        created: int,
        id: int | None = None,
        status: str = "active",
        description: str | None = None,
    ) -> Project:
        p = Project(id or self.next_id("project"), org_id, name, created, status, description)
        self._next["project"] = max(self._next["project"], p.id + 1)
        self.projects[p.id] = p
        return p

    def add_task(self, project_id: int, summary: str) -> Task:
        t = Task(self.next_id("task"), project_id, summary)
        self.tasks[t.id] = t
        return t

    # --- daily activities ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.alive)

    def append_row(self, values: dict) -> int:
        """Append one row; returns its index. ``values`` has every column but sort_date."""
        cols = self.cols
        for name in COLUMNS:
            cols[name].append(values["date"] if name == "sort_date" else values[name])
        self.alive.append(1)
        return len(self.alive) - 1

    def begin_segment(self, org_id: int) -> int:
        return len(self.alive)

    def end_segment(self, org_id: int, lo: int) -> None:
        """Mark rows [lo, now) as the org's date-sorted base rows (sorted by the caller)."""
        self.segments[org_id] = (lo, len(self.alive))
        self.extras.setdefault(org_id, [])
        self.touch()

    def add_extra_row(self, values: dict) -> int:
        idx = self.append_row(values)
        self.extras.setdefault(values["org"], []).append(idx)
        self.touch()
        return idx

    def touch(self) -> None:
        self.version += 1
        self._cache.clear()

    def index_of(self, activity_id: int) -> int | None:
        idx = activity_id - DA_BASE - 1
        if 0 <= idx < len(self.alive) and self.alive[idx]:
            return idx
        return None

    def row(self, idx: int) -> dict:
        c = self.cols
        task = c["task"][idx]
        return {
            "id": DA_BASE + idx + 1,
            "date": iso_date(c["date"][idx]),
            "user_id": c["user"][idx],
            "project_id": c["project"][idx],
            "task_id": task or None,
            "tracked": c["tracked"][idx],
            "keyboard": c["keyboard"][idx],
            "mouse": c["mouse"][idx],
            "overall": c["overall"][idx],
            "input_tracked": c["input_tracked"][idx],
            "manual": c["manual"][idx],
            "idle": c["idle"][idx],
            "resumed": c["resumed"][idx],
            "billable": c["billable"][idx],
            "work_break": c["work_break"][idx],
            "created_at": iso_ts(c["created"][idx]),
            "updated_at": iso_ts(c["updated"][idx]),
        }

    def update_row(self, idx: int, changes: dict, now: int) -> None:
        c = self.cols
        org = c["org"][idx]
        for name, value in changes.items():
            c[name][idx] = value
        if "date" in changes and c["date"][idx] != c["sort_date"][idx]:
            extras = self.extras.setdefault(org, [])
            if idx not in extras:
                extras.append(idx)
                extras.sort()
        c["updated"][idx] = now
        self.touch()

    def delete_row(self, idx: int) -> None:
        self.alive[idx] = 0
        self.touch()

    def count_rows(self) -> int:
        return sum(self.alive)

    def query(
        self,
        org_id: int,
        *,
        date_range: tuple[int, int] | None = None,
        updated_range: tuple[int, int] | None = None,
        user_ids=None,
        project_ids=None,
        task_ids=None,
    ) -> list[int]:
        """Indexes of live rows of ``org_id`` matching the filters, ascending (= by id).

        ``date_range`` is inclusive at both ends (date ordinals); ``updated_range`` is [start, stop).
        Results are cached until the next mutation, so paging through one query is cheap.
        """
        key = (org_id, date_range, updated_range, user_ids, project_ids, task_ids)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        c = self.cols
        lo, hi = self.segments.get(org_id, (0, 0))
        sort_date = c["sort_date"]
        if date_range is not None and hi > lo:
            lo = bisect.bisect_left(sort_date, date_range[0], lo, hi)
            hi = bisect.bisect_right(sort_date, date_range[1], lo, hi)
        candidates = list(range(lo, hi))
        extras = self.extras.get(org_id, ())
        if extras:
            candidates = sorted(set(candidates).union(extras))
        dates, users, projects, tasks = c["date"], c["user"], c["project"], c["task"]
        updated, alive = c["updated"], self.alive
        out = []
        append = out.append
        d0, d1 = date_range if date_range is not None else (None, None)
        u0, u1 = updated_range if updated_range is not None else (None, None)
        for i in candidates:
            if not alive[i]:
                continue
            if d0 is not None and not (d0 <= dates[i] <= d1):
                continue
            if u0 is not None and not (u0 <= updated[i] < u1):
                continue
            if user_ids is not None and users[i] not in user_ids:
                continue
            if project_ids is not None and projects[i] not in project_ids:
                continue
            if task_ids is not None and tasks[i] not in task_ids:
                continue
            append(i)
        if len(self._cache) > 16:
            self._cache.clear()
        self._cache[key] = out
        return out
