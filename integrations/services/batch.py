"""Event batches: the runs Hubstaff's events queued for an installation, carried out together on one read of Hubstaff.

An event names one user's time on one Hubstaff project; each linked Primetric project gets an event run (a sync of
the days named, `runs.queue_event_run`). Carried out alone, each would ask Hubstaff for the members and for its
days: two requests an event, most of an hour's budget when a team stops its timers at 17:00. So the events'
runs wait for the installation's next batch (`live.schedule_batch` sends this module's task once, after a
coalescing delay), and the batch:

1. takes (claims) every queued event run of the installation at once, so that an event arriving from now on
   waits for the next batch rather than joining a run whose days were read already;
2. reads each Hubstaff organization's days of all those runs in one listing (all their Hubstaff projects, the
   span of their days: one request while the rows fit a page), and the members only when a row names a user the
   members read last (kept MEMBERS_KEPT_SECONDS) does not have;
3. carries out each run as any sync (`sync.run_claimed`: its plan, rules, apply and history), its client serving
   the rows and members from that read. A run that needs anything else (a first, full sync; days outside the
   read) asks Hubstaff itself.

What each batch cost is spent from the installation's event allowance, which fills at HUBSTAFF_EVENT_BUDGET_SHARE of
its request budget (`allowance`): while the allowance is spent, the next batch waits for it (`live.batch_delay`),
so the event batches of any hour take at most that share and BURST_SECONDS of it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections

from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.windows import MAX_WINDOW_DAYS, date_windows
from integrations.models import HubstaffProject, Installation, ProjectLink, SyncRun

from . import runs, sync

logger = logging.getLogger(__name__)

# The event batches' allowance holds this many seconds of their share of the request budget: after a quiet spell,
# batches may come at the coalescing delay for a while even when each costs more than the share's pace.
BURST_SECONDS = 600.0
ALLOWANCE_KEPT_SECONDS = 2 * 3600
# The members read for a batch are kept this long for the next batches (a row of a user not among them reads them
# again at once); the daily sync reads them afresh whatever this keeps.
MEMBERS_KEPT_SECONDS = 6 * 3600


def batch_key(installation_id: int) -> str:
    """Set while the installation's next batch is on its way (the events meanwhile send none)."""
    return f"hubstaff-event-batch:{installation_id}"


def allowance_key(installation_id: int) -> str:
    """(the installation's event allowance in requests, time.time() when it was that)."""
    return f"hubstaff-event-allowance:{installation_id}"


def members_key(installation_id: int, organization_id: int) -> str:
    return f"hubstaff-members:{installation_id}:{organization_id}"


@dataclass
class _OrganizationRead:
    """What the batch reads of one Hubstaff organization: its projects and days, and the rows once read."""

    project_ids: set[int]
    first: date
    last: date
    rows: list[dict[str, Any]] | None = None
    members: list[dict[str, Any]] | None = None


class SharedRead:
    """The batch's one read of each Hubstaff organization, made through whichever run's client asks first (its
    requests are counted on that run), and served to every run's client."""

    def __init__(self, installation: Installation, claimed: Iterable[SyncRun]) -> None:
        self.installation = installation
        self.organizations: dict[int, _OrganizationRead] = {}
        claimed = list(claimed)
        links = ProjectLink.objects.for_org(installation.organization_id).filter(
            project_id__in=[run.project_id for run in claimed]
        )
        hubstaff_ids = {int(i) for ids in links.values_list("hubstaff_project_ids", flat=True) for i in ids}
        days = {run.pk: [date.fromisoformat(day) for day in run.event_days] for run in claimed}
        projects_of: dict[int, list[int]] = defaultdict(list)
        known = HubstaffProject.objects.for_org(installation.organization_id).filter(
            installation=installation, hubstaff_id__in=hubstaff_ids
        )
        for hubstaff_id, org_id in known.values_list("hubstaff_id", "hubstaff_organization_id"):
            projects_of[org_id].append(hubstaff_id)
        all_days = [day for run_days in days.values() for day in run_days]
        if not all_days:
            return
        for org_id, ids in projects_of.items():
            self.organizations[org_id] = _OrganizationRead(set(ids), min(all_days), max(all_days))

    def rows(self, client: HubstaffClient, organization_id: int) -> list[dict[str, Any]]:
        read = self.organizations[organization_id]
        if read.rows is None:
            rows: list[dict[str, Any]] = []
            windows = date_windows(read.first, read.last, MAX_WINDOW_DAYS)
            for _, page in HubstaffClient.daily_activity_window_pages(
                client, organization_id, windows, project_ids=sorted(read.project_ids)
            ):
                rows.extend(page or [])
            read.rows = rows
        return read.rows

    def serves(
        self, organization_id: int, window: tuple[date, date], project_ids: Iterable[int] | None
    ) -> bool:
        """Whether the read answers this window of these projects (else the run asks Hubstaff itself)."""
        read = self.organizations.get(organization_id)
        return (
            read is not None
            and project_ids is not None
            and read.first <= window[0]
            and window[1] <= read.last
            and set(project_ids) <= read.project_ids
        )

    def members(self, client: HubstaffClient, organization_id: int) -> list[dict[str, Any]]:
        """The organization's members: the ones kept from an earlier read while they name every user of the batch's
        rows, else read now (and kept)."""
        read = self.organizations.get(organization_id)
        if read is not None and read.members is not None:
            return read.members
        key = members_key(self.installation.pk, organization_id)
        kept: list[dict[str, Any]] | None = cache.get(key)
        if kept is not None and read is not None:
            known = {int(member.get("id") or 0) for member in kept}
            users = {int(row.get("user_id") or 0) for row in self.rows(client, organization_id)}
            if not users <= known:
                kept = None  # a user joined since: their e-mail is needed to match them
        if kept is None or read is None:
            kept = list(HubstaffClient.members(client, organization_id))
            cache.set(key, kept, timeout=MEMBERS_KEPT_SECONDS)
        if read is not None:
            read.members = kept
        return kept


