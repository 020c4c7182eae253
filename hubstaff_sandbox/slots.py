"""``GET /v2/organizations/{id}/activities``: 10-minute time slots derived from the daily rows.

A row of T seconds that starts at S (its ``start``: given, or 09:00 of its day in the organization's time
zone, one user's rows of a day following each other) becomes ceil(T/600) consecutive slots from S; slot id =
daily id x 256 + slot number. Range at most 7 days, earliest 6 months ago (Swagger document).
"""

from __future__ import annotations

import datetime as dt
import math

from .routing import invalid, parse_time, route
from .store import DA_BASE, date_to_ord, iso_date, iso_ts

MAX_SLOT_RANGE = 7 * 86400
SLOT_FLOOR_DAYS = 183


class SlotsMixin:
    def _slot_window(self) -> tuple[int, int]:
        t0 = parse_time(self.q("time_slot[start]"), "time_slot[start]")
        t1 = parse_time(self.q("time_slot[stop]"), "time_slot[stop]")
        if t1 <= t0:
            raise invalid("time_slot[stop] must be after time_slot[start]")
        if t1 - t0 > MAX_SLOT_RANGE:
            raise invalid("time_slot range must not exceed 7 days")
        if t0 < self.sandbox.now() - SLOT_FLOOR_DAYS * 86400:
            raise invalid("time_slot[start] must not be earlier than 6 months ago")
        return t0, t1

    def _slots(self, org, m, user, t0: int, t1: int, start_id: int | None) -> list[tuple]:
        user_ids, pids, tids = self.id_list("user_ids"), self.id_list("project_ids"), self.id_list("task_ids")
        if m.role in ("user", "viewer"):
            user_ids = frozenset({user.id}) if user_ids is None else frozenset(user_ids & {user.id})
        d0 = dt.datetime.fromtimestamp(t0, dt.UTC).date() - dt.timedelta(days=1)
        d1 = dt.datetime.fromtimestamp(t1, dt.UTC).date() + dt.timedelta(days=1)
        store = self.sandbox.store
        slots = []
        with store.lock:
            idxs = store.query(
                org.id,
                date_range=(date_to_ord(d0), date_to_ord(d1)),
                user_ids=user_ids,
                project_ids=pids,
                task_ids=tids,
            )
            c = store.cols
            for i in idxs:
                tracked = c["tracked"][i]
                ratio = (c["overall"][i] / tracked) if tracked else 0
                for k in range(math.ceil(tracked / 600)):
                    starts = c["start"][i] + k * 600
                    sid = (DA_BASE + i + 1) * 256 + k
                    if t0 <= starts < t1 and (start_id is None or sid >= start_id):
                        slots.append((sid, i, starts, min(600, tracked - k * 600), ratio))
        slots.sort()
        return slots

    @route("GET", "/v2/organizations/{org_id}/activities")
    def api_activities(self, org_id):
        _, user = self.bearer()
        org, m = self.org_access(org_id, user)
        start_id, limit = self.paging()
        t0, t1 = self._slot_window()
        slots = self._slots(org, m, user, t0, t1, start_id)
        page, rest = slots[:limit], slots[limit:]
        c = self.sandbox.store.cols
        items = []
        for sid, i, starts, secs, ratio in page:
            overall = int(secs * ratio)
            items.append(
                {
                    "id": sid,
                    "date": iso_date(c["date"][i]),
                    "time_slot": iso_ts(starts),
                    "starts_at": iso_ts(starts),
                    "user_id": c["user"][i],
                    "project_id": c["project"][i],
                    "task_id": c["task"][i] or None,
                    "keyboard": overall // 2,
                    "mouse": overall,
                    "overall": overall,
                    "tracked": secs,
                    "billable": bool(c["billable"][i]),
                    "paid": False,
                    "immutable": False,
                    "time_type": "normal",
                    "timesheet_id": None,
                    "timesheet_locked": False,
                    "created_at": iso_ts(c["created"][i]),
                    "updated_at": iso_ts(c["updated"][i]),
                }
            )
        self.send_listing("activities", items, {"next_page_start_id": rest[0][0]} if rest else None)
