"""Assignments, under their project and at organization level: the page's AssignmentForm decides what is valid."""

from datetime import date
from decimal import Decimal

import pytest

from api.tests.conftest import url
from projects.models import Assignment
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory


@pytest.fixture
def bobby(org):
    return PersonFactory(organization=org, full_name="Bobby", email="bobby@acme.test")


@pytest.fixture
def assignment(project, bobby):
    return AssignmentFactory(
        project=project, person=bobby, start_date=date(2026, 2, 1), end_date=date(2026, 3, 19)
    )


def test_manager_lists_a_projects_assignments(manager_api, assignment, project, bobby):
    AssignmentFactory(project=ProjectFactory(organization=project.organization))  # another project's
    response = manager_api.get(url(f"projects/{project.pk}/assignments/"))
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": assignment.pk,
            "project": project.pk,
            "person": bobby.pk,
            "person_name": "Bobby",
            "start_date": "2026-02-01",
            "end_date": "2026-03-19",
            "hours_per_day": 8.0,
            "origin": "manual",
            "trimmed": False,
            "created_at": response.json()["results"][0]["created_at"],
            "updated_at": response.json()["results"][0]["updated_at"],
        }
    ]


def test_manager_assigns_a_person(manager_api, project, bobby):
    response = manager_api.post(
        url(f"projects/{project.pk}/assignments/"),
        {"person": bobby.pk, "start_date": "2026-02-01", "end_date": "2026-02-28", "hours_per_day": "4.5"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assignment = Assignment.objects.get(pk=response.json()["id"])
    assert (assignment.project, assignment.person, assignment.hours_per_day, assignment.origin) == (
        project,
        bobby,
        Decimal("4.5"),
        "manual",
    )
    assert assignment.organization_id == project.organization_id


def test_hours_per_day_defaults_to_eight(manager_api, project, bobby):
    response = manager_api.post(
        url(f"projects/{project.pk}/assignments/"),
        {"person": bobby.pk, "start_date": "2026-02-01", "end_date": "2026-02-28"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["hours_per_day"] == 8.0


def test_origin_cannot_be_set_by_the_client(manager_api, project, bobby):
    response = manager_api.post(
        url(f"projects/{project.pk}/assignments/"),
        {"person": bobby.pk, "start_date": "2026-02-01", "end_date": "2026-02-28", "origin": "sync"},
        format="json",
    )
    assert response.json()["origin"] == "manual"


def test_person_of_another_organization_is_a_400(manager_api, project, other_org):
    stranger = PersonFactory(organization=other_org)
    response = manager_api.post(
        url(f"projects/{project.pk}/assignments/"),
        {"person": stranger.pk, "start_date": "2026-02-01", "end_date": "2026-02-28"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"person": [f"No person with id {stranger.pk} in this organization."]}
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    "start, end, field, message",
    [
        ("2025-12-01", "2026-02-01", "start_date", "The project starts on 01 Jan 2026."),
        ("2026-02-01", "2026-12-01", "end_date", "The project ends on 22 Sep 2026."),
        ("2026-03-01", "2026-02-01", "end_date", "The end date cannot be before the start date."),
    ],
)
def test_dates_must_be_within_the_project(manager_api, project, bobby, start, end, field, message):
    response = manager_api.post(
        url(f"projects/{project.pk}/assignments/"),
        {"person": bobby.pk, "start_date": start, "end_date": end},
        format="json",
    )
    assert response.status_code == 400
    assert message in response.json()[field]


@pytest.mark.parametrize("hours", ["25", "-1", "1.234", "abc"])
def test_bad_hours_per_day_is_a_400(manager_api, project, bobby, hours):
    response = manager_api.post(
        url(f"projects/{project.pk}/assignments/"),
        {"person": bobby.pk, "start_date": "2026-02-01", "end_date": "2026-02-28", "hours_per_day": hours},
        format="json",
    )
    assert response.status_code == 400 and "hours_per_day" in response.json()


@pytest.mark.parametrize("person", ["abc", None, 2**70, -1, True])
def test_bad_person_is_a_400(manager_api, project, person):
    response = manager_api.post(
        url(f"projects/{project.pk}/assignments/"),
        {"person": person, "start_date": "2026-02-01", "end_date": "2026-02-28"},
        format="json",
    )
    assert response.status_code == 400 and "person" in response.json()


def test_update_under_the_project_and_at_organization_level(manager_api, assignment, project):
    response = manager_api.patch(
        url(f"projects/{project.pk}/assignments/{assignment.pk}/"), {"hours_per_day": 6}, format="json"
    )
    assert response.status_code == 200, response.json()
    response = manager_api.patch(
        url(f"assignments/{assignment.pk}/"), {"end_date": "2026-03-31"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assignment.refresh_from_db()
    assert (assignment.hours_per_day, assignment.end_date) == (Decimal("6"), date(2026, 3, 31))


def test_update_checks_the_projects_dates(manager_api, assignment):
    response = manager_api.patch(
        url(f"assignments/{assignment.pk}/"), {"end_date": "2027-01-01"}, format="json"
    )
    assert response.status_code == 400 and "end_date" in response.json()


def test_delete(manager_api, assignment):
    assert manager_api.delete(url(f"assignments/{assignment.pk}/")).status_code == 204
    assert not Assignment.objects.filter(pk=assignment.pk).exists()


def test_assignment_of_another_project_is_404_under_this_project(manager_api, assignment, org):
    elsewhere = ProjectFactory(organization=org)
    assert manager_api.get(url(f"projects/{elsewhere.pk}/assignments/{assignment.pk}/")).status_code == 404


def test_organization_list_filters_by_person_and_project(manager_api, assignment, bobby, org):
    AssignmentFactory(project=ProjectFactory(organization=org))
    results = manager_api.get(url("assignments/"), {"person": bobby.pk}).json()["results"]
    assert [a["id"] for a in results] == [assignment.pk]
    assert manager_api.get(url("assignments/")).json()["count"] == 2
    assert manager_api.get(url("assignments/"), {"person": "x"}).status_code == 400


def test_employee_may_not(employee_api, assignment, project):
    assert employee_api.get(url(f"projects/{project.pk}/assignments/")).status_code == 403
    assert employee_api.delete(url(f"assignments/{assignment.pk}/")).status_code == 403
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def test_another_organizations_assignment_is_404_and_unchanged(manager_api, other_project, project):
    theirs = AssignmentFactory(project=other_project)
    for path in (
        url(f"assignments/{theirs.pk}/"),
        url(f"projects/{project.pk}/assignments/{theirs.pk}/"),
        url(f"projects/{other_project.pk}/assignments/{theirs.pk}/"),
    ):
        assert manager_api.get(path).status_code == 404
        assert manager_api.patch(path, {"hours_per_day": 1}, format="json").status_code == 404
        assert manager_api.delete(path).status_code == 404
    theirs.refresh_from_db()
    assert theirs.hours_per_day == 8
    assert manager_api.get(url("assignments/")).json()["count"] == 0


def test_unauthenticated_gets_401(anonymous_api, project):
    assert anonymous_api.get(url(f"projects/{project.pk}/assignments/")).status_code == 401
