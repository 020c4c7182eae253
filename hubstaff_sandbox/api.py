"""API v2 of the sandbox: the endpoints Hubstaff's Swagger document declares and the product reads.

Shapes, parameters, statuses and limits are held to ``contract.json`` (tests/test_contract.py). Parameters
an endpoint does not declare are ignored, as Grape (which Hubstaff's API is built on) does.
"""

from __future__ import annotations

import bisect
import datetime as dt

from . import availability, timelog
from .records import EFFECTIVE_ROLES, member_json, project_json, user_json
from .routing import (
    INACTIVE_PLAN_MESSAGE,
    HTTPError,
    invalid,
    month_before,
    parse_bool,
    parse_date,
    parse_time,
    route,
    years_before,
)
from .slots import SlotsMixin
from .store import DA_BASE, date_to_ord, iso_ts

MAX_PAGE_LIMIT = 500
DEFAULT_PAGE_LIMIT = 100
MAX_RANGE_DAYS = 31
FLOOR_YEARS = 3


class ApiMixin(SlotsMixin):
    """Handlers of /v2 (mixed into the request handler)."""

    # --- shared pieces ---------------------------------------------------------------------------
    def bearer(self, require_scope: str | None = "hubstaff:read"):
        header = self.headers.get("Authorization") or ""
        if not header.lower().startswith("bearer "):
            raise HTTPError(401, "authentication required", {"WWW-Authenticate": 'Bearer realm="hubstaff"'})
        claims, reason = self.sandbox.auth.verify_access(header[7:].strip())
        if claims is None:
            raise HTTPError(
                401,
                reason,
                {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{reason}"'},
            )
        user = self.sandbox.store.users.get(int(claims["sub"]))
        if user is None:
            raise HTTPError(401, "invalid token")
        if require_scope and require_scope not in claims["scope"].split():
            raise HTTPError(403, f"token lacks the {require_scope} scope")
        retry = self.sandbox.check_rate(claims.get("client_id") or claims.get("aud") or "?")
        if retry is not None:
            raise HTTPError(429, "rate limit exceeded", {"Retry-After": str(retry)})
        return claims, user

    def paging(self) -> tuple[int | None, int]:
        start, limit = self.q("page_start_id"), self.q("page_limit")
        try:
            start_id = int(start) if start not in (None, "") else None
            n = int(limit) if limit not in (None, "") else DEFAULT_PAGE_LIMIT
        except ValueError:
            raise invalid("page_start_id and page_limit must be integers") from None
        if n < 1 or n > MAX_PAGE_LIMIT:
            raise invalid(f"page_limit must be between 1 and {MAX_PAGE_LIMIT}")
        return start_id, n

    def id_list(self, name: str) -> frozenset | None:
        values = self.query.get(f"{name}[]", []) + self.query.get(name, [])
        out = set()
        for v in values:
            for raw in v.split(","):
                part = raw.strip()
                if not part:
                    continue
                if not part.isdigit():
                    raise invalid(f"{name} is invalid")
                out.add(int(part))
        return frozenset(out) if values else None

    def includes(self) -> set:
        vals = self.query.get("include[]", []) + self.query.get("include", [])
        return {p.strip() for v in vals for p in v.split(",") if p.strip()}

    @staticmethod
    def paged(items: list, start_id: int | None, limit: int, key=lambda x: x.id) -> tuple[list, dict | None]:
        items = sorted(items, key=key)
        if start_id is not None:
            items = [x for x in items if key(x) >= start_id]
        page, rest = items[:limit], items[limit:]
        return page, ({"next_page_start_id": key(rest[0])} if rest else None)

    def send_listing(self, key: str, items: list, pagination: dict | None, **extra) -> None:
        out = {key: items, **extra}
        if pagination:
            out["pagination"] = pagination
        self.send_json(200, out)

    def org_access(self, org_id: str, user) -> tuple:
        store = self.sandbox.store
        org = store.organizations.get(int(org_id)) if org_id.isdigit() else None
        if org is None:
            raise HTTPError(404, "Could not find record")
        m = store.member_index.get((org.id, user.id))
        if m is None or not m.active:
            raise HTTPError(403, "you are not a member of this organization")
        if org.inactive_plan:
            raise HTTPError(403, INACTIVE_PLAN_MESSAGE, code="inactive_plan")
        return org, m

    def project_access(self, project_id: str, user):
        p = self.sandbox.store.projects.get(int(project_id)) if project_id.isdigit() else None
        if p is None:
            raise HTTPError(404, "Could not find record")
        org, m = self.org_access(str(p.organization_id), user)
        return p, org, m

    def org_today(self, org) -> dt.date:
        return org.local_date(self.sandbox.now())

    # --- users and organizations -----------------------------------------------------------------
    @route("GET", "/v2/users/me")
    def api_me(self):
        _, user = self.bearer()
        self.send_json(200, {"user": user_json(user)})

    @route("GET", "/v2/users/{user_id}")
    def api_user(self, user_id):
        _, me = self.bearer()
        store = self.sandbox.store
        other = store.users.get(int(user_id)) if user_id.isdigit() else None
        if other is None:
            raise HTTPError(404, "Could not find record")
        mine = {m.organization_id for m in store.memberships.values() if m.user_id == me.id}
        theirs = {m.organization_id for m in store.memberships.values() if m.user_id == other.id}
        if other.id != me.id and not (mine & theirs):
            raise HTTPError(403, "you do not share an organization with this user")
        self.send_json(200, {"user": user_json(other)})

    @route("GET", "/v2/organizations")
    def api_orgs(self):
        _, user = self.bearer()
        start, limit = self.paging()
        store = self.sandbox.store
        orgs = [
            store.organizations[m.organization_id]
            for m in store.memberships.values()
            if m.user_id == user.id and m.active
        ]
        page, pag = self.paged(orgs, start, limit)
        base = self.sandbox.public_url
        items = [
            {
                "id": o.id,
                "name": o.name,
                "status": o.status,
                "created_at": iso_ts(o.created),
                "updated_at": iso_ts(o.created),
                "member_profile_fields": [],
                "metadata": {},
                "invite_url": f"{base}/organizations/invite/{o.id}",
            }
            for o in page
        ]
        self.send_listing("organizations", items, pag)

    @route("GET", "/v2/organizations/{org_id}/projects")
    def api_projects(self, org_id):
        _, user = self.bearer()
        start, limit = self.paging()
        org, _ = self.org_access(org_id, user)
        status = self.q("status") or "active"
        if status not in ("active", "archived", "all"):
            raise invalid("status does not have a valid value")
        wanted = self.id_list("project_ids")
        projects = [
            p
            for p in self.sandbox.store.projects.values()
            if p.organization_id == org.id
            and status in ("all", p.status)
            and (wanted is None or p.id in wanted)
        ]
        page, pag = self.paged(projects, start, limit)
        self.send_listing("projects", [project_json(p) for p in page], pag)

    @route("GET", "/v2/organizations/{org_id}/members")
    def api_members(self, org_id):
        _, user = self.bearer()
        start, limit = self.paging()
        org, _ = self.org_access(org_id, user)
        store = self.sandbox.store
        include_removed = parse_bool(self.q("include_removed"), "include_removed")
        members = [
            m
            for m in store.memberships.values()
            if m.organization_id == org.id and (include_removed or m.removed is None)
        ]
        email, name = self.q("search[email]"), self.q("search[name]")
        if email:
            members = [m for m in members if (store.users[m.user_id].email or "").lower() == email.lower()]
        if name:
            members = [m for m in members if name.lower() in store.users[m.user_id].name.lower()]
        user_ids = self.id_list("user_ids")
        if user_ids is not None:
            members = [m for m in members if m.user_id in user_ids]
        roles = {
            r
            for v in self.query.get("membership_roles[]", []) + self.query.get("membership_roles", [])
            for r in v.split(",")
            if r
        }
        if roles:
            members = [m for m in members if EFFECTIVE_ROLES[m.role][0] in roles]
        # Members have no id in the API; pages still start at an (internal) membership id.
        page, pag = self.paged(members, start, limit)
        extra = {}
        if "users" in self.includes():
            extra["users"] = [user_json(store.users[m.user_id]) for m in page]
        items = [member_json(m) for m in page]
        if parse_bool(self.q("include_limits"), "include_limits"):
            items = availability.with_limits(self.sandbox, org.id, items)
        self.send_listing("members", items, pag, **extra)

    # --- daily activities ------------------------------------------------------------------------
    def _date_range(self, org) -> tuple[int, int] | None:
        """date[start]..date[stop] as ordinals; None when the answer is empty ("empty" floor reading)."""
        d0 = parse_date(self.q("date[start]"), "date[start]")
        d1 = parse_date(self.q("date[stop]"), "date[stop]")
        if d1 < d0:
            raise invalid("date[stop] must not be before date[start]")
        if (d1 - d0).days + 1 > MAX_RANGE_DAYS:
            raise invalid(f"date range must not exceed {MAX_RANGE_DAYS} days")
        floor = years_before(self.org_today(org), FLOOR_YEARS)
        if d0 < floor:
            reading = self.sandbox.faults.daily_floor
            if reading == "reject":
                raise invalid(f"date[start] must not be earlier than {floor.isoformat()} (3 years ago)")
            if reading == "empty" or d1 < floor:
                return None
            d0 = floor  # "clamp": days before the floor are left out silently
        return date_to_ord(d0), date_to_ord(d1)

    def _updated_range(self, org) -> tuple[dict, bool]:
        """Filters of /daily/updates and whether the answer is empty (the "empty" reach reading)."""
        u0 = parse_time(self.q("updated[start]"), "updated[start]")
        stop = self.q("updated[stop]")
        u1 = parse_time(stop, "updated[stop]") if stop else int(self.sandbox.now()) + 1
        if u1 <= u0:
            raise invalid("updated[stop] must be after updated[start]")
        if u1 - u0 > MAX_RANGE_DAYS * 86400:
            raise invalid(f"updated range must not exceed {MAX_RANGE_DAYS} days")
        reach = month_before(self.org_today(org))
        reach_start = org.local_time(reach, 0)
        reading = self.sandbox.faults.updates_reach
        if u0 < reach_start and reading == "reject":
            raise invalid(f"updated[start] must not be earlier than {reach.isoformat()} (one month ago)")
        if u0 < reach_start and reading == "empty":
            return {}, True
        # "filter" (and the other readings): only activities of the last month are returned
        return {"updated_range": (u0, u1), "date_range": (date_to_ord(reach), 10**7)}, False

    def _daily_response(self, org, me, member, *, project_ids=None, by_updated=False) -> None:
        """Daily rows of the organization, or of one project (whose routes declare no project_ids and
        side-load no projects)."""
        start_id, limit = self.paging()
        user_ids, task_ids = self.id_list("user_ids"), self.id_list("task_ids")
        pids = self.id_list("project_ids") if project_ids is None else project_ids
        allowed = {"users", "projects", "tasks"} if project_ids is None else {"users", "tasks"}
        if by_updated:
            ranges, empty = self._updated_range(org)
        else:
            date_range = self._date_range(org)
            ranges, empty = {"date_range": date_range}, date_range is None
        if member.role in ("user", "viewer"):  # plain members see their own time only
            user_ids = frozenset({me.id}) if user_ids is None else frozenset(user_ids & {me.id})
        store = self.sandbox.store
        with store.lock:
            idxs = (
                []
                if empty
                else store.query(org.id, user_ids=user_ids, project_ids=pids, task_ids=task_ids, **ranges)
            )
            pos = bisect.bisect_left(idxs, start_id - DA_BASE - 1) if start_id is not None else 0
            rows = [store.row(i) for i in idxs[pos : pos + limit]]
            nxt = idxs[pos + limit] + DA_BASE + 1 if pos + limit < len(idxs) else None
        self.send_listing(
            "daily_activities",
            rows,
            {"next_page_start_id": nxt} if nxt is not None else None,
            **self._side_loads(rows, allowed),
        )

    def _side_loads(self, rows: list[dict], allowed: set) -> dict:
        store, inc, out = self.sandbox.store, self.includes() & allowed, {}
        if "users" in inc:
            out["users"] = [user_json(store.users[u]) for u in sorted({r["user_id"] for r in rows})]
        if "projects" in inc:
            out["projects"] = [
                project_json(store.projects[p]) for p in sorted({r["project_id"] for r in rows})
            ]
        if "tasks" in inc:
            out["tasks"] = [
                {
                    "id": t,
                    "summary": store.tasks[t].summary,
                    "project_id": store.tasks[t].project_id,
                    "project_type": store.projects[store.tasks[t].project_id].type,
                    "status": "active",
                    "assignee_ids": [],
                    "metadata": {},
                    "created_at": iso_ts(store.projects[store.tasks[t].project_id].created),
                    "updated_at": iso_ts(store.projects[store.tasks[t].project_id].created),
                }
                for t in sorted({r["task_id"] for r in rows if r["task_id"]})
            ]
        return out

    @route("GET", "/v2/organizations/{org_id}/activities/daily")
    def api_daily(self, org_id):
        _, user = self.bearer()
        org, m = self.org_access(org_id, user)
        self._daily_response(org, user, m)

    @route("GET", "/v2/organizations/{org_id}/activities/daily/updates")
    def api_daily_updates(self, org_id):
        _, user = self.bearer()
        org, m = self.org_access(org_id, user)
        self._daily_response(org, user, m, by_updated=True)

    @route("GET", "/v2/projects/{project_id}/activities/daily")
    def api_project_daily(self, project_id):
        _, user = self.bearer()
        p, org, m = self.project_access(project_id, user)
        self._daily_response(org, user, m, project_ids=frozenset({p.id}))

    @route("GET", "/v2/projects/{project_id}/activities/daily/updates")
    def api_project_daily_updates(self, project_id):
        _, user = self.bearer()
        p, org, m = self.project_access(project_id, user)
        self._daily_response(org, user, m, project_ids=frozenset({p.id}), by_updated=True)

    # --- time edit logs --------------------------------------------------------------------------
    def _time_edit_logs(self, org, project_ids=None) -> None:
        start_id, limit = self.paging()
        c0 = parse_time(self.q("created[start]"), "created[start]")
        c1 = parse_time(self.q("created[stop]"), "created[stop]")
        if c1 <= c0:
            raise invalid("created[stop] must be after created[start]")
        if c1 - c0 > MAX_RANGE_DAYS * 86400:
            raise invalid(f"created range must not exceed {MAX_RANGE_DAYS} days")
        floor = years_before(self.org_today(org), FLOOR_YEARS)
        if c0 < org.local_time(floor, 0):
            raise invalid(f"created[start] must not be earlier than {floor.isoformat()} (3 years ago)")
        pids = self.id_list("project_ids") if project_ids is None else project_ids
        store = self.sandbox.store
        with store.lock:
            entries = timelog.query(
                store,
                org.id,
                (c0, c1),
                user_ids=self.id_list("user_ids"),
                project_ids=pids,
                task_ids=self.id_list("task_ids"),
            )
            page, pag = self.paged(entries, start_id, limit, key=lambda e: e["id"])
            items = [timelog.public(e) for e in page]
            sides = self._side_loads(items, {"users", "projects", "tasks"})
            self.send_listing("time_edit_logs", items, pag, **sides)

    @route("GET", "/v2/organizations/{org_id}/time_edit_logs")
    def api_time_edit_logs(self, org_id):
        _, user = self.bearer()
        org, _ = self.org_access(org_id, user)
        self._time_edit_logs(org)

    @route("GET", "/v2/projects/{project_id}/time_edit_logs")
    def api_project_time_edit_logs(self, project_id):
        _, user = self.bearer()
        p, org, _ = self.project_access(project_id, user)
        self._time_edit_logs(org, project_ids=frozenset({p.id}))
