"""Who is free: the database's ranking agrees with the day-by-day arithmetic of capacity/availability.py."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from capacity.availability import days_by_person, weeks
from capacity.free import FreePerson, free_people
from capacity.models import CapacitySettings, Holiday, TimeOff, WorkPattern
from people.models import Organization, Person
from people.roles import Role
from projects.models import Project
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 3, 2)


def expected(
    org: Organization, people: list[Person], start: date, end: date, hours: Decimal
) -> list[tuple[int, Decimal, Decimal, Decimal]]:
    """(person, available, planned, free) of the people free enough, freest first: by the Python arithmetic."""
    ranked = []
    for person in people:
        person_weeks = weeks(days_by_person(org, [person.pk], start, end)[person.pk])
        if all(week.free * 7 >= hours * week.days for week in person_weeks):
            available = sum((w.available for w in person_weeks), Decimal(0))
            planned = sum((w.planned for w in person_weeks), Decimal(0))
            free = sum((w.free for w in person_weeks), Decimal(0))
            ranked.append((person, available, planned, free))
    ranked.sort(key=lambda row: (-row[3], row[0].full_name, row[0].pk))
    return [(person.pk, available, planned, free) for person, available, planned, free in ranked]


def found(rows: list[FreePerson]) -> list[tuple[int, Decimal, Decimal, Decimal]]:
    return [(row.person_id, row.available, row.planned, row.free) for row in rows]


def hours(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low * 4, high * 4 + 1)) / 4


def random_day(rng: random.Random) -> date:
    return MONDAY + timedelta(days=rng.randrange(-20, 80))


def random_organization(rng: random.Random, org: Organization) -> tuple[list[Person], list[Project]]:
    """People with patterns changing on any weekday, time off of every kind and status, holidays (weekends
    included) and overlapping assignments."""
    if rng.random() < 0.5:
        CapacitySettings.objects.create(
            organization=org, **{f"{day}_hours": hours(rng, 0, 9) for day in ("monday", "friday", "saturday")}
        )
    projects = [ProjectFactory.create(organization=org, start_date=date(2026, 1, 1)) for _ in range(3)]
    people = []
    for number in range(12):
        person = PersonFactory.create(
            organization=org,
            full_name=f"Person {number % 7}",  # some share a name: ranked by id then
            is_manager=rng.random() < 0.3,
            is_employee=rng.random() < 0.7,
        )
        people.append(person)
        for effective_from in {random_day(rng) for _ in range(rng.randrange(3))}:
            WorkPattern.objects.create(
                organization=org,
                person=person,
                effective_from=effective_from,
                **{f"{day}_hours": hours(rng, 0, 10) for day in ("monday", "wednesday", "friday", "sunday")},
            )
        for _ in range(rng.randrange(4)):
            first = random_day(rng)
            TimeOff.objects.create(
                organization=org,
                person=person,
                start_date=first,
                end_date=first + timedelta(days=rng.randrange(10)),
                hours_per_day=None if rng.random() < 0.5 else hours(rng, 1, 9),
                status=rng.choice(TimeOff.Status.values),
            )
        for _ in range(rng.randrange(4)):
            first = random_day(rng)
            AssignmentFactory.create(
                project=rng.choice(projects),
                person=person,
                start_date=first,
                end_date=first + timedelta(days=rng.randrange(40)),
                hours_per_day=hours(rng, 1, 8),
            )
    for day in {random_day(rng) for _ in range(6)}:
        Holiday.objects.create(organization=org, date=day, name="Holiday")
    return people, projects


@pytest.mark.parametrize("seed", range(6))
def test_the_ranking_agrees_with_the_arithmetic_on_random_data(org: Organization, seed: int) -> None:
    rng = random.Random(seed)
    people, projects = random_organization(rng, org)
    start = MONDAY + timedelta(days=rng.randrange(-10, 10))
    end = start + timedelta(days=rng.randrange(0, 60))
    for asked in (Decimal(0), Decimal(8), hours(rng, 1, 30)):
        assert found(free_people(org, start, end, asked)) == expected(org, people, start, end, asked)
    managers = [p for p in people if p.is_manager]
    assert found(free_people(org, start, end, Decimal(4), role=Role.MANAGER)) == expected(
        org, managers, start, end, Decimal(4)
    )
    team = [p for p in people if p.assignments.filter(project=projects[0]).exists()]
    assert found(free_people(org, start, end, Decimal(4), project_id=projects[0].pk)) == expected(
        org, team, start, end, Decimal(4)
    )


def test_the_freest_come_first_and_the_busy_are_left_out(org: Organization) -> None:
    busy, half, idle = (
        PersonFactory.create(organization=org, full_name=name) for name in ("Busy", "Half", "Idle")
    )
    project = ProjectFactory.create(organization=org)
    AssignmentFactory.create(
        project=project, person=busy, start_date=MONDAY, end_date=MONDAY + timedelta(days=13)
    )
    AssignmentFactory.create(
        project=project, person=half, start_date=MONDAY, end_date=MONDAY + timedelta(days=13), hours_per_day=4
    )
    rows = free_people(org, MONDAY, MONDAY + timedelta(days=13), Decimal(20))
    assert [(row.full_name, row.free, row.free_per_week) for row in rows] == [
        ("Idle", Decimal(80), Decimal(40)),
        ("Half", Decimal(40), Decimal(20)),
    ]


def test_someone_busy_for_one_week_of_the_period_is_not_free_for_it(org: Organization) -> None:
    sam = PersonFactory.create(organization=org, full_name="Sam")
    AssignmentFactory.create(
        project=ProjectFactory.create(organization=org),
        person=sam,
        start_date=MONDAY,
        end_date=MONDAY + timedelta(6),
    )
    # Free 40 h in the second week, 20 h a week on average, but nothing in the first week.
    assert free_people(org, MONDAY, MONDAY + timedelta(days=13), Decimal(10)) == []


def test_another_organizations_people_and_plans_are_never_counted(
    org: Organization, other_org: Organization
) -> None:
    ours = PersonFactory.create(organization=org)
    theirs = PersonFactory.create(organization=other_org)
    Holiday.objects.create(organization=other_org, date=MONDAY, name="Theirs")
    AssignmentFactory.create(project=ProjectFactory.create(organization=other_org), person=theirs)
    rows = free_people(org, MONDAY, MONDAY + timedelta(days=4), Decimal(0))
    assert [(row.person_id, row.available) for row in rows] == [(ours.pk, Decimal(40))]


def test_it_is_one_query(org: Organization) -> None:
    PersonFactory.create_batch(3, organization=org)
    with CaptureQueriesContext(connection) as queries:
        free_people(org, MONDAY, MONDAY + timedelta(days=365), Decimal(8), role=Role.EMPLOYEE)
    assert len(queries) == 1
