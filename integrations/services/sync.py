"""Syncing a project's work logs from Hubstaff.

A sync has two phases, so that a failure part-way never changes what a project has:

1. **Fetch** (here). Pages of Hubstaff's daily activities are streamed into the run's staging (`staging.py`:
   packed rows in a temporary file, by fetch window), outside any transaction; memory holds a few pages at a time.
   The run's progress and heartbeat move as pages arrive.
2. **Apply** (`apply.py`). In one transaction, the staged rows are planned by the pure rules batch by batch and
   written in bulk. If anything fails, the transaction rolls back and the project keeps its work logs. On
   PostgreSQL the apply starts with the fetch, taking each window once it is complete (`early.py`); its
   transaction commits after the fetch has ended.

`run_sync` is the entry point a worker (or `manage.py sync_project`) calls with a queued run's id: it claims the
run (`runs.py`: the run's life from request to finish), runs `ProjectSync` and records the outcome in the run.

The one seam for tests is `run_sync(parts=Parts(...))`: the Hubstaff client, the staging and the rules a sync is
made of, each replaceable to inject a fault (Hubstaff failing after some requests, the rules raising in the third
batch), to watch a step (every staging closed) or to lower a threshold (the statistics refresh), rather than
patching this module's names. Production always uses the defaults. Faults of Hubstaff itself are better set at
the sandbox (`hubstaff_sandbox.testing`).
"""

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
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
    daily_floor,
    date_windows,
    organization_date,
    updates_reach,
    zone,
)
from integrations.models import HubstaffProject, ProjectLink, SyncRun
from integrations.selectors import get_installation, get_link

from . import checkpoint, early, runs, statistics, waiting
from .apply import Apply
from .links import next_daily_slot
from .preview import PreviewReport
from .runs import SyncStopped, claim, sync_blocker
from .staging import Staging
from .waiting import announce_waits

logger = logging.getLogger(__name__)

# Days of one fetch step (Hubstaff's per-request limit); the progress bar moves once a step.
FETCH_WINDOW_DAYS = MAX_WINDOW_DAYS
# The run's progress and heartbeat are written at most this often while pages arrive (one UPDATE, not one a
# page).
PROGRESS_EVERY_SECONDS = 1.0
# An incremental sync asks what changed since a little before the last one started, so that a change Hubstaff
# records late (or a clock apart from ours) does not fall between two runs.
SYNC_OVERLAP = timedelta(hours=1)


@dataclass(frozen=True)
class Parts:
    """What a sync is made of (see the module's docstring: the seam for tests)."""

    client: Callable = HubstaffClient  # (installation, *, prefetch) -> a Hubstaff client
    staging: Callable = Staging  # () -> an empty Staging
    plan: Callable = rules.plan_sync  # the rules: keyword arguments of rules.plan_sync -> a SyncPlan
    refresh_statistics: Callable = statistics.refresh_after_sync  # (work logs written) -> None


def run_sync(run_id, *, final_attempt=True, retry_in=60, today=None, parts=Parts()):
    """Carry out a queued sync run (the Celery task's body). Safe to call twice: a finished run is left alone.

    Raises runs.LeaseHeld when another worker holds the run (the task comes back later), RetryLater when Hubstaff
    is busy and this is not the final attempt (the task's retry comes in `retry_in` seconds), or runs.Paced when
    the run waits for the installation's request budget (whatever `final_attempt` says: the next attempt resumes
    from the run's checkpoint).
    """
    run = claim(run_id)
    if run is None:
        return None
    try:
        with runs.keep_lease(run):
            _carry_out(run, today, parts)
    except Exception as exc:
        _record_failure(run, exc, final_attempt=final_attempt, retry_in=retry_in)
    run.refresh_from_db()
    return run


