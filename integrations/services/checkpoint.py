"""A sync run's checkpoint: what it decided to fetch, and the windows it has fetched in full, kept in the database.

A large reset needs more requests than Hubstaff's rate limit allows at once, and a worker can die part-way. So
that a later attempt of the same run (after a wait for the budget, a retry, or a takeover) goes on where the
last one stopped:

- the first attempt stores its *fetch plan* on the run (`SyncRun.fetch_plan`, see `FetchPlan`); a later attempt
  fetches exactly that;
- each fetch window read in full is saved as one `FetchCheckpoint` row, in one INSERT, so a window is either
  wholly saved or not at all. A later attempt loads those into its staging and asks Hubstaff only for the other
  windows (a window cut short is fetched again from its first page).

The table is an ordinary (logged) table: a checkpoint survives a worker's death and a database restart alike.
The apply still reads only the staging, in one transaction, so a failed or abandoned run changes nothing; a
run's checkpoint rows are deleted when it finishes (`runs.finish`, in the same transaction as its work logs on
success), with the run, and by `sweep` for runs that ended without `finish`.

A succeeded preview keeps its checkpoint for `KEEP_PREVIEW` instead: the reset its Apply queues
(`SyncRun.applies_preview`), if it asks the same (`kept_preview`) and Hubstaff lists no change since
(`preview.hubstaff_changed_since`), takes those rows over as its own checkpoint (`take_preview`), so that it plans
what the preview showed without reading Hubstaff again. Any other reset reads Hubstaff; any sync of the project
drops the kept fetches.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeAlias

from django.db.models import Q
from django.utils import timezone

from integrations.hubstaff import rules
from integrations.models import FetchCheckpoint, SyncRun

from .staging import Staging, Window

# The Hubstaff projects a run reads: Hubstaff organization id -> Hubstaff project ids.
Sources: TypeAlias = Mapping[int, Sequence[int]]

# How long a preview's fetch may be applied by a reset (the panel's Apply).
KEEP_PREVIEW = timedelta(minutes=10)


@dataclass
class FetchPlan:
    """What a run fetches: its mode, the time it started (its `synced_through`), the window of P and the spans."""

    mode: str
    started: datetime
    window: Window | None
    spans: list[rules.DateSpan]
    # What else shapes the fetched rows: the organization's time zone, its "today" and the work-break setting.
    shape: dict[str, str | bool] = field(default_factory=dict)
    users: dict[int, rules.HubstaffUser] | None = None  # by Hubstaff user id, once read


def stored_plan(run: SyncRun, sources: Sources) -> FetchPlan | None:
    """The plan an earlier attempt of `run` stored, if it was made for the same Hubstaff projects; else None."""
    stored = run.fetch_plan or {}
    if not stored or stored.get("sources") != _sources_json(sources):
        return None
    window = stored.get("window")
    users = stored.get("users")
    return FetchPlan(
        mode=stored["mode"],
        started=datetime.fromisoformat(stored["started"]),
        window=(date.fromisoformat(window[0]), date.fromisoformat(window[1])) if window else None,
        spans=[rules.DateSpan(date.fromisoformat(s), date.fromisoformat(e)) for s, e in stored["spans"]],
        shape=stored.get("shape", {}),
        users=None if users is None else {i: rules.HubstaffUser(i, name, email) for i, name, email in users},
    )


def store_plan(run: SyncRun, plan: FetchPlan, sources: Sources) -> None:
    """Remember the plan of the run's first attempt (a new plan makes older checkpoint rows meaningless)."""
    FetchCheckpoint.objects.filter(run_id=run.pk).delete()
    _save_plan(run, plan, sources)


def store_users(
    run: SyncRun, plan: FetchPlan, sources: Sources, users: dict[int, rules.HubstaffUser]
) -> None:
    """Remember the Hubstaff users the rows are matched with: later attempts, and a reset adopting a preview, use
    the same ones."""
    plan.users = users
    _save_plan(run, plan, sources)


def _save_plan(run: SyncRun, plan: FetchPlan, sources: Sources) -> None:
    value = _plan_json(plan, sources)
    SyncRun.objects.filter(pk=run.pk).update(fetch_plan=value)
    run.fetch_plan = value


def _plan_json(plan: FetchPlan, sources: Sources) -> dict[str, object]:
    return {
        "mode": plan.mode,
        "started": plan.started.isoformat(),
        "window": [plan.window[0].isoformat(), plan.window[1].isoformat()] if plan.window else None,
        "spans": [[span.start.isoformat(), span.end.isoformat()] for span in plan.spans],
        "sources": _sources_json(sources),
        "shape": plan.shape,
        "users": None if plan.users is None else [[u.id, u.name, u.email] for u in plan.users.values()],
    }


