from datetime import date

import pytest
from django.db import IntegrityError, transaction

from tests.factories import AssignmentFactory, ProjectFactory


@pytest.mark.django_db
def test_project_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(start_date=date(2026, 5, 1), end_date=date(2026, 4, 30))


@pytest.mark.django_db
def test_project_may_be_open_ended():
    assert ProjectFactory(end_date=None).end_date is None


@pytest.mark.django_db
def test_assignment_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentFactory(start_date=date(2026, 5, 1), end_date=date(2026, 4, 30))


@pytest.mark.django_db
@pytest.mark.parametrize("hours", [-1, 25])
def test_assignment_hours_per_day_stay_within_a_day(hours):
    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentFactory(hours_per_day=hours)
