"""Syncing a project's work logs from Hubstaff.

A sync has two phases, so that a failure part-way never changes what a project has:

1. **Fetch** (`fetch.py`). Pages of Hubstaff's daily activities are streamed into the run's staging
   (`staging.py`: packed rows in a temporary file, by fetch window), outside any transaction; memory holds a few
   pages at a time. The run's progress and heartbeat move as pages arrive.
2. **Apply** (`apply.py`). In one transaction, the staged rows are planned by the pure rules batch by batch and
   written in bulk. If anything fails, the transaction rolls back and the project keeps its work logs. The apply
   starts with the fetch, taking each window once it is complete (`early.py`); its transaction commits after the
   fetch has ended.

`ProjectSync` (here) decides once what the run fetches (its stored plan, or a new one), and how it ends: `Commit`
or `Preview`.

`run_sync` is the entry point a worker (or `manage.py sync_project`) calls with a queued run's id: it claims the
run (`runs.py`: the run's life from request to finish), runs `ProjectSync` and records the outcome in the run.

The one seam for tests is `run_sync(parts=Parts(...))`: the client, the staging and the rules a sync is made
of, each replaceable to inject a fault, watch a step or lower a threshold, rather than patching this module's
names. Faults of Hubstaff itself are better set at the sandbox (`hubstaff_sandbox.testing`).
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from django.db import connection, transaction
from django.utils import timezone

from integrations.hubstaff import mapping, rules
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import (
    HubstaffError,
    RateLimited,
    ReauthorizationRequired,
    Refused,
    Rejected,
    TransientHubstaffError,
    Uninstalled,
)
from integrations.hubstaff.windows import (
    MAX_WINDOW_DAYS,
    date_windows,
    organization_date,
)
from integrations.models import Installation, ProjectLink, SyncRun
from integrations.selectors import get_installation, get_link
from projects.models import Project

from . import checkpoint, early, reconcile, runs, statistics, waiting
from .apply import Apply, PlanRules, Report, RunContext, StagedRows
from .approvals import Approvals, ApprovedRows, record_waiting
from .fetch import Fetch, contiguous_spans
from .links import next_daily_slot
from .locked import LockMoved
from .preview import PreviewReport, hubstaff_changed_since
from .runs import SyncStopped, claim, sync_blocker
from .staging import Staging, Window
from .waiting import announce_waits
from .writer import transaction_writer
from .writes import plan_created_assignments

logger = logging.getLogger(__name__)

# Days of one fetch step (Hubstaff's per-request limit); the progress bar moves once a step.
FETCH_WINDOW_DAYS = MAX_WINDOW_DAYS


class MakeClient(Protocol):
    """How a sync gets its Hubstaff client: `HubstaffClient` itself, or a test's subclass."""

    def __call__(self, installation: Installation, *, prefetch: bool) -> HubstaffClient: ...


@dataclass(frozen=True)
class Parts:
    """What a sync is made of (see the module's docstring: the seam for tests)."""

    client: MakeClient = HubstaffClient
    staging: Callable[[], Staging] = Staging  # an empty Staging
    plan: PlanRules = rules.plan_sync  # the rules
    refresh_statistics: Callable[[int], None] = statistics.refresh_after_sync  # (work logs written)


def run_sync(
    run_id: int,
    *,
    final_attempt: bool = True,
    retry_in: float = 60,
    today: date | None = None,
    parts: Parts = Parts(),
) -> SyncRun | None:
    """Carry out a queued sync run (the Celery task's body). Safe to call twice: a finished run is left alone.

    Raises runs.LeaseHeld when another worker holds the run (the task comes back later), RetryLater when Hubstaff
    is busy and this is not the final attempt (the task's retry comes in `retry_in` seconds), or runs.Paced when
    the run waits for the installation's request budget (whatever `final_attempt` says: the next attempt resumes
    from the run's checkpoint).
    """
    run = claim(run_id)
    if run is None:
        return None
    return run_claimed(run, final_attempt=final_attempt, retry_in=retry_in, today=today, parts=parts)