class BatchClient(HubstaffClient):
    """A run's client in a batch: the daily activities and members the batch read, from its shared read."""

    def __init__(self, installation: Installation, *, shared: SharedRead, prefetch: bool = False) -> None:
        super().__init__(installation, prefetch=prefetch)
        self.shared = shared

    def members(self, organization_id: int) -> Iterator[dict[str, Any]]:
        yield from self.shared.members(self, organization_id)

    def daily_activity_window_pages(
        self,
        organization_id: int,
        windows: Iterable[tuple[date, date]],
        *,
        project_ids: Iterable[int] | None = None,
        user_ids: Iterable[int] | None = None,
        streams: int = 1,
    ) -> Iterator[tuple[tuple[date, date], list[dict[str, Any]] | None]]:
        wanted = None if project_ids is None else sorted(project_ids)
        served = [w for w in windows if user_ids is None and self.shared.serves(organization_id, w, wanted)]
        others = [w for w in windows if w not in served]
        for window in served:
            first, last = window[0].isoformat(), window[1].isoformat()
            ids = set(wanted or [])
            rows = [
                row
                for row in self.shared.rows(self, organization_id)
                if first <= str(row.get("date") or "")[:10] <= last and int(row.get("project_id") or 0) in ids
            ]
            if rows:
                yield window, rows
            yield window, None
        if others:
            yield from super().daily_activity_window_pages(
                organization_id, others, project_ids=project_ids, user_ids=user_ids, streams=streams
            )


@contextmanager
def _keep_leases(claimed: list[SyncRun]) -> Iterator[None]:
    """The leases of the batch's runs renewed from one thread while the batch runs: a run waiting its turn is not
    taken over as if its worker had died (runs.recover_runs)."""
    stop = threading.Event()
    every = runs.lease_length().total_seconds() / 3

    def renew() -> None:
        try:
            while not stop.wait(every):
                for run in claimed:
                    try:
                        runs.renew_lease(run)
                    except DatabaseError:
                        logger.warning("sync run %s: the lease could not be renewed", run.pk, exc_info=True)
        finally:
            connections.close_all()

    thread = threading.Thread(target=renew, name="event-batch-leases", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def run(installation_id: int, *, parts: sync.Parts | None = None, today: date | None = None) -> list[int]:
    """Carry out the installation's queued event runs as one batch (see the module's docstring); returns their
    ids. A run Hubstaff or the budget holds back goes on as its own task later, from its checkpoint."""
    cache.delete(batch_key(installation_id))  # events from now on send the next batch
    installation = Installation.objects.filter(pk=installation_id).first()
    if installation is None:
        return []
    queued = (
        SyncRun.objects.for_org(installation.organization_id)
        .filter(status=SyncRun.Status.QUEUED, trigger=SyncRun.Trigger.HUBSTAFF_EVENT)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    claimed: list[SyncRun] = []
    for run_id in queued:
        try:
            found = runs.claim(run_id)
        except runs.LeaseHeld:
            continue  # another worker has it
        if found is not None:
            claimed.append(found)
    if not claimed:
        return []
    shared = SharedRead(installation, claimed)
    made = 0
    base = parts or sync.Parts()

    def client(installation: Installation, *, prefetch: bool) -> HubstaffClient:
        return BatchClient(installation, shared=shared, prefetch=prefetch)

    batch_parts = sync.Parts(
        client=client, staging=base.staging, plan=base.plan, refresh_statistics=base.refresh_statistics
    )
    with _keep_leases(claimed):
        for found in claimed:
            try:
                done = sync.run_claimed(
                    found, final_attempt=False, today=today, parts=batch_parts, keep_lease=False
                )
            except (runs.Paced, runs.RetryLater) as exc:
                runs.send_run_later(found.pk, getattr(exc, "countdown", 60.0))
                continue
            if done is not None:
                made += done.requests_made
    spend(installation_id, made, time.time())
    logger.info(
        "hubstaff installation %s: event batch of %d runs, %d requests", installation_id, len(claimed), made
    )
    return [found.pk for found in claimed]


def event_rate() -> float:
    """Requests a second the installation's event batches may make on average: HUBSTAFF_EVENT_BUDGET_SHARE of its
    request budget."""
    per_second = float(settings.HUBSTAFF_RATE_BUDGET) / float(settings.HUBSTAFF_RATE_WINDOW_SECONDS)
    return per_second * float(settings.HUBSTAFF_EVENT_BUDGET_SHARE)


def allowance(installation_id: int, now: float) -> float:
    """Requests the installation's event batches may make now: an allowance that fills at `event_rate` up to
    BURST_SECONDS of it, and that each batch spends (`spend`). Full when no batch ran in the last hours."""
    kept = cache.get(allowance_key(installation_id))
    full = event_rate() * BURST_SECONDS
    if not kept:
        return full
    level, at = kept
    return min(full, float(level) + max(0.0, now - float(at)) * event_rate())


def spend(installation_id: int, requests: int, now: float) -> None:
    """A batch made `requests` requests: the allowance goes down by as many (below zero: the next batch waits)."""
    level = allowance(installation_id, now) - requests
    cache.set(allowance_key(installation_id), (level, now), timeout=ALLOWANCE_KEPT_SECONDS)


def wait_for_allowance(installation_id: int, now: float) -> float:
    """Seconds until the allowance has a request to spend (0 when it has one now)."""
    level = allowance(installation_id, now)
    return 0.0 if level >= 1 else (1 - level) / event_rate()
