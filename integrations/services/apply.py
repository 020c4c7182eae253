"""The apply phase of a sync: the staged rows, planned batch by batch by the rules, written in one transaction.

In one transaction, the staged rows are read back half a fetch window at a time (a batch: a window's rows are kept
together in the staging), the pure rules (`integrations.hubstaff.rules.plan_sync`) decide what to create, update and
delete, and the plan is written with bulk statements (`primetric.db`). Outside a caller's transaction the writes run
in a writer thread on its own connection (`writer.py`), so that the database writes a batch while the next one is
planned here; this thread reads only what the writes cannot have changed (the work logs of batches not written yet:
batches never share a date). If anything fails, the transaction rolls back and the project keeps its work logs.
"""

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import NotRequired, Protocol, TypedDict

from django.db import connection
from django.utils import timezone

from integrations.hubstaff import mapping, rules
from integrations.hubstaff.windows import date_windows
from integrations.models import ProjectLink, SyncRun
from people.models import Person
from primetric import db
from projects.models import Assignment, Project
from worklogs import locks
from worklogs.models import WorkLog

from . import ledger, locked
from .ledger import Changes, micros
from .preview import PreviewReport, ReportRow
from .staging import Window
from .user_links import KeptMatches, keep_email_matches, kept_matches, name_kept_matches
from .writer import Writer
from .writes import (
    WORKLOG_COLUMNS,
    WorkLogRow,
    create_assignments,
    delete_logs,
    lock_link,
    outside,
    worklog_copy_line,
)

# Days planned and written at a time (a fetch window is cut in two: memory holds one batch).
APPLY_BATCH_DAYS = 16


class PlanRules(Protocol):
    """The rules as the apply calls them: `rules.plan_sync`'s keyword arguments, a plan back."""

    def __call__(
        self,
        *,
        activities: Iterable[rules.DailyActivity],
        users: Mapping[int, rules.HubstaffUser],
        people: Iterable[rules.Teammate],
        assignments: Iterable[rules.AssignedSpan],
        existing_logs: Iterable[rules.SyncedLog],
        covered: rules.DateSpan | None,
        project: rules.ProjectDates,
        options: rules.Options,
        links: Mapping[int, int] | None = None,
        kept_by_email: Collection[int] = (),
    ) -> rules.SyncPlan: ...


class StagedRows(Protocol):
    """The staging as the apply reads it (a `Staging`, or early.py's view of the windows complete)."""

    def activities(
        self, window: Window, first: date | None = None, last: date | None = None
    ) -> list[rules.DailyActivity]: ...


class MissingTeammateRow(TypedDict):
    """A Hubstaff user with time and no person, in the run's report (`reason`: why no person matched)."""

    hubstaff_user_id: int
    name: str
    email: str
    seconds: int
    reason: str


class KeptMatchRow(TypedDict):
    """A Hubstaff user whose time went to a person their e-mail does not give (any more), in the run's report
    (`reason`: why the e-mail did not decide)."""

    hubstaff_user_id: int
    name: str
    email: str
    person_id: int
    person_name: str
    seconds: int
    reason: str


class SkippedPersonRow(TypedDict):
    """A person without an assignment on P whose time was not synced (Prevent new assignment creation)."""

    person_id: int
    name: str
    email: str
    seconds: int


class Report(TypedDict):
    """The run's report of what was not synced (and, for a preview, what it would change per person)."""

    missing_teammates: list[MissingTeammateRow]
    skipped_people: list[SkippedPersonRow]
    kept_matches: list[KeptMatchRow]
    seconds_not_synced: int
    preview: NotRequired[dict[str, list[ReportRow]]]


@dataclass(frozen=True)
class RunContext:
    """What the apply of one run works with, made once by the sync: the run, its project and link, the link's
    options and the project's dates as the rules take them, and the rules themselves."""

    run: SyncRun
    project: Project
    link: ProjectLink
    options: rules.Options
    project_dates: rules.ProjectDates
    plan_rules: PlanRules = rules.plan_sync


