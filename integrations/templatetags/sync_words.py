"""A sync's counts in words, for the sync history and the last sync ("62 work logs added, none changed or
removed" rather than "+62 ~0 -0")."""

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from django import template

from integrations.models import SyncRun

register = template.Library()


def _work_logs(count: int) -> str:
    return f"{count} work log{'' if count == 1 else 's'}"


def describe_changes(added: int, changed: int, removed: int) -> str:
    """What a sync did to the work logs, in one sentence; the zeros are named together at the end."""
    counts = [(added, "added"), (changed, "changed"), (removed, "removed")]
    done = [(n, verb) for n, verb in counts if n]
    none = [verb for n, verb in counts if not n]
    if not done:
        return "No work logs added, changed or removed"
    words = [f"{_work_logs(done[0][0])} {done[0][1]}"] + [f"{n} {verb}" for n, verb in done[1:]]
    if none:
        words.append("none " + " or ".join(none))
    return ", ".join(words)


@register.filter
def worklog_changes(run: object) -> str:
    """A run's work-log counts in words; a Clear data run only removes. Counts a run lacks count as none."""
    created, updated, deleted = (
        getattr(run, f"worklogs_{n}", 0) or 0 for n in ("created", "updated", "deleted")
    )
    if getattr(run, "mode", "") == "clear":
        return f"{_work_logs(deleted)} removed"
    return describe_changes(created, updated, deleted)


@register.filter
def count_of(number: int, noun: str) -> str:
    """`3|count_of:"assignment"` -> "3 assignments"; `1|count_of:"assignment"` -> "1 assignment"."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def describe_dates(start: date, end: date) -> str:
    """An inclusive span of dates as people write it: "1–31 Mar 2025", "28 Feb–3 Mar 2025", "5 Mar 2025"."""
    if start == end:
        return f"{start.day} {start:%b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%b %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b}–{end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y}–{end.day} {end:%b %Y}"


def _day_spans(days: list[str]) -> list[str]:
    """Sorted ISO dates as spans of consecutive days, each as people write it."""
    spans: list[list[date]] = []
    for day in map(date.fromisoformat, days):
        if spans and (day - spans[-1][1]).days <= 1:
            spans[-1][1] = day
        else:
            spans.append([day, day])
    return [describe_dates(start, end) for start, end in spans]


@register.filter
def run_name(run: SyncRun) -> str:
    """What a run was, for the history and the progress: its mode, and for a reconciliation the days it
    re-read ("Reconciliation: re-read 1–31 Mar 2025 and 4–27 Nov 2026")."""
    name = str(run.get_mode_display())
    if run.trigger == SyncRun.Trigger.HUBSTAFF_EVENT and run.event_days:
        # A run of Hubstaff's events read only the days they named: "Sync changes: re-read 3–5 Dec 2026".
        return f"{name}: re-read {' and '.join(_day_spans(sorted(run.event_days)))}"
    spans = (run.fetch_plan or {}).get("spans") if run.mode == SyncRun.Mode.RECONCILE else None
    if not spans:
        return name
    days = [describe_dates(date.fromisoformat(start), date.fromisoformat(end)) for start, end in spans]
    return f"{name}: re-read {' and '.join(days)}"


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:.2f} h"


def _day(iso: str) -> str:
    """An ISO date as the product writes dates ("01 Feb 2026")."""
    return f"{date.fromisoformat(iso):%d %b %Y}"


def _days(count: int, what: str) -> str:
    return f"{count} {what} day{'' if count == 1 else 's'}"


@register.filter
def preview_person_changes(row: Mapping[str, Any]) -> str:
    """A person's line of a preview, in hours and dates: "01 Feb 2026 5.50 h -> 4.00 h; 3 new days, 12.00 h; 1 day
    removed, 2.00 h". Days whose hours change are named (the first few); new and removed days are summed."""
    parts: list[str] = []
    changed = list(row.get("changed") or [])
    for day in changed:
        parts.append(f"{_day(str(day['date']))} {_hours(int(day['from']))} → {_hours(int(day['to']))}")
    more = int(row.get("changed_more") or 0)
    if more:
        parts.append(f"{more} more day{'' if more == 1 else 's'} changed")
    updated_only = int(row.get("updated") or 0) - len(changed) - more
    if updated_only > 0:
        # Same hours, another assignment (or person): the day is kept, its hours do not move.
        parts.append(f"{updated_only} day{'' if updated_only == 1 else 's'} moved to another assignment")
    # A report stored before hours were kept has counts only.
    with_hours = "created_seconds" in row
    created = int(row.get("created") or 0)
    if created:
        new = _days(created, "new")
        parts.append(f"{new}, {_hours(int(row['created_seconds']))}" if with_hours else new)
    deleted = int(row.get("deleted") or 0)
    if deleted:
        removed = f"{deleted} day{'' if deleted == 1 else 's'} removed"
        parts.append(f"{removed}, {_hours(int(row['deleted_seconds']))}" if with_hours else removed)
    return "; ".join(parts) or "no change"