def run_claimed(
    run: SyncRun,
    *,
    final_attempt: bool = True,
    retry_in: float = 60,
    today: date | None = None,
    parts: Parts = Parts(),
    keep_lease: bool = True,
) -> SyncRun:
    """`run_sync` for a run this worker has claimed already (an event batch claims its runs at once, batch.py,
    and renews their leases itself: `keep_lease=False`)."""
    try:
        if keep_lease:
            with runs.keep_lease(run):
                _carry_out(run, today, parts)
        else:
            _carry_out(run, today, parts)
    except Exception as exc:
        _record_failure(run, exc, final_attempt=final_attempt, retry_in=retry_in)
    run.refresh_from_db()
    return run


def _carry_out(run: SyncRun, today: date | None, parts: Parts) -> None:
    project = run.project
    installation = get_installation(project.organization)
    link = get_link(project)
    reason = sync_blocker(project, installation, link)
    if reason:
        runs.finish(run, SyncRun.Status.FAILED, error=reason)
        return
    if installation is None or link is None:
        raise RuntimeError("sync_blocker lets no sync through without an installation and a link.")
    # prefetch: the next page's request is in flight while a page is staged (HTTP only, in the client's threads).
    client = announce_waits(parts.client(installation, prefetch=True), run)
    try:
        ProjectSync(run, project, installation, link, client, today=today, parts=parts).run()
    finally:
        client.close()
        runs.count_requests(run, client.requests_made)


def _record_failure(run: SyncRun, exc: Exception, *, final_attempt: bool, retry_in: float) -> None:
    """Record in the run what stopped it; re-raise as RetryLater (or Paced) when Hubstaff is busy and another try
    is left."""
    if isinstance(exc, Uninstalled):
        runs.finish(run, SyncRun.Status.FAILED, error=runs.UNINSTALLED_MESSAGE)
    elif isinstance(exc, SyncStopped | LockMoved):
        runs.finish(run, SyncRun.Status.FAILED, error=str(exc))
    elif isinstance(exc, ReauthorizationRequired):
        error = str(exc) or "Hubstaff refused the stored authorization; re-authorize."
        runs.finish(run, SyncRun.Status.FAILED, error=error)
    elif isinstance(exc, RateLimited | TransientHubstaffError):
        waiting.retry_or_fail(run, exc, final_attempt=final_attempt, retry_in=retry_in)
    elif isinstance(exc, Rejected | Refused):
        # Hubstaff's own reason says what to do (an inactive plan, parameters it refused); the tokens are fine.
        runs.finish(run, SyncRun.Status.FAILED, error=str(exc))
    elif isinstance(exc, HubstaffError):
        runs.finish(run, SyncRun.Status.FAILED, error=f"Hubstaff answered unexpectedly: {exc}")
    else:
        logger.error("Sync run %s failed", run.pk, exc_info=exc)
        runs.finish(
            run,
            SyncRun.Status.FAILED,
            error="The sync failed on our side; nothing was changed. The error was logged.",
        )