class Apply:
    """The apply phase of one sync run, in the transaction of `writer`: `batches(...)` plans and writes every batch
    of the staged rows, then `conclude(...)` makes the last writes and returns (counts, report)."""

    def __init__(self, context: RunContext, writer: Writer, *, preview: PreviewReport | None = None) -> None:
        self.context = context
        self.writer = writer
        self.counts: defaultdict[str, int] = defaultdict(int)
        self.deleted: list[Future[int]] = []  # futures of the number of work logs each DELETE removed
        self.not_synced = rules.NotSynced()  # the batches' missing teammates and skipped people, added up
        # id -> the rules' view of each assignment on P, as this run changed them
        self.assignments: dict[int, rules.AssignedSpan] = {}
        # assignments made by this run: a stretch of one is not counted as a stretch
        self.created_here: set[int] = set()
        # written once, after the last batch (the rules read self.assignments)
        self.stretched_spans: dict[int, rules.DateSpan] = {}
        # The organization's kept matches (services.user_links), and what the batches add up: e-mail matches to keep
        # when the sync commits, users whose time went to a person their e-mail does not give.
        self.kept = KeptMatches({}, frozenset())
        self.email_matches: dict[int, int] = {}
        self.kept_used: dict[int, rules.KeptMatch] = {}
        self.users: Mapping[int, rules.HubstaffUser] = {}
        self.people: list[rules.Teammate] = []  # the organization's people, as the rules take them
        self.preview = preview  # noting every plan per person, for a preview run
        # The organization's locked period as the apply started (worklogs/locks.py): checked again before the
        # commit. Changes of its days are held back, their differences recorded (services/locked.py).
        self.locked_through: date | None = None
        # The ledger (services/ledger.py): its next entry's number; the batch's existing logs' other columns
        # (id -> source project, created, updated, note); each assignment's span and update time as loaded.
        self.ledger_seq = 0
        self.existing_extra: dict[int, tuple[int | None, datetime, datetime, str]] = {}
        self.loaded: dict[int, tuple[int, date, date, datetime]] = {}

    def batches(
        self, staging: StagedRows, users: Mapping[int, rules.HubstaffUser], windows: Iterable[Window]
    ) -> None:
        """Plan and write the staged rows of the fetch `windows`, a batch of days at a time."""
        self.people = self._load()
        self.users = users
        for fetched, batch in _batches(windows):
            existing = self._existing(batch)
            plan = self._plan(
                staging.activities(fetched, batch.start, batch.end), existing, batch, users, self.people
            )
            plan, differences = locked.hold_back(plan, existing, self.locked_through)
            self.counts["locked_kept"] += len(differences)
            if (
                self.locked_through is not None
                and batch.start <= self.locked_through
                and self.preview is None
            ):
                self.writer.submit(
                    locked.replace_differences,
                    self.context.run,
                    self.context.project,
                    batch,
                    self.locked_through,
                    differences,
                )
            if self.preview is not None:
                self.preview.add(plan, existing)
            self._write(plan, existing, self.writer)
            self.not_synced.add(plan)
            self._note_matches(plan)
            del plan  # before the next batch is read: memory holds one batch at a time

    def conclude(self, window: Window | None, *, reset: bool) -> tuple[dict[str, int], Report]:
        """The last writes, once every batch is written: the stretched assignments and, for a reset, the synced
        logs outside `window` (the dates of P, or None) deleted. Returns the run's (counts, report)."""
        writer = self.writer
        # Serialize with anything else writing this project's synced data, and make sure the sync may still
        # write: before the last writes and the commit, so that no lock is held while Hubstaff is read (the
        # fetch may refresh the tokens, which locks the installation's row).
        writer.call(lock_link, self.context.run, self.context.link.pk)
        writer.call(locked.check_lock_unchanged, self.context.project.organization_id, self.locked_through)
        last = Changes()
        self._write_stretched(writer, last)
        if self.preview is None:
            org_id = self.context.project.organization_id
            if self.email_matches:
                writer.submit(keep_email_matches, org_id, self.email_matches, self.users)
            unnamed = self.kept.unnamed & self.users.keys()
            if unnamed:
                writer.submit(name_kept_matches, org_id, unnamed, self.users)
        if reset:
            # A fresh full sync keeps no synced log outside the window (e.g. after the project's dates changed).
            # Those of the locked period stay.
            if self.preview is not None:
                outside_logs = outside(self.context.project, window)
                if self.locked_through is not None:
                    outside_logs = outside_logs.filter(date__gt=self.locked_through)
                self.preview.add_deleted_outside(outside_logs)
            deleted, kept = writer.call(
                locked.delete_outside, self.context.project, window, self.locked_through, last
            )
            self.counts["worklogs_deleted"] += deleted
            self.counts["locked_kept"] += kept
        if self.preview is None:
            writer.submit(ledger.write, self.context.run, self._next_seq(), last)
        self.counts["worklogs_deleted"] += sum(future.result() for future in self.deleted)
        return dict(self.counts), self._report(self.people)

    # -- planning

    def _load(self) -> list[rules.Teammate]:
        """The organization's people, P's assignments and the Hubstaff user links, as the rules take them."""
        org_id = self.context.project.organization_id
        loaded = list(Assignment.objects.for_org(org_id).filter(project=self.context.project))
        self.assignments = {a.pk: _rule_assignment(a) for a in loaded}
        self.loaded = {a.pk: (a.person_id, a.start_date, a.end_date, a.updated_at) for a in loaded}
        self.locked_through = locks.locked_through(org_id)
        self.kept = kept_matches(org_id)
        return [
            rules.Teammate(pk, full_name, email)
            for pk, full_name, email in Person.objects.for_org(org_id).values_list("pk", "full_name", "email")
        ]

    def _plan(
        self,
        activities: list[rules.DailyActivity],
        existing: list[rules.SyncedLog],
        batch: rules.DateSpan,
        users: Mapping[int, rules.HubstaffUser],
        people: list[rules.Teammate],
    ) -> rules.SyncPlan:
        return self.context.plan_rules(
            activities=activities,
            users=users,
            people=people,
            assignments=list(self.assignments.values()),
            existing_logs=existing,
            covered=batch,
            project=self.context.project_dates,
            options=self.context.options,
            links=self.kept.links,
            kept_by_email=self.kept.by_email,
        )

    def _existing(self, span: rules.DateSpan) -> list[rules.SyncedLog]:
        """P's synced work logs of the span's dates, as the rules take them."""
        table = connection.ops.quote_name(WorkLog._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, source_key, person_id, date, duration_seconds, assignment_id, source_project_id, "
                f"created_at, updated_at, note FROM {table} "
                "WHERE organization_id = %s AND project_id = %s AND source = %s AND date BETWEEN %s AND %s",
                [
                    self.context.project.organization_id,
                    self.context.project.pk,
                    WorkLog.Source.HUBSTAFF,
                    span.start,
                    span.end,
                ],
            )
            rows = cursor.fetchall()
        # The other columns, for the ledger: what a deleted log was, when an updated one was last written.
        self.existing_extra = {row[0]: row[6:] for row in rows}
        return [rules.SyncedLog._make(row[:6]) for row in rows]

    def _next_seq(self) -> int:
        self.ledger_seq += 1
        return self.ledger_seq

    def _note_matches(self, plan: rules.SyncPlan) -> None:
        self.email_matches.update(plan.email_matches)
        for user_id, kept in plan.kept_matches.items():
            previous = self.kept_used.get(user_id)
            self.kept_used[user_id] = (
                kept if previous is None else replace(kept, seconds=previous.seconds + kept.seconds)
            )

    # -- writing

    def _write(self, plan: rules.SyncPlan, existing: list[rules.SyncedLog], writer: Writer) -> None:
        """Hand one batch's plan to the writer (waiting only for the ids of new assignments, which later rows need),
        and its ledger entry after it."""
        new_assignment_ids = self._write_new_assignments(plan, writer)
        self._note_stretched(plan)

        def assignment_of(item: rules.NewLog | rules.LogUpdate) -> int | None:
            if item.assignment_id is not None:
                return item.assignment_id
            person_id = item.new_assignment_for_person
            return None if person_id is None else new_assignment_ids.get(person_id)

        now = timezone.now()
        if plan.creates:
            self._write_creates(plan.creates, assignment_of, now, writer)
        if plan.updates:
            writer.submit(
                db.update_rows,
                WorkLog,
                ("person_id", "duration_seconds", "assignment_id", "updated_at"),
                [(u.id, u.person_id, u.duration_seconds, assignment_of(u), now) for u in plan.updates],
                where={
                    "organization_id": self.context.project.organization_id,
                    "project_id": self.context.project.pk,
                    "source": WorkLog.Source.HUBSTAFF,
                },
            )
            self.counts["worklogs_updated"] += len(plan.updates)
        if plan.deletes:
            self.deleted.append(writer.submit(delete_logs, self.context.project, plan.deletes))
        if self.preview is None and (plan.creates or plan.updates or plan.deletes):
            writer.submit(
                self._write_ledger, self._next_seq(), plan, existing, self.existing_extra, assignment_of
            )

    def _write_ledger(
        self,
        seq: int,
        plan: rules.SyncPlan,
        existing: list[rules.SyncedLog],
        extra: dict[int, tuple[int | None, datetime, datetime, str]],
        assignment_of: Callable[[rules.NewLog | rules.LogUpdate], int | None],
    ) -> None:
        """The batch's ledger entry, in the writer's transaction after the batch's writes (the new logs' ids are
        read back: COPY returns none)."""
        org_id, project_id = self.context.project.organization_id, self.context.project.pk
        changes = Changes()
        ids = ledger.created_ids(org_id, project_id, [new.source_key for new in plan.creates])
        changes.extend(
            "created",
            (
                (
                    ids[new.source_key],
                    new.person_id,
                    new.date.toordinal(),
                    new.duration_seconds,
                    assignment_of(new),
                    new.hubstaff_project_id,
                )
                for new in sorted(plan.creates, key=lambda n: ids[n.source_key])
            ),
        )
        by_id = {log.id: log for log in existing}
        for update in plan.updates:
            log = by_id[update.id]
            changes.add(
                "updated",
                (
                    log.id,
                    log.date.toordinal(),
                    log.person_id,
                    log.duration_seconds,
                    log.assignment_id,
                    micros(extra[log.id][2]),
                    update.person_id,
                    update.duration_seconds,
                    assignment_of(update),
                ),
            )
        for log_id in sorted(plan.deletes):
            log = by_id[log_id]
            source_project_id, created, updated, note = extra[log_id]
            changes.add(
                "deleted",
                locked.deleted_row(
                    (
                        log.id,
                        log.person_id,
                        log.date,
                        log.duration_seconds,
                        log.assignment_id,
                        source_project_id,
                        created,
                        updated,
                        log.source_key,
                        note,
                    )
                ),
            )
        ledger.write(self.context.run, seq, changes)

    def _write_new_assignments(self, plan: rules.SyncPlan, writer: Writer) -> dict[int, int]:
        """Create the batch's new assignments; returns person id -> the new assignment's id."""
        if not plan.new_assignments:
            return {}
        created = writer.call(
            create_assignments,
            self.context.project,
            plan.new_assignments,
            self.context.options.trim_assignments,
        )
        for assignment in created:
            self.created_here.add(assignment.pk)
            self.assignments[assignment.pk] = _rule_assignment(assignment)
        self.counts["assignments_created"] += len(created)
        return {assignment.person_id: assignment.pk for assignment in created}

    def _note_stretched(self, plan: rules.SyncPlan) -> None:
        for assignment_id, span in plan.stretched_assignments.items():
            self.stretched_spans[assignment_id] = span
            self.assignments[assignment_id] = replace(
                self.assignments[assignment_id], start_date=span.start, end_date=span.end
            )
        # Earlier assignments this run stretched, counted once each however many batches stretched them.
        self.counts["assignments_stretched"] = len(self.stretched_spans.keys() - self.created_here)

    def _write_creates(
        self,
        creates: list[rules.NewLog],
        assignment_of: Callable[[rules.NewLog], int | None],
        now: datetime,
        writer: Writer,
    ) -> None:
        org_id, project_id, hubstaff = (
            self.context.project.organization_id,
            self.context.project.pk,
            WorkLog.Source.HUBSTAFF,
        )
        rows: list[WorkLogRow] = [
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
            for log in creates
        ]
        # COPY text made here, so that a writer thread only waits for the database.
        text = "".join(map(worklog_copy_line(now), rows))
        writer.submit(db.copy_text, WorkLog, WORKLOG_COLUMNS, text)
        self.counts["worklogs_created"] += len(creates)

    def _write_stretched(self, writer: Writer, changes: Changes) -> None:
        """The stretched assignments written; in `changes`, the assignments this run created (with the span they end
        with) and those it stretched (with the span before)."""
        for pk in sorted(self.created_here):
            made = self.assignments[pk]
            changes.add(
                "assignment_created",
                (pk, made.person_id, made.start_date.toordinal(), made.end_date.toordinal()),
            )
        for pk, span in sorted(self.stretched_spans.items()):
            if pk in self.created_here:
                continue
            person_id, start, end, updated = self.loaded[pk]
            changes.add(
                "assignment_stretched",
                (
                    pk,
                    person_id,
                    start.toordinal(),
                    end.toordinal(),
                    micros(updated),
                    span.start.toordinal(),
                    span.end.toordinal(),
                ),
            )
        if not self.stretched_spans:
            return
        now = timezone.now()
        writer.submit(
            db.update_rows,
            Assignment,
            ("start_date", "end_date", "updated_at"),
            [(pk, span.start, span.end, now) for pk, span in sorted(self.stretched_spans.items())],
            where={
                "organization_id": self.context.project.organization_id,
                "project_id": self.context.project.pk,
                "origin": Assignment.Origin.SYNC,
            },
        )

    # -- the run's report

    def _report(self, people: list[rules.Teammate]) -> Report:
        """Who was not synced, for the run's record: missing teammates and skipped people with their time."""
        people_by_id = {p.id: p for p in people}
        missing: list[MissingTeammateRow] = [
            {
                "hubstaff_user_id": t.id,
                "name": t.name,
                "email": t.email or "",
                "seconds": t.seconds,
                "reason": mapping.NO_PERSON_WITH_EMAIL if t.email else mapping.NO_VISIBLE_EMAIL,
            }
            for t in sorted(self.not_synced.missing_teammates.values(), key=lambda t: (-t.seconds, t.name))
        ]
        skipped: list[SkippedPersonRow] = [
            {
                "person_id": pid,
                "name": people_by_id[pid].full_name,
                "email": people_by_id[pid].email,
                "seconds": seconds,
            }
            for pid, seconds in sorted(self.not_synced.skipped_people.items(), key=lambda item: -item[1])
        ]
        kept: list[KeptMatchRow] = [
            {
                "hubstaff_user_id": k.id,
                "name": k.name,
                "email": k.email or "",
                "person_id": k.person_id,
                "person_name": _name(people_by_id, k.person_id),
                "seconds": k.seconds,
                "reason": KEPT_REASONS[k.reason].format(other=_name(people_by_id, k.email_person_id)),
            }
            for k in sorted(self.kept_used.values(), key=lambda k: (-k.seconds, k.name, k.id))
        ]
        return {
            "missing_teammates": missing,
            "skipped_people": skipped,
            "kept_matches": kept,
            "seconds_not_synced": sum(t["seconds"] for t in missing) + sum(s["seconds"] for s in skipped),
        }


KEPT_REASONS = {
    rules.KEPT_NO_EMAIL: mapping.NO_VISIBLE_EMAIL,
    rules.KEPT_EMAIL_OF_NOBODY: "no person has this e-mail now",
    rules.KEPT_EMAIL_OF_OTHER: "this e-mail is now {other}'s",
    rules.KEPT_UNLISTED: "no longer listed in Hubstaff",
}


def _batches(windows: Iterable[Window]) -> Iterator[tuple[Window, rules.DateSpan]]:
    """(fetch window, batch) for every batch of the fetch windows, in date order."""
    for fetched in windows:
        for start, end in date_windows(*fetched, APPLY_BATCH_DAYS):
            yield fetched, rules.DateSpan(start, end)


def _name(people_by_id: Mapping[int, rules.Teammate], person_id: int | None) -> str:
    person = None if person_id is None else people_by_id.get(person_id)
    return person.full_name if person is not None else ""


def _rule_assignment(assignment: Assignment) -> rules.AssignedSpan:
    return rules.AssignedSpan(
        assignment.pk, assignment.person_id, assignment.start_date, assignment.end_date, assignment.origin
    )
