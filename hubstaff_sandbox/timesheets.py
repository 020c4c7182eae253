"""Timesheets of the sandbox: one user's pay period, its approval status and the minutes tracked in it.

Hubstaff's reference (``GET /v2/organizations/{organization_id}/timesheets`` and the ``Timesheet`` definition;
contract.d/timesheets.json) says what a timesheet carries and how the listing filters; it says nothing of how
timesheets come to be, and no API call submits or approves one. What it leaves open, the sandbox reads in the
way that is hardest on a client:

- A timesheet exists for each user and pay period with tracked time (daily rows of the organization's days in
  the period, whatever the project) and for each one acted on through the control API, even without time.
  Members who left keep theirs: their time stays theirs.
- ``tracked`` is minutes (the reference's unit; daily rows count seconds): the period's tracked seconds // 60,
  work breaks included, read from the daily rows at answer time. A timesheet approved with 3 hours keeps
  answering the current sum when time is added or deleted afterwards; ``updated_at`` then moves too.
  ``input_tracked`` is seconds (the reference says so); ``keyboard``, ``mouse`` and ``overall`` are
  percentages of the tracked time.
- Pay periods follow the organization's setting, weekly (from Monday) unless set otherwise; a member may have
  a setting of their own (OrganizationMember has ``pay_period`` in the reference). A setting has an anchor day:
  periods start on it and every 7 (weekly) or 14 (biweekly) days before and after it. Changing the setting of
  an organization or member whose timesheets were acted on is refused: how Hubstaff cuts periods across a
  change is not public.
- Status: open -> submitted -> approved | denied; approved or denied -> open ("reopen"); a manager may also
  approve or deny an open timesheet that was never submitted (``submitted_on`` then stays absent), and a denied
  one may be submitted again. Approving sets ``approved_on`` (the UTC day, a date as the reference types it),
  ``approved_by_id`` and ``locked``; reopening clears them, ``submitted_on`` too, and unlocks.
- Fields the reference does not require (``submitted_on``, ``approved_on``, ``approved_by_id``,
  ``team_payment_id``, ``team_invoice_id``) are absent when unset, never null; ``paid`` is always false.
- ``date[start]`` and ``date[stop]`` are optional (the reference does not require them), each bounds on its own,
  and select the timesheets whose period overlaps the dates; there is no range limit. ``approved[start]``
  selects timesheets whose ``approved_on`` is that UTC date or later (so only approved ones). Plain members
  (role user or viewer) see their own timesheets only, as they see their own daily rows.
- Ids are given on first sight (a listing or an action) and never change while the scenario lasts.

The state lives in ``Sandbox.extras["timesheets"]`` (a new scenario starts it empty). The control calls are in
timesheet_routes.py; :func:`set_pay_period`, :func:`act` and :func:`all_timesheets` drive them from tests.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .store import date_to_ord, iso_date, iso_ts, ord_to_date

if TYPE_CHECKING:
    from .store import DataStore
    from .testing import SandboxClient

STATUSES = ("open", "submitted", "approved", "denied")
PERIOD_DAYS = {"weekly": 7, "biweekly": 14}
# A Monday: periods of a setting made without an anchor start on Mondays.
DEFAULT_ANCHOR = dt.date(2024, 1, 1)
# action -> (statuses it applies to, status it leaves)
ACTIONS = {
    "submit": (("open", "denied"), "submitted"),
    "approve": (("open", "submitted"), "approved"),
    "deny": (("open", "submitted"), "denied"),
    "reopen": (("approved", "denied"), "open"),
}
FIRST_ID = 600_001


class TimesheetError(ValueError):
    """An action or setting the sandbox refuses (the control API answers 422 with its text)."""


@dataclass(frozen=True)
class PayPeriod:
    kind: str  # weekly or biweekly
    anchor: dt.date

    def around(self, day: dt.date) -> tuple[dt.date, dt.date]:
        """The first and last day of the period that holds ``day``."""
        days = PERIOD_DAYS[self.kind]
        start = self.anchor + dt.timedelta(days=(day - self.anchor).days // days * days)
        return start, start + dt.timedelta(days=days - 1)

    def public(self) -> dict:
        return {"pay_period": self.kind, "starts_on": self.anchor.isoformat()}


WEEKLY = PayPeriod("weekly", DEFAULT_ANCHOR)


@dataclass
class Record:
    """What was done to one timesheet; its time comes from the daily rows."""

    status: str = "open"
    submitted_on: dt.date | None = None
    approved_on: dt.date | None = None
    approved_by_id: int | None = None
    created: int = 0
    updated: int = 0


@dataclass
class Totals:
    tracked: int = 0
    keyboard: int = 0
    mouse: int = 0
    overall: int = 0
    input_tracked: int = 0
    created: int | None = None
    updated: int = 0


# (organization id, user id, first day of the period as an ordinal)
Key = tuple[int, int, int]


@dataclass
class Timesheets:
    """Every organization's pay periods, timesheet ids and acted-on timesheets. Thread-safe (``lock``)."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    # (organization id, user id or None for the organization) -> its setting
    periods: dict[tuple[int, int | None], PayPeriod] = field(default_factory=dict)
    records: dict[Key, Record] = field(default_factory=dict)
    ids: dict[Key, int] = field(default_factory=dict)
    next_id: int = FIRST_ID

    # --- pay periods -----------------------------------------------------------------------------
    def pay_period(self, org_id: int, user_id: int) -> PayPeriod:
        return self.periods.get((org_id, user_id)) or self.periods.get((org_id, None)) or WEEKLY

    def set_pay_period(
        self, org_id: int, user_id: int | None, kind: str, anchor: dt.date | None
    ) -> PayPeriod:
        if kind not in PERIOD_DAYS:
            raise TimesheetError(f"pay_period must be one of {', '.join(PERIOD_DAYS)}")
        with self.lock:
            acted = [k for k in self.records if k[0] == org_id and user_id in (None, k[1])]
            if acted:
                raise TimesheetError(
                    "timesheets of this pay period were acted on: set pay periods before that"
                )
            setting = PayPeriod(kind, anchor or DEFAULT_ANCHOR)
            self.periods[(org_id, user_id)] = setting
            return setting

    # --- ids and actions -------------------------------------------------------------------------
    def id_of(self, key: Key) -> int:
        with self.lock:
            if key not in self.ids:
                self.ids[key] = self.next_id
                self.next_id += 1
            return self.ids[key]

    def act(
        self, store: DataStore, org_id: int, user_id: int, day: dt.date, action: str, by: int, now: int
    ) -> dict:
        """Apply ``action`` to the user's timesheet of the period holding ``day``; returns it as the API prints it."""
        if action not in ACTIONS:
            raise TimesheetError(f"action must be one of {', '.join(ACTIONS)}")
        allowed, result = ACTIONS[action]
        start, stop = self.pay_period(org_id, user_id).around(day)
        key = (org_id, user_id, date_to_ord(start))
        with self.lock:
            record = self.records.get(key)
            if record is None:
                totals = user_period_totals(store, org_id, start, stop, self.pay_period).get(key)
                first = totals.created if totals is not None and totals.created is not None else now
                record = Record(created=min(first, now), updated=now)
            if record.status not in allowed:
                raise TimesheetError(f"cannot {action} a timesheet that is {record.status}")
            today = dt.datetime.fromtimestamp(now, dt.UTC).date()
            record.status, record.updated = result, now
            if action == "submit":
                record.submitted_on = today
            elif action == "approve":
                record.approved_on, record.approved_by_id = today, by
            elif action == "reopen":
                record.submitted_on = record.approved_on = record.approved_by_id = None
            self.records[key] = record
            self.id_of(key)
            mine = self.listing(store, org_id, (start, stop), user_ids=frozenset({user_id}))
        return next(t for t in mine if t["start_date"] == start.isoformat())

    # --- the listing -----------------------------------------------------------------------------
    def listing(
        self,
        store: DataStore,
        org_id: int,
        dates: tuple[dt.date | None, dt.date | None] = (None, None),
        *,
        user_ids: frozenset[int] | None = None,
    ) -> list[dict]:
        """The organization's timesheets whose period overlaps ``dates`` (either end may be open), as the API
        prints them, in id order; ``user_ids`` keeps those users' only."""
        first, last = dates
        with self.lock:
            # Read the rows of every period that overlaps the dates: the dates widened to whole periods, under
            # each setting of the organization.
            settings = [p for (o, _), p in self.periods.items() if o == org_id]
            settings.append(self.periods.get((org_id, None), WEEKLY))
            lo = min(p.around(first)[0] for p in settings) if first is not None else None
            hi = max(p.around(last)[1] for p in settings) if last is not None else None
            totals_by_user_period = user_period_totals(store, org_id, lo, hi, self.pay_period)
            keys = set(totals_by_user_period) | {k for k in self.records if k[0] == org_id}
            out = []
            for key in sorted(keys, key=lambda k: (k[2], k[1])):  # new ids ascend by period, then user
                _, user_id, start_ord = key
                if user_ids is not None and user_id not in user_ids:
                    continue
                start, stop = self.pay_period(org_id, user_id).around(ord_to_date(start_ord))
                if (first is not None and stop < first) or (last is not None and start > last):
                    continue
                out.append(self._public(key, stop, self.records.get(key), totals_by_user_period.get(key)))
        return sorted(out, key=lambda t: t["id"])

    def _public(self, key: Key, stop: dt.date, record: Record | None, totals: Totals | None) -> dict:
        org_id, user_id, start_ord = key
        totals = totals or Totals()
        record = record or Record()
        created = min(x for x in (record.created or None, totals.created) if x is not None)
        seconds = totals.tracked
        out: dict[str, Any] = {
            "id": self.id_of(key),
            "user_id": user_id,
            "organization_id": org_id,
            "status": record.status,
            "locked": record.status == "approved",
            "paid": False,
            "start_date": iso_date(start_ord),
            "stop_date": stop.isoformat(),
            "tracked": seconds // 60,
            "input_tracked": totals.input_tracked,
            "keyboard": _percent(totals.keyboard, seconds),
            "mouse": _percent(totals.mouse, seconds),
            "overall": _percent(totals.overall, seconds),
            "created_at": iso_ts(created),
            "updated_at": iso_ts(max(created, record.updated, totals.updated)),
        }
        if record.submitted_on is not None:
            out["submitted_on"] = record.submitted_on.isoformat()
        if record.approved_on is not None:
            out["approved_on"] = record.approved_on.isoformat()
        if record.approved_by_id is not None:
            out["approved_by_id"] = record.approved_by_id
        return out


