"""A small, exact plan for the planning views' tests (weeks of 2 and 9 February 2026)."""

from datetime import date

import pytest

from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory, WorkLogFactory

HOUR = 3600
PERIOD = {"date_from": "2026-02-02", "date_to": "2026-02-15"}


@pytest.fixture
def plan(org, other_org, project, employee):
    """Eve: 8 h/day Wed 4 to Tue 10 Feb on Project A (24 h + 16 h planned); logged 16 h, then 16 h.
    Bob: no assignment, 2 h logged on Project B (unplanned). Globex: a plan and logs that must never show."""
    project_b = ProjectFactory(organization=org, name="Project B")
    bob = PersonFactory(organization=org, full_name="Bob Builder", email="bob@acme.test")
    AssignmentFactory(
        project=project,
        person=employee,
        start_date=date(2026, 2, 4),
        end_date=date(2026, 2, 10),
        hours_per_day=8,
    )
    WorkLogFactory(project=project, person=employee, date=date(2026, 2, 3), duration_seconds=8 * HOUR)
    WorkLogFactory(project=project, person=employee, date=date(2026, 2, 5), duration_seconds=8 * HOUR)
    WorkLogFactory(
        project=project,
        person=employee,
        date=date(2026, 2, 9),
        duration_seconds=16 * HOUR,
        note="=HYPERLINK(1)",
    )
    WorkLogFactory(project=project_b, person=bob, date=date(2026, 2, 12), duration_seconds=2 * HOUR)
    WorkLogFactory(
        project=project, person=employee, date=date(2026, 3, 2), duration_seconds=5 * HOUR
    )  # after the period

    globex_project = ProjectFactory(organization=other_org, name="Globex secret project")
    globex_person = PersonFactory(organization=other_org, full_name="Gina Globex", email="gina@globex.test")
    AssignmentFactory(
        project=globex_project, person=globex_person, start_date=date(2026, 2, 2), end_date=date(2026, 2, 13)
    )
    WorkLogFactory(
        project=globex_project, person=globex_person, date=date(2026, 2, 3), duration_seconds=99 * HOUR
    )
    return {
        "project_b": project_b,
        "bob": bob,
        "globex_project": globex_project,
        "globex_person": globex_person,
    }
