"""Hubstaff's weekly hours fill in working hours where a Manager has set none, and never replace a Manager's."""

from datetime import date
from decimal import Decimal

import pytest

from capacity.models import CapacitySettings, Source, WorkPattern
from capacity.services import save_work_pattern, set_hours_from_hubstaff
from people.models import Organization, Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 1)


@pytest.fixture
def sam(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Sam")


def test_hubstaffs_weekly_hours_are_spread_like_the_organizations_week(sam: Person) -> None:
    pattern = set_hours_from_hubstaff(sam, MARCH, Decimal(20))
    assert pattern is not None
    assert pattern.week == (Decimal(4),) * 5 + (Decimal(0),) * 2
    assert pattern.source == Source.HUBSTAFF


def test_an_organization_working_four_long_days_gets_four_days(org: Organization, sam: Person) -> None:
    ten, none = Decimal(10), Decimal(0)
    CapacitySettings.objects.create(
        organization=org,
        monday_hours=ten,
        tuesday_hours=ten,
        wednesday_hours=ten,
        thursday_hours=ten,
        friday_hours=none,
    )
    pattern = set_hours_from_hubstaff(sam, MARCH, Decimal(32))
    assert pattern is not None
    assert pattern.week == (Decimal(8),) * 4 + (Decimal(0),) * 3


def test_a_later_limit_from_hubstaff_updates_its_own_hours(sam: Person) -> None:
    set_hours_from_hubstaff(sam, MARCH, Decimal(20))
    set_hours_from_hubstaff(sam, MARCH, Decimal(30))
    assert WorkPattern.objects.get(person=sam).hours_per_week == Decimal(30)


def test_a_managers_own_hours_are_never_replaced(sam: Person) -> None:
    week = {
        field: Decimal(6)
        for field in (
            "monday_hours",
            "tuesday_hours",
            "wednesday_hours",
            "thursday_hours",
            "friday_hours",
            "saturday_hours",
            "sunday_hours",
        )
    }
    save_work_pattern(sam, {"effective_from": date(2026, 1, 1), **week})
    assert set_hours_from_hubstaff(sam, MARCH, Decimal(20)) is None
    assert [p.hours_per_week for p in WorkPattern.objects.filter(person=sam)] == [Decimal(42)]
