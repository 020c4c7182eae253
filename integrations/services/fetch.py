"""The fetch phase of a sync run: what to read from Hubstaff, and every window of the run's plan into its staging.

The days an incremental sync re-reads come from Hubstaff's change listings and the trailing recent days
(`spans`). Each window is taken from the run's checkpoint when an earlier attempt (or an adopted preview) saved it,
and from Hubstaff otherwise, page by page (`into`); a window read in full is saved to the checkpoint at once. The
run's progress and heartbeat move as pages arrive, one UPDATE a second at most. While an apply runs alongside
(early.py), each window is handed to it once every Hubstaff organization of the link has sent all of it.
"""

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import TypedDict

from django.conf import settings

from integrations.hubstaff import mapping, rules
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import HubstaffError, NotFound, Refused
from integrations.hubstaff.windows import MAX_WINDOW_DAYS, daily_floor, organization_date, updates_reach, zone
from integrations.models import HubstaffProject, Installation, ProjectLink, SyncRun
from projects.models import Project

from . import checkpoint, reconcile, runs, waiting
from .early import EarlyApply
from .staging import Staging, Window

# The run's progress and heartbeat are written at most this often while pages arrive, not once a page.
PROGRESS_EVERY_SECONDS = 1.0
# An incremental sync asks what changed since a little before the last one started, so that a change Hubstaff
# records late (or a clock apart from ours) does not fall between two runs.
SYNC_OVERLAP = timedelta(hours=1)
# Days an incremental sync re-reads, at least, while Hubstaff refuses it the time edit log: a month (one request
# window), so that a deletion or an edit the log would have named arrives the next day if it is within the month
# /daily/updates reaches; older ones come with the reconciliation (reconcile.py).
TRAILING_DAYS_WITHOUT_EDIT_LOG = MAX_WINDOW_DAYS
# Hubstaff's optional change listings, by the key `ProjectLink.unavailable_listings` keeps them under. Only the
# daily activities (and the members, to match people) are essential to a sync.
EDIT_LOG = "time_edit_logs"
UPDATES = "daily_updates"


class PageProgress(TypedDict):
    """The run's progress fields while pages arrive: pages read, of an estimate of all."""

    progress_done: int
    progress_total: int


