"""Unit tests of the pure Hubstaff sync rules (no database, no Django).

Run: .venv/bin/python -m pytest integrations/hubstaff/tests/test_rules.py -q -p no:django
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.hubstaff import rules
from integrations.hubstaff.rules import (
    AssignedSpan,
    DailyActivity,
    DateSpan,
    HubstaffUser,
    LogUpdate,
    MissingTeammate,
    NotSynced,
    Options,
    ProjectDates,
    SyncedLog,
    SyncPlan,
    Teammate,
    match_people,
    plan_sync,
    source_key,
    sync_window,
)
from people import emails

HOUR = 3600
PROJECT_A_HS = 100  # Hubstaff "Project A"
PROJECT_B_HS = 200  # another Hubstaff project feeding the same project

BOBBY_HS = HubstaffUser(id=11, name="Bobby", email="bobby@example.com")
SAM_HS = HubstaffUser(id=12, name="Sam", email="sam@example.com")
BOBBY = Teammate(id=1, full_name="Bobby Brown", email="bobby@example.com")
SAM = Teammate(id=2, full_name="Sam Smith", email="sam@example.com")

# The seed's Project A: 1 January to 22 September.
PROJECT_A = ProjectDates(start_date=date(2024, 1, 1), end_date=date(2024, 9, 22))
OPEN_PROJECT = ProjectDates(start_date=date(2024, 1, 1), end_date=None)
QUARTER = DateSpan(date(2024, 1, 1), date(2024, 3, 31))
WHOLE_PROJECT_A = DateSpan(date(2024, 1, 1), date(2024, 9, 22))
DEFAULT_OPTIONS = Options()


def d(month: int, day: int) -> date:
    return date(2024, month, day)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


_activity_ids = iter(range(1, 10**9))


def act(
    day: date,
    user: HubstaffUser = BOBBY_HS,
    tracked: int = HOUR,
    project_id: int = PROJECT_A_HS,
    id: int | None = None,
) -> DailyActivity:
    return DailyActivity(
        id=next(_activity_ids) if id is None else id,
        date=day,
        user_id=user.id,
        project_id=project_id,
        tracked=tracked,
    )


def manual(id: int, person: Teammate, start: date, end: date) -> AssignedSpan:
    return AssignedSpan(id=id, person_id=person.id, start_date=start, end_date=end, origin="manual")


def synced(id: int, person: Teammate, start: date, end: date) -> AssignedSpan:
    return AssignedSpan(id=id, person_id=person.id, start_date=start, end_date=end, origin="sync")


def plan(
    activities: Iterable[DailyActivity] = (),
    *,
    users: Iterable[HubstaffUser] = (BOBBY_HS, SAM_HS),
    people: Iterable[Teammate] = (BOBBY, SAM),
    assignments: Iterable[AssignedSpan] = (),
    existing_logs: Iterable[SyncedLog] = (),
    covered: DateSpan | None = WHOLE_PROJECT_A,
    project: ProjectDates = PROJECT_A,
    options: Options = DEFAULT_OPTIONS,
) -> SyncPlan:
    return plan_sync(
        activities=list(activities),
        users={u.id: u for u in users},
        people=list(people),
        assignments=list(assignments),
        existing_logs=list(existing_logs),
        covered=covered,
        project=project,
        options=options,
    )


# An assignment without its id: (person, start, end, origin, trimmed).
Described = tuple[int, date, date, str, bool]


class World:
    """P's synced logs and assignments, with an in-memory apply layer for the plans."""

    def __init__(
        self,
        *,
        project: ProjectDates = PROJECT_A,
        users: Iterable[HubstaffUser] = (BOBBY_HS, SAM_HS),
        people: Iterable[Teammate] = (BOBBY, SAM),
        assignments: Iterable[AssignedSpan] = (),
    ) -> None:
        self.project = project
        self.users = {u.id: u for u in users}
        self.people = list(people)
        self.assignments: dict[int, AssignedSpan] = {a.id: a for a in assignments}
        self.trimmed: set[int] = set()  # assignments this world's syncs made with Options.trim_assignments
        self.logs: dict[int, SyncedLog] = {}
        self.hubstaff_project_of: dict[int, int] = {}
        self._ids = iter(range(10_000, 10**9))

    def plan(
        self,
        activities: Iterable[DailyActivity],
        covered: DateSpan | None,
        options: Options = DEFAULT_OPTIONS,
    ) -> SyncPlan:
        return plan_sync(
            activities=list(activities),
            users=self.users,
            people=self.people,
            assignments=list(self.assignments.values()),
            existing_logs=list(self.logs.values()),
            covered=covered,
            project=self.project,
            options=options,
        )

    def sync(
        self,
        activities: Iterable[DailyActivity],
        covered: DateSpan | None,
        options: Options = DEFAULT_OPTIONS,
    ) -> SyncPlan:
        result = self.plan(activities, covered, options)
        self.apply(result, options)
        return result

    def sync_in_batches(
        self, activities: Iterable[DailyActivity], spans: list[DateSpan], options: Options = DEFAULT_OPTIONS
    ) -> list[SyncPlan]:
        batch = list(activities)
        return [
            self.sync([a for a in batch if span.start <= a.date <= span.end], span, options) for span in spans
        ]

    def apply(self, result: SyncPlan, options: Options) -> None:
        created: dict[int, int] = {}

        def assignment_of(assignment_id: int | None, person_id: int | None) -> int:
            """A log's assignment: an existing one, or the one this plan makes for its person (one is set)."""
            if assignment_id is not None:
                return assignment_id
            assert person_id is not None
            return created[person_id]

        for person_id, span in result.new_assignments.items():
            new_id = next(self._ids)
            created[person_id] = new_id
            self.assignments[new_id] = AssignedSpan(new_id, person_id, span.start, span.end, "sync")
            if options.trim_assignments:
                self.trimmed.add(new_id)
        for assignment_id, span in result.stretched_assignments.items():
            assert self.assignments[assignment_id].origin == "sync", "a manual assignment was changed"
            self.assignments[assignment_id] = replace(
                self.assignments[assignment_id], start_date=span.start, end_date=span.end
            )
        for log_id in result.deletes:
            del self.logs[log_id]
        for update in result.updates:
            assignment_id = assignment_of(update.assignment_id, update.new_assignment_for_person)
            self.logs[update.id] = self.logs[update.id]._replace(
                person_id=update.person_id,
                duration_seconds=update.duration_seconds,
                assignment_id=assignment_id,
            )
        for new in result.creates:
            assert (new.assignment_id is None) != (new.new_assignment_for_person is None)
            log_id = next(self._ids)
            assignment_id = assignment_of(new.assignment_id, new.new_assignment_for_person)
            self.logs[log_id] = SyncedLog(
                log_id, new.source_key, new.person_id, new.date, new.duration_seconds, assignment_id
            )
            self.hubstaff_project_of[log_id] = new.hubstaff_project_id

    def snapshot(self) -> tuple[list[tuple[str, int, date, int, Described]], list[Described]]:
        """The state without database ids, to compare worlds reached in different ways."""

        def describe(assignment_id: int | None) -> Described:
            assert assignment_id is not None  # every log of a world has its assignment
            a = self.assignments[assignment_id]
            return (a.person_id, a.start_date, a.end_date, a.origin, a.id in self.trimmed)

        logs = sorted(
            (log.source_key, log.person_id, log.date, log.duration_seconds, describe(log.assignment_id))
            for log in self.logs.values()
        )
        assignments = sorted(describe(a) for a in self.assignments)
        return logs, assignments

    def assignments_of(self, person: Teammate) -> list[AssignedSpan]:
        return sorted((a for a in self.assignments.values() if a.person_id == person.id), key=lambda a: a.id)

    def logs_of(self, person: Teammate) -> list[SyncedLog]:
        return sorted(
            (log for log in self.logs.values() if log.person_id == person.id), key=lambda log: log.date
        )


