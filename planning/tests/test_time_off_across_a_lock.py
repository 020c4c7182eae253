"""Time off spanning a locked period: the lock closes work logs, not capacity. The days off count on both sides of
the lock, in capacity's figures and in the planned-vs-logged report built on them."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from capacity.availability import days_by_person
from capacity.models import TimeOff
from people.models import Organization, Person
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory
from worklogs import locks

pytestmark = pytest.mark.django_db

LOCKED_THROUGH = date(2026, 10, 31)  # a Saturday: October closed


@pytest.fixture
def bobby(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Bobby Brown", email="bobby@acme.test")


def test_time_off_across_the_locked_date_counts_on_both_sides(org: Organization, bobby: Person) -> None:
    project = ProjectFactory.create(
        organization=org, start_date=date(2026, 10, 1), end_date=date(2026, 11, 30)
    )
    AssignmentFactory.create(
        project=project, person=bobby, start_date=date(2026, 10, 1), end_date=date(2026, 11, 30)
    )
    TimeOff.objects.create(
        organization=org, person=bobby, start_date=date(2026, 10, 29), end_date=date(2026, 11, 3)
    )
    locks.lock(org, LOCKED_THROUGH, None)

    days = {
        day.day: day
        for day in days_by_person(org, [bobby.pk], date(2026, 10, 26), date(2026, 11, 6))[bobby.pk]
    }

    away = [date(2026, 10, 29), date(2026, 10, 30), date(2026, 11, 2), date(2026, 11, 3)]  # the weekdays off
    assert [days[d].available for d in away] == [Decimal(0)] * 4
    assert [days[d].planned for d in away] == [Decimal(0)] * 4  # nothing planned on a day off, locked or not
    assert days[date(2026, 10, 28)].available == 8 and days[date(2026, 11, 4)].available == 8


def test_the_report_shows_the_time_off_in_both_weeks_whatever_the_lock(
    org: Organization, bobby: Person, manager_client: Client
) -> None:
    TimeOff.objects.create(
        organization=org, person=bobby, start_date=date(2026, 10, 29), end_date=date(2026, 11, 3)
    )
    locks.lock(org, LOCKED_THROUGH, None)

    page = manager_client.get(
        f"/{org.slug}/planning/people/{bobby.pk}/?date_from=2026-10-26&date_to=2026-11-08"
    ).content.decode()

    # Thu-Fri before the lock's end and Mon-Tue after: two days in each week, never lost to the lock
    assert "vacation 2 d" in page and "vacation 4 d" not in page and "vacation" in page.split("02 Nov", 1)[1]
