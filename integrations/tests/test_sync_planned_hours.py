"""What an assignment made by a sync plans, against the sandbox over real HTTP: the person's synced hours spread over
the days they can work in its dates (capacity), not 8 h on every day of the project."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db.models import Sum

from capacity.models import Holiday, WorkPattern
from hubstaff_sandbox.testing import SandboxClient
from integrations.models import Installation, SyncRun
from integrations.services import runs, sync
from integrations.services.links import update_link
from people.models import Organization, Person
from projects.models import Assignment, Project
from tests.factories import PersonFactory, ProjectFactory
from worklogs.models import WorkLog

from . import test_reconcile

TODAY = date(2026, 11, 24)

hs = test_reconcile.hs
installed = test_reconcile.installed


@pytest.fixture
def sam(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Sam Smith", email="sam@acme.test")


def synced_project(org: Organization, hs: SandboxClient, *, trim: bool) -> Project:
    project = ProjectFactory.create(
        organization=org, name="Project A", start_date=date(2026, 1, 1), end_date=date(2026, 9, 22)
    )
    update_link(
        project, enabled=True, hubstaff_project_ids=[hs.ids()["projects"]["Project A"]], trim_assignments=trim
    )
    queued = runs.request_sync(project, mode=SyncRun.Mode.RESET, trigger="manual", send_task=False)
    run = sync.run_sync(queued.pk, today=TODAY)
    assert run is not None and run.status == "succeeded", run and run.error
    return project


def weekdays(first: date, last: date, but: frozenset[date] = frozenset()) -> int:
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return sum(1 for day in days if day.weekday() < 5 and day not in but)


def quarter(hours: Decimal) -> Decimal:
    return (hours * 4).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 4


def logged_hours(project: Project, person: Person) -> Decimal:
    seconds = WorkLog.objects.filter(project=project, person=person).aggregate(s=Sum("duration_seconds"))["s"]
    return Decimal(seconds) / 3600


def test_a_synced_assignment_plans_the_logged_hours_over_its_working_days(
    org: Organization, hs: SandboxClient, installed: Installation, sam: Person
) -> None:
    project = synced_project(org, hs, trim=True)

    (assignment,) = Assignment.objects.filter(project=project, person=sam)
    assert assignment.origin == Assignment.Origin.SYNC and assignment.trimmed
    workdays = weekdays(assignment.start_date, assignment.end_date)
    expected = quarter(logged_hours(project, sam) / workdays)
    assert assignment.hours_per_day == expected < 8
    # planned over the assignment, within a quarter hour a day of what was logged
    assert (
        abs(assignment.hours_per_day * workdays - logged_hours(project, sam)) <= Decimal("0.125") * workdays
    )


def test_an_untrimmed_assignment_over_the_whole_project_plans_no_more_than_was_logged(
    org: Organization, hs: SandboxClient, installed: Installation, sam: Person
) -> None:
    """The project runs January to September; Sam logged a few days: no longer 8 h on each of 190 working days."""
    project = synced_project(org, hs, trim=False)

    (assignment,) = Assignment.objects.filter(project=project, person=sam)
    assert (assignment.start_date, assignment.end_date) == (project.start_date, project.end_date)
    planned = assignment.hours_per_day * weekdays(assignment.start_date, assignment.end_date)
    assert planned < logged_hours(project, sam) + 50  # rounding up to a quarter hour a day, at most
    assert assignment.hours_per_day <= 1


def test_holidays_and_part_time_hours_shape_what_it_plans(
    org: Organization, hs: SandboxClient, installed: Installation, sam: Person
) -> None:
    WorkPattern.objects.create(
        organization=org,
        person=sam,
        effective_from=date(2026, 1, 1),
        monday_hours=Decimal(2),
        tuesday_hours=Decimal(2),
        wednesday_hours=Decimal(2),
        thursday_hours=Decimal(2),
        friday_hours=Decimal(2),
    )
    holidays = frozenset({date(2026, 3, 2), date(2026, 3, 3)})
    for day in holidays:
        Holiday.objects.create(organization=org, date=day, name="Closed")

    project = synced_project(org, hs, trim=True)

    (assignment,) = Assignment.objects.filter(project=project, person=sam)
    assert assignment.hours_per_day <= 2  # never more than the most Sam can work in a day
    workdays = weekdays(assignment.start_date, assignment.end_date, holidays)
    assert assignment.hours_per_day == min(Decimal(2), quarter(logged_hours(project, sam) / workdays))
