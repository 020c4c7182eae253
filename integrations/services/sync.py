"""Syncing a project's work logs from Hubstaff.

A sync has two phases, so that a failure part-way never changes what a project has:

1. **Fetch.** Pages of Hubstaff's daily activities are streamed into `StagedActivity`, one bulk insert a page,
   outside any long transaction; memory holds one page at a time. The run's progress and heartbeat move as pages
   arrive.
2. **Apply.** In one transaction, the staged rows are read back a batch of days at a time, the pure rules
   (`integrations.hubstaff.rules.plan_sync`) decide what to create, update and delete, and the plan is written
   with bulk statements. If anything fails, the transaction rolls back and the project keeps its work logs.

At most one sync of a project runs at a time: the database refuses a second queued or running `SyncRun` of the
same project (a partial unique constraint), and a request made while one is active gets the active one back. A run
whose worker died (no heartbeat for STALE_AFTER) is marked failed and taken over by the next request.
"""

import io
import logging
import time
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Min, Q, Sum
from django.db.models.constants import OnConflict
from django.utils import timezone

from integrations.hubstaff import rules
from integrations.hubstaff.client import (
    HubstaffClient,
    HubstaffError,
    RateLimited,
    ReauthorizationRequired,
    TransientHubstaffError,
    date_windows,
)
from integrations.models import HubstaffProject, Installation, ProjectLink, StagedActivity, SyncRun
from people.models import Person
from projects.models import Assignment
from worklogs.models import WorkLog

from .links import get_installation, get_link, next_daily_slot

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)
# A queued run no worker picked up for this long is considered lost (its message is gone).
QUEUED_STALE_AFTER = timedelta(hours=2)
# How many times a run whose worker died is queued again before it is failed.
MAX_TAKEOVERS = 2
# Days of staged activities planned and written at a time during the apply phase.
APPLY_BATCH_DAYS = 14
# Days of one fetch step (Hubstaff's per-request limit); the progress bar moves once a step.
FETCH_WINDOW_DAYS = 31
# Rows of one multi-row INSERT or UPDATE (fewer where the database limits parameters, as SQLite does).
WRITE_BATCH_ROWS = 2000
# Staged rows are written once this many have arrived (a few pages a COPY; memory holds no more than that).
STAGE_BATCH_ROWS = 2000
# The run's progress and heartbeat are written at most this often while pages arrive (one UPDATE, not one a page).
PROGRESS_EVERY_SECONDS = 1.0

STAGED_COLUMNS = ("organization_id", "sync_run_id", "activity_id", "date", "hubstaff_user_id", "hubstaff_project_id", "tracked")
# A staged row as a line of COPY text (ints and a date: nothing to escape, never NULL).
STAGED_COPY_LINE = "%d\t%d\t%d\t%s\t%d\t%d\t%d\n"
WORKLOG_COLUMNS = (
    "organization_id", "project_id", "person_id", "assignment_id", "date", "duration_seconds", "source", "source_key",
    "source_project_id", "note", "created_at", "updated_at",
)


class SyncNotPossible(Exception):
    """The project cannot be synced now; the message says why, in words for the user."""


class RetryLater(Exception):
    """Hubstaff is busy (rate limit, 5xx, timeouts): the task should try again after `countdown` seconds."""

    def __init__(self, message, countdown):
        super().__init__(message)
        self.countdown = countdown


# ---------------------------------------------------------------------------------------------- requests


def sync_blocker(project, installation=None, link=None):
    """Why this project cannot be synced now, or None."""
    installation = installation or get_installation(project.organization)
    if installation is None:
        return "An Administrator must install Hubstaff first (Integrations tab)."
    if installation.needs_reauthorization:
        return "Hubstaff needs re-authorization: an Administrator must authorize it again (Integrations tab)."
    if not installation.is_installed:
        return "The Hubstaff installation is not finished: an Administrator must authorize it (Integrations tab)."
    link = link or get_link(project)
    if link is None or not link.enabled:
        return "Tick Hubstaff in this project's Integration settings first."
    if not link.hubstaff_project_ids:
        return "Select at least one Hubstaff project in Select projects."
    return None


