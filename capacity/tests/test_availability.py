"""Availability, allocation and over-allocation of a person, day by day and week by week."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from capacity.availability import (
    Calendar,
    Day,
    Span,
    days_by_person,
    load_calendars,
    overallocation,
    person_days,
    person_weeks,
    weeks,
    weeks_by_person,
)
from capacity.models import DEFAULT_WEEK, CapacitySettings, Holiday, TimeOff, WorkPattern
from capacity.warnings import overallocation_warning
from people.models import Organization, Person
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory

MONDAY = date(2026, 3, 2)
SATURDAY = MONDAY + timedelta(days=5)
SUNDAY = MONDAY + timedelta(days=6)
FRIDAY = MONDAY + timedelta(days=4)
H = Decimal
PART_TIME = (H(4), H(4), H(4), H(4), H(4), H(0), H(0))


def pairs(*values: tuple[int, int]) -> list[tuple[Decimal, Decimal]]:
    return [(Decimal(a), Decimal(b)) for a, b in values]


def day_of(days: list[Day], day: date) -> Day:
    return next(d for d in days if d.day == day)


def test_a_person_without_a_pattern_works_the_organizations_default_week() -> None:
    days = person_days(Calendar(DEFAULT_WEEK), MONDAY, SUNDAY)
    assert [d.available for d in days] == [8, 8, 8, 8, 8, 0, 0]


def test_a_partial_day_off_takes_its_hours_and_the_plan_beyond_is_over_allocated() -> None:
    calendar = Calendar(
        DEFAULT_WEEK,
        time_off=[Span(MONDAY, MONDAY, H(3))],
        assignments=[Span(MONDAY, FRIDAY, H(8))],
    )
    monday = person_days(calendar, MONDAY, SUNDAY)[0]
    assert (monday.available, monday.planned, monday.over) == (H(5), H(8), H(3))
    assert monday.is_overallocated


def test_two_partial_days_off_never_take_more_than_the_day_has() -> None:
    calendar = Calendar(DEFAULT_WEEK, time_off=[Span(MONDAY, MONDAY, H(6)), Span(MONDAY, MONDAY, H(6))])
    monday = person_days(calendar, MONDAY, MONDAY)[0]
    assert (monday.time_off, monday.available) == (H(8), H(0))


def test_a_whole_day_off_takes_the_day_out_of_the_plan() -> None:
    calendar = Calendar(
        DEFAULT_WEEK, time_off=[Span(MONDAY, FRIDAY, None)], assignments=[Span(MONDAY, FRIDAY, H(8))]
    )
    (week,) = weeks(person_days(calendar, MONDAY, SUNDAY))
    assert (week.available, week.planned, week.time_off) == (H(0), H(0), H(40))
    assert not week.is_overallocated


def test_a_holiday_on_a_weekday_leaves_no_hours_and_nothing_planned() -> None:
    calendar = Calendar(DEFAULT_WEEK, holidays=frozenset({MONDAY}), assignments=[Span(MONDAY, FRIDAY, H(8))])
    (week,) = weeks(person_days(calendar, MONDAY, SUNDAY))
    assert (week.available, week.planned) == (H(32), H(32))
    assert week.holidays == 1


def test_a_holiday_on_a_weekend_removes_nothing() -> None:
    calendar = Calendar(DEFAULT_WEEK, holidays=frozenset({SATURDAY, SUNDAY}))
    (week,) = weeks(person_days(calendar, MONDAY, SUNDAY))
    assert week.available == 40
    assert week.holidays == 0


def test_a_holiday_on_a_day_someone_works_on_weekends_removes_it() -> None:
    seven_days = tuple(H(6) for _ in range(7))
    calendar = Calendar(DEFAULT_WEEK, patterns=[(MONDAY, seven_days)], holidays=frozenset({SATURDAY}))
    assert day_of(person_days(calendar, MONDAY, SUNDAY), SATURDAY).available == 0


def test_a_pattern_changing_mid_week_applies_from_its_day() -> None:
    wednesday = MONDAY + timedelta(days=2)
    calendar = Calendar(
        DEFAULT_WEEK, patterns=[(MONDAY - timedelta(days=30), DEFAULT_WEEK), (wednesday, PART_TIME)]
    )
    days = person_days(calendar, MONDAY, SUNDAY)
    assert [d.available for d in days] == [8, 8, 4, 4, 4, 0, 0]
    assert weeks(days)[0].available == 28


def test_before_a_persons_first_pattern_the_default_week_applies() -> None:
    calendar = Calendar(DEFAULT_WEEK, patterns=[(FRIDAY, PART_TIME)])
    assert [d.available for d in person_days(calendar, MONDAY, FRIDAY)] == [8, 8, 8, 8, 4]


def test_an_assignment_plans_only_on_working_days() -> None:
    calendar = Calendar(DEFAULT_WEEK, assignments=[Span(MONDAY, SUNDAY, H(8))])
    (week,) = weeks(person_days(calendar, MONDAY, SUNDAY))
    assert (week.planned, week.over, week.free) == (H(40), H(0), H(0))


def test_two_full_time_assignments_are_over_allocated_every_working_day() -> None:
    calendar = Calendar(DEFAULT_WEEK, assignments=[Span(MONDAY, SUNDAY, H(8)), Span(MONDAY, SUNDAY, H(8))])
    days = person_days(calendar, MONDAY, SUNDAY)
    assert [d.is_overallocated for d in days] == [True] * 5 + [False] * 2
    assert weeks(days)[0].over == 40


def test_time_off_spanning_a_projects_end_counts_on_both_sides() -> None:
    # The assignment ends on Wednesday, the vacation runs Tuesday to Friday.
    wednesday = MONDAY + timedelta(days=2)
    calendar = Calendar(
        DEFAULT_WEEK,
        time_off=[Span(MONDAY + timedelta(days=1), FRIDAY, None)],
        assignments=[Span(MONDAY - timedelta(days=7), wednesday, H(8))],
    )
    days = person_days(calendar, MONDAY, FRIDAY)
    assert [(d.available, d.planned) for d in days] == pairs((8, 8), (0, 0), (0, 0), (0, 0), (0, 0))


def test_a_week_far_below_its_hours_is_under_used() -> None:
    calendar = Calendar(DEFAULT_WEEK, assignments=[Span(MONDAY, FRIDAY, H(4))])
    (half,) = weeks(person_days(calendar, MONDAY, SUNDAY), underused_below=H(8))
    calendar = Calendar(DEFAULT_WEEK, assignments=[Span(MONDAY, FRIDAY, H(7))])
    (nearly,) = weeks(person_days(calendar, MONDAY, SUNDAY), underused_below=H(8))
    assert (half.is_underused, nearly.is_underused) == (True, False)


# --- From the database ---------------------------------------------------------------------------------------


@pytest.fixture
def bobby(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Bobby")


def time_off(person: Person, status: str, **fields: object) -> TimeOff:
    dates: dict[str, object] = {"start_date": MONDAY, "end_date": FRIDAY}
    return TimeOff.objects.create(
        organization=person.organization, person=person, status=status, **{**dates, **fields}
    )


@pytest.mark.django_db
def test_pending_time_off_is_not_counted(org: Organization, bobby: Person) -> None:
    time_off(bobby, TimeOff.Status.PENDING)
    (week,) = weeks_by_person(org, [bobby.pk], MONDAY, SUNDAY)[bobby.pk]
    assert week.available == 40


@pytest.mark.django_db
def test_denied_time_off_is_not_counted(org: Organization, bobby: Person) -> None:
    time_off(bobby, TimeOff.Status.DENIED)
    (week,) = weeks_by_person(org, [bobby.pk], MONDAY, SUNDAY)[bobby.pk]
    assert week.available == 40


@pytest.mark.django_db
def test_approved_time_off_patterns_holidays_and_assignments_come_from_the_organization(
    org: Organization, other_org: Organization, bobby: Person
) -> None:
    CapacitySettings.objects.create(organization=org, friday_hours=H(0), underused_hours_per_week=H(2))
    WorkPattern.objects.create(organization=org, person=bobby, effective_from=MONDAY, monday_hours=H(6))
    time_off(
        bobby,
        TimeOff.Status.APPROVED,
        start_date=MONDAY + timedelta(days=1),
        end_date=MONDAY + timedelta(days=1),
    )
    Holiday.objects.create(organization=org, date=MONDAY + timedelta(days=2), name="Founders' day")
    Holiday.objects.create(organization=other_org, date=MONDAY + timedelta(days=3), name="Not ours")
    AssignmentFactory.create(
        project=ProjectFactory.create(organization=org), person=bobby, start_date=MONDAY, end_date=FRIDAY
    )
    days = days_by_person(org, [bobby.pk], MONDAY, SUNDAY)[bobby.pk]
    # Bobby's own pattern (8 h on Fridays, the default's column) wins over the organization's default week.
    assert [(d.available, d.planned) for d in days] == pairs(
        (6, 8), (0, 0), (0, 0), (8, 8), (8, 8), (0, 0), (0, 0)
    )
    (week,) = weeks_by_person(org, [bobby.pk], MONDAY, SUNDAY)[bobby.pk]
    assert (week.available, week.planned, week.over) == (H(22), H(24), H(2))
    assert not week.is_underused


@pytest.mark.django_db
def test_the_figures_of_many_people_take_a_bounded_number_of_queries(org: Organization) -> None:
    people = PersonFactory.create_batch(5, organization=org)
    for person in people:
        WorkPattern.objects.create(organization=org, person=person, effective_from=MONDAY)
        time_off(person, TimeOff.Status.APPROVED)
        AssignmentFactory.create(project=ProjectFactory.create(organization=org), person=person)
    with CaptureQueriesContext(connection) as queries:
        weeks_by_person(org, [p.pk for p in people], date(2026, 1, 1), date(2026, 12, 31))
    assert len(queries) <= 6


@pytest.mark.django_db
def test_without_ids_the_calendars_are_the_organizations_rows_of_the_period(
    org: Organization, other_org: Organization, bobby: Person
) -> None:
    alice = PersonFactory.create(organization=org, full_name="Alice")
    stranger = PersonFactory.create(organization=other_org)
    WorkPattern.objects.create(organization=org, person=bobby, effective_from=MONDAY, friday_hours=H(0))
    time_off(bobby, TimeOff.Status.APPROVED, kind=TimeOff.Kind.SICK, end_date=MONDAY, hours_per_day=H(4))
    time_off(stranger, TimeOff.Status.APPROVED)
    Holiday.objects.create(organization=org, date=MONDAY + timedelta(days=2), name="Founders' day")
    Holiday.objects.create(organization=other_org, date=MONDAY + timedelta(days=3), name="Not ours")
    with CaptureQueriesContext(connection) as queries:
        calendars = load_calendars(
            org, None, MONDAY, SUNDAY, capacity_settings=CapacitySettings(organization=org)
        )
    assert len(queries) == 4  # patterns, time off, holidays, assignments
    assert set(calendars) == {bobby.pk}  # only the people with rows are read
    assert calendars[bobby.pk].time_off == [Span(MONDAY, MONDAY, H(4), TimeOff.Kind.SICK)]
    assert calendars[bobby.pk].holiday_names == ((MONDAY + timedelta(days=2), "Founders' day"),)
    # Alice has nothing of her own in the period: the organization's default week, with its holidays.
    (week,) = person_weeks(calendars[alice.pk], MONDAY, SUNDAY)
    assert (week.available, week.holidays) == (H(32), 1)
    assert calendars[alice.pk].holiday_names == calendars[bobby.pk].holiday_names
    assert stranger.pk not in calendars


@pytest.mark.django_db
def test_overallocation_lists_the_days_and_hours_a_new_assignment_goes_over(
    org: Organization, bobby: Person
) -> None:
    AssignmentFactory.create(
        project=ProjectFactory.create(organization=org),
        person=bobby,
        start_date=MONDAY,
        end_date=FRIDAY,
        hours_per_day=6,
    )
    time_off(bobby, TimeOff.Status.APPROVED, start_date=FRIDAY, end_date=FRIDAY)
    over = overallocation(bobby, MONDAY + timedelta(days=3), SUNDAY, H(4))
    # Thursday: 6 + 4 planned in 8 available; Friday is a day off and the weekend has no working hours.
    assert over == [(MONDAY + timedelta(days=3), H(10), H(8))]


@pytest.mark.django_db
def test_overallocation_leaves_out_the_assignment_being_edited(org: Organization, bobby: Person) -> None:
    edited = AssignmentFactory.create(
        project=ProjectFactory.create(organization=org),
        person=bobby,
        start_date=MONDAY,
        end_date=FRIDAY,
        hours_per_day=8,
    )
    assert overallocation(bobby, MONDAY, FRIDAY, H(8), excluding_assignment=edited) == []
    assert len(overallocation(bobby, MONDAY, FRIDAY, H(8))) == 5


@pytest.mark.django_db
def test_the_assignment_warning_names_the_days_and_hours(org: Organization, bobby: Person) -> None:
    project = ProjectFactory.create(organization=org)
    AssignmentFactory.create(
        project=project, person=bobby, start_date=MONDAY, end_date=SUNDAY, hours_per_day=6
    )
    saved = AssignmentFactory.create(
        project=project, person=bobby, start_date=MONDAY, end_date=SUNDAY, hours_per_day=4
    )
    assert overallocation_warning(saved) == (
        "Bobby is over-allocated on 5 days: Mon 02 Mar 2026: 10 h planned, 8 h available; "
        "Tue 03 Mar 2026: 10 h planned, 8 h available; Wed 04 Mar 2026: 10 h planned, 8 h available; "
        "Thu 05 Mar 2026: 10 h planned, 8 h available; Fri 06 Mar 2026: 10 h planned, 8 h available."
    )


@pytest.mark.django_db
def test_no_warning_within_availability_and_a_count_beyond_five_days(
    org: Organization, bobby: Person
) -> None:
    project = ProjectFactory.create(organization=org)
    alone = AssignmentFactory.create(project=project, person=bobby, start_date=MONDAY, end_date=SUNDAY)
    assert overallocation_warning(alone) is None
    two_weeks = AssignmentFactory.create(
        project=project,
        person=bobby,
        start_date=MONDAY,
        end_date=SUNDAY + timedelta(days=7),
        hours_per_day=H("0.5"),
    )
    warning = overallocation_warning(two_weeks)
    assert warning is not None
    assert warning.startswith(
        "Bobby is over-allocated on 5 days: Mon 02 Mar 2026: 8.5 h planned, 8 h available;"
    )
    AssignmentFactory.create(
        project=project,
        person=bobby,
        start_date=MONDAY + timedelta(days=7),
        end_date=SUNDAY + timedelta(days=7),
    )
    warning = overallocation_warning(two_weeks)
    assert warning is not None and warning.endswith("; and 5 more days.")
