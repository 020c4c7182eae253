"""Pure sync rules: Hubstaff daily activities -> work logs of one project P.

Nothing here talks to Hubstaff or the database, and nothing imports Django: the
apply layer loads plain values, calls :func:`plan_sync` and writes the returned
:class:`SyncPlan`.  Every sync rule is decided here so that it can be tested
without a database.

Batches.  The apply layer may call :func:`plan_sync` once per batch of dates
(``covered``), applying each plan before computing the next and passing the
assignments as they are after that.  The plans compose: applying every batch
gives the same work logs and assignments as one call over the union of the
batches, as long as a person has at most one sync-created assignment on P
(which is all a sync ever creates).  :class:`NotSynced` adds up what the
batches could not sync (missing teammates and skipped people) for the report.

Names: a :class:`Teammate` is a person of P's organization (the product's
word), an :class:`AssignedSpan` an existing assignment on P, as the rules see
them (the Django models ``Person`` and ``Assignment`` hold more).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from operator import attrgetter
from typing import NamedTuple

# The people's own e-mail rule, so that the sync matches the person the database holds for that e-mail.
from people.emails import normalize_email

ORIGIN_MANUAL = "manual"
ORIGIN_SYNC = "sync"

SOURCE_KEY_PREFIX = "hubstaff"


# --------------------------------------------------------------------------- inputs


class DailyActivity(NamedTuple):
    """One Hubstaff daily-activity row (user, Hubstaff project, date; a day's rows are summed, tasks or not)."""

    id: int
    date: date
    user_id: int
    project_id: int
    tracked: int


@dataclass(frozen=True)
class HubstaffUser:
    id: int
    name: str
    email: str | None


@dataclass(frozen=True)
class Teammate:
    """A person of P's organization (matched to Hubstaff users by e-mail)."""

    id: int
    full_name: str
    email: str


@dataclass(frozen=True)
class AssignedSpan:
    """An existing assignment on P: whose, when, and whether a sync made it (only those are stretched)."""

    id: int
    person_id: int
    start_date: date
    end_date: date
    origin: str  # ORIGIN_MANUAL or ORIGIN_SYNC

    def distance(self, day: date) -> int:
        """Days from ``day`` to the nearest day of the assignment (0 inside it)."""
        if day < self.start_date:
            return (self.start_date - day).days
        if day > self.end_date:
            return (day - self.end_date).days
        return 0


class SyncedLog(NamedTuple):
    """An existing work log of P whose source is Hubstaff."""

    id: int
    source_key: str
    person_id: int
    date: date
    duration_seconds: int
    assignment_id: int | None


@dataclass(frozen=True)
class Options:
    prevent_new_assignments: bool = False
    trim_assignments: bool = False


@dataclass(frozen=True)
class ProjectDates:
    start_date: date
    end_date: date | None  # None: open-ended project


@dataclass(frozen=True)
class DateSpan:
    """Inclusive span of dates."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"empty span {self.start}..{self.end}")


# --------------------------------------------------------------------------- outputs


class NewLog(NamedTuple):
    """A work log to create.

    Exactly one of ``assignment_id`` (an existing assignment) and
    ``new_assignment_for_person`` (the assignment planned in
    ``SyncPlan.new_assignments`` for that person, which has no id yet) is set.
    """

    source_key: str
    person_id: int
    date: date
    duration_seconds: int
    hubstaff_project_id: int
    assignment_id: int | None
    new_assignment_for_person: int | None = None


class LogUpdate(NamedTuple):
    """New values of an existing synced work log (only emitted when one differs).

    ``person_id`` changes only when the Hubstaff user's match does (a kept
    match made by hand, or removed, and the e-mail naming another person).
    Assignment reference as in :class:`NewLog`.
    """

    id: int
    person_id: int
    duration_seconds: int
    assignment_id: int | None
    new_assignment_for_person: int | None = None


@dataclass(frozen=True)
class MissingTeammate:
    """A Hubstaff user with tracked time and no person of that e-mail."""

    id: int  # Hubstaff user id
    name: str
    email: str | None
    seconds: int  # tracked time not synced


# Why a kept match, not the user's e-mail, decided whose their time is (`KeptMatch.reason`).
KEPT_NO_EMAIL = "no_email"  # Hubstaff shows no e-mail for the user
KEPT_EMAIL_OF_NOBODY = "email_of_nobody"  # their e-mail is no person's (it changed on one side)
KEPT_EMAIL_OF_OTHER = "email_of_other"  # their e-mail is now another person's: the kept match wins
KEPT_UNLISTED = "unlisted"  # Hubstaff no longer lists the user at all


@dataclass(frozen=True)
class KeptMatch:
    """A Hubstaff user whose time went to a person their e-mail does not give (any more), by a kept match or, with no
    match kept, by the person their earlier synced logs point to."""

    id: int  # Hubstaff user id
    name: str
    email: str | None
    person_id: int  # whose the time is
    reason: str  # KEPT_*
    seconds: int
    email_person_id: int | None = None  # KEPT_EMAIL_OF_OTHER: the person the e-mail gives now


@dataclass(frozen=True)
class SyncPlan:
    """What one :func:`plan_sync` call wants changed, plus what it could not sync.

    New assignments are to be created with origin ``"sync"`` and
    ``trimmed = Options.trim_assignments``; stretched assignments get the new
    span as their start and end dates.
    """

    creates: list[NewLog] = field(default_factory=list)
    updates: list[LogUpdate] = field(default_factory=list)
    deletes: list[int] = field(default_factory=list)
    new_assignments: dict[int, DateSpan] = field(default_factory=dict)
    stretched_assignments: dict[int, DateSpan] = field(default_factory=dict)
    missing_teammates: dict[int, MissingTeammate] = field(default_factory=dict)
    skipped_people: dict[int, int] = field(default_factory=dict)
    # Hubstaff user id -> person id: matched by e-mail alone (no kept match yet) and synced by this plan; the apply
    # keeps these matches when the sync commits, so that a later change of either e-mail loses no hours.
    email_matches: dict[int, int] = field(default_factory=dict)
    kept_matches: dict[int, KeptMatch] = field(default_factory=dict)


@dataclass
class NotSynced:
    """What the plans of a sync's batches could not sync, added up: `add(plan)` after each batch.

    The not-synced seconds of a missing teammate or skipped person are summed (the latest name and e-mail of a
    missing teammate win).
    """

    missing_teammates: dict[int, MissingTeammate] = field(default_factory=dict)
    skipped_people: dict[int, int] = field(default_factory=dict)

    def add(self, plan: SyncPlan) -> None:
        missing = self.missing_teammates
        for user_id, teammate in plan.missing_teammates.items():
            previous = missing.get(user_id)
            missing[user_id] = (
                teammate
                if previous is None
                else replace(teammate, seconds=previous.seconds + teammate.seconds)
            )
        for person_id, seconds in plan.skipped_people.items():
            self.skipped_people[person_id] = self.skipped_people.get(person_id, 0) + seconds


# --------------------------------------------------------------------------- rules


def sync_window(project: ProjectDates, today: date) -> tuple[date, date] | None:
    """The dates a sync of P reads: P's start to today, or to P's end if earlier.

    ``None`` when that window is empty (P starts after today).
    """
    end = today if project.end_date is None else min(today, project.end_date)
    if end < project.start_date:
        return None
    return project.start_date, end


def source_key(hubstaff_project_id: int, hubstaff_user_id: int, day: date) -> str:
    """Stable key of the work log of one Hubstaff user, Hubstaff project and date.

    Rule 3 (many to one) and 4 (idempotent): the Hubstaff project stays in the
    key so that time from several Hubstaff projects stays traceable, and the key
    lets the next sync find the log it made.
    """
    return f"{SOURCE_KEY_PREFIX}:{hubstaff_project_id}:{hubstaff_user_id}:{day.isoformat()}"


def match_people(
    users: Iterable[HubstaffUser], people: Iterable[Teammate], links: Mapping[int, int] | None = None
) -> dict[int, int]:
    """Rule 1 (matching by e-mail, matches kept): Hubstaff user id -> id of the person who is that user.

    ``links`` (Hubstaff user id -> person id) are the kept matches: made by hand when the e-mails differ, or kept
    from an earlier sync's e-mail match. They come first: a linked user is that person whatever the e-mails say now,
    even when their e-mail has become another person's. A link to someone not among ``people`` is ignored (e-mail
    matching applies). Linked user ids need not be among ``users`` (Hubstaff may no longer list them).

    Other users are the person with the same e-mail, compared trimmed and case-insensitively; a user or person
    without an e-mail never matches. If several people share an e-mail the lowest person id wins, so the choice
    does not depend on input order.
    """
    return _match(users, people, links).matches


class _Matching(NamedTuple):
    matches: dict[int, int]  # Hubstaff user id -> person id, kept matches first
    by_email: dict[int, int]  # Hubstaff user id -> the person their e-mail gives, kept match or not
    linked: set[int]  # the users a kept match decided


def _match(
    users: Iterable[HubstaffUser], people: Iterable[Teammate], links: Mapping[int, int] | None
) -> _Matching:
    people = list(people)
    person_by_email: dict[str, int] = {}
    for person in sorted(people, key=lambda p: p.id):
        key = normalize_email(person.email)
        if key is not None:
            person_by_email.setdefault(key, person.id)
    by_email: dict[int, int] = {}
    for user in users:
        key = normalize_email(user.email)
        if key is not None and key in person_by_email:
            by_email[user.id] = person_by_email[key]
    matches = dict(by_email)
    linked: set[int] = set()
    if links:
        known = {person.id for person in people}
        for user_id, person_id in links.items():
            if person_id in known:
                matches[user_id] = person_id
                linked.add(user_id)
    return _Matching(matches, by_email, linked)


class _Wanted:
    """A work log the Hubstaff data asks for, before its assignment is chosen."""

    __slots__ = (
        "key",
        "user_id",
        "hubstaff_project_id",
        "day",
        "seconds",
        "person_id",
        "assignment_id",
        "new_assignment_for_person",
    )

    def __init__(
        self,
        key: str,
        user_id: int,
        hubstaff_project_id: int,
        day: date,
        seconds: int,
        person_id: int,
    ) -> None:
        self.key = key
        self.user_id = user_id
        self.hubstaff_project_id = hubstaff_project_id
        self.day = day
        self.seconds = seconds
        self.person_id = person_id
        self.assignment_id: int | None = None
        self.new_assignment_for_person: int | None = None


def plan_sync(
    *,
    activities: Iterable[DailyActivity],
    users: Mapping[int, HubstaffUser],
    people: Iterable[Teammate],
    assignments: Iterable[AssignedSpan],
    existing_logs: Iterable[SyncedLog],
    covered: DateSpan | None,
    project: ProjectDates,
    options: Options,
    links: Mapping[int, int] | None = None,
    kept_by_email: Collection[int] = (),
) -> SyncPlan:
    """Plan the work logs and assignments of P for the dates in ``covered`` (all rules).

    - Scope: only dates inside ``covered`` (``None``: every date, i.e. a reset)
      and inside P's dates are planned.  Activities outside them are ignored;
      existing logs outside ``covered`` are never touched, existing logs inside
      it that the activities do not produce again are deleted (rule 4: time
      deleted in Hubstaff, a de-selected Hubstaff project on a reset).
    - One work log per Hubstaff user, Hubstaff project and date, lasting the sum
      of that day's ``tracked``; a sum of 0 gives no log (rules 3 and 4).
      Rows repeated with the same activity id count once (the last one wins).
    - Rule 1 (:func:`match_people`): a kept match (``links``: Hubstaff user id
      -> person id, set by hand or kept from an e-mail match, the latter's
      user ids in ``kept_by_email``) comes first, then the e-mail.  A user
      with time and neither is a missing teammate and their time is not
      synced, except a user Hubstaff lists without a visible e-mail or no
      longer lists at all: they keep the person their synced logs of
      ``covered`` point to (the source key names the Hubstaff user), so that
      no history is deleted because Hubstaff stopped showing who they are.
      The plan names the users matched by e-mail alone (``email_matches``,
      for the apply to keep) and those whose time went to a person their
      e-mail does not give (``kept_matches``, for the run's report; a match
      made by hand is named only when the e-mail now gives another person).
    - Rule 2: a person with any assignment on P gets the logs.  A log points to
      an assignment covering its date (a manual one first, then the earliest);
      if none covers it, the person's sync-created assignment nearest in time is
      stretched to cover it (never shrunk), else it points to the nearest
      (manual) assignment, which is never changed.  A person with no assignment
      is skipped with ``prevent_new_assignments``; otherwise ONE assignment is
      planned: with ``trim_assignments`` from their first to their last log of
      this plan, else P's start to P's end -- or, P having no end, to their last
      log of this plan, which later syncs stretch as time comes in.
    - Rule 6: manual work logs are never passed in; manual assignments are never
      changed.

    Running it again after applying its plan gives a plan without changes.

    This runs once per batch of a sync over every row, so it is written for speed: plain loops over tuples, each
    value made once (docs/performance.md); the tests pin the decisions.
    """
    first, last = _scope(covered, project)
    plan = SyncPlan()
    totals = _daily_totals(activities, first, last)
    existing_logs = list(existing_logs)
    matching = _match(users.values(), people, links)
    matches = dict(matching.matches)
    by_earlier_logs = _keep_unshown_users(matches, totals, users, existing_logs)
    wanted_logs, wanted_by_person = _wanted_logs(plan, totals, users, matches)
    skipped = _assign(plan, wanted_by_person, assignments, project, options)
    if skipped:
        wanted_logs = [log for log in wanted_logs if log.person_id not in skipped]
    _note_matches(plan, wanted_logs, users, matching, set(kept_by_email), by_earlier_logs)
    _diff_logs(plan, wanted_logs, existing_logs, covered)
    return plan


def _daily_totals(
    activities: Iterable[DailyActivity], first: date, last: date | None
) -> dict[tuple[date, int, int], int]:
    """Seconds tracked per (date, Hubstaff project, Hubstaff user) from first to last (rules 3 and 4).

    One row per activity id, so an overlap between fetched pages does not double the time (the last one wins).
    """
    rows: dict[int, DailyActivity] = {}
    totals: dict[tuple[date, int, int], int] = {}
    for activity in activities:
        day = activity.date
        if day < first or (last is not None and day > last):
            continue
        previous = rows.get(activity.id)
        rows[activity.id] = activity
        if previous is not None:
            group = (previous.date, previous.project_id, previous.user_id)
            totals[group] -= previous.tracked
        group = (day, activity.project_id, activity.user_id)
        totals[group] = totals.get(group, 0) + activity.tracked
    return totals


def _keep_unshown_users(
    matches: dict[int, int],
    totals: dict[tuple[date, int, int], int],
    users: Mapping[int, HubstaffUser],
    existing_logs: list[SyncedLog],
) -> set[int]:
    """A user with time and no match whom Hubstaff lists without a visible e-mail, or no longer lists at all (not
    even among the members who left), keeps the person their synced logs point to (the latest log's): a person's
    history is never deleted because Hubstaff stopped showing who they are. Returns the users so kept."""
    unshown = {
        user_id
        for _, _, user_id in totals
        if user_id not in matches and (user_id not in users or normalize_email(users[user_id].email) is None)
    }
    if not unshown:
        return set()
    latest: dict[int, SyncedLog] = {}
    for log in existing_logs:
        parts = log.source_key.split(":")
        user_id = int(parts[2]) if len(parts) == 4 and parts[2].isdigit() else None
        if user_id in unshown:
            seen = latest.get(user_id)
            if seen is None or (log.date, log.id) > (seen.date, seen.id):
                latest[user_id] = log
    for user_id, log in latest.items():
        matches[user_id] = log.person_id
    return set(latest)


def _note_matches(
    plan: SyncPlan,
    wanted_logs: list[_Wanted],
    users: Mapping[int, HubstaffUser],
    matching: _Matching,
    kept_by_email: set[int],
    by_earlier_logs: set[int],
) -> None:
    """The plan's e-mail matches to keep and its kept matches to report, for the users whose time it syncs."""
    seconds: dict[int, int] = {}
    person_of: dict[int, int] = {}
    for log in wanted_logs:
        seconds[log.user_id] = seconds.get(log.user_id, 0) + log.seconds
        person_of[log.user_id] = log.person_id
    for user_id in sorted(seconds):
        person_id = person_of[user_id]
        email_person = matching.by_email.get(user_id)
        kept = user_id in matching.linked or user_id in by_earlier_logs
        if not kept:
            plan.email_matches[user_id] = person_id
            continue
        if email_person == person_id:
            continue
        user = users.get(user_id)
        if user is None:
            reason = KEPT_UNLISTED
        elif normalize_email(user.email) is None:
            reason = KEPT_NO_EMAIL
        elif email_person is None:
            reason = KEPT_EMAIL_OF_NOBODY
        else:
            reason = KEPT_EMAIL_OF_OTHER
        # A match made by hand is there because the e-mails differ: named only when the e-mail now says otherwise.
        by_hand = user_id in matching.linked and user_id not in kept_by_email
        if by_hand and reason != KEPT_EMAIL_OF_OTHER:
            continue
        name, email = (user.name, user.email) if user is not None else ("", None)
        plan.kept_matches[user_id] = KeptMatch(
            user_id, name, email, person_id, reason, seconds[user_id], email_person
        )


def _wanted_logs(
    plan: SyncPlan,
    totals: dict[tuple[date, int, int], int],
    users: Mapping[int, HubstaffUser],
    matches: dict[int, int],
) -> tuple[list[_Wanted], dict[int, list[_Wanted]]]:
    """The logs the totals ask for, in (date, Hubstaff project, Hubstaff user) order (the order of the plan's
    creates), and the same by person; time of users no person matches goes to the plan's missing teammates."""
    missing_seconds: dict[int, int] = {}
    wanted_logs: list[_Wanted] = []
    wanted_by_person: dict[int, list[_Wanted]] = {}
    for group, seconds in sorted(totals.items()):
        if seconds <= 0:
            continue
        day, project_id, user_id = group
        person_id = matches.get(user_id)
        if person_id is None:
            missing_seconds[user_id] = missing_seconds.get(user_id, 0) + seconds
            continue
        wanted = _Wanted(source_key(project_id, user_id, day), user_id, project_id, day, seconds, person_id)
        wanted_logs.append(wanted)
        logs = wanted_by_person.get(person_id)
        if logs is None:
            wanted_by_person[person_id] = [wanted]
        else:
            logs.append(wanted)
    for user_id, seconds in sorted(missing_seconds.items()):
        _add_missing(plan, users.get(user_id), user_id, seconds)
    return wanted_logs, wanted_by_person


def _assign(
    plan: SyncPlan,
    wanted_by_person: dict[int, list[_Wanted]],
    assignments: Iterable[AssignedSpan],
    project: ProjectDates,
    options: Options,
) -> set[int]:
    """Rule 2: point each person's logs to an assignment, stretched or new; returns the people skipped."""
    by_person: dict[int, list[AssignedSpan]] = {}
    for assignment in assignments:
        by_person.setdefault(assignment.person_id, []).append(assignment)
    skipped: set[int] = set()
    for person_id, logs in sorted(wanted_by_person.items()):
        own = by_person.get(person_id)
        if own:
            plan.stretched_assignments.update(_attach_to_existing(logs, own))
        elif options.prevent_new_assignments:
            plan.skipped_people[person_id] = sum(log.seconds for log in logs)
            skipped.add(person_id)
        else:
            plan.new_assignments[person_id] = _new_assignment_span(logs, project, options)
            for log in logs:
                log.new_assignment_for_person = person_id
    return skipped


def _scope(covered: DateSpan | None, project: ProjectDates) -> tuple[date, date | None]:
    """First and last date planned (last None: no end), where P's dates and ``covered`` overlap."""
    first, last = project.start_date, project.end_date
    if covered is not None:
        first = max(first, covered.start)
        last = covered.end if last is None else min(last, covered.end)
    return first, last


def _add_missing(plan: SyncPlan, user: HubstaffUser | None, user_id: int, seconds: int) -> None:
    previous = plan.missing_teammates.get(user_id)
    if previous is not None:
        plan.missing_teammates[user_id] = replace(previous, seconds=previous.seconds + seconds)
        return
    # An activity of a user Hubstaff did not list is still reported, without name or e-mail.
    name, email = (user.name, user.email) if user is not None else ("", None)
    plan.missing_teammates[user_id] = MissingTeammate(id=user_id, name=name, email=email, seconds=seconds)


def _covering_order(assignment: AssignedSpan) -> tuple[int, date, int]:
    # Manual first: a stretched sync assignment may come to overlap a manual one, and the
    # logs that pointed to the manual one must keep doing so on the next run (idempotence).
    return (0 if assignment.origin == ORIGIN_MANUAL else 1, assignment.start_date, assignment.id)


def _attach_to_existing(logs: list[_Wanted], own: list[AssignedSpan]) -> dict[int, DateSpan]:
    """Point each log to one of the person's assignments; return the stretched spans.

    A log goes to an assignment covering its date (manual first, then the earliest). Uncovered dates go to the
    nearest sync-created assignment even when a manual one is nearer (choosing by distance among all would flip once
    a stretch moves the sync one closer), which is stretched to cover them; with no sync-created assignment, to the
    nearest manual one, unchanged. Distances are measured from the spans as they were before this plan.
    """
    stretchable = [a for a in own if a.origin == ORIGIN_SYNC]
    candidates = stretchable or own
    covering_first = sorted(own, key=_covering_order)
    bounds: dict[int, list[date]] = {}  # stretched sync assignment id -> [start, end]
    for log in logs:
        day = log.day
        for assignment in covering_first:
            if assignment.start_date <= day <= assignment.end_date:
                log.assignment_id = assignment.id
                break
        else:
            nearest = min(candidates, key=lambda a: (a.distance(day), a.start_date, a.id))
            log.assignment_id = nearest.id
            if nearest.origin == ORIGIN_SYNC:
                span = bounds.get(nearest.id)
                if span is None:
                    bounds[nearest.id] = [min(nearest.start_date, day), max(nearest.end_date, day)]
                elif day < span[0]:
                    span[0] = day
                elif day > span[1]:
                    span[1] = day
    return {assignment_id: DateSpan(start, end) for assignment_id, (start, end) in bounds.items()}


def _new_assignment_span(logs: list[_Wanted], project: ProjectDates, options: Options) -> DateSpan:
    first = min(log.day for log in logs)
    last = max(log.day for log in logs)
    if options.trim_assignments:
        return DateSpan(first, last)
    if project.end_date is not None:
        return DateSpan(project.start_date, project.end_date)
    # An open-ended P has no end to copy; the last synced day is what later batches and
    # syncs can stretch from, so that batches compose.
    return DateSpan(project.start_date, last)


def _diff_logs(
    plan: SyncPlan, wanted_logs: list[_Wanted], existing_logs: Iterable[SyncedLog], covered: DateSpan | None
) -> None:
    """Creates, updates and deletes that turn the existing logs into the wanted ones (``wanted_logs`` in plan order)."""
    existing_by_key: dict[str, SyncedLog] = {}
    deletes = plan.deletes
    for log in sorted(existing_logs, key=attrgetter("id")):
        if covered is not None and not covered.start <= log.date <= covered.end:
            continue
        if log.source_key in existing_by_key:
            deletes.append(log.id)  # a duplicate of the same key: keep the oldest
        else:
            existing_by_key[log.source_key] = log

    creates, updates = plan.creates, plan.updates
    pop = existing_by_key.pop
    for wanted in wanted_logs:
        current = pop(wanted.key, None)
        if current is None:
            creates.append(
                NewLog(
                    wanted.key,
                    wanted.person_id,
                    wanted.day,
                    wanted.seconds,
                    wanted.hubstaff_project_id,
                    wanted.assignment_id,
                    wanted.new_assignment_for_person,
                )
            )
        elif (
            current.person_id != wanted.person_id
            or current.duration_seconds != wanted.seconds
            or current.assignment_id != wanted.assignment_id
            or wanted.new_assignment_for_person is not None
        ):
            updates.append(
                LogUpdate(
                    current.id,
                    wanted.person_id,
                    wanted.seconds,
                    wanted.assignment_id,
                    wanted.new_assignment_for_person,
                )
            )

    deletes.extend(log.id for log in existing_by_key.values())
    deletes.sort()
    updates.sort(key=attrgetter("id"))
