"""Tenant keys (people/tenant_keys.py): PostgreSQL itself refuses working hours or time off naming a person of
another organization, whatever the code above it does."""

from collections.abc import Callable
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from capacity.models import TimeOff, WorkPattern
from people.models import Organization, Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def checked_now(create: Callable[[], object]) -> object:
    """Run `create` with the keys checked at once (they are deferred to the commit, which a test never reaches)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        return create()


@pytest.fixture
def theirs(other_org: Organization) -> Person:
    return PersonFactory.create(organization=other_org)


def test_working_hours_of_another_organizations_person_are_refused(org: Organization, theirs: Person) -> None:
    with pytest.raises(IntegrityError):
        checked_now(
            lambda: WorkPattern.objects.create(
                organization=org, person=theirs, effective_from=date(2026, 3, 1)
            )
        )


@pytest.mark.parametrize("field", ["person", "requested_by", "decided_by"])
def test_time_off_naming_another_organizations_person_is_refused(
    org: Organization, theirs: Person, field: str
) -> None:
    ours = PersonFactory.create(organization=org)
    people = {"person": ours, "requested_by": ours, "decided_by": ours, field: theirs}
    with pytest.raises(IntegrityError):
        checked_now(
            lambda: TimeOff.objects.create(
                organization=org, start_date=date(2026, 3, 2), end_date=date(2026, 3, 2), **people
            )
        )


def test_rows_of_one_organization_save(org: Organization) -> None:
    ours = PersonFactory.create(organization=org)
    checked_now(
        lambda: WorkPattern.objects.create(organization=org, person=ours, effective_from=date(2026, 3, 1))
    )
    checked_now(
        lambda: TimeOff.objects.create(
            organization=org,
            person=ours,
            requested_by=ours,
            start_date=date(2026, 3, 2),
            end_date=date(2026, 3, 2),
        )
    )
    assert WorkPattern.objects.count() == TimeOff.objects.count() == 1