def has_changes(result: SyncPlan) -> bool:
    """Whether applying the plan would write anything."""
    return bool(
        result.creates
        or result.updates
        or result.deletes
        or result.new_assignments
        or result.stretched_assignments
    )


def not_synced(plans: list[SyncPlan]) -> NotSynced:
    total = NotSynced()
    for result in plans:
        total.add(result)
    return total


def assert_no_changes(result: SyncPlan) -> None:
    assert not has_changes(result), result


# ----------------------------------------------------------------------------- sync_window


def test_window_runs_from_project_start_to_today() -> None:
    assert sync_window(PROJECT_A, today=d(3, 10)) == (d(1, 1), d(3, 10))


def test_window_of_open_ended_project_runs_to_today() -> None:
    assert sync_window(OPEN_PROJECT, today=d(5, 5)) == (d(1, 1), d(5, 5))


def test_window_ends_at_project_end_when_it_is_in_the_past() -> None:
    assert sync_window(PROJECT_A, today=date(2025, 2, 1)) == (d(1, 1), d(9, 22))


def test_no_window_when_project_starts_after_today() -> None:
    assert sync_window(PROJECT_A, today=date(2023, 12, 31)) is None


def test_window_of_project_starting_today_is_that_day() -> None:
    assert sync_window(PROJECT_A, today=d(1, 1)) == (d(1, 1), d(1, 1))


# ----------------------------------------------------------------------------- source_key


def test_source_key_names_hubstaff_project_user_and_date() -> None:
    assert source_key(100, 11, d(2, 1)) == "hubstaff:100:11:2024-02-01"


def test_source_key_is_stable() -> None:
    assert source_key(100, 11, d(2, 1)) == source_key(100, 11, date(2024, 2, 1))


def test_source_key_differs_per_hubstaff_project_user_and_date() -> None:
    keys = {
        source_key(100, 11, d(2, 1)),
        source_key(200, 11, d(2, 1)),
        source_key(100, 12, d(2, 1)),
        source_key(100, 11, d(2, 2)),
    }
    assert len(keys) == 4


# ----------------------------------------------------------------------------- match_people


def test_match_by_email() -> None:
    assert match_people([BOBBY_HS, SAM_HS], [BOBBY, SAM]) == {BOBBY_HS.id: BOBBY.id, SAM_HS.id: SAM.id}


def test_match_ignores_email_case_and_surrounding_spaces() -> None:
    user = HubstaffUser(id=11, name="Bobby", email="  Bobby@Example.COM ")
    person = Teammate(id=1, full_name="Bobby", email="bobby@EXAMPLE.com  ")
    assert match_people([user], [person]) == {11: 1}


@pytest.mark.parametrize(
    ("hubstaff_email", "person_email", "matched"),
    [
        ("Élodie@Example.COM", "élodie@example.com", True),
        ("STRAßE@example.com", "straße@example.com", True),
        # Not a full case fold: "ß" is not "ss" for the people's unique index either, so these are two people.
        ("strasse@example.com", "straße@example.com", False),
    ],
)
def test_emails_that_differ_only_in_case_match_as_the_people_index_folds_them(
    hubstaff_email: str, person_email: str, matched: bool
) -> None:
    user = HubstaffUser(id=11, name="Élodie", email=hubstaff_email)
    person = Teammate(id=1, full_name="Élodie", email=person_email)
    assert match_people([user], [person]) == ({11: 1} if matched else {})


@pytest.mark.parametrize("email", [None, "", "   "])
def test_user_without_email_never_matches(email: str | None) -> None:
    blank_person = Teammate(id=9, full_name="No mail", email="")
    user = HubstaffUser(id=11, name="Bobby", email=email)
    assert match_people([user], [BOBBY, blank_person]) == {}


