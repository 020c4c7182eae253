"""Capacity in the planned vs logged report: availability beside planned and logged, time off and holidays in
the weeks they fall in, over-allocation in words, in the pages and the CSV."""

from datetime import date
from decimal import Decimal

import pytest

from capacity.models import Holiday, TimeOff, WorkPattern
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory

from .test_exports import read_csv

URL = "/acme/planning/report/"
PERIOD = {"date_from": "2026-02-02", "date_to": "2026-02-22"}  # weeks of 2, 9 and 16 February
PART_TIME = {f"{day}_hours": Decimal(4) for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}


@pytest.fixture
def team(org, other_org, project):
    """Bobby and Sam planned 8 h a day from 2 to 20 February; a holiday on Wednesday 4 February; Bobby on vacation
    the week of 9 February; Sam part-time (4 h a day) from 16 February. Globex's time off never shows."""
    bobby = PersonFactory(organization=org, full_name="Bobby Tables", email="bobby@acme.test")
    sam = PersonFactory(organization=org, full_name="Sam Part", email="sam@acme.test")
    for person in (bobby, sam):
        AssignmentFactory(
            project=project,
            person=person,
            start_date=date(2026, 2, 2),
            end_date=date(2026, 2, 20),
            hours_per_day=8,
        )
    Holiday.objects.create(organization=org, date=date(2026, 2, 4), name="Founders' day")
    Holiday.objects.create(organization=org, date=date(2026, 2, 7), name="On a Saturday")
    TimeOff.objects.create(
        organization=org,
        person=bobby,
        start_date=date(2026, 2, 9),
        end_date=date(2026, 2, 13),
        kind=TimeOff.Kind.VACATION,
        status=TimeOff.Status.APPROVED,
    )
    TimeOff.objects.create(
        organization=org,
        person=sam,
        start_date=date(2026, 2, 10),
        end_date=date(2026, 2, 10),
        kind=TimeOff.Kind.SICK,
        status=TimeOff.Status.PENDING,
    )
    WorkPattern.objects.create(organization=org, person=sam, effective_from=date(2026, 2, 16), **PART_TIME)
    gina = PersonFactory(organization=other_org, full_name="Gina Globex", email="gina@globex.test")
    TimeOff.objects.create(
        organization=other_org, person=gina, start_date=date(2026, 2, 2), end_date=date(2026, 2, 20)
    )
    Holiday.objects.create(organization=other_org, date=date(2026, 2, 5), name="Globex day")
    return {"bobby": bobby, "sam": sam}


def _weeks(response, name):
    person = next(p for p in response.context["people"] if p.name == name)
    return [(w.available, w.planned, w.time_off, w.over, w.notes) for w in person.weeks]


def test_each_persons_weeks_show_availability_time_off_and_holidays(manager_client, team):
    response = manager_client.get(URL, PERIOD)
    assert _weeks(response, "Bobby Tables") == [
        (32, 32, 0, 0, ("holiday",)),  # Founders' day takes the Wednesday out of the plan
        (0, 0, 40, 0, ("vacation 5 d",)),  # the vacation week plans nothing
        (40, 40, 0, 0, ()),
    ]
    assert _weeks(response, "Sam Part") == [
        (32, 32, 0, 0, ("holiday",)),
        (40, 40, 0, 0, ()),  # a pending request takes nothing away
        (20, 40, 0, 20, ()),  # part-time from the 16th, still planned 8 h a day
    ]
    assert response.context["available_total"] == 32 + 0 + 40 + 32 + 40 + 20
    assert response.context["time_off_total"] == 40
    assert response.context["overallocated_weeks"] == 1


def test_over_allocation_and_time_off_are_said_in_words(manager_client, team):
    html = manager_client.get(URL, PERIOD).content.decode()
    # The weeks table
    assert "⚠ Over-allocated: over by 20.0 h" in html
    assert "1 person away" in html and "holiday: Founders&#x27; day (Wed 04 Feb)" in html
    assert "On a Saturday" not in html  # a holiday on a weekend changes nothing
    # The people's totals
    assert "⚠ Over-allocated 1 week, over by 20.0 h" in html
    assert "Time off in 1 week" in html
    # The map: marks that are shapes, named in the tooltip and the legend
    assert "week of 09 Feb 2026: planned 0.0 h, logged 0.0 h; available 0.0 h; away: vacation 5 d" in html
    assert (
        "week of 16 Feb 2026: planned 40.0 h, logged 0.0 h (under plan); available 20.0 h; "
        "over-allocated: over by 20.0 h" in html
    )
    assert 'class="away"' in html and 'class="overallocated"' in html
    assert "Time off or a holiday that week" in html and "Over-allocated: more planned than available" in html
    assert "Globex" not in html and "Gina" not in html