@dataclass(frozen=True)
class KeptPreview:
    """A preview's kept fetch that a reset may take over: the preview, when it began reading Hubstaff (rows changed
    at Hubstaff after that may be missing from it), and the Hubstaff users it read."""

    run_id: int
    read_at: datetime
    users: dict[int, rules.HubstaffUser]


def kept_preview(run: SyncRun, plan: FetchPlan, sources: Sources) -> KeptPreview | SyncRun.PreviewFetch:
    """The kept fetch of the preview `run` applies (looked up inside its organization and project), if it is still
    kept and asked what `plan` asks (Hubstaff projects, dates, shape); else why it cannot be used."""
    if run.applies_preview_id is None:
        return SyncRun.PreviewFetch.EXPIRED
    preview = (
        SyncRun.objects.for_org(run.organization_id)
        .filter(
            pk=run.applies_preview_id,
            project_id=run.project_id,
            mode=SyncRun.Mode.PREVIEW,
            status=SyncRun.Status.SUCCEEDED,
        )
        .values_list("pk", "finished_at", "fetch_plan")
        .first()
    )
    if preview is None:
        return SyncRun.PreviewFetch.EXPIRED
    preview_id, finished_at, fetched = preview
    if (
        finished_at is None
        or finished_at < timezone.now() - KEEP_PREVIEW
        or fetched.get("users") is None
        or not FetchCheckpoint.objects.filter(run_id=preview_id).exists()
    ):
        return SyncRun.PreviewFetch.EXPIRED
    if _asked(fetched) != _asked(_plan_json(plan, sources)):
        return SyncRun.PreviewFetch.DIFFERS
    users = {i: rules.HubstaffUser(i, name, email) for i, name, email in fetched["users"]}
    return KeptPreview(preview_id, datetime.fromisoformat(fetched["started"]), users)


def take_preview(run: SyncRun, kept: KeptPreview, plan: FetchPlan, sources: Sources) -> bool:
    """The reset `run` (its plan stored) takes over the preview's kept rows and users as its own checkpoint;
    False when they are gone meanwhile (expired: the reset then reads Hubstaff)."""
    moved = FetchCheckpoint.objects.filter(run_id=kept.run_id).update(run_id=run.pk)
    if not moved:
        return False
    store_users(run, plan, sources, kept.users)
    return True


def _asked(stored: dict[str, object]) -> dict[str, object]:
    """What a stored plan asked Hubstaff for: all of it but the mode, the start and the users read."""
    return {key: value for key, value in stored.items() if key not in ("mode", "started", "users")}


def drop_previews(run: SyncRun) -> None:
    """Forget the kept fetches of the previews of `run`'s project (any sync of the project makes them stale)."""
    FetchCheckpoint.objects.filter(
        run__organization_id=run.organization_id,
        run__project_id=run.project_id,
        run__mode=SyncRun.Mode.PREVIEW,
    ).exclude(run_id=run.pk).delete()


def _sources_json(sources: Sources) -> dict[str, list[int]]:
    return {str(org_id): sorted(int(i) for i in ids) for org_id, ids in sources.items()}


def fetched(run: SyncRun) -> dict[tuple[int, Window], int]:
    """(Hubstaff organization id, window) -> pages read, of every window the run has saved."""
    rows = FetchCheckpoint.objects.filter(run_id=run.pk).values_list(
        "hubstaff_organization_id", "window_start", "window_end", "pages"
    )
    return {(org_id, (start, end)): pages for org_id, start, end, pages in rows}


def restore(run: SyncRun, staging: Staging, keys: Iterable[tuple[int, Window]]) -> None:
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


def save_window(
    run: SyncRun, org_id: int, window: Window, staging: Staging, *, skip: int, pages: int
) -> None:
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


def forget(run: SyncRun) -> None:
    """Delete the run's checkpoint (it finished: its rows are applied or never will be). A succeeded preview keeps
    its own for a reset to adopt."""
    if run.mode == SyncRun.Mode.PREVIEW and run.status == SyncRun.Status.SUCCEEDED:
        return
    FetchCheckpoint.objects.filter(run_id=run.pk).delete()


def sweep() -> int:
    """Delete the checkpoints of runs no longer queued or running (one that died and was failed without finish),
    but those a preview keeps, while they may be adopted."""
    kept = Q(
        run__mode=SyncRun.Mode.PREVIEW,
        run__status=SyncRun.Status.SUCCEEDED,
        run__finished_at__gte=timezone.now() - KEEP_PREVIEW,
    )
    return FetchCheckpoint.objects.exclude(run__status__in=SyncRun.ACTIVE_STATUSES).exclude(kept).delete()[0]