def test_person_without_email_never_matches() -> None:
    assert match_people([HubstaffUser(1, "x", "x@example.com")], [Teammate(1, "x", " ")]) == {}


def test_different_emails_do_not_match() -> None:
    assert match_people([HubstaffUser(11, "Bobby", "bob@example.com")], [BOBBY]) == {}


def test_shared_email_matches_lowest_person_id_whatever_the_order() -> None:
    twin = Teammate(id=7, full_name="Bobby twin", email="BOBBY@example.com")
    later = Teammate(id=8, full_name="Bobby later", email="bobby@example.com")
    assert match_people([BOBBY_HS], [later, twin]) == {BOBBY_HS.id: 7}


# ----------------------------------------------------------------------------- seed: Bobby and Sam


def seed_activities() -> list[DailyActivity]:
    return [
        act(d(2, 1), BOBBY_HS),
        act(d(2, 2), BOBBY_HS),
        act(d(2, 1), SAM_HS, 2 * HOUR),
        act(d(2, 3), SAM_HS, 3 * HOUR),
    ]


def test_prevent_on_syncs_only_work_logs_of_assigned_bobby() -> None:
    result = plan(
        seed_activities(),
        assignments=[manual(5, BOBBY, d(1, 1), d(9, 22))],
        options=Options(prevent_new_assignments=True),
    )
    assert {(log.person_id, log.date) for log in result.creates} == {(BOBBY.id, d(2, 1)), (BOBBY.id, d(2, 2))}


def test_prevent_on_reports_unassigned_sam_as_skipped_with_his_time() -> None:
    result = plan(
        seed_activities(),
        assignments=[manual(5, BOBBY, d(1, 1), d(9, 22))],
        options=Options(prevent_new_assignments=True),
    )
    assert result.skipped_people == {SAM.id: 5 * HOUR}
    assert result.new_assignments == {}


def test_prevent_on_assigned_person_is_not_skipped() -> None:
    result = plan(
        seed_activities(),
        assignments=[manual(5, BOBBY, d(1, 1), d(9, 22))],
        options=Options(prevent_new_assignments=True),
    )
    assert BOBBY.id not in result.skipped_people


def test_prevent_off_plans_a_new_assignment_for_sam() -> None:
    result = plan(seed_activities(), assignments=[manual(5, BOBBY, d(1, 1), d(9, 22))])
    assert set(result.new_assignments) == {SAM.id}
    assert result.skipped_people == {}


def test_prevent_off_syncs_work_logs_of_sam_too() -> None:
    result = plan(seed_activities(), assignments=[manual(5, BOBBY, d(1, 1), d(9, 22))])
    assert {
        (log.person_id, log.date, log.duration_seconds) for log in result.creates if log.person_id == SAM.id
    } == {
        (SAM.id, d(2, 1), 2 * HOUR),
        (SAM.id, d(2, 3), 3 * HOUR),
    }


def test_new_logs_reference_the_planned_assignment_by_person() -> None:
    result = plan(seed_activities(), assignments=[manual(5, BOBBY, d(1, 1), d(9, 22))])
    sams = [log for log in result.creates if log.person_id == SAM.id]
    assert sams and all(log.assignment_id is None and log.new_assignment_for_person == SAM.id for log in sams)


def test_assigned_person_logs_point_to_the_existing_assignment() -> None:
    result = plan(seed_activities(), assignments=[manual(5, BOBBY, d(1, 1), d(9, 22))])
    bobbys = [log for log in result.creates if log.person_id == BOBBY.id]
    assert bobbys and all(log.assignment_id == 5 and log.new_assignment_for_person is None for log in bobbys)


def test_person_with_an_existing_assignment_gets_no_new_one() -> None:
    result = plan(seed_activities(), assignments=[manual(5, BOBBY, d(1, 1), d(9, 22))])
    assert BOBBY.id not in result.new_assignments


def bobby_february_to_march() -> list[DailyActivity]:
    return [act(day, BOBBY_HS) for day in days(d(2, 1), d(3, 19)) if day.weekday() < 5 or day == d(3, 19)]


def test_without_trim_new_assignment_lasts_as_long_as_the_project() -> None:
    result = plan(bobby_february_to_march(), options=Options(trim_assignments=False))
    assert result.new_assignments == {BOBBY.id: DateSpan(d(1, 1), d(9, 22))}


def test_with_trim_new_assignment_lasts_from_first_to_last_work_log() -> None:
    result = plan(bobby_february_to_march(), options=Options(trim_assignments=True))
    assert result.new_assignments == {BOBBY.id: DateSpan(d(2, 1), d(3, 19))}


def test_trim_with_work_only_on_1_february_and_19_march_gives_one_assignment() -> None:
    world = World()
    world.sync([act(d(2, 1)), act(d(3, 19))], DateSpan(d(1, 1), d(9, 22)), Options(trim_assignments=True))
    assert [(a.start_date, a.end_date) for a in world.assignments_of(BOBBY)] == [(d(2, 1), d(3, 19))]
    assert {log.assignment_id for log in world.logs_of(BOBBY)} == {world.assignments_of(BOBBY)[0].id}


def test_trim_new_assignment_is_sync_and_trimmed_when_applied() -> None:
    world = World()
    world.sync([act(d(2, 1))], DateSpan(d(1, 1), d(9, 22)), Options(trim_assignments=True))
    (assignment,) = world.assignments_of(BOBBY)
    assert assignment.origin == "sync" and assignment.id in world.trimmed


