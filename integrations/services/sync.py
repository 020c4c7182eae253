"""Syncing a project's work logs from Hubstaff.

A sync has two phases, so that a failure part-way never changes what a project has:

1. **Fetch.** Pages of Hubstaff's daily activities are streamed into the run's staging (`staging.py`: packed rows
   in a temporary file, by fetch window), outside any transaction; memory holds a few pages at a time. The run's
   progress and heartbeat move as pages arrive.
2. **Apply.** In one transaction, the staged rows are read back half a fetch window at a time, the pure rules
   (`integrations.hubstaff.rules.plan_sync`) decide what to create, update and delete, and the plan is written
   with bulk statements (on PostgreSQL by a writer thread, while the next batch is planned: `writer.py`). If
   anything fails, the transaction rolls back and the project keeps its work logs.

`run_sync` is the entry point a worker (or `manage.py sync_project`) calls with a queued run's id: it claims the
run (`runs.py`: the run's life from request to finish), runs `Sync` and records the outcome in the run.
"""

import logging
import time
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from integrations.hubstaff import rules
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import (
    HubstaffError,
    RateLimited,
    ReauthorizationRequired,
    TransientHubstaffError,
)
from integrations.hubstaff.windows import MAX_WINDOW_DAYS, date_windows
from integrations.models import HubstaffProject, ProjectLink, SyncRun
from people.models import Person
from primetric import db
from projects.models import Assignment
from worklogs.models import WorkLog

from . import runs, statistics
from .links import get_installation, get_link, next_daily_slot
from .runs import RetryLater, claim, sync_blocker, synced_worklogs
from .staging import Staging
from .writer import transaction_writer

logger = logging.getLogger(__name__)

# Days of one fetch step (Hubstaff's per-request limit); the progress bar moves once a step.
FETCH_WINDOW_DAYS = MAX_WINDOW_DAYS
# Days planned and written at a time in the apply phase (a fetch window is cut in two: memory holds one
# batch).
APPLY_BATCH_DAYS = 16
# The run's progress and heartbeat are written at most this often while pages arrive (one UPDATE, not one a
# page).
PROGRESS_EVERY_SECONDS = 1.0

