"""A sync run's checkpoint: what it decided to fetch, and the windows it has fetched in full, kept in the database.

A reset of a large team over years needs more requests than Hubstaff allows in an hour, and a worker can die
part-way. So that a later attempt of the same run (after a wait for the rate limit, a retry, or a takeover of a
dead worker's run) goes on where the last one stopped instead of starting from zero:

- the first attempt stores its *fetch plan* on the run (`SyncRun.fetch_plan`: the mode, the start time that will
  become `synced_through`, the dates and the Hubstaff projects); a later attempt fetches exactly that;
- each fetch window read in full is saved as one `FetchCheckpoint` row: the window and its activities, packed as
  the staging keeps them, in one INSERT, so a window is either wholly saved or not at all. A later attempt loads
  those into its staging and asks Hubstaff only for the other windows (a window cut short by the stop is fetched
  again from its first page).

The table is an ordinary (logged) table: a checkpoint survives a worker's death and a database restart alike,
and costs one compact row per window (40 bytes an activity). The apply still reads only the staging, in one
transaction, so a failed or abandoned run changes nothing; a run's checkpoint rows are deleted when it finishes,
succeeded or failed (`runs.finish`, in the same transaction as its work logs on success), with the run, and by
`sweep` for runs that ended without `finish` (failed by the stale-run check).
"""

from dataclasses import dataclass
from datetime import date, datetime

from integrations.hubstaff import rules
from integrations.models import FetchCheckpoint, SyncRun


@dataclass(frozen=True)
class FetchPlan:
    """What a run fetches: its mode, the time it started (its `synced_through`), the window of P and the spans."""

    mode: str
    started: datetime
    window: tuple[date, date] | None
    spans: list


def stored_plan(run, sources):
    """The plan an earlier attempt of `run` stored, if it was made for the same Hubstaff projects; else None."""
    stored = run.fetch_plan or {}
    if not stored or stored.get("sources") != _sources_json(sources):
        return None
    window = stored.get("window")
    return FetchPlan(
        mode=stored["mode"],
        started=datetime.fromisoformat(stored["started"]),
        window=(date.fromisoformat(window[0]), date.fromisoformat(window[1])) if window else None,
        spans=[rules.DateSpan(date.fromisoformat(s), date.fromisoformat(e)) for s, e in stored["spans"]],
    )


def store_plan(run, plan, sources):
    """Remember the plan of the run's first attempt (a new plan makes older checkpoint rows meaningless)."""
    value = {
        "mode": plan.mode,
        "started": plan.started.isoformat(),
        "window": [plan.window[0].isoformat(), plan.window[1].isoformat()] if plan.window else None,
        "spans": [[span.start.isoformat(), span.end.isoformat()] for span in plan.spans],
        "sources": _sources_json(sources),
    }
    FetchCheckpoint.objects.filter(run_id=run.pk).delete()
    SyncRun.objects.filter(pk=run.pk).update(fetch_plan=value)
    run.fetch_plan = value


def _sources_json(sources):
    return {str(org_id): sorted(int(i) for i in ids) for org_id, ids in sources.items()}


def fetched(run):
    """(Hubstaff organization id, window) -> pages read, of every window the run has saved."""
    rows = FetchCheckpoint.objects.filter(run_id=run.pk).values_list(
        "hubstaff_organization_id", "window_start", "window_end", "pages"
    )
    return {(org_id, (start, end)): pages for org_id, start, end, pages in rows}


def restore(run, staging, keys):
    """Load the saved windows `keys` ((organization id, window) pairs) into `staging`, one window at a time."""
    wanted = set(keys)
    rows = (
        FetchCheckpoint.objects.filter(run_id=run.pk)
        .order_by("hubstaff_organization_id", "window_start")
        .values_list("hubstaff_organization_id", "window_start", "window_end", "rows")
    )
    for org_id, start, end, data in rows.iterator(chunk_size=4):
        if (org_id, (start, end)) in wanted:
            staging.load((start, end), data)


def save_window(run, org_id, window, staging, *, skip, pages):
    """Save one window of a Hubstaff organization read in full: its rows in `staging` after the first `skip` (those
    of other organizations under the same window), and how many pages it took."""
    FetchCheckpoint.objects.create(
        run_id=run.pk,
        hubstaff_organization_id=org_id,
        window_start=window[0],
        window_end=window[1],
        pages=pages,
        row_count=staging.row_count(window) - skip,
        rows=staging.packed(window, skip),
    )


def forget(run):
    """Delete the run's checkpoint (it finished: its rows are applied or never will be)."""
    FetchCheckpoint.objects.filter(run_id=run.pk).delete()


def sweep():
    """Delete the checkpoints of runs no longer queued or running (one that died and was failed without finish)."""
    return FetchCheckpoint.objects.exclude(run__status__in=SyncRun.ACTIVE_STATUSES).delete()[0]