def test_open_ended_project_without_trim_assignment_runs_from_project_start_to_last_log() -> None:
    result = plan([act(d(2, 1)), act(d(3, 19))], project=OPEN_PROJECT, covered=DateSpan(d(1, 1), d(4, 30)))
    assert result.new_assignments == {BOBBY.id: DateSpan(d(1, 1), d(3, 19))}


def test_open_ended_project_untrimmed_sync_assignment_follows_later_work() -> None:
    world = World(project=OPEN_PROJECT)
    world.sync([act(d(2, 1))], DateSpan(d(1, 1), d(2, 29)))
    world.sync([act(d(4, 2))], DateSpan(d(3, 1), d(4, 30)))
    assert [(a.start_date, a.end_date) for a in world.assignments_of(BOBBY)] == [(d(1, 1), d(4, 2))]


# ----------------------------------------------------------------------------- many to one


def test_several_hubstaff_projects_feed_one_project_each_log_keeping_its_hubstaff_project() -> None:
    result = plan(
        [
            act(d(2, 1), project_id=PROJECT_A_HS, tracked=HOUR),
            act(d(2, 1), project_id=PROJECT_B_HS, tracked=2 * HOUR),
        ]
    )
    assert sorted(
        (log.hubstaff_project_id, log.duration_seconds, log.source_key) for log in result.creates
    ) == [
        (PROJECT_A_HS, HOUR, source_key(PROJECT_A_HS, BOBBY_HS.id, d(2, 1))),
        (PROJECT_B_HS, 2 * HOUR, source_key(PROJECT_B_HS, BOBBY_HS.id, d(2, 1))),
    ]


def test_new_log_keeps_its_hubstaff_user() -> None:
    (log,) = plan([act(d(2, 1), SAM_HS)]).creates
    assert (log.source_key, log.person_id) == (source_key(PROJECT_A_HS, SAM_HS.id, d(2, 1)), SAM.id)


def test_several_hubstaff_projects_still_give_one_new_assignment() -> None:
    result = plan(
        [act(d(2, 1), project_id=PROJECT_A_HS), act(d(3, 1), project_id=PROJECT_B_HS)],
        options=Options(trim_assignments=True),
    )
    assert result.new_assignments == {BOBBY.id: DateSpan(d(2, 1), d(3, 1))}


# ----------------------------------------------------------------------------- one log per user, project and
# day


def test_rows_of_one_user_project_and_day_sum_into_one_log() -> None:
    result = plan(
        [
            act(d(2, 1), tracked=HOUR),  # one row per task at Hubstaff: the tasks are not kept
            act(d(2, 1), tracked=1800),
            act(d(2, 1), tracked=600),
        ]
    )
    assert [(log.date, log.duration_seconds) for log in result.creates] == [(d(2, 1), HOUR + 1800 + 600)]


def test_zero_second_rows_give_no_log() -> None:
    result = plan([act(d(2, 1), tracked=0), act(d(2, 1), tracked=0)])
    assert result.creates == [] and result.new_assignments == {}


def test_zero_second_row_next_to_real_time_adds_nothing() -> None:
    result = plan([act(d(2, 1), tracked=0), act(d(2, 1), tracked=HOUR)])
    assert [log.duration_seconds for log in result.creates] == [HOUR]


def test_day_dropping_to_zero_seconds_deletes_its_log() -> None:
    world = World()
    world.sync([act(d(2, 1), id=1)], DateSpan(d(2, 1), d(2, 1)))
    (log,) = world.logs.values()
    result = world.plan([act(d(2, 1), tracked=0, id=1)], DateSpan(d(2, 1), d(2, 1)))
    assert result.deletes == [log.id] and result.creates == [] and result.updates == []


def test_same_activity_row_given_twice_counts_once() -> None:
    row = act(d(2, 1), tracked=HOUR)
    assert [log.duration_seconds for log in plan([row, row]).creates] == [HOUR]


# ----------------------------------------------------------------------------- project dates and covered span


def test_activities_before_project_start_or_after_its_end_are_ignored() -> None:
    result = plan([act(date(2023, 12, 31)), act(d(9, 23)), act(d(5, 5))], covered=None)
    assert [log.date for log in result.creates] == [d(5, 5)]


def test_activities_outside_project_dates_do_not_make_missing_teammates() -> None:
    stranger = HubstaffUser(50, "Stranger", "stranger@example.com")
    result = plan([act(d(9, 23), stranger)], users=(BOBBY_HS, stranger), covered=None)
    assert result.missing_teammates == {}


def test_activities_outside_covered_span_are_ignored() -> None:
    result = plan([act(d(2, 1)), act(d(3, 1))], covered=DateSpan(d(2, 1), d(2, 29)))
    assert [log.date for log in result.creates] == [d(2, 1)]


def test_trimmed_new_assignment_ignores_work_outside_project_dates() -> None:
    result = plan(
        [act(date(2023, 12, 1)), act(d(2, 1))], covered=None, options=Options(trim_assignments=True)
    )
    assert result.new_assignments == {BOBBY.id: DateSpan(d(2, 1), d(2, 1))}


# ----------------------------------------------------------------------------- missing teammates


def test_unmatched_user_with_time_is_a_missing_teammate_with_name_email_and_seconds() -> None:
    result = plan(
        [act(d(2, 1), SAM_HS, HOUR), act(d(2, 2), SAM_HS, 1800, project_id=PROJECT_B_HS)], people=[BOBBY]
    )
    assert result.missing_teammates == {SAM_HS.id: MissingTeammate(SAM_HS.id, "Sam", "sam@example.com", 5400)}


def test_missing_teammate_time_is_not_synced() -> None:
    result = plan([act(d(2, 1), SAM_HS)], people=[BOBBY])
    assert result.creates == [] and result.new_assignments == {}