def request_sync(project, *, mode, trigger, user=None):
    """Queue a sync of the project, or return the one already queued or running (a second request joins it)."""
    if mode not in (SyncRun.Mode.RESET, SyncRun.Mode.INCREMENTAL):
        raise ValueError(f"Unknown sync mode {mode!r}")
    reason = sync_blocker(project)
    if reason:
        raise SyncNotPossible(reason)
    run, created = _create_run(project, mode=mode, trigger=trigger, user=user, status=SyncRun.Status.QUEUED)
    run.joined = not created  # the caller may say "already running" rather than "started"
    if created:
        from integrations.tasks import sync_project_task

        transaction.on_commit(lambda: sync_project_task.delay(run.pk))
    return run


def clear_project(project, *, user=None, trigger=SyncRun.Trigger.MANUAL):
    """Clear data: delete every synced work log of the project (manual ones stay). Recorded as a run."""
    run, created = _create_run(project, mode=SyncRun.Mode.CLEAR, trigger=trigger, user=user, status=SyncRun.Status.RUNNING)
    if not created:
        raise SyncNotPossible("A sync of this project is running; Clear data when it has finished.")
    with transaction.atomic():
        deleted, _ = synced_worklogs(project).delete()
        link = ProjectLink.objects.for_org(project.organization_id).filter(project=project).first()
        if link is not None:
            # The next incremental sync must fetch everything again.
            ProjectLink.objects.filter(pk=link.pk).update(synced_through=None)
        _finish(run, SyncRun.Status.SUCCEEDED, worklogs_deleted=deleted)
    return run


def synced_worklogs(project):
    return WorkLog.objects.for_org(project.organization_id).filter(project=project, source=WorkLog.Source.HUBSTAFF)


def active_run(project):
    return SyncRun.objects.for_org(project.organization_id).filter(project=project, status__in=SyncRun.ACTIVE_STATUSES).first()