class Fetch:
    """The fetch of one run (one attempt): its sources, users and spans, and its windows into a staging."""

    def __init__(
        self,
        run: SyncRun,
        project: Project,
        installation: Installation,
        link: ProjectLink,
        client: HubstaffClient,
        *,
        today: date,
        time_zone: str,
    ) -> None:
        self.sync_run = run
        self.project = project
        self.installation = installation
        self.link = link
        self.client = client
        self.today = today
        self.time_zone = time_zone
        # The apply going on while the fetch does (early.py), if it does; it returns the sync's counts.
        self.early: EarlyApply[dict[str, int]] | None = None
        self.pages_read = 0  # pages of daily activities read, by this attempt and the ones before it
        self.windows_saved = 0  # windows this attempt read in full and saved to the checkpoint
        self.pages_unsaved = (
            0  # pages this attempt read of windows not read in full yet (lost if it ends now)
        )
        self._windows_left = 0
        self._windows_read = 0
        self._sources_left: dict[Window, int] = {}  # window -> Hubstaff organizations still to send all of it
        self._progress_at: float | None = None  # time.monotonic() of the last progress/heartbeat UPDATE
        self._progress_pending: dict[str, object] = {}  # progress fields not written yet (throttled)
        # The optional listings Hubstaff refuses, with its reason; those not asked this time stay as they were.
        self._listings: dict[str, str] = dict(link.unavailable_listings or {})

    def spans(
        self, mode: str, sources: checkpoint.Sources, window: Window | None, started: datetime
    ) -> list[rules.DateSpan]:
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
        if mode == SyncRun.Mode.RECONCILE:
            link = self.link
            return reconcile.spans(readable, self.today, link.reconcile_recent_next, link.reconcile_old_next)
        return self._changed_spans(sources, readable, until=started)

    def day_spans(self, days: Iterable[str], window: Window | None) -> list[rules.DateSpan]:
        """The given days (ISO dates) within the window and Hubstaff's floor, as spans of consecutive days."""
        if window is None:
            return []
        first, last = max(window[0], daily_floor(self.today)), window[1]
        spans: list[rules.DateSpan] = []
        for day in sorted({date.fromisoformat(d) for d in days}):
            if not first <= day <= last:
                continue
            if spans and spans[-1].end + timedelta(days=1) == day:
                spans[-1] = rules.DateSpan(spans[-1].start, day)
            else:
                spans.append(rules.DateSpan(day, day))
        return spans

    def sources(self) -> dict[int, list[int]]:
        """Selected Hubstaff project ids grouped by the Hubstaff organization they belong to."""
        ids: set[int] = set(self.link.hubstaff_project_ids)
        by_org: defaultdict[int, list[int]] = defaultdict(list)
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

    def users(self, sources: checkpoint.Sources) -> dict[int, rules.HubstaffUser]:
        """Hubstaff users by id, people who left the organization included (their history stays theirs)."""
        users: dict[int, rules.HubstaffUser] = {}
        for org_id in sources:
            for user in self.client.members(org_id):
                hubstaff_user = mapping.hubstaff_user(user)
                users[hubstaff_user.id] = hubstaff_user
        return users

    def _changed_spans(
        self, sources: checkpoint.Sources, window: Window, *, until: datetime
    ) -> list[rules.DateSpan]:
        """Days to re-read since the last sync: those Hubstaff's changes name, plus the trailing recent days.

        - /daily/updates names the days of rows changed (it reaches a month back: relied on only when the last sync
          is more recent than that; else the whole gap since the last sync is re-read by date);
        - the time edit log names the days of old time edited, moved or deleted (the original and the new day);
        - the last HUBSTAFF_TRAILING_DAYS are always re-read (time tracked lately, deletions nothing names).

        The two listings are optional: one that Hubstaff refuses (403: a role that may not read it; 404: a plan
        without it) is replaced by re-reading by date (the whole gap since the last sync instead of the updates
        listing; the last month instead of the trailing days without the edit log), and the link keeps it until
        the listing answers again (`ProjectLink.unavailable_listings`, shown on the panel).
        """
        start, end = window
        if self.link.synced_through is None:
            raise RuntimeError("An incremental sync follows a successful one (without one, it is a reset).")
        since = self.link.synced_through - SYNC_OVERLAP
        listed = None
        if since >= updates_reach(until):
            listed = self._optional(UPDATES, lambda: self._updated_days(sources, since, until))
        if listed is None:
            gap_from = max(start, organization_date(since, self.time_zone) - timedelta(days=1))
            listed = {gap_from + timedelta(days=i) for i in range((end - gap_from).days + 1)}
        days = set(listed)
        edited = self._optional(EDIT_LOG, lambda: self._edited_days(sources, since, until))
        trailing = settings.HUBSTAFF_TRAILING_DAYS
        if edited is None:
            trailing = max(trailing, TRAILING_DAYS_WITHOUT_EDIT_LOG)
        days |= edited or set()
        trailing_from = max(start, end - timedelta(days=trailing - 1))
        days.update(trailing_from + timedelta(days=i) for i in range((end - trailing_from).days + 1))
        self._record_listings()
        return contiguous_spans(day for day in days if start <= day <= end)

    def _optional(self, listing: str, read: Callable[[], set[date]]) -> set[date] | None:
        """The days an optional listing names, or None when Hubstaff refuses it (the reason is kept for the link)."""
        try:
            days = read()
        except (Refused, NotFound) as refusal:
            self._listings[listing] = str(refusal)
            return None
        self._listings.pop(listing, None)
        return days

    def _record_listings(self) -> None:
        """The link keeps which listings Hubstaff refused (written only when that changed), whatever this run's
        outcome: it is a fact about Hubstaff, for the panel."""
        if self._listings != self.link.unavailable_listings:
            ProjectLink.objects.filter(pk=self.link.pk).update(unavailable_listings=self._listings)
            self.link.unavailable_listings = dict(self._listings)

    def _updated_days(self, sources: checkpoint.Sources, since: datetime, until: datetime) -> set[date]:
        days: set[date] = set()
        for org_id, project_ids in sources.items():
            for page in self.client.daily_activity_update_pages(
                org_id, since=since, until=until, project_ids=project_ids
            ):
                days.update(map(mapping.activity_date, page))
                self._progress()  # the heartbeat
        return days

    def _edited_days(self, sources: checkpoint.Sources, since: datetime, until: datetime) -> set[date]:
        """The days the time edit log entries created since `since` name (never asked before Hubstaff's floor).

        The whole organization's log is read and the entries about the linked projects kept here: whether
        Hubstaff's project filter also matches time moved away from a project is not published, and edits are
        few (one page a day for most organizations).
        """
        floor = datetime.combine(daily_floor(self.today), datetime.min.time(), tzinfo=zone(self.time_zone))
        since = max(since, floor)
        days: set[date] = set()
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

    def into(self, staging: Staging, sources: checkpoint.Sources, windows: list[Window]) -> None:
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

    def _fetch_source(self, org_id: int, wanted: set[int], windows: list[Window], staging: Staging) -> None:
        before: dict[Window, int] = {}
        pages: defaultdict[Window, int] = defaultdict(int)
        for window, rows in self.client.daily_activity_window_pages(
            org_id, windows, project_ids=sorted(wanted), streams=settings.HUBSTAFF_FETCH_STREAMS
        ):
            if window not in before:  # the rows of other sources under this window come first
                before[window] = staging.row_count(window)
            if rows is None:  # the window is complete: saved, so that no later attempt asks for it again
                unsaved = pages.pop(window, 0)
                self.pages_unsaved -= unsaved
                read = max(1, unsaved)
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
            self.pages_unsaved += 1
            staging.add(window, rows, wanted, self.link.count_work_breaks)
            if self.early is not None:
                self.early.check()  # the apply failed: no use reading more
            self._progress(progress_label=f"Fetching work logs from Hubstaff: {staging.rows} activities")

    def _window_complete(self, window: Window) -> None:
        if self.early is not None:
            self.early.window_complete(window)

    def _page_progress(self) -> PageProgress:
        """Pages read, of an estimate of all: the windows left at the pages a window has taken so far (1 at least)."""
        per_window = self.pages_read / self._windows_read if self._windows_read else 1.0
        total = self.pages_read + round(self._windows_left * max(1.0, per_window))
        return {"progress_done": self.pages_read, "progress_total": max(1, total)}

    def waiting(self, until: datetime) -> None:
        """The budget waits until `until` before the next request: the page says so (and the heartbeat moves).

        An early apply is given up: its transaction is not kept open through the wait (early.py)."""
        if self.early is not None:
            self.early.abandon()
        progress = self._page_progress()
        self._progress_pending.clear()
        label = waiting.waiting_label(until, progress["progress_done"], progress["progress_total"])
        self.update(progress_label=label, **progress)

    def update(self, **fields: object) -> None:
        runs.update_run(self.sync_run, **fields)

    def _progress(self, force: bool = False, **fields: object) -> None:
        """Progress and heartbeat while pages arrive: one UPDATE a second at most, carrying the latest values."""
        self._progress_pending.update(fields)
        now = time.monotonic()
        if not force and self._progress_at is not None and now - self._progress_at < PROGRESS_EVERY_SECONDS:
            return
        if force and not self._progress_pending and self._progress_at is not None:
            return
        fields, self._progress_pending = self._progress_pending, {}
        self._progress_at = now
        self.update(**fields)


def contiguous_spans(days: Iterable[date]) -> list[rules.DateSpan]:
    """Sorted inclusive spans covering exactly the given dates."""
    spans: list[list[date]] = []
    for day in sorted(days):
        if spans and day == spans[-1][1] + timedelta(days=1):
            spans[-1][1] = day
        else:
            spans.append([day, day])
    return [rules.DateSpan(start, end) for start, end in spans]