def test_user_without_email_with_time_is_a_missing_teammate() -> None:
    nameless = HubstaffUser(id=30, name="No Mail", email=None)
    result = plan([act(d(2, 1), nameless)], users=(BOBBY_HS, nameless))
    assert result.missing_teammates == {30: MissingTeammate(30, "No Mail", None, HOUR)}
    assert result.creates == []


def test_user_with_only_zero_seconds_is_not_a_missing_teammate() -> None:
    assert plan([act(d(2, 1), SAM_HS, tracked=0)], people=[BOBBY]).missing_teammates == {}


def test_activity_of_a_user_hubstaff_did_not_list_is_a_missing_teammate_without_name() -> None:
    result = plan([act(d(2, 1), HubstaffUser(99, "?", None))])
    assert result.missing_teammates == {99: MissingTeammate(99, "", None, HOUR)}


def test_a_user_hubstaff_no_longer_lists_keeps_the_person_of_their_synced_logs() -> None:
    """Never delete a synced log because its person left Hubstaff, even if Hubstaff stopped listing them."""
    gone = HubstaffUser(99, "Gone", "gone@example.com")
    log = SyncedLog(1, source_key(PROJECT_A_HS, gone.id, d(2, 1)), BOBBY.id, d(2, 1), HOUR, 5)
    result = plan(
        [act(d(2, 1), gone), act(d(2, 2), gone)],
        users=[BOBBY_HS],
        existing_logs=[log],
        assignments=[manual(5, BOBBY, d(1, 1), d(9, 22))],
    )
    assert result.deletes == [] and result.updates == [] and result.missing_teammates == {}
    assert [(c.person_id, c.date) for c in result.creates] == [(BOBBY.id, d(2, 2))]


def test_person_added_after_a_first_sync_is_missing_then_synced() -> None:
    world = World(people=[BOBBY])
    activities = [act(d(2, 1), SAM_HS), act(d(2, 5), SAM_HS)]
    first = world.sync(activities, DateSpan(d(1, 1), d(3, 1)))
    assert set(first.missing_teammates) == {SAM_HS.id} and world.logs == {}

    world.people.append(SAM)
    second = world.sync(activities, DateSpan(d(1, 1), d(3, 1)))
    assert second.missing_teammates == {}
    assert [log.date for log in world.logs_of(SAM)] == [d(2, 1), d(2, 5)]


def test_missing_teammate_is_not_skipped_person() -> None:
    result = plan([act(d(2, 1), SAM_HS)], people=[BOBBY], options=Options(prevent_new_assignments=True))
    assert result.skipped_people == {} and set(result.missing_teammates) == {SAM_HS.id}


# ----------------------------------------------------------------------------- edits and deletions in
# Hubstaff


def test_activity_edited_in_hubstaff_updates_the_log() -> None:
    world = World()
    span = DateSpan(d(2, 1), d(2, 29))
    world.sync([act(d(2, 1), id=1, tracked=HOUR)], span)
    (log,) = world.logs.values()
    result = world.plan([act(d(2, 1), id=1, tracked=2 * HOUR)], span)
    assert result.updates == [LogUpdate(log.id, BOBBY.id, 2 * HOUR, log.assignment_id)]
    assert result.creates == [] and result.deletes == []


def test_activity_deleted_in_hubstaff_deletes_the_log_in_the_covered_span() -> None:
    world = World()
    world.sync([act(d(2, 1), id=1), act(d(2, 2), id=2)], DateSpan(d(2, 1), d(2, 29)))
    kept, gone = world.logs_of(BOBBY)
    result = world.plan([act(d(2, 1), id=1)], DateSpan(d(2, 1), d(2, 29)))
    assert result.deletes == [gone.id] and result.updates == [] and result.creates == []


def test_log_outside_the_covered_span_is_kept() -> None:
    world = World()
    world.sync([act(d(2, 1)), act(d(3, 1))], DateSpan(d(2, 1), d(3, 31)))
    result = world.plan([], DateSpan(d(3, 1), d(3, 31)))
    february = next(log for log in world.logs.values() if log.date == d(2, 1))
    assert february.id not in result.deletes and len(result.deletes) == 1


def test_existing_log_moves_to_the_person_an_email_now_matches() -> None:
    log = SyncedLog(1, source_key(PROJECT_A_HS, BOBBY_HS.id, d(2, 1)), SAM.id, d(2, 1), HOUR, 6)
    result = plan(
        [act(d(2, 1))],
        existing_logs=[log],
        assignments=[manual(5, BOBBY, d(1, 1), d(9, 22)), manual(6, SAM, d(1, 1), d(9, 22))],
    )
    assert result.updates == [LogUpdate(1, BOBBY.id, HOUR, 5)]


def test_existing_log_pointing_to_another_assignment_is_repointed() -> None:
    log = SyncedLog(1, source_key(PROJECT_A_HS, BOBBY_HS.id, d(2, 1)), BOBBY.id, d(2, 1), HOUR, 99)
    result = plan([act(d(2, 1))], existing_logs=[log], assignments=[manual(5, BOBBY, d(1, 1), d(9, 22))])
    assert result.updates == [LogUpdate(1, BOBBY.id, HOUR, 5)]


def test_unchanged_log_is_not_updated() -> None:
    log = SyncedLog(1, source_key(PROJECT_A_HS, BOBBY_HS.id, d(2, 1)), BOBBY.id, d(2, 1), HOUR, 5)
    result = plan([act(d(2, 1))], existing_logs=[log], assignments=[manual(5, BOBBY, d(1, 1), d(9, 22))])
    assert_no_changes(result)


def test_duplicate_logs_of_one_key_keep_the_oldest() -> None:
    key = source_key(PROJECT_A_HS, BOBBY_HS.id, d(2, 1))
    logs = [SyncedLog(8, key, BOBBY.id, d(2, 1), HOUR, 5), SyncedLog(3, key, BOBBY.id, d(2, 1), HOUR, 5)]
    result = plan([act(d(2, 1))], existing_logs=logs, assignments=[manual(5, BOBBY, d(1, 1), d(9, 22))])
    assert result.deletes == [8] and result.creates == [] and result.updates == []


