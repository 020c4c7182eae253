from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from people.models import Person
from projects.models import Project
from tests.factories import AssignmentFactory, WorkLogFactory
from worklogs.models import WorkLog


@pytest.mark.django_db
def test_duration_must_be_positive() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkLogFactory.create(duration_seconds=0)


@pytest.mark.django_db
def test_source_key_is_unique_per_project_and_source() -> None:
    log = WorkLogFactory.create(source="hubstaff", source_key="hubstaff:1:2:2026-02-02")
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkLogFactory.create(project=log.project, source="hubstaff", source_key="hubstaff:1:2:2026-02-02")


@pytest.mark.django_db
def test_manual_logs_need_no_source_key_and_may_repeat() -> None:
    log = WorkLogFactory.create()
    WorkLogFactory.create(project=log.project, person=log.person)
    assert WorkLog.objects.filter(project=log.project).count() == 2


@pytest.mark.django_db
def test_synced_log_needs_a_source_key() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkLogFactory.create(source="hubstaff", source_key="")


def test_manager_adds_a_manual_work_log_linked_to_the_assignment(
    manager_client: Client, project: Project, employee: Person
) -> None:
    assignment = AssignmentFactory.create(project=project, person=employee)
    response = manager_client.post(
        f"/acme/projects/{project.pk}/worklogs/new/",
        {"person": employee.pk, "date": "2026-02-03", "hours": "1.5", "note": "Review"},
    )
    assert response.status_code == 302
    log = WorkLog.objects.get(project=project)
    assert (log.duration_seconds, log.source, log.assignment) == (5400, "manual", assignment)
    assert "Review" in manager_client.get(f"/acme/projects/{project.pk}/").content.decode()


def test_work_log_outside_the_project_is_refused(
    manager_client: Client, project: Project, employee: Person
) -> None:
    response = manager_client.post(
        f"/acme/projects/{project.pk}/worklogs/new/",
        {"person": employee.pk, "date": "2027-01-01", "hours": "1"},
    )
    assert "The date must be within the project&#x27;s dates." in response.content.decode()
    assert not WorkLog.objects.exists()


def test_synced_work_logs_cannot_be_deleted_by_hand(
    manager_client: Client, project: Project, employee: Person
) -> None:
    log = WorkLogFactory.create(project=project, person=employee, source="hubstaff", source_key="k")
    assert manager_client.post(f"/acme/projects/{project.pk}/worklogs/{log.pk}/delete/").status_code == 404
    assert WorkLog.objects.filter(pk=log.pk).exists()


def test_another_organizations_work_log_is_not_found(
    manager_client: Client, project: Project, other_project: Project
) -> None:
    foreign = WorkLogFactory.create(project=other_project)
    assert (
        manager_client.post(f"/acme/projects/{project.pk}/worklogs/{foreign.pk}/delete/").status_code == 404
    )
    assert (
        manager_client.post(f"/acme/projects/{other_project.pk}/worklogs/{foreign.pk}/delete/").status_code
        == 404
    )
    assert WorkLog.objects.filter(pk=foreign.pk).exists()


def test_employee_sees_only_their_own_work(
    employee_client: Client, employee: Person, manager: Person, project: Project
) -> None:
    AssignmentFactory.create(project=project, person=employee)
    WorkLogFactory.create(project=project, person=employee, note="mine", date=date(2026, 2, 4))
    WorkLogFactory.create(project=project, person=manager, note="not mine")
    page = employee_client.get("/acme/my-work/").content.decode()
    assert "mine" in page and "not mine" not in page and "Project A" in page