def expire_stale_runs(project=None, now=None):
    """Deal with runs whose worker died, so that none stays "running" forever and a killed sync is redone.

    A running run without a heartbeat for STALE_AFTER is queued again and its task sent again, at most
    MAX_TAKEOVERS times (a message Redis redelivers later finds it claimed or finished and does nothing); after
    that, or for a queued run no worker took within QUEUED_STALE_AFTER, the run is failed with the reason.
    Returns how many runs were requeued or failed.
    """
    now = now or timezone.now()
    dead = SyncRun.objects.filter(status=SyncRun.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    lost = SyncRun.objects.filter(status=SyncRun.Status.QUEUED, queued_at__lt=now - QUEUED_STALE_AFTER)
    if project is not None:
        dead, lost = dead.filter(project=project), lost.filter(project=project)
    requeue = list(dead.filter(takeovers__lt=MAX_TAKEOVERS).values_list("pk", flat=True))
    requeued = SyncRun.objects.filter(pk__in=requeue, status=SyncRun.Status.RUNNING).update(
        status=SyncRun.Status.QUEUED, takeovers=F("takeovers") + 1, queued_at=now,
        progress_label="The worker running this sync stopped; the sync is being redone.",
    )
    if requeued:
        from integrations.tasks import sync_project_task

        for run_id in requeue:
            transaction.on_commit(lambda run_id=run_id: sync_project_task.delay(run_id))
    failed = (dead.exclude(pk__in=requeue) | lost).update(
        status=SyncRun.Status.FAILED,
        finished_at=now,
        error="The worker running this sync stopped answering; the sync was abandoned and can be started again.",
    )
    return requeued + failed


def _create_run(project, *, mode, trigger, user, status):
    expire_stale_runs(project)
    for _ in range(3):
        try:
            with transaction.atomic():
                now = timezone.now()
                run = SyncRun.objects.create(
                    organization_id=project.organization_id, project=project, mode=mode, trigger=trigger,
                    requested_by=user if user and user.is_authenticated else None, status=status, queued_at=now,
                    started_at=now if status == SyncRun.Status.RUNNING else None,
                    heartbeat_at=now if status == SyncRun.Status.RUNNING else None,
                )
                return run, True
        except IntegrityError:
            running = active_run(project)
            if running is not None:
                return running, False
    raise SyncNotPossible("Another sync of this project started at the same moment; try again.")


# ---------------------------------------------------------------------------------------------- running


def claim(run_id, now=None):
    """Take a queued run (or a running one whose worker died) for this worker; None if there is nothing to do."""
    now = now or timezone.now()
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().select_related("project").filter(pk=run_id).first()
        if run is None or run.status not in SyncRun.ACTIVE_STATUSES:
            return None
        if run.status == SyncRun.Status.RUNNING and run.heartbeat_at and now - run.heartbeat_at < STALE_AFTER:
            return None  # another worker is on it
        run.status = SyncRun.Status.RUNNING
        run.started_at = now
        run.heartbeat_at = now
        run.progress_done = 0
        run.save(update_fields=["status", "started_at", "heartbeat_at", "progress_done"])
    return run


def run_sync(run_id, *, final_attempt=True, client_factory=HubstaffClient, today=None):
    """Carry out a queued sync run (the Celery task's body). Safe to call twice: a finished run is left alone."""
    run = claim(run_id)
    if run is None:
        return None
    project = run.project
    try:
        installation = get_installation(project.organization)
        link = get_link(project)
        reason = sync_blocker(project, installation, link)
        if reason:
            _finish(run, SyncRun.Status.FAILED, error=reason)
            return run
        client = client_factory(installation)
        if isinstance(client, HubstaffClient):
            # The next page's request is in flight while a page is staged (HTTP only; the database stays here).
            client.prefetch = True
        try:
            Sync(run, project, installation, link, client, today=today or timezone.localdate()).run()
        finally:
            if isinstance(client, HubstaffClient):
                client.close()
            SyncRun.objects.filter(pk=run.pk).update(requests_made=client.requests_made)
    except ReauthorizationRequired as exc:
        _finish(run, SyncRun.Status.FAILED, error=str(exc) or "Hubstaff refused the stored authorization; re-authorize.")
    except (RateLimited, TransientHubstaffError) as exc:
        if final_attempt:
            _finish(run, SyncRun.Status.FAILED, error=f"Hubstaff did not answer properly: {exc}")
        else:
            countdown = getattr(exc, "retry_after", None) or 60
            SyncRun.objects.filter(pk=run.pk).update(
                status=SyncRun.Status.QUEUED, queued_at=timezone.now(),  # waiting on purpose, not lost
                progress_label=f"Hubstaff is busy; trying again in {int(countdown)} s.",
            )
            raise RetryLater(str(exc), countdown) from exc
    except HubstaffError as exc:
        _finish(run, SyncRun.Status.FAILED, error=f"Hubstaff answered unexpectedly: {exc}")
    except Exception:
        logger.exception("Sync run %s failed", run.pk)
        _finish(run, SyncRun.Status.FAILED, error="The sync failed on our side; nothing was changed. The error was logged.")
    finally:
        StagedActivity.objects.filter(sync_run_id=run.pk).delete()
    run.refresh_from_db()
    return run


def _finish(run, status, **fields):
    fields.update(status=status, finished_at=timezone.now(), heartbeat_at=timezone.now())
    if status == SyncRun.Status.SUCCEEDED:
        fields.setdefault("progress_done", run.progress_total)
        fields.setdefault("progress_label", "Done")
    SyncRun.objects.filter(pk=run.pk).update(**fields)
    for name, value in fields.items():
        setattr(run, name, value)


class Sync:
    """One reset or incremental sync of one project: fetch into staging, then apply in one transaction."""

    def __init__(self, run, project, installation, link, client, *, today):
        self.sync_run = run
        self.project = project
        self.installation = installation
        self.link = link
        self.client = client
        self.today = today
        self.options = rules.Options(
            prevent_new_assignments=link.prevent_new_assignments, trim_assignments=link.trim_assignments
        )
        self.project_dates = rules.ProjectDates(project.start_date, project.end_date)
        self._progress_at = None  # time.monotonic() of the last progress/heartbeat UPDATE
        self._progress_pending = {}  # progress fields not written yet (throttled)

    # -- the whole run

    def run(self):
        started = timezone.now()
        window = rules.sync_window(self.project_dates, self.today)
        mode = self.sync_run.mode
        if mode == SyncRun.Mode.INCREMENTAL and self.link.synced_through is None:
            mode = SyncRun.Mode.RESET  # nothing synced yet: an incremental sync is a full one
        sources = self._sources()
        users = self._users(sources)
        if window is None:
            spans = []
        elif mode == SyncRun.Mode.RESET:
            spans = [rules.DateSpan(*window)]
        else:
            spans = self._changed_spans(sources, window, until=started)
        self._update(
            mode=mode, window_start=window[0] if window else None, window_end=window[1] if window else None,
            progress_total=max(1, sum((s.end - s.start).days + 1 for s in spans) * max(1, len(sources))),
            progress_label="Fetching work logs from Hubstaff",
        )
        self._fetch(sources, spans)
        self._update(progress_label="Saving work logs")
        counts, report = self._apply(users, spans, window, reset=mode == SyncRun.Mode.RESET)
        with transaction.atomic():
            ProjectLink.objects.filter(pk=self.link.pk).update(
                synced_through=started, last_synced_at=timezone.now(),
                next_sync_due_at=next_daily_slot(self.project.pk, timezone.now()),
            )
            _finish(self.sync_run, SyncRun.Status.SUCCEEDED, **counts, **report)

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
        users = {}
        for org_id in sources:
            for user in self.client.members(org_id):
                users[int(user["id"])] = rules.HubstaffUser(int(user["id"]), user.get("name") or "", user.get("email"))
        return users

    def _changed_spans(self, sources, window, *, until):
        """Days to re-read: those Hubstaff says changed since the last sync, plus a trailing window of recent days."""
        start, end = window
        days = set()
        for org_id, project_ids in sources.items():
            for page in self.client.daily_activity_update_pages(
                org_id, since=self.link.synced_through, until=until, project_ids=project_ids
            ):
                for row in page:
                    day = date.fromisoformat(row["date"])
                    if start <= day <= end:
                        days.add(day)
                self._heartbeat()
        trailing_from = max(start, end - timedelta(days=settings.HUBSTAFF_TRAILING_DAYS - 1))
        days.update(trailing_from + timedelta(days=i) for i in range((end - trailing_from).days + 1))
        return contiguous_spans(days)

    def _fetch(self, sources, spans):
        done = 0
        rows_fetched = 0
        staged = []  # rows not written yet: at most STAGE_BATCH_ROWS plus one page
        for org_id, project_ids in sources.items():
            wanted = set(project_ids)
            for span in spans:
                for window_start, window_stop in date_windows(span.start, span.end, FETCH_WINDOW_DAYS):
                    for page in self.client.daily_activity_pages(
                        org_id, start=window_start, stop=window_stop, project_ids=project_ids
                    ):
                        rows_fetched += self._stage(page, wanted, staged)
                        if len(staged) >= STAGE_BATCH_ROWS:
                            self._write_staged(staged)
                        self._progress(progress_label=f"Fetching work logs from Hubstaff: {rows_fetched} activities")
                    done += (window_stop - window_start).days + 1
                    self._progress(progress_done=done)
        self._write_staged(staged)
        self._progress(force=True)

    def _stage(self, page, wanted_projects, staged):
        """Add the page's rows of the wanted projects to `staged` (plain tuples); return how many."""
        org_id, run_id = self.project.organization_id, self.sync_run.pk
        before = len(staged)
        for row in page:
            project_id = row.get("project_id")
            if project_id is None or int(project_id) not in wanted_projects:
                continue
            staged.append(
                (org_id, run_id, int(row["id"]), date.fromisoformat(row["date"]), int(row["user_id"]), int(project_id),
                 int(row.get("tracked") or 0))
            )
        return len(staged) - before

    @staticmethod
    def _write_staged(staged):
        # Plain tuples, not model instances: a few pages are one statement whatever their size (docs/performance.md).
        write_rows(StagedActivity, STAGED_COLUMNS, staged, ignore_conflicts=True, copy_line=STAGED_COPY_LINE)
        staged.clear()

    # -- apply

    @transaction.atomic
    def _apply(self, users, spans, window, *, reset):
        org_id = self.project.organization_id
        # Serialize with anything else writing this project's synced data.
        ProjectLink.objects.select_for_update().filter(pk=self.link.pk).first()
        people = [
            rules.Person(pk, full_name, email)
            for pk, full_name, email in Person.objects.for_org(org_id).values_list("pk", "full_name", "email")
        ]
        self.assignments = {
            a.pk: _rule_assignment(a) for a in Assignment.objects.for_org(org_id).filter(project=self.project)
        }
        # Assignments made by this run, and the earlier ones it stretched: counted once each, however many batches.
        self.created_here, self.stretched_here = set(), set()
        # Stretched spans are written once, after the last batch (the rules read self.assignments, not the table).
        self.stretched_spans = {}
        counts = defaultdict(int)
        missing = {}
        skipped = defaultdict(int)
        for span in spans:
            for batch in split_span(span, APPLY_BATCH_DAYS):
                plan = rules.plan_sync(
                    activities=self._staged(batch), users=users, people=people,
                    assignments=list(self.assignments.values()), existing_logs=self._existing(batch), covered=batch,
                    project=self.project_dates, options=self.options,
                )
                self._write(plan, counts)
                for user_id, teammate in plan.missing_teammates.items():
                    seconds = teammate.seconds + (missing[user_id].seconds if user_id in missing else 0)
                    missing[user_id] = rules.MissingTeammate(teammate.id, teammate.name, teammate.email, seconds)
                for person_id, seconds in plan.skipped_people.items():
                    skipped[person_id] += seconds
        self._write_stretched()
        if reset:
            # A fresh full sync keeps no synced log outside the window (e.g. after the project's dates changed).
            outside = synced_worklogs(self.project)
            if window is not None:
                outside = outside.filter(Q(date__lt=window[0]) | Q(date__gt=window[1]))
            deleted, _ = outside.delete()
            counts["worklogs_deleted"] += deleted
        people_by_id = {p.id: p for p in people}
        report = {
            "missing_teammates": [
                {"hubstaff_user_id": t.id, "name": t.name, "email": t.email or "", "seconds": t.seconds}
                for t in sorted(missing.values(), key=lambda t: (-t.seconds, t.name))
            ],
            "skipped_people": [
                {"person_id": pid, "name": people_by_id[pid].full_name, "email": people_by_id[pid].email, "seconds": seconds}
                for pid, seconds in sorted(skipped.items(), key=lambda item: -item[1])
            ],
        }
        report["seconds_not_synced"] = sum(t["seconds"] for t in report["missing_teammates"]) + sum(skipped.values())
        return dict(counts), report

    def _staged(self, span):
        # Summed per Hubstaff project, user and date in the database: the rules sum a day's rows anyway (activity ids
        # are unique in a run's staging), so one row per future work log gives the same plan with fewer objects.
        rows = (
            StagedActivity.objects.filter(sync_run_id=self.sync_run.pk, date__range=(span.start, span.end))
            .values("date", "hubstaff_user_id", "hubstaff_project_id")
            .annotate(first_id=Min("activity_id"), seconds=Sum("tracked"))
            .order_by()
            .values_list("first_id", "date", "hubstaff_user_id", "hubstaff_project_id", "seconds")
        )
        return [rules.DailyActivity(a_id, day, user_id, project_id, None, tracked) for a_id, day, user_id, project_id, tracked in rows]

    def _existing(self, span):
        rows = synced_worklogs(self.project).filter(date__range=(span.start, span.end)).values_list(
            "pk", "source_key", "person_id", "date", "duration_seconds", "assignment_id"
        )
        return [rules.SyncedLog(*row) for row in rows]

    def _write(self, plan, counts):
        org_id = self.project.organization_id
        new_assignment_ids = {}
        if plan.new_assignments:
            created = Assignment.objects.bulk_create(
                [
                    Assignment(
                        organization_id=org_id, project=self.project, person_id=person_id, start_date=span.start,
                        end_date=span.end, origin=Assignment.Origin.SYNC, trimmed=self.options.trim_assignments,
                    )
                    for person_id, span in plan.new_assignments.items()
                ]
            )
            for assignment in created:
                self.created_here.add(assignment.pk)
                new_assignment_ids[assignment.person_id] = assignment.pk
                self.assignments[assignment.pk] = _rule_assignment(assignment)
            counts["assignments_created"] += len(created)
        for assignment_id, span in plan.stretched_assignments.items():
            self.stretched_spans[assignment_id] = span
            old = self.assignments[assignment_id]
            self.assignments[assignment_id] = rules.Assignment(
                old.id, old.person_id, span.start, span.end, old.origin, old.trimmed
            )
            if assignment_id not in self.created_here:
                self.stretched_here.add(assignment_id)
        counts["assignments_stretched"] = len(self.stretched_here)

        def assignment_of(item):
            return item.assignment_id if item.assignment_id is not None else new_assignment_ids.get(item.new_assignment_for_person)

        now = timezone.now()
        if plan.creates:
            project_id, hubstaff = self.project.pk, WorkLog.Source.HUBSTAFF
            write_rows(
                WorkLog, WORKLOG_COLUMNS,
                [
                    (org_id, project_id, log.person_id, assignment_of(log), log.date, log.duration_seconds, hubstaff,
                     log.source_key, log.hubstaff_project_id, "", now, now)
                    for log in plan.creates
                ],
                copy_line=_worklog_copy_line(now),
            )
            counts["worklogs_created"] += len(plan.creates)
        if plan.updates:
            update_rows(
                WorkLog, ("person_id", "duration_seconds", "assignment_id", "updated_at"),
                [(u.id, u.person_id, u.duration_seconds, assignment_of(u), now) for u in plan.updates],
                where={"organization_id": org_id, "project_id": self.project.pk, "source": WorkLog.Source.HUBSTAFF},
            )
            counts["worklogs_updated"] += len(plan.updates)
        if plan.deletes:
            deleted, _ = synced_worklogs(self.project).filter(pk__in=plan.deletes).delete()
            counts["worklogs_deleted"] += deleted

    def _write_stretched(self):
        if not self.stretched_spans:
            return
        now = timezone.now()
        update_rows(
            Assignment, ("start_date", "end_date", "updated_at"),
            [(pk, span.start, span.end, now) for pk, span in sorted(self.stretched_spans.items())],
            where={"organization_id": self.project.organization_id, "origin": Assignment.Origin.SYNC},
        )

    # -- progress

    def _update(self, **fields):
        fields["heartbeat_at"] = timezone.now()
        SyncRun.objects.filter(pk=self.sync_run.pk).update(**fields)
        for name, value in fields.items():
            setattr(self.sync_run, name, value)

    def _heartbeat(self):
        self._progress()

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


def _rule_assignment(assignment):
    return rules.Assignment(
        assignment.pk, assignment.person_id, assignment.start_date, assignment.end_date, assignment.origin, assignment.trimmed
    )


def split_span(span, days):
    """Cut an inclusive span into consecutive spans of at most `days` days."""
    start = span.start
    while start <= span.end:
        end = min(span.end, start + timedelta(days=days - 1))
        yield rules.DateSpan(start, end)
        start = end + timedelta(days=1)


def contiguous_spans(days):
    """Sorted inclusive spans covering exactly the given dates."""
    spans = []
    for day in sorted(days):
        if spans and day == spans[-1][1] + timedelta(days=1):
            spans[-1][1] = day
        else:
            spans.append([day, day])
    return [rules.DateSpan(start, end) for start, end in spans]


# ---------------------------------------------------------------------------------------------- bulk writes
# bulk_create and bulk_update build a model instance per row and (bulk_update) a CASE per column: at a sync's scale
# that, not the database, was most of the time (docs/performance.md). These write plain tuples instead, through
# Django's connection (so inside its transaction): COPY on PostgreSQL, else multi-row statements of WRITE_BATCH_ROWS.


def write_rows(model, columns, rows, *, ignore_conflicts=False, copy_line=None):
    """Insert `rows` (tuples in `columns` order) the fastest way the database offers; optionally skip conflicts.

    `copy_line`: a %-format of one row as COPY text for rows that need no escaping, or a function of a row giving its
    line (faster than the generic formatting).
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        insert_rows(model, columns, rows, ignore_conflicts=ignore_conflicts)
        return
    if not ignore_conflicts:
        copy_rows(model, columns, rows, line=copy_line)
        return
    try:
        if connection.get_autocommit() and not connection.in_atomic_block:
            copy_rows(model, columns, rows, line=copy_line)  # its own transaction already: a conflict changes nothing
        else:
            with transaction.atomic():  # a savepoint, so that a conflict leaves the outer transaction usable
                copy_rows(model, columns, rows, line=copy_line)
    except IntegrityError:
        # COPY cannot skip a row it conflicts with: only then pay for the statement that can.
        insert_rows(model, columns, rows, ignore_conflicts=True)


def _copy_text(value):
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _worklog_copy_line(now):
    """A new work log's row (WORKLOG_COLUMNS) as a line of COPY text: ints and a date as they are, the rest escaped."""
    now_text = _copy_text(now)
    null = _copy_text(None)

    def line(row):
        org_id, project_id, person_id, assignment_id, day, seconds, source, key, hubstaff_project_id, note, _, _ = row
        assignment = null if assignment_id is None else "%d" % assignment_id
        return (
            "%d\t%d\t%d\t%s\t%s\t%d\t%s\t%s\t%d\t%s\t%s\t%s\n"
            % (org_id, project_id, person_id, assignment, day.isoformat(), seconds, _copy_text(source), _copy_text(key),
               hubstaff_project_id, _copy_text(note), now_text, now_text)
        )

    return line


def copy_rows(model, columns, rows, *, line=None):
    """PostgreSQL only: COPY `rows` into the model's table (text format), one statement for all of them."""
    opts, ops = model._meta, connection.ops
    names = ", ".join(ops.quote_name(opts.get_field(column).column) for column in columns)
    buffer = io.StringIO()
    if callable(line):
        buffer.writelines(map(line, rows))
    elif line is not None:
        buffer.writelines(line % row for row in rows)
    else:
        buffer.writelines("\t".join(map(_copy_text, row)) + "\n" for row in rows)
    buffer.seek(0)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(f"COPY {ops.quote_name(opts.db_table)} ({names}) FROM STDIN", buffer)


def _db_value_adapter(field):
    internal = field.get_internal_type()
    if internal == "DateField":
        return connection.ops.adapt_datefield_value
    if internal == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    return None


def _adapted(rows, fields):
    adapters = [(i, adapt) for i, adapt in enumerate(map(_db_value_adapter, fields)) if adapt is not None]
    if not adapters:
        return rows
    adapted = []
    for row in rows:
        row = list(row)
        for i, adapt in adapters:
            row[i] = adapt(row[i])
        adapted.append(row)
    return adapted


def _batch_size(fields, rows):
    return max(1, min(WRITE_BATCH_ROWS, connection.ops.bulk_batch_size(fields, rows)))


def insert_rows(model, columns, rows, *, ignore_conflicts=False):
    """INSERT `rows` (tuples of values in `columns` order) with multi-row statements; optionally skip conflicts."""
    if not rows:
        return
    opts, ops = model._meta, connection.ops
    fields = [opts.get_field(column) for column in columns]
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    head = (
        f"{ops.insert_statement(on_conflict=on_conflict)} {ops.quote_name(opts.db_table)} "
        f"({', '.join(ops.quote_name(f.column) for f in fields)}) VALUES "
    )
    tail = ops.on_conflict_suffix_sql(fields, on_conflict, None, None)
    tail = f" {tail}" if tail else ""
    placeholder = f"({', '.join(['%s'] * len(fields))})"
    rows = _adapted(rows, fields)
    size = _batch_size(fields, rows)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            cursor.execute(head + ", ".join([placeholder] * len(chunk)) + tail, [value for row in chunk for value in row])


def update_rows(model, columns, rows, *, where=None):
    """Set `columns` of many rows to each row's own values: `rows` are tuples (pk, *values).

    PostgreSQL: one UPDATE ... FROM (VALUES ...) per batch. Elsewhere: one executemany of a per-row UPDATE (cheap in
    SQLite, which runs in-process). `where` adds equality conditions ({column: value}) that every row must meet.
    """
    if not rows:
        return
    opts, ops = model._meta, connection.ops
    table = ops.quote_name(opts.db_table)
    pk = opts.pk
    fields = [opts.get_field(column) for column in columns]
    conditions = [(ops.quote_name(opts.get_field(column).column), value) for column, value in (where or {}).items()]
    rows = _adapted(rows, [pk, *fields])
    if connection.vendor == "postgresql":
        names = ["pk", *(f"v{i}" for i in range(len(fields)))]
        casts = [f"%s::{field.db_type(connection)}" for field in (pk, *fields)]
        sets = ", ".join(f"{ops.quote_name(f.column)} = v.v{i}" for i, f in enumerate(fields))
        extra = "".join(f" AND {table}.{column} = %s" for column, _ in conditions)
        placeholder = f"({', '.join(casts)})"
        size = _batch_size([pk, *fields], rows)
        with connection.cursor() as cursor:
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                cursor.execute(
                    f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([placeholder] * len(chunk))}) AS v ({', '.join(names)}) "
                    f"WHERE {table}.{ops.quote_name(pk.column)} = v.pk{extra}",
                    [value for row in chunk for value in row] + [value for _, value in conditions],
                )
        return
    sets = ", ".join(f"{ops.quote_name(f.column)} = %s" for f in fields)
    extra = "".join(f" AND {column} = %s" for column, _ in conditions)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {sets} WHERE {ops.quote_name(pk.column)} = %s{extra}",
            [(*row[1:], row[0], *(value for _, value in conditions)) for row in rows],
        )