def test_logs_of_a_person_skipped_by_prevent_are_deleted_in_the_covered_span() -> None:
    log = SyncedLog(1, source_key(PROJECT_A_HS, SAM_HS.id, d(2, 1)), SAM.id, d(2, 1), HOUR, None)
    result = plan([act(d(2, 1), SAM_HS)], existing_logs=[log], options=Options(prevent_new_assignments=True))
    assert result.deletes == [1] and result.skipped_people == {SAM.id: HOUR}


def test_existing_log_of_a_person_without_assignment_joins_the_new_assignment() -> None:
    log = SyncedLog(1, source_key(PROJECT_A_HS, BOBBY_HS.id, d(2, 1)), BOBBY.id, d(2, 1), HOUR, None)
    result = plan([act(d(2, 1))], existing_logs=[log])
    assert result.updates == [LogUpdate(1, BOBBY.id, HOUR, None, new_assignment_for_person=BOBBY.id)]
    assert set(result.new_assignments) == {BOBBY.id}


# ----------------------------------------------------------------------------- reset


def test_reset_deletes_logs_of_a_deselected_hubstaff_project() -> None:
    world = World()
    world.sync([act(d(2, 1), project_id=PROJECT_A_HS), act(d(2, 1), project_id=PROJECT_B_HS)], covered=None)
    result = world.plan([act(d(2, 1), project_id=PROJECT_A_HS)], covered=None)
    (b_log,) = [
        log for log_id, log in world.logs.items() if world.hubstaff_project_of[log_id] == PROJECT_B_HS
    ]
    assert result.deletes == [b_log.id] and result.creates == [] and result.updates == []


def test_reset_deletes_synced_logs_of_any_date() -> None:
    log = SyncedLog(
        1, source_key(PROJECT_A_HS, BOBBY_HS.id, date(2020, 1, 1)), BOBBY.id, date(2020, 1, 1), HOUR, 5
    )
    assert plan([], existing_logs=[log], covered=None).deletes == [1]


def test_reset_keeps_logs_produced_again() -> None:
    world = World()
    activities = [act(d(2, 1)), act(d(3, 1), SAM_HS)]
    world.sync(activities, covered=None)
    assert_no_changes(world.plan(activities, covered=None))


# ----------------------------------------------------------------------------- assignments


def test_log_points_to_the_assignment_covering_its_date() -> None:
    assignments = [manual(5, BOBBY, d(1, 1), d(1, 31)), manual(6, BOBBY, d(2, 1), d(2, 29))]
    result = plan([act(d(1, 15)), act(d(2, 15))], assignments=assignments)
    assert [(log.date, log.assignment_id) for log in result.creates] == [(d(1, 15), 5), (d(2, 15), 6)]


def test_uncovered_log_points_to_the_closest_manual_assignment() -> None:
    assignments = [manual(5, BOBBY, d(1, 1), d(1, 31)), manual(6, BOBBY, d(3, 1), d(3, 31))]
    result = plan([act(d(2, 3)), act(d(2, 27))], assignments=assignments)
    assert [(log.date, log.assignment_id) for log in result.creates] == [(d(2, 3), 5), (d(2, 27), 6)]


def test_manual_assignment_is_never_stretched() -> None:
    result = plan(
        [act(d(2, 3)), act(d(5, 1))],
        assignments=[manual(5, BOBBY, d(3, 1), d(3, 31))],
        options=Options(trim_assignments=True),
    )
    assert result.stretched_assignments == {} and result.new_assignments == {}
    assert {log.assignment_id for log in result.creates} == {5}


def test_trimmed_sync_assignment_is_stretched_by_a_later_sync() -> None:
    world = World()
    options = Options(trim_assignments=True)
    world.sync([act(d(2, 1)), act(d(2, 10))], DateSpan(d(1, 1), d(2, 29)), options)
    result = world.sync([act(d(3, 19))], DateSpan(d(3, 1), d(3, 31)), options)
    (assignment,) = world.assignments_of(BOBBY)
    assert result.stretched_assignments == {assignment.id: DateSpan(d(2, 1), d(3, 19))}
    assert result.new_assignments == {}
    assert {log.assignment_id for log in world.logs_of(BOBBY)} == {assignment.id}


def test_trimmed_sync_assignment_is_stretched_backwards_to_earlier_work() -> None:
    result = plan([act(d(1, 20))], assignments=[synced(5, BOBBY, d(2, 1), d(2, 10))])
    assert result.stretched_assignments == {5: DateSpan(d(1, 20), d(2, 10))}
    assert [log.assignment_id for log in result.creates] == [5]


def test_sync_assignment_is_never_shrunk() -> None:
    result = plan([act(d(2, 5))], assignments=[synced(5, BOBBY, d(2, 1), d(2, 10))])
    assert result.stretched_assignments == {}


def test_stretch_covers_all_new_dates_on_both_sides() -> None:
    result = plan([act(d(1, 20)), act(d(3, 3))], assignments=[synced(5, BOBBY, d(2, 1), d(2, 10))])
    assert result.stretched_assignments == {5: DateSpan(d(1, 20), d(3, 3))}


def test_uncovered_log_stretches_the_sync_assignment_rather_than_point_to_a_nearer_manual_one() -> None:
    assignments = [synced(5, BOBBY, d(1, 1), d(1, 5)), manual(6, BOBBY, d(2, 1), d(2, 29))]
    result = plan([act(d(3, 2))], assignments=assignments)
    assert result.stretched_assignments == {5: DateSpan(d(1, 1), d(3, 2))}
    assert [log.assignment_id for log in result.creates] == [5]