class ProjectSync:
    """One reset, incremental sync or preview of one project: what to fetch (the run's fetch plan), its rows from
    Hubstaff or from the run's checkpoint, and how it ends (`Commit` or `Preview`), each decided once."""

    def __init__(
        self,
        run: SyncRun,
        project: Project,
        installation: Installation,
        link: ProjectLink,
        client: HubstaffClient,
        *,
        today: date | None = None,
        parts: Parts = Parts(),
    ) -> None:
        self.sync_run = run
        self.parts = parts
        self.project = project
        self.link = link
        self.client = client
        self.time_zone = mapping.organization_time_zone(link.hubstaff_time_zone, installation.account)
        # "Today" is the Hubstaff organization's day: Hubstaff dates rows by it.
        self.today = today or organization_date(timezone.now(), self.time_zone)
        self.options = rules.Options(
            prevent_new_assignments=link.prevent_new_assignments, trim_assignments=link.trim_assignments
        )
        self.project_dates = rules.ProjectDates(project.start_date, project.end_date)
        self.context = RunContext(run, project, link, self.options, self.project_dates, parts.plan)
        self.fetch = Fetch(
            run, project, installation, link, client, today=self.today, time_zone=self.time_zone
        )
        # With "Only Hubstaff-approved time": the approved pay periods, read as the run needs them.
        self.approvals: Approvals | None = None

    # -- the whole run

    def run(self) -> None:
        checkpoint.sweep()
        sources = self.fetch.sources()
        if self.link.approved_time_only:
            self.approvals = Approvals(self.client, sources)
        plan = checkpoint.stored_plan(self.sync_run, sources)
        if plan is None:
            plan = self._plan(sources)
        elif self.sync_run.rows_read_at is None and checkpoint.fetched(self.sync_run):
            # Rows an earlier attempt read are applied with those read now: the run says since when it read.
            runs.update_run(self.sync_run, rows_read_at=plan.started)
        ending: Commit | Preview = Preview(self) if plan.mode == SyncRun.Mode.PREVIEW else Commit(self, plan)
        self._pace(plan)
        users = plan.users or self.fetch.users(sources)
        if plan.users is None:
            checkpoint.store_users(self.sync_run, plan, sources, users)
        windows = [w for span in plan.spans for w in date_windows(span.start, span.end, FETCH_WINDOW_DAYS)]
        if self.approvals is not None:
            self.approvals.read(plan.spans)  # before the apply, which may run in a thread of its own
        self.fetch.update(
            mode=plan.mode,
            window_start=plan.window[0] if plan.window else None,
            window_end=plan.window[1] if plan.window else None,
            reread_from=plan.spans[0].start if plan.spans else None,
            progress_label="Fetching work logs from Hubstaff",
        )
        with self.parts.staging() as staging:
            counts = ending.run(staging, sources, users, windows, plan.window)
        if counts is not None:
            self.parts.refresh_statistics(
                counts.get("worklogs_created", 0) + counts.get("worklogs_deleted", 0)
            )

    def _pace(self, plan: checkpoint.FetchPlan) -> None:
        """A large sync leaves others their share of the request budget; the budget tells this sync when it waits,
        and may end the attempt rather than sleep when that loses nothing or the attempt has saved a window."""
        budget = self.client.budget
        # A reconciliation is background work too: it never takes more than a large sync's share.
        full = (SyncRun.Mode.RESET, SyncRun.Mode.PREVIEW, SyncRun.Mode.RECONCILE)
        if self.link.synced_through is None or self.sync_run.mode in full or plan.mode in full:
            budget.share_fairly(self.sync_run)
        # An attempt that has read part of a window and saved none sleeps through the wait: a window needing more
        # pages than a budget would otherwise be started again by every attempt. One that has read nothing, or has
        # saved a window, ends instead of holding a worker until the next window (up to an hour).
        fetch = self.fetch
        budget.on_wait = fetch.waiting
        budget.may_stop = lambda: fetch.windows_saved > 0 or fetch.pages_unsaved == 0

    def _plan(self, sources: checkpoint.Sources) -> checkpoint.FetchPlan:
        """The first attempt's decision of what to fetch, stored on the run for the attempts after it. The reset a
        preview's Apply queued takes over that preview's fetch (its rows and users) if Hubstaff lists no change
        since; every other reset reads Hubstaff."""
        started = timezone.now()
        window = rules.sync_window(self.project_dates, self.today)
        mode = self.sync_run.mode
        if mode == SyncRun.Mode.INCREMENTAL and self.link.synced_through is None:
            mode = SyncRun.Mode.RESET  # nothing synced yet: an incremental sync is a full one
        shape: dict[str, str | bool] = {
            "time_zone": self.time_zone,
            "today": self.today.isoformat(),
            "count_work_breaks": self.link.count_work_breaks,
        }
        if mode == SyncRun.Mode.INCREMENTAL and self.sync_run.trigger == SyncRun.Trigger.HUBSTAFF_EVENT:
            spans = self.fetch.day_spans(self.sync_run.event_days, window)  # the days Hubstaff's events named
        else:
            spans = self.fetch.spans(mode, sources, window, started)
            if self.approvals is not None and mode == SyncRun.Mode.INCREMENTAL and window is not None:
                spans = self._with_approval_changes(spans, window)
        plan = checkpoint.FetchPlan(mode, started, window, spans, shape)
        kept = self._kept_preview(plan, sources) if mode == SyncRun.Mode.RESET else None
        checkpoint.store_plan(self.sync_run, plan, sources)
        if isinstance(kept, checkpoint.KeptPreview):
            if checkpoint.take_preview(self.sync_run, kept, plan, sources):
                runs.update_run(
                    self.sync_run, preview_fetch=SyncRun.PreviewFetch.USED, rows_read_at=kept.read_at
                )
            else:
                runs.update_run(self.sync_run, preview_fetch=SyncRun.PreviewFetch.EXPIRED)
        elif kept is not None:
            runs.update_run(self.sync_run, preview_fetch=kept)
        elif mode == SyncRun.Mode.PREVIEW:
            runs.update_run(self.sync_run, rows_read_at=started)  # its Apply says when what it uses was read
        # Whatever this sync does, an older preview's fetch no longer describes what it would apply.
        checkpoint.drop_previews(self.sync_run)
        return plan

    def _with_approval_changes(self, spans: list[rules.DateSpan], window: Window) -> list[rules.DateSpan]:
        """The spans, and the days whose approval changed in Hubstaff since the last sync (approvals.py); the run
        keeps how many days are withdrawn (approved no more) for its report."""
        if self.approvals is None or self.link.synced_through is None:
            return spans
        days, withdrawn = self.approvals.changed_days(self.link, window, self.today, self.link.synced_through)
        runs.update_run(
            self.sync_run, awaiting_approval={"seconds": 0, "people": [], "withdrawn_days": withdrawn}
        )
        if not days:
            return spans
        named = {
            span.start + timedelta(days=n) for span in spans for n in range((span.end - span.start).days + 1)
        }
        return contiguous_spans(named | days)

    def approved_rows(self, staging: StagedRows) -> StagedRows:
        return staging if self.approvals is None else ApprovedRows(staging, self.approvals)

    def waiting(self, rows: StagedRows, apply: Apply) -> dict[tuple[int, date], int] | None:
        """The hours awaiting approval by person and day, None when only approved time is not asked for."""
        if not isinstance(rows, ApprovedRows):
            return None
        return rows.by_person_and_day(
            rules.match_people(apply.users.values(), apply.people, apply.kept.links)
        )

    def awaiting(self, rows: StagedRows, users: Mapping[int, rules.HubstaffUser]) -> dict[str, object]:
        """The run's awaiting_approval field, when only approved time is synced."""
        if not isinstance(rows, ApprovedRows):
            return {}
        withdrawn = int((self.sync_run.awaiting_approval or {}).get("withdrawn_days", 0))
        return {"awaiting_approval": rows.summary(users, withdrawn)}

    def _kept_preview(
        self, plan: checkpoint.FetchPlan, sources: checkpoint.Sources
    ) -> checkpoint.KeptPreview | SyncRun.PreviewFetch | None:
        """For the reset a preview's Apply queued: the preview's kept fetch when it may be applied and Hubstaff
        lists no change since it was read (asked before the plan is stored, so that an attempt stopped while
        asking asks again); else why Hubstaff is read again. None for any other reset: it reads Hubstaff."""
        if self.sync_run.applies_preview_id is None:
            return None
        kept = checkpoint.kept_preview(self.sync_run, plan, sources)
        if not isinstance(kept, checkpoint.KeptPreview):
            return kept
        changed = hubstaff_changed_since(
            self.client, sources, kept.read_at, plan.started, plan.spans, self.time_zone
        )
        if changed is None:
            return SyncRun.PreviewFetch.UNANSWERED
        return SyncRun.PreviewFetch.CHANGED if changed else kept