def _carry_out(run, today, parts):
    project = run.project
    installation = get_installation(project.organization)
    link = get_link(project)
    reason = sync_blocker(project, installation, link)
    if reason:
        runs.finish(run, SyncRun.Status.FAILED, error=reason)
        return
    # prefetch: the next page's request is in flight while a page is staged (HTTP only, in the client's threads).
    client = announce_waits(parts.client(installation, prefetch=True), run)
    try:
        # "Today" is the Hubstaff organization's day: Hubstaff dates rows by it.
        time_zone = mapping.organization_time_zone(link.hubstaff_time_zone, installation.account)
        today = today or organization_date(timezone.now(), time_zone)
        ProjectSync(run, project, installation, link, client, today=today, parts=parts).run()
    finally:
        client.close()
        runs.count_requests(run, client.requests_made)


def _record_failure(run, exc, *, final_attempt, retry_in):
    """Record in the run what stopped it; re-raise as RetryLater (or Paced) when Hubstaff is busy and another try
    is left."""
    if isinstance(exc, Uninstalled):
        runs.finish(run, SyncRun.Status.FAILED, error=runs.UNINSTALLED_MESSAGE)
    elif isinstance(exc, SyncStopped):
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

    def __init__(self, run, project, installation, link, client, *, today, parts=Parts()):
        self.sync_run = run
        self.parts = parts
        self.project = project
        self.installation = installation
        self.link = link
        self.client = client
        self.today = today
        self.time_zone = mapping.organization_time_zone(link.hubstaff_time_zone, installation.account)
        self.options = rules.Options(
            prevent_new_assignments=link.prevent_new_assignments, trim_assignments=link.trim_assignments
        )
        self.project_dates = rules.ProjectDates(project.start_date, project.end_date)
        self._progress_at = None  # time.monotonic() of the last progress/heartbeat UPDATE
        self._progress_pending = {}  # progress fields not written yet (throttled)
        self.pages_read = 0  # pages of daily activities read, by this attempt and the ones before it
        self.windows_saved = 0  # windows this attempt read in full and saved to the checkpoint
        self._windows_left = 0
        self._windows_read = 0
        self._early = None  # the apply going on while the fetch does (early.py), if it does
        self._sources_left = {}  # window -> Hubstaff organizations still to send all of it

    # -- the whole run

    def run(self):
        checkpoint.sweep()
        sources = self._sources()
        plan = checkpoint.stored_plan(self.sync_run, sources)
        if plan is None:
            plan = self._plan(sources)
        ending = Preview(self) if plan.mode == SyncRun.Mode.PREVIEW else Commit(self, plan)
        self._pace(plan)
        users = plan.users or self._users(sources)
        if plan.users is None:
            checkpoint.store_users(self.sync_run, plan, sources, users)
        windows = [w for span in plan.spans for w in date_windows(span.start, span.end, FETCH_WINDOW_DAYS)]
        self._update(
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

    def _pace(self, plan):
        """A large sync leaves others their share of the request budget; the budget tells this sync when it waits,
        and may end an attempt that has saved a window rather than sleep."""
        budget = self.client.budget
        full = (SyncRun.Mode.RESET, SyncRun.Mode.PREVIEW)
        if self.link.synced_through is None or self.sync_run.mode in full or plan.mode in full:
            budget.share_fairly(self.sync_run)
        budget.on_wait, budget.may_stop = self._waiting, lambda: self.windows_saved > 0

    def new_apply(self, preview=None):
        return Apply(
            self.sync_run,
            self.project,
            self.link,
            options=self.options,
            project_dates=self.project_dates,
            plan=self.parts.plan,
            preview=preview,
        )

    def _plan(self, sources):
        """The first attempt's decision of what to fetch, stored on the run for the attempts after it. A reset
        takes over the fetch of a preview of minutes ago that asked the same (its rows and users)."""
        started = timezone.now()
        window = rules.sync_window(self.project_dates, self.today)
        mode = self.sync_run.mode
        if mode == SyncRun.Mode.INCREMENTAL and self.link.synced_through is None:
            mode = SyncRun.Mode.RESET  # nothing synced yet: an incremental sync is a full one
        shape = {
            "time_zone": self.time_zone,
            "today": self.today.isoformat(),
            "count_work_breaks": self.link.count_work_breaks,
        }
        plan = checkpoint.FetchPlan(mode, started, window, self._spans(mode, sources, window, started), shape)
        checkpoint.store_plan(self.sync_run, plan, sources)
        if mode == SyncRun.Mode.RESET:
            checkpoint.adopt_preview(self.sync_run, plan, sources)
        # Whatever this sync does, an older preview's fetch no longer describes what it would apply.
        checkpoint.drop_previews(self.project.pk, keep_run_id=self.sync_run.pk)
        return plan

    def _spans(self, mode, sources, window, started):
        """The dates to fetch: all of the window for a reset, what changed since the last sync otherwise.

        Never a date before Hubstaff's 3-year floor (with a day's margin): a reset re-reads from the floor and
        leaves older logs as they are (Apply deletes only outside the project's window).
        """
        if window is None:
            return []
        readable = (max(window[0], daily_floor(self.today)), window[1])
        if readable[0] > readable[1]:
            return []
        if mode in (SyncRun.Mode.RESET, SyncRun.Mode.PREVIEW):
            return [rules.DateSpan(*readable)]
        return self._changed_spans(sources, readable, until=started)

    # -- fetch

    def _sources(self):
        """Selected Hubstaff project ids grouped by the Hubstaff organization they belong to."""
        ids = set(self.link.hubstaff_project_ids)
        by_org = defaultdict(list)
        known = HubstaffProject.objects.for_org(self.project.organization_id).filter(
            installation=self.installation, hubstaff_id__in=ids
        )
        for hubstaff_id, org_id in known.values_list("hubstaff_id", "hubstaff_organization_id"):
            by_org[org_id].append(hubstaff_id)
        unknown = ids - {i for group in by_org.values() for i in group}
        if unknown:
            raise HubstaffError(
                f"Hubstaff projects {sorted(unknown)} are no longer reached by the installation; "
                "refresh Select projects and save the Integration settings."
            )
        return {org_id: sorted(group) for org_id, group in sorted(by_org.items())}

    def _users(self, sources):
        """Hubstaff users by id, people who left the organization included (their history stays theirs)."""
        users = {}
        for org_id in sources:
            for user in self.client.members(org_id):
                hubstaff_user = mapping.hubstaff_user(user)
                users[hubstaff_user.id] = hubstaff_user
        return users

    def _changed_spans(self, sources, window, *, until):
        """Days to re-read since the last sync: those Hubstaff's changes name, plus the trailing recent days.

        - /daily/updates names the days of rows changed (it reaches a month back: relied on only when the last sync
          is more recent than that; else the whole gap since the last sync is re-read by date);
        - the time edit log names the days of old time edited, moved or deleted (the original and the new day);
        - the last HUBSTAFF_TRAILING_DAYS are always re-read (time tracked lately, deletions nothing names).
        """
        start, end = window
        since = self.link.synced_through - SYNC_OVERLAP
        if since >= updates_reach(until):
            days = self._updated_days(sources, since, until)
        else:
            gap_from = max(start, organization_date(since, self.time_zone) - timedelta(days=1))
            days = {gap_from + timedelta(days=i) for i in range((end - gap_from).days + 1)}
        days |= self._edited_days(sources, since, until)
        trailing_from = max(start, end - timedelta(days=settings.HUBSTAFF_TRAILING_DAYS - 1))
        days.update(trailing_from + timedelta(days=i) for i in range((end - trailing_from).days + 1))
        return contiguous_spans(day for day in days if start <= day <= end)

    def _updated_days(self, sources, since, until):
        days = set()
        for org_id, project_ids in sources.items():
            for page in self.client.daily_activity_update_pages(
                org_id, since=since, until=until, project_ids=project_ids
            ):
                days.update(map(mapping.activity_date, page))
                self._progress()  # the heartbeat
        return days

    def _edited_days(self, sources, since, until):
        """The days the time edit log entries created since `since` name (never asked before Hubstaff's floor).

        The whole organization's log is read and the entries about the linked projects kept here: whether
        Hubstaff's project filter also matches time moved away from a project is not published, and edits are
        few (one page a day for most organizations).
        """
        floor = datetime.combine(daily_floor(self.today), datetime.min.time(), tzinfo=zone(self.time_zone))
        since = max(since, floor)
        days = set()
        if since >= until:
            return days
        for org_id, project_ids in sources.items():
            wanted = set(project_ids)
            for page in self.client.time_edit_log_pages(org_id, since=since, until=until):
                for entry in page:
                    if mapping.edit_log_concerns(entry, wanted):
                        days |= mapping.edit_log_days(entry, self.time_zone)
                self._progress()  # the heartbeat
        return days

    def fetch(self, sources, windows, staging):
        """Every window into `staging`: those saved by earlier attempts from the checkpoint, others from Hubstaff."""
        saved = checkpoint.fetched(self.sync_run)
        wanted_keys = {(org_id, w) for org_id in sources for w in windows}
        checkpoint.restore(self.sync_run, staging, wanted_keys & saved.keys())
        todo = {org_id: [w for w in windows if (org_id, w) not in saved] for org_id in sources}
        # Sources still to send each window: complete once none is left (the early apply may take it then).
        self._sources_left = {w: sum(w in ws for ws in todo.values()) for w in windows}
        for window in windows:
            if not self._sources_left[window]:
                self._window_complete(window)
        self.pages_read = sum(pages for key, pages in saved.items() if key in wanted_keys)
        self._windows_left = left = sum(len(ws) for ws in todo.values())
        self._windows_read = len(wanted_keys) - left
        self._progress(force=True, **self._page_progress())
        for org_id, project_ids in sources.items():
            self._fetch_source(org_id, set(project_ids), todo[org_id], staging)
        self._progress(force=True)

    def _fetch_source(self, org_id, wanted, windows, staging):
        before, pages = {}, defaultdict(int)
        for window, rows in self.client.daily_activity_window_pages(
            org_id, windows, project_ids=sorted(wanted), streams=settings.HUBSTAFF_FETCH_STREAMS
        ):
            if window not in before:  # the rows of other sources under this window come first
                before[window] = staging.row_count(window)
            if rows is None:  # the window is complete: saved, so that no later attempt asks for it again
                read = max(1, pages.pop(window, 0))
                skip = before.pop(window)
                checkpoint.save_window(self.sync_run, org_id, window, staging, skip=skip, pages=read)
                self.pages_read, self._windows_left = self.pages_read + read, self._windows_left - 1
                self._windows_read, self.windows_saved = self._windows_read + 1, self.windows_saved + 1
                self.client.budget.window_pages = max(1, round(self.pages_read / self._windows_read))
                self._progress(**self._page_progress())
                self._sources_left[window] -= 1
                if not self._sources_left[window]:
                    self._window_complete(window)
                continue
            pages[window] += 1
            staging.add(window, rows, wanted, self.link.count_work_breaks)
            if self._early is not None:
                self._early.check()  # the apply failed: no use reading more
            self._progress(progress_label=f"Fetching work logs from Hubstaff: {staging.rows} activities")

    def _window_complete(self, window):
        if self._early is not None:
            self._early.window_complete(window)

    def _page_progress(self):
        """Pages read, of an estimate of all: the windows left at the pages a window has taken so far (1 at least)."""
        per_window = self.pages_read / self._windows_read if self._windows_read else 1.0
        total = self.pages_read + round(self._windows_left * max(1.0, per_window))
        return {"progress_done": self.pages_read, "progress_total": max(1, total)}

    def _waiting(self, until):
        """The budget waits until `until` before the next request: the page says so (and the heartbeat moves).

        An early apply is given up: its transaction is not kept open through the wait (early.py)."""
        if self._early is not None:
            self._early.abandon()
        progress = self._page_progress()
        self._progress_pending.clear()
        label = waiting.waiting_label(until, progress["progress_done"], progress["progress_total"])
        self._update(progress_label=label, **progress)

    # -- progress

    def _update(self, **fields):
        runs.update_run(self.sync_run, **fields)

    def _progress(self, force=False, **fields):
        """Progress and heartbeat while pages arrive: one UPDATE a second at most, carrying the latest values."""
        self._progress_pending.update(fields)
        now = time.monotonic()
        if not force and self._progress_at is not None and now - self._progress_at < PROGRESS_EVERY_SECONDS:
            return
        if force and not self._progress_pending and self._progress_at is not None:
            return
        fields, self._progress_pending = self._progress_pending, {}
        self._progress_at = now
        self._update(**fields)


class Commit:
    """How a reset or an incremental sync ends: its apply committed in one transaction with the run's success and
    the link's `synced_through`; applied while the fetch goes on where it may (early.py)."""

    def __init__(self, sync, plan):
        self.sync = sync
        self.plan = plan

    def run(self, staging, sources, users, windows, window):
        sync = self.sync
        ending = {"reset": self.plan.mode == SyncRun.Mode.RESET, "finish": self.succeed}
        if early.possible():
            running = early.EarlyApply(f"sync-run-{sync.sync_run.pk}-apply")
            running.start(sync.new_apply(), staging, users, windows, window, **ending)
            sync._early = running
            try:
                sync.fetch(sources, windows, staging)
            except BaseException:
                running.stop()
                raise
            finally:
                sync._early = None
            if not running.abandoned:
                sync._update(progress_label="Saving work logs")
            running.fetch_over()
            applied = running.result()
            if applied is not None:
                return applied[0]
        else:
            sync.fetch(sources, windows, staging)
        sync._update(progress_label="Saving work logs")
        counts, _ = sync.new_apply().run(staging, users, windows, window, **ending)
        return counts

    def succeed(self, counts, report):
        """The link remembers how far it is synced, the run its counts and report: in the transaction of the work
        logs, so that a run never says it failed after its work logs were committed."""
        sync = self.sync
        ProjectLink.objects.filter(pk=sync.link.pk).update(
            synced_through=self.plan.started,
            last_synced_at=timezone.now(),
            next_sync_due_at=next_daily_slot(sync.project.pk, timezone.now()),
        )
        runs.finish(sync.sync_run, SyncRun.Status.SUCCEEDED, **counts, **report)


class Preview:
    """How a preview ends: the reset's own apply in a transaction rolled back at its end (exact counts, nothing
    written); the run keeps its report, and its checkpoint for a reset that applies it."""

    def __init__(self, sync):
        self.sync = sync

    def run(self, staging, sources, users, windows, window):
        sync = self.sync
        sync.fetch(sources, windows, staging)
        sync._update(progress_label="Planning the changes")
        apply = sync.new_apply(PreviewReport())
        with transaction.atomic():
            counts, report = apply.run(staging, users, windows, window, reset=True)
            report["preview"] = apply.preview.as_json(sync.project.organization_id, apply.created_here)
            transaction.set_rollback(True)
        runs.finish(sync.sync_run, SyncRun.Status.SUCCEEDED, **counts, **report)


def contiguous_spans(days):
    """Sorted inclusive spans covering exactly the given dates."""
    spans = []
    for day in sorted(days):
        if spans and day == spans[-1][1] + timedelta(days=1):
            spans[-1][1] = day
        else:
            spans.append([day, day])
    return [rules.DateSpan(start, end) for start, end in spans]