WORKLOG_COLUMNS = (
    "organization_id",
    "project_id",
    "person_id",
    "assignment_id",
    "date",
    "duration_seconds",
    "source",
    "source_key",
    "source_project_id",
    "note",
    "created_at",
    "updated_at",
)


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
            runs.finish(run, SyncRun.Status.FAILED, error=reason)
            return run
        # prefetch: the next page's request is in flight while a page is staged (HTTP only, in the client's
        # threads).
        client = client_factory(installation, prefetch=True)
        try:
            Sync(run, project, installation, link, client, today=today or timezone.localdate()).run()
        finally:
            client.close()
            SyncRun.objects.filter(pk=run.pk).update(requests_made=client.requests_made)
    except ReauthorizationRequired as exc:
        runs.finish(
            run,
            SyncRun.Status.FAILED,
            error=str(exc) or "Hubstaff refused the stored authorization; re-authorize.",
        )
    except (RateLimited, TransientHubstaffError) as exc:
        if final_attempt:
            runs.finish(run, SyncRun.Status.FAILED, error=f"Hubstaff did not answer properly: {exc}")
        else:
            countdown = getattr(exc, "retry_after", None) or 60
            SyncRun.objects.filter(pk=run.pk).update(
                status=SyncRun.Status.QUEUED,
                queued_at=timezone.now(),  # waiting on purpose, not lost
                progress_label=f"Hubstaff is busy; trying again in {int(countdown)} s.",
            )
            raise RetryLater(str(exc), countdown) from exc
    except HubstaffError as exc:
        runs.finish(run, SyncRun.Status.FAILED, error=f"Hubstaff answered unexpectedly: {exc}")
    except Exception:
        logger.exception("Sync run %s failed", run.pk)
        runs.finish(
            run,
            SyncRun.Status.FAILED,
            error="The sync failed on our side; nothing was changed. The error was logged.",
        )
    run.refresh_from_db()
    return run


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
            mode=mode,
            window_start=window[0] if window else None,
            window_end=window[1] if window else None,
            progress_total=max(1, sum((s.end - s.start).days + 1 for s in spans) * max(1, len(sources))),
            progress_label="Fetching work logs from Hubstaff",
        )
        with Staging() as staging:
            self._fetch(sources, spans, staging)
            self._update(progress_label="Saving work logs")
            counts, report = self._apply(staging, users, spans, window, reset=mode == SyncRun.Mode.RESET)
        with transaction.atomic():
            ProjectLink.objects.filter(pk=self.link.pk).update(
                synced_through=started,
                last_synced_at=timezone.now(),
                next_sync_due_at=next_daily_slot(self.project.pk, timezone.now()),
            )
            runs.finish(self.sync_run, SyncRun.Status.SUCCEEDED, **counts, **report)
        statistics.refresh_after_sync(counts.get("worklogs_created", 0) + counts.get("worklogs_deleted", 0))

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
                users[int(user["id"])] = rules.HubstaffUser(
                    int(user["id"]), user.get("name") or "", user.get("email")
                )
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
                self._progress()  # the heartbeat
        trailing_from = max(start, end - timedelta(days=settings.HUBSTAFF_TRAILING_DAYS - 1))
        days.update(trailing_from + timedelta(days=i) for i in range((end - trailing_from).days + 1))
        return contiguous_spans(days)

    def _fetch(self, sources, spans, staging):
        done = 0
        windows = [
            window for span in spans for window in date_windows(span.start, span.end, FETCH_WINDOW_DAYS)
        ]
        for org_id, project_ids in sources.items():
            wanted = set(project_ids)
            for window, rows in self.client.daily_activity_window_pages(
                org_id, windows, project_ids=project_ids, streams=settings.HUBSTAFF_FETCH_STREAMS
            ):
                if rows is None:  # the window is complete
                    done += (window[1] - window[0]).days + 1
                    self._progress(progress_done=done)
                    continue
                staging.add(window, rows, wanted)
                self._progress(progress_label=f"Fetching work logs from Hubstaff: {staging.rows} activities")
        self._progress(force=True)

    # -- apply

    def _apply(self, staging, users, spans, window, *, reset):
        """Plan every batch with the rules and write the plans, all in one transaction (see services/writer.py).

        A batch is half a fetch window (a window's rows are kept together in the staging). On PostgreSQL the writes
        run in a writer thread on its own connection, so that the database writes a batch while the next one is
        planned here; this thread reads only what the writes cannot have changed (the work logs of batches not
        written yet: batches never share a date).
        """
        org_id = self.project.organization_id
        threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        counts = defaultdict(int)
        not_synced = rules.SyncPlan()  # the batches' missing teammates and skipped people, added up
        deleted = []  # futures of the number of work logs each DELETE removed
        with transaction_writer(threaded=threaded, name=f"sync-run-{self.sync_run.pk}") as writer:
            # Serialize with anything else writing this project's synced data, before anything is read.
            writer.call(_lock_link, self.link.pk)
            people = [
                rules.Person(pk, full_name, email)
                for pk, full_name, email in Person.objects.for_org(org_id).values_list(
                    "pk", "full_name", "email"
                )
            ]
            self.assignments = {
                a.pk: _rule_assignment(a)
                for a in Assignment.objects.for_org(org_id).filter(project=self.project)
            }
            # Assignments made by this run: a stretch of one of those is not counted as a stretch.
            self.created_here = set()
            # Stretched spans are written once, after the last batch (the rules read self.assignments, not the
            # table).
            self.stretched_spans = {}
            for span in spans:
                for fetched in date_windows(span.start, span.end, FETCH_WINDOW_DAYS):
                    for batch in date_windows(*fetched, APPLY_BATCH_DAYS):
                        batch = rules.DateSpan(*batch)
                        plan = rules.plan_sync(
                            activities=staging.activities(fetched, batch.start, batch.end),
                            users=users,
                            people=people,
                            assignments=list(self.assignments.values()),
                            existing_logs=self._existing(batch),
                            covered=batch,
                            project=self.project_dates,
                            options=self.options,
                        )
                        self._write(plan, counts, deleted, writer)
                        not_synced = not_synced.merge(
                            rules.SyncPlan(
                                missing_teammates=plan.missing_teammates, skipped_people=plan.skipped_people
                            )
                        )
                        del plan  # before the next batch is read: memory holds one batch at a time
            if self.stretched_spans:
                now = timezone.now()
                writer.submit(
                    db.update_rows,
                    Assignment,
                    ("start_date", "end_date", "updated_at"),
                    [(pk, span.start, span.end, now) for pk, span in sorted(self.stretched_spans.items())],
                    where={
                        "organization_id": org_id,
                        "project_id": self.project.pk,
                        "origin": Assignment.Origin.SYNC,
                    },
                )
            if reset:
                # A fresh full sync keeps no synced log outside the window (e.g. after the project's dates
                # changed).
                deleted.append(writer.submit(_delete_outside, self.project, window))
        counts["worklogs_deleted"] += sum(future.result() for future in deleted)
        people_by_id = {p.id: p for p in people}
        report = {
            "missing_teammates": [
                {"hubstaff_user_id": t.id, "name": t.name, "email": t.email or "", "seconds": t.seconds}
                for t in sorted(not_synced.missing_teammates.values(), key=lambda t: (-t.seconds, t.name))
            ],
            "skipped_people": [
                {
                    "person_id": pid,
                    "name": people_by_id[pid].full_name,
                    "email": people_by_id[pid].email,
                    "seconds": seconds,
                }
                for pid, seconds in sorted(not_synced.skipped_people.items(), key=lambda item: -item[1])
            ],
        }
        report["seconds_not_synced"] = sum(t["seconds"] for t in report["missing_teammates"]) + sum(
            not_synced.skipped_people.values()
        )
        return dict(counts), report

    def _existing(self, span):
        table = connection.ops.quote_name(WorkLog._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, source_key, person_id, date, duration_seconds, assignment_id FROM {table} "
                "WHERE organization_id = %s AND project_id = %s AND source = %s AND date BETWEEN %s AND %s",
                [
                    self.project.organization_id,
                    self.project.pk,
                    WorkLog.Source.HUBSTAFF,
                    span.start,
                    span.end,
                ],
            )
            rows = cursor.fetchall()
        if connection.vendor != "postgresql":
            return [rules.SyncedLog(i, k, p, _as_date(d), s, a) for i, k, p, d, s, a in rows]
        return list(map(rules.SyncedLog._make, rows))

    def _write(self, plan, counts, deleted, writer):
        """Hand one batch's plan to the writer (waiting only for the ids of new assignments, which later rows need)."""
        org_id = self.project.organization_id
        new_assignment_ids = {}
        if plan.new_assignments:
            created = writer.call(
                _create_assignments, self.project, plan.new_assignments, self.options.trim_assignments
            )
            for assignment in created:
                self.created_here.add(assignment.pk)
                new_assignment_ids[assignment.person_id] = assignment.pk
                self.assignments[assignment.pk] = _rule_assignment(assignment)
            counts["assignments_created"] += len(created)
        for assignment_id, span in plan.stretched_assignments.items():
            self.stretched_spans[assignment_id] = span
            self.assignments[assignment_id] = replace(
                self.assignments[assignment_id], start_date=span.start, end_date=span.end
            )
        # Earlier assignments this run stretched, counted once each however many batches stretched them.
        counts["assignments_stretched"] = len(self.stretched_spans.keys() - self.created_here)

        def assignment_of(item):
            return (
                item.assignment_id
                if item.assignment_id is not None
                else new_assignment_ids.get(item.new_assignment_for_person)
            )

        now = timezone.now()
        if plan.creates:
            project_id, hubstaff = self.project.pk, WorkLog.Source.HUBSTAFF
            rows = [
                (
                    org_id,
                    project_id,
                    log.person_id,
                    assignment_of(log),
                    log.date,
                    log.duration_seconds,
                    hubstaff,
                    log.source_key,
                    log.hubstaff_project_id,
                    "",
                    now,
                    now,
                )
                for log in plan.creates
            ]
            if connection.vendor == "postgresql":
                # COPY text made here, so that a writer thread only waits for the database.
                writer.submit(
                    db.copy_text, WorkLog, WORKLOG_COLUMNS, "".join(map(_worklog_copy_line(now), rows))
                )
            else:
                writer.submit(db.insert_rows, WorkLog, WORKLOG_COLUMNS, rows)
            counts["worklogs_created"] += len(plan.creates)
        if plan.updates:
            writer.submit(
                db.update_rows,
                WorkLog,
                ("person_id", "duration_seconds", "assignment_id", "updated_at"),
                [(u.id, u.person_id, u.duration_seconds, assignment_of(u), now) for u in plan.updates],
                where={
                    "organization_id": org_id,
                    "project_id": self.project.pk,
                    "source": WorkLog.Source.HUBSTAFF,
                },
            )
            counts["worklogs_updated"] += len(plan.updates)
        if plan.deletes:
            deleted.append(writer.submit(_delete_logs, self.project, plan.deletes))

    # -- progress

    def _update(self, **fields):
        fields["heartbeat_at"] = timezone.now()
        SyncRun.objects.filter(pk=self.sync_run.pk).update(**fields)
        for name, value in fields.items():
            setattr(self.sync_run, name, value)

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
        assignment.pk,
        assignment.person_id,
        assignment.start_date,
        assignment.end_date,
        assignment.origin,
        assignment.trimmed,
    )


