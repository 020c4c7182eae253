from datetime import date

import pytest

from projects.models import Assignment, Project
from tests.factories import AssignmentFactory, PersonFactory


def test_manager_creates_a_project_and_lands_on_its_page(manager_client, org):
    response = manager_client.post(
        "/acme/projects/new/", {"name": "Apollo", "start_date": "2026-01-01", "end_date": "2026-09-22"}
    )
    project = Project.objects.get(organization=org, name="Apollo")
    assert response["Location"] == f"/acme/projects/{project.pk}/"
    assert "Apollo" in manager_client.get(response["Location"]).content.decode()


def test_project_ending_before_it_starts_gives_a_form_error(manager_client, org):
    response = manager_client.post(
        "/acme/projects/new/", {"name": "Bad", "start_date": "2026-05-01", "end_date": "2026-04-01"}
    )
    assert response.status_code == 200
    assert "The end date cannot be before the start date." in response.content.decode()
    assert not Project.objects.filter(name="Bad").exists()


def test_project_without_name_or_start_is_refused(manager_client, org):
    response = manager_client.post("/acme/projects/new/", {"name": "", "start_date": "not a date"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert "Enter a valid date." in response.content.decode()


def test_project_list_hides_archived_unless_asked(manager_client, org):
    Project.objects.create(organization=org, name="Old one", start_date=date(2025, 1, 1), archived=True)
    Project.objects.create(organization=org, name="Live one", start_date=date(2026, 1, 1))
    page = manager_client.get("/acme/projects/").content.decode()
    assert "Live one" in page and "Old one" not in page
    assert "Old one" in manager_client.get("/acme/projects/?show=all").content.decode()


def test_manager_assigns_a_person(manager_client, project, employee):
    response = manager_client.post(
        f"/acme/projects/{project.pk}/assignments/new/",
        {"person": employee.pk, "start_date": "2026-02-01", "end_date": "2026-03-19", "hours_per_day": "6"},
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get(project=project, person=employee)
    assert (assignment.start_date, assignment.end_date, assignment.origin) == (
        date(2026, 2, 1),
        date(2026, 3, 19),
        "manual",
    )


def test_assignment_outside_the_project_dates_is_refused(manager_client, project, employee):
    response = manager_client.post(
        f"/acme/projects/{project.pk}/assignments/new/",
        {"person": employee.pk, "start_date": "2025-12-01", "end_date": "2026-10-01", "hours_per_day": "8"},
    )
    assert response.status_code == 200
    assert "The project starts on" in response.content.decode()
    assert not Assignment.objects.exists()


def test_another_organizations_person_cannot_be_assigned(manager_client, project, other_org):
    stranger = PersonFactory(organization=other_org)
    response = manager_client.post(
        f"/acme/projects/{project.pk}/assignments/new/",
        {"person": stranger.pk, "start_date": "2026-02-01", "end_date": "2026-03-01", "hours_per_day": "8"},
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not Assignment.objects.exists()


def test_manager_edits_and_removes_an_assignment(manager_client, project, employee):
    assignment = AssignmentFactory(project=project, person=employee)
    manager_client.post(
        f"/acme/projects/{project.pk}/assignments/{assignment.pk}/edit/",
        {"person": employee.pk, "start_date": "2026-03-01", "end_date": "2026-04-01", "hours_per_day": "4"},
    )
    assignment.refresh_from_db()
    assert assignment.hours_per_day == 4
    manager_client.post(f"/acme/projects/{project.pk}/assignments/{assignment.pk}/delete/")
    assert not Assignment.objects.filter(pk=assignment.pk).exists()


def test_another_organizations_project_and_assignment_are_not_found(manager_client, other_project):
    foreign = AssignmentFactory(project=other_project)
    assert manager_client.get(f"/acme/projects/{other_project.pk}/").status_code == 404
    assert manager_client.get(f"/acme/projects/{other_project.pk}/edit/").status_code == 404
    assert (
        manager_client.post(f"/acme/projects/{other_project.pk}/assignments/{foreign.pk}/delete/").status_code
        == 404
    )
    assert Assignment.objects.filter(pk=foreign.pk).exists()


def test_an_assignment_is_looked_up_inside_its_project(manager_client, org, project, employee):
    elsewhere = Project.objects.create(organization=org, name="Elsewhere", start_date=date(2026, 1, 1))
    assignment = AssignmentFactory(project=elsewhere, person=employee)
    assert (
        manager_client.get(f"/acme/projects/{project.pk}/assignments/{assignment.pk}/edit/").status_code
        == 404
    )


@pytest.mark.parametrize("path", ["/acme/projects/", "/acme/projects/new/"])
def test_employee_cannot_reach_manager_pages(employee_client, path):
    assert employee_client.get(path).status_code == 403


def test_project_page_tells_synced_and_manual_assignments_apart(manager_client, project, employee):
    AssignmentFactory(project=project, person=employee, origin="sync", trimmed=True)
    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    assert "sync, trimmed" in page