def test_manual_assignment_wins_over_an_overlapping_sync_assignment() -> None:
    assignments = [synced(5, BOBBY, d(1, 1), d(3, 31)), manual(6, BOBBY, d(2, 1), d(2, 29))]
    result = plan([act(d(2, 10))], assignments=assignments)
    assert [log.assignment_id for log in result.creates] == [6]


def test_prevent_on_still_syncs_a_person_with_a_sync_assignment_and_stretches_it() -> None:
    result = plan(
        [act(d(3, 1))],
        assignments=[synced(5, BOBBY, d(2, 1), d(2, 10))],
        options=Options(prevent_new_assignments=True),
    )
    assert [log.assignment_id for log in result.creates] == [5]
    assert result.stretched_assignments == {5: DateSpan(d(2, 1), d(3, 1))}
    assert result.skipped_people == {}


def test_assignments_of_other_people_do_not_count() -> None:
    result = plan(
        [act(d(2, 1), SAM_HS)],
        assignments=[manual(5, BOBBY, d(1, 1), d(9, 22))],
        options=Options(prevent_new_assignments=True),
    )
    assert result.creates == [] and result.skipped_people == {SAM.id: HOUR}


def test_person_without_logs_gets_no_new_assignment() -> None:
    assert plan([act(d(2, 1), SAM_HS, tracked=0)]).new_assignments == {}


# ----------------------------------------------------------------------------- idempotence


IDEMPOTENCE_OPTIONS = [
    Options(),
    Options(trim_assignments=True),
    Options(prevent_new_assignments=True),
    Options(prevent_new_assignments=True, trim_assignments=True),
]


@pytest.mark.parametrize("options", IDEMPOTENCE_OPTIONS, ids=repr)
@pytest.mark.parametrize("project", [PROJECT_A, OPEN_PROJECT], ids=["ended", "open"])
def test_second_identical_sync_changes_nothing(options: Options, project: ProjectDates) -> None:
    world = World(project=project, assignments=[manual(5, BOBBY, d(2, 1), d(2, 20))])
    stranger = HubstaffUser(50, "Stranger", "stranger@example.com")
    world.users[stranger.id] = stranger
    activities = [
        act(d(1, 10)),
        act(d(2, 5)),
        act(d(3, 19), project_id=PROJECT_B_HS),
        act(d(2, 1), SAM_HS),
        act(d(3, 19), SAM_HS),
        act(d(2, 2), stranger),
        act(d(2, 3), tracked=0),
    ]
    span = DateSpan(d(1, 1), d(4, 30))
    first = world.sync(activities, span, options)
    assert has_changes(first)
    second = world.plan(activities, span, options)
    assert_no_changes(second)
    assert second.missing_teammates == first.missing_teammates
    assert second.skipped_people == first.skipped_people


def test_second_identical_reset_changes_nothing() -> None:
    world = World(assignments=[synced(5, SAM, d(3, 1), d(3, 2))])
    activities = [act(d(2, 1)), act(d(4, 1), SAM_HS), act(d(1, 5), SAM_HS)]
    world.sync(activities, None, Options(trim_assignments=True))
    assert_no_changes(world.plan(activities, None, Options(trim_assignments=True)))


def test_rerun_after_stretching_towards_a_manual_assignment_changes_nothing() -> None:
    # Choosing by distance among all assignments would move the 9 January log to the
    # stretched sync assignment on the second run.
    world = World(assignments=[synced(5, BOBBY, d(1, 1), d(1, 5)), manual(6, BOBBY, d(1, 11), d(1, 20))])
    activities = [act(d(1, 8)), act(d(1, 9))]
    world.sync(activities, QUARTER)
    assert_no_changes(world.plan(activities, QUARTER))


def test_empty_plan_reports_no_changes() -> None:
    assert not has_changes(SyncPlan())


# ----------------------------------------------------------------------------- batches compose


def halves(first: date, last: date, split: date) -> list[DateSpan]:
    return [DateSpan(first, split), DateSpan(split + timedelta(1), last)]


@pytest.mark.parametrize("options", IDEMPOTENCE_OPTIONS, ids=repr)
@pytest.mark.parametrize("project", [PROJECT_A, OPEN_PROJECT], ids=["ended", "open"])
def test_two_half_window_batches_equal_one_full_call(options: Options, project: ProjectDates) -> None:
    activities = [
        act(d(2, 1)),
        act(d(3, 19)),
        act(d(1, 3), SAM_HS),
        act(d(2, 28), SAM_HS),
        act(d(3, 1), SAM_HS, project_id=PROJECT_B_HS),
        act(d(4, 1), SAM_HS),
        act(d(2, 2), HubstaffUser(50, "Stranger", None)),
    ]
    assignments = [manual(5, BOBBY, d(2, 1), d(2, 10))]
    one, batched = (
        World(project=project, assignments=assignments),
        World(project=project, assignments=assignments),
    )

    whole = one.sync(activities, DateSpan(d(1, 1), d(4, 30)), options)
    merged = not_synced(batched.sync_in_batches(activities, halves(d(1, 1), d(4, 30), d(2, 15)), options))

    assert batched.snapshot() == one.snapshot()
    assert merged.missing_teammates == whole.missing_teammates
    assert merged.skipped_people == whole.skipped_people


def test_batches_give_one_trimmed_assignment_stretched_across_them() -> None:
    world = World()
    plans = world.sync_in_batches(
        [act(d(2, 1)), act(d(3, 19))], halves(d(1, 1), d(9, 22), d(2, 29)), Options(trim_assignments=True)
    )
    assert [(a.start_date, a.end_date) for a in world.assignments_of(BOBBY)] == [(d(2, 1), d(3, 19))]
    # Made by the first batch; the second stretches it.
    assert [p.new_assignments for p in plans] == [{BOBBY.id: DateSpan(d(2, 1), d(2, 1))}, {}]