def _as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(value)


# The writes of the apply phase: each runs in the writer's transaction (its thread and connection, or this
# one's).


def _lock_link(link_pk):
    ProjectLink.objects.select_for_update().filter(pk=link_pk).first()


def _create_assignments(project, spans, trimmed):
    """One assignment per person (`spans`: person id -> DateSpan), made by the sync; returns them with their ids."""
    return Assignment.objects.bulk_create(
        [
            Assignment(
                organization_id=project.organization_id,
                project=project,
                person_id=person_id,
                start_date=span.start,
                end_date=span.end,
                origin=Assignment.Origin.SYNC,
                trimmed=trimmed,
            )
            for person_id, span in spans.items()
        ]
    )


def _delete_logs(project, ids):
    deleted, _ = synced_worklogs(project).filter(pk__in=ids).delete()
    return deleted


def _delete_outside(project, window):
    outside = synced_worklogs(project)
    if window is not None:
        outside = outside.filter(Q(date__lt=window[0]) | Q(date__gt=window[1]))
    deleted, _ = outside.delete()
    return deleted


def contiguous_spans(days):
    """Sorted inclusive spans covering exactly the given dates."""
    spans = []
    for day in sorted(days):
        if spans and day == spans[-1][1] + timedelta(days=1):
            spans[-1][1] = day
        else:
            spans.append([day, day])
    return [rules.DateSpan(start, end) for start, end in spans]


# COPY text of new work logs (primetric.db writes it).


def _worklog_copy_line(now):
    """A new work log's row (WORKLOG_COLUMNS) as a line of COPY text: ints and a date as they are, the rest escaped."""
    now_text = db.copy_value(now)
    null = db.copy_value(None)

    def line(row):
        (
            org_id,
            project_id,
            person_id,
            assignment_id,
            day,
            seconds,
            source,
            key,
            hubstaff_project_id,
            note,
            _,
            _,
        ) = row
        assignment = null if assignment_id is None else "%d" % assignment_id
        return "%d\t%d\t%d\t%s\t%s\t%d\t%s\t%s\t%d\t%s\t%s\t%s\n" % (
            org_id,
            project_id,
            person_id,
            assignment,
            day.isoformat(),
            seconds,
            db.copy_value(source),
            db.copy_value(key),
            hubstaff_project_id,
            db.copy_value(note),
            now_text,
            now_text,
        )

    return line