@register.filter
def preview_net_hours(row: Mapping[str, Any]) -> str:
    """How a person's synced hours on the project move with the reset: "+12.00 h", "−1.50 h", "±0.00 h"."""
    net = (
        int(row.get("created_seconds") or 0)
        - int(row.get("deleted_seconds") or 0)
        + int(row.get("updated_to_seconds") or 0)
        - int(row.get("updated_from_seconds") or 0)
    )
    sign = "+" if net > 0 else "−" if net < 0 else "±"
    return f"{sign}{_hours(abs(net))}"


@register.filter
def span_words(span: Mapping[str, Any]) -> str:
    """A previewed assignment's dates ({"start", "end"} as ISO text) as the product writes them: "01 Jan 2026 –
    26 Mar 2026"."""
    return f"{_day(str(span['start']))} – {_day(str(span['end']))}"


# What an API path asks Hubstaff for, in a manager's words (the most specific first).
_ASKED_FOR = (
    ("activities/daily/updates", "the list of changed time"),
    ("time_edit_logs", "the time edit log"),
    ("activities", "the tracked time"),
    ("members", "the list of members"),
    ("timesheets", "the timesheets"),
    ("time_off", "the time off"),
    ("webhooks", "live updates"),
    ("users/me", "the installing account"),
    ("projects", "the list of projects"),
)
_API_CALL = re.compile(r" ?\((?:GET|POST|PUT|PATCH|DELETE) (/[^)\s]*)\)")
# OAuth's error codes, as a manager reads them.
_OAUTH_WORDS = {
    "invalid_grant": "the authorization was withdrawn in Hubstaff or has expired",
    "invalid_client": "Hubstaff does not accept the app's Client ID or secret",
    "unauthorized_client": "Hubstaff does not let this app authorize this way",
    "access_denied": "the Hubstaff account did not allow access",
    "invalid_scope": "the app asked for access Hubstaff does not give",
    "invalid_request": "Hubstaff did not understand the request",
}
_OAUTH_CODE = re.compile(r"\b(" + "|".join(_OAUTH_WORDS) + r")\b(: )?")


def _asked_for(path: str) -> str:
    return next((words for part, words in _ASKED_FOR if part in path), "data")


@register.filter
def for_managers(message: object) -> str:
    """A reason recorded for logs and the API, as a page says it to a manager: no API paths ("(GET
    /organizations/10/members)" becomes "when asked for the list of members") and no OAuth error codes
    ("invalid_grant: revoked" becomes "the authorization was withdrawn in Hubstaff or has expired: revoked")."""
    text = str(message or "")
    text = _API_CALL.sub(lambda m: f" when asked for {_asked_for(m.group(1))}", text)

    return _OAUTH_CODE.sub(lambda m: _OAUTH_WORDS[m.group(1)] + (m.group(2) or ""), text)
