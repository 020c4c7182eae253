"""A sync's counts in words, for the sync history and the last sync ("62 work logs added, none changed or
removed" rather than "+62 ~0 -0")."""

from datetime import date

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