# ---------------------------------------------------------------------------------------------- the schedule


def due_links(now=None):
    """Links whose daily sync is due: enabled, with projects selected, of an installed installation."""
    now = now or timezone.now()
    installed = Installation.objects.filter(status=Installation.Status.INSTALLED).values("organization_id")
    return (
        ProjectLink.objects.filter(enabled=True, next_sync_due_at__lte=now, project__archived=False, organization_id__in=installed)
        .exclude(hubstaff_project_ids=[])
        .select_related("project", "project__organization")
        .order_by("next_sync_due_at")
    )


def enqueue_due_syncs(now=None):
    """Queue the incremental sync of every project whose daily slot has come; returns how many were queued.

    Each project keeps its own slot of the day (links.daily_slot), so the syncs are spread over 24 hours.
    """
    now = now or timezone.now()
    expire_stale_runs(now=now)
    queued = 0
    for link in due_links(now).iterator(chunk_size=500):
        try:
            request_sync(link.project, mode=SyncRun.Mode.INCREMENTAL, trigger=SyncRun.Trigger.SCHEDULE)
            queued += 1
        except SyncNotPossible as exc:
            logger.info("Scheduled sync of project %s skipped: %s", link.project_id, exc)
        ProjectLink.objects.filter(pk=link.pk).update(next_sync_due_at=next_daily_slot(link.project_id, now))
    return queued