def test_a_project_filter_plans_that_projects_hours_but_over_allocation_counts_every_project(
    manager_client, org, team, project
):
    other = ProjectFactory(organization=org, name="Project B")
    AssignmentFactory(
        project=other,
        person=team["bobby"],
        start_date=date(2026, 2, 16),
        end_date=date(2026, 2, 16),
        hours_per_day=4,
    )
    response = manager_client.get(URL, {**PERIOD, "project": project.pk})
    bobby = _weeks(response, "Bobby Tables")
    assert bobby[2] == (40, 40, 0, 4, ())  # Project A's 40 h; 4 h over with Project B's Monday


def test_the_person_report_names_their_time_off_and_over_allocation(manager_client, team):
    html = manager_client.get(f"/acme/planning/people/{team['sam'].pk}/", PERIOD).content.decode()
    assert "⚠ Over-allocated: over by 20.0 h" in html
    html = manager_client.get(f"/acme/planning/people/{team['bobby'].pk}/", PERIOD).content.decode()
    assert "vacation 5 d" in html and "Available (h)" in html


def test_report_csv_has_availability_time_off_and_over_allocation(manager_client, team):
    rows = read_csv(manager_client.get("/acme/planning/report.csv", PERIOD))
    assert rows[0][7:] == [
        "available_hours",
        "time_off_hours",
        "time_off",
        "over_allocated_hours",
        "capacity",
    ]
    assert rows[1:] == [
        [
            "2026-02-02",
            "2026-02-08",
            "Bobby Tables",
            "32.00",
            "0.00",
            "-32.00",
            "under",
            "32.00",
            "0.00",
            "holiday",
            "0.00",
            "",
        ],
        [
            "2026-02-09",
            "2026-02-15",
            "Bobby Tables",
            "0.00",
            "0.00",
            "0.00",
            "none",
            "0.00",
            "40.00",
            "vacation 5 d",
            "0.00",
            "",
        ],
        [
            "2026-02-16",
            "2026-02-22",
            "Bobby Tables",
            "40.00",
            "0.00",
            "-40.00",
            "under",
            "40.00",
            "0.00",
            "",
            "0.00",
            "",
        ],
        [
            "2026-02-02",
            "2026-02-08",
            "Sam Part",
            "32.00",
            "0.00",
            "-32.00",
            "under",
            "32.00",
            "0.00",
            "holiday",
            "0.00",
            "",
        ],
        [
            "2026-02-09",
            "2026-02-15",
            "Sam Part",
            "40.00",
            "0.00",
            "-40.00",
            "under",
            "40.00",
            "0.00",
            "",
            "0.00",
            "",
        ],
        [
            "2026-02-16",
            "2026-02-22",
            "Sam Part",
            "40.00",
            "0.00",
            "-40.00",
            "under",
            "20.00",
            "0.00",
            "",
            "20.00",
            "over by 20.0 h",
        ],
    ]


def test_queries_do_not_grow_with_time_off_and_holidays(
    manager_client, org, project, team, django_assert_max_num_queries
):
    with django_assert_max_num_queries(16) as few:
        manager_client.get(URL, PERIOD)
    for i in range(20):
        person = PersonFactory(organization=org)
        AssignmentFactory(
            project=project, person=person, start_date=date(2026, 2, 2), end_date=date(2026, 2, 20)
        )
        TimeOff.objects.create(
            organization=org, person=person, start_date=date(2026, 2, 3), end_date=date(2026, 2, 17)
        )
        WorkPattern.objects.create(
            organization=org, person=person, effective_from=date(2026, 2, 11), **PART_TIME
        )
        Holiday.objects.create(organization=org, date=date(2026, 2, 2 + i), name=f"Holiday {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = manager_client.get(URL, PERIOD)
    assert len(response.context["people"]) == 22


def test_a_persons_report_shows_their_availability_with_nothing_planned_or_logged(manager_client, org):
    idle = PersonFactory(organization=org, full_name="Ida Idle")
    TimeOff.objects.create(
        organization=org, person=idle, start_date=date(2026, 2, 9), end_date=date(2026, 2, 10)
    )
    response = manager_client.get(f"/acme/planning/people/{idle.pk}/", PERIOD)
    assert [(w.available, w.planned, w.notes) for w in response.context["weeks"]] == [
        (40, 0, ()),
        (24, 0, ("vacation 2 d",)),
        (40, 0, ()),
    ]