def _percent(part: int, whole: int) -> int:
    return min(100, round(100 * part / whole)) if whole else 0


def user_period_totals(
    store: DataStore, org_id: int, lo: dt.date | None, hi: dt.date | None, period_of
) -> dict[Key, Totals]:
    """Per timesheet key: the sums of the organization's daily rows dated ``lo``..``hi`` (an open end: no bound),
    each row counted in the pay period ``period_of(org_id, user_id)`` puts its day in."""
    date_range = None
    if lo is not None or hi is not None:
        date_range = (date_to_ord(lo) if lo else -(10**7), date_to_ord(hi) if hi else 10**7)
    out: dict[Key, Totals] = {}
    starts: dict[tuple[int, int], int] = {}  # (user, date ordinal) -> first day of its period
    with store.lock:
        c = store.cols
        for i in store.query(org_id, date_range=date_range):
            user, day = c["user"][i], c["date"][i]
            start = starts.get((user, day))
            if start is None:
                start = starts[(user, day)] = date_to_ord(period_of(org_id, user).around(ord_to_date(day))[0])
            t = out.setdefault((org_id, user, start), Totals())
            t.tracked += c["tracked"][i]
            t.keyboard += c["keyboard"][i]
            t.mouse += c["mouse"][i]
            t.overall += c["overall"][i]
            t.input_tracked += c["input_tracked"][i]
            t.created = c["created"][i] if t.created is None else min(t.created, c["created"][i])
            t.updated = max(t.updated, c["updated"][i])
    return out