class Commit:
    """How a reset or an incremental sync ends: its apply committed in one transaction with the run's success and
    the link's `synced_through`; applied while the fetch goes on where it may (early.py)."""

    def __init__(self, sync: ProjectSync, plan: checkpoint.FetchPlan) -> None:
        self.sync = sync
        self.plan = plan

    def run(
        self,
        staging: Staging,
        sources: checkpoint.Sources,
        users: Mapping[int, rules.HubstaffUser],
        windows: list[Window],
        window: Window | None,
    ) -> dict[str, int]:
        fetch = self.sync.fetch
        if early.possible():
            running: early.EarlyApply[dict[str, int]] = early.EarlyApply(
                f"sync-run-{self.sync.sync_run.pk}-apply"
            )
            view = running.view(staging)
            running.start(lambda: self.apply(view, users, windows, window, running))
            fetch.early = running
            try:
                fetch.into(staging, sources, windows)
            except BaseException:
                running.stop()
                raise
            finally:
                fetch.early = None
            if not running.abandoned:
                fetch.update(progress_label="Saving work logs")
            running.fetch_over()
            counts = running.result()
            if counts is not None:
                return counts
        else:
            fetch.into(staging, sources, windows)
        fetch.update(progress_label="Saving work logs")
        return self.apply(staging, users, windows, window)

    def apply(
        self,
        staging: StagedRows,
        users: Mapping[int, rules.HubstaffUser],
        windows: list[Window],
        window: Window | None,
        running: early.EarlyApply[dict[str, int]] | None = None,
    ) -> dict[str, int]:
        """Plan and write every batch, then record the run's success, in one transaction; returns the counts.
        Applied while the fetch goes on (`running`), nothing after the batches runs before the fetch has ended."""
        threaded = not connection.in_atomic_block
        rows = self.sync.approved_rows(staging)
        with transaction_writer(threaded=threaded, name=f"sync-run-{self.sync.sync_run.pk}") as writer:
            apply = Apply(self.sync.context, writer)
            apply.batches(rows, users, windows)
            if running is not None:
                running.wait_fetch_over()
            counts, report = apply.conclude(window, reset=self.plan.mode == SyncRun.Mode.RESET)
            if apply.created_here:
                writer.call(plan_created_assignments, self.sync.project, set(apply.created_here))
            writer.call(record_waiting, self.sync.project, self.plan.spans, self.sync.waiting(rows, apply))
            writer.call(self.succeed, counts, report, self.sync.awaiting(rows, users))
        return counts

    def succeed(
        self, counts: dict[str, int], report: Report, awaiting: dict[str, object] | None = None
    ) -> None:
        """The link remembers how far it is synced, the run its counts and report: in the transaction of the work
        logs, so that a run never says it failed after its work logs were committed."""
        sync = self.sync
        if self.plan.mode == SyncRun.Mode.RECONCILE:
            # It re-read old days only: the daily sync's `synced_through` still says what changed since when.
            planned_on = date.fromisoformat(str(self.plan.shape["today"]))
            moved = (
                reconcile.next_days(self.plan.window, planned_on, self.plan.spans) if self.plan.window else {}
            )
            if moved:
                ProjectLink.objects.filter(pk=sync.link.pk).update(**moved)
            runs.finish(sync.sync_run, SyncRun.Status.SUCCEEDED, **counts, **report, **(awaiting or {}))
            return
        if (
            self.plan.mode == SyncRun.Mode.INCREMENTAL
            and sync.sync_run.trigger == SyncRun.Trigger.HUBSTAFF_EVENT
        ):
            # It re-read the events' days only: what changed elsewhere since the last sync is still to be read.
            runs.finish(sync.sync_run, SyncRun.Status.SUCCEEDED, **counts, **report, **(awaiting or {}))
            return
        ProjectLink.objects.filter(pk=sync.link.pk).update(
            synced_through=self.plan.started,
            last_synced_at=timezone.now(),
            next_sync_due_at=next_daily_slot(sync.project.pk, timezone.now()),
        )
        runs.finish(sync.sync_run, SyncRun.Status.SUCCEEDED, **counts, **report, **(awaiting or {}))


class Preview:
    """How a preview ends: the reset's own apply in a transaction rolled back at its end (exact counts, nothing
    written); the run keeps its report, and its checkpoint for a reset that applies it."""

    def __init__(self, sync: ProjectSync) -> None:
        self.sync = sync

    def run(
        self,
        staging: Staging,
        sources: checkpoint.Sources,
        users: Mapping[int, rules.HubstaffUser],
        windows: list[Window],
        window: Window | None,
    ) -> None:
        sync = self.sync
        sync.fetch.into(staging, sources, windows)
        sync.fetch.update(progress_label="Planning the changes")
        with transaction.atomic():
            rows = sync.approved_rows(staging)
            with transaction_writer(threaded=False) as writer:
                preview = PreviewReport()
                apply = Apply(sync.context, writer, preview=preview)
                apply.batches(rows, users, windows)
                counts, report = apply.conclude(window, reset=True)
            # Read back from the apply's writes, before they are rolled back: what a reset would leave.
            report["preview"] = preview.as_json(
                sync.project.organization_id, apply.created_here, apply.stretched_spans.keys()
            )
            transaction.set_rollback(True)
        runs.finish(sync.sync_run, SyncRun.Status.SUCCEEDED, **counts, **report, **sync.awaiting(rows, users))