def test_not_synced_sums_time_of_missing_teammates_and_skipped_people_over_batches() -> None:
    total = NotSynced()
    total.add(SyncPlan(missing_teammates={12: MissingTeammate(12, "Sam", None, 60)}, skipped_people={1: 10}))
    total.add(
        SyncPlan(
            missing_teammates={
                12: MissingTeammate(12, "Sam", "sam@example.com", 40),
                13: MissingTeammate(13, "Al", None, 5),
            },
            skipped_people={1: 5, 2: 7},
        )
    )
    assert total.missing_teammates == {
        12: MissingTeammate(12, "Sam", "sam@example.com", 100),
        13: MissingTeammate(13, "Al", None, 5),
    }
    assert total.skipped_people == {1: 15, 2: 7}


# ----------------------------------------------------------------------------- properties


USERS = (BOBBY_HS, SAM_HS, HubstaffUser(13, "Kim", " KIM@example.com"), HubstaffUser(14, "Nobody", None))
PEOPLE = (BOBBY, SAM, Teammate(3, "Kim", "kim@example.com"))

activity_rows = st.lists(
    st.tuples(
        st.integers(0, 90),  # day offset, some after the project's end
        st.sampled_from(USERS),
        st.sampled_from([PROJECT_A_HS, PROJECT_B_HS]),
        st.sampled_from([0, 0, 60, HOUR]),
    ),
    max_size=25,
)
option_values = st.builds(Options, prevent_new_assignments=st.booleans(), trim_assignments=st.booleans())
projects = st.sampled_from([ProjectDates(d(1, 1), d(3, 20)), ProjectDates(d(1, 10), None)])
start_assignments = st.sampled_from(
    [
        (),
        (manual(5, BOBBY, d(2, 1), d(2, 10)),),
        (manual(5, BOBBY, d(2, 1), d(2, 10)), synced(6, SAM, d(1, 20), d(1, 25))),
        (synced(6, SAM, d(2, 20), d(3, 1)), manual(7, SAM, d(2, 1), d(2, 25))),
        (
            synced(6, SAM, d(1, 1), d(1, 5)),
            manual(7, SAM, d(1, 11), d(1, 20)),
            manual(8, BOBBY, d(3, 1), d(3, 5)),
        ),
    ]
)


def build_activities(rows: Iterable[tuple[int, HubstaffUser, int, int]]) -> list[DailyActivity]:
    return [
        DailyActivity(
            id=n,
            date=d(1, 1) + timedelta(offset),
            user_id=user.id,
            project_id=project_id,
            tracked=tracked,
        )
        for n, (offset, user, project_id, tracked) in enumerate(rows, start=1)
    ]


@settings(max_examples=150, deadline=None)
@given(activity_rows, option_values, projects, start_assignments, st.integers(0, 89))
def test_property_batches_compose_and_a_rerun_changes_nothing(
    rows: list[tuple[int, HubstaffUser, int, int]],
    options: Options,
    project: ProjectDates,
    assignments: tuple[AssignedSpan, ...],
    split: int,
) -> None:
    activities = build_activities(rows)
    one = World(project=project, users=USERS, people=PEOPLE, assignments=assignments)
    batched = World(project=project, users=USERS, people=PEOPLE, assignments=assignments)

    whole = one.sync(activities, QUARTER, options)
    merged = not_synced(
        batched.sync_in_batches(
            activities, halves(QUARTER.start, QUARTER.end, d(1, 1) + timedelta(split)), options
        )
    )

    assert batched.snapshot() == one.snapshot()
    assert merged.missing_teammates == whole.missing_teammates
    assert merged.skipped_people == whole.skipped_people
    assert_no_changes(one.plan(activities, QUARTER, options))
    assert_no_changes(one.plan(activities, None, options))


@settings(max_examples=100, deadline=None)
@given(activity_rows, activity_rows, option_values, start_assignments)
def test_property_resync_after_hubstaff_changes_matches_its_logs_and_never_touches_manual(
    before: list[tuple[int, HubstaffUser, int, int]],
    after: list[tuple[int, HubstaffUser, int, int]],
    options: Options,
    assignments: tuple[AssignedSpan, ...],
) -> None:
    world = World(users=USERS, people=PEOPLE, assignments=assignments)
    world.sync(build_activities(before), QUARTER, options)
    activities = build_activities(after)
    world.sync(activities, QUARTER, options)

    fresh = World(users=USERS, people=PEOPLE, assignments=assignments)
    fresh.sync(activities, QUARTER, options)
    # Same logs as a first sync of the new data (assignments may only have grown).
    assert {(k, p, day, s) for k, p, day, s, _ in world.snapshot()[0]} == {
        (k, p, day, s) for k, p, day, s, _ in fresh.snapshot()[0]
    }
    for assignment in assignments:
        if assignment.origin == "manual":
            assert world.assignments[assignment.id] == assignment
    for log in world.logs.values():
        assert log.assignment_id is not None
        assert world.assignments[log.assignment_id].person_id == log.person_id


# ----------------------------------------------------------------------------- purity


def imported_modules(module: ModuleType) -> set[str | None]:
    path = module.__file__
    assert path is not None  # the module is loaded from its file
    tree = ast.parse(Path(path).read_text())
    return {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }


def test_rules_module_imports_only_the_standard_library_and_the_email_rule() -> None:
    standard = {"__future__", "collections.abc", "dataclasses", "datetime", "operator", "typing"}
    assert imported_modules(rules) <= standard | {"people.emails"}
    assert imported_modules(emails) <= standard  # the one e-mail rule is pure Python too