def state(sandbox) -> Timesheets:
    """The sandbox's timesheets, made on first use (``Sandbox.extras`` is emptied when a scenario loads)."""
    with sandbox.lock:
        book = sandbox.extras.get("timesheets")
        if book is None:
            book = sandbox.extras["timesheets"] = Timesheets()
        return book


# --- for tests: the control calls over HTTP ---------------------------------------------------------------
def set_pay_period(
    sb: SandboxClient, org_id: int, pay_period: str, *, starts_on: str | None = None, user=None
) -> dict:
    """The organization's pay period (``weekly`` or ``biweekly``), or one member's (``user``: e-mail, name or id);
    ``starts_on`` is a day periods start on (default: Mondays)."""
    body: dict[str, Any] = {"pay_period": pay_period}
    if starts_on is not None:
        body["starts_on"] = starts_on
    if user is not None:
        body["user"] = user
    return sb.control(f"organizations/{org_id}/pay_period", body, method="PUT")


def act(sb: SandboxClient, org_id: int, action: str, user, day: str, *, by=None) -> dict:
    """``submit``, ``approve``, ``deny`` or ``reopen`` the user's timesheet of the period holding ``day``
    (``by``: who approves, default the organization's owner); returns the timesheet as the API prints it."""
    body: dict[str, Any] = {"user": user, "date": day}
    if by is not None:
        body["by"] = by
    return sb.control(f"organizations/{org_id}/timesheets/{action}", body)["timesheet"]


def all_timesheets(sb: SandboxClient, org_id: int) -> list[dict]:
    """Every timesheet of the organization as the API prints it, without paging, filters or rate limit."""
    return sb.control(f"organizations/{org_id}/timesheets", method="GET")["timesheets"]
