"""The Locked period page (Administrators) and the manual work-log pages on locked days."""

from datetime import date

import pytest
from django.test import Client

from people.models import Organization, Person
from projects.models import Project
from tests.factories import PersonFactory, ProjectFactory, WorkLogFactory
from worklogs import locks
from worklogs.models import LockEvent, WorkLog

URL = "/acme/settings/locked-period/"


def test_an_administrator_locks_october_and_moves_the_lock_back_with_a_reason(
    admin_client: Client, org: Organization
) -> None:
    response = admin_client.post(URL, {"action": "lock", "lock-locked_through": "2026-10-31"}, follow=True)
    assert "Work logs up to 31 Oct 2026 are locked." in response.content.decode()
    assert locks.locked_through(org.pk) == date(2026, 10, 31)

    refused = admin_client.post(URL, {"action": "move_back", "back-to": "2026-09-30", "back-reason": ""})
    assert refused.status_code == 200 and locks.locked_through(org.pk) == date(2026, 10, 31)

    response = admin_client.post(
        URL, {"action": "move_back", "back-to": "2026-09-30", "back-reason": "October re-opened"}, follow=True
    )
    text = response.content.decode()
    assert "The lock was moved back to 30 Sep 2026." in text
    assert "October re-opened" in text and "Ada Admin" in text  # the history: who, and why
    assert [e.action for e in LockEvent.objects.filter(organization=org)] == ["unlock", "lock"]


def test_managers_and_employees_cannot_open_the_locked_period_page(
    manager_client: Client, employee_client: Client
) -> None:
    assert manager_client.get(URL).status_code == 403
    assert employee_client.get(URL).status_code == 403


@pytest.fixture
def project(org: Organization) -> Project:
    return ProjectFactory.create(organization=org, start_date=date(2026, 1, 1), end_date=None)


@pytest.fixture
def sam(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Sam Smith")


def test_a_manual_work_log_cannot_be_added_on_a_locked_day(
    manager_client: Client, project: Project, sam: Person, org: Organization
) -> None:
    locks.lock(org, date(2026, 10, 31), None)
    response = manager_client.post(
        f"/acme/projects/{project.pk}/worklogs/new/", {"person": sam.pk, "date": "2026-10-14", "hours": "8"}
    )
    assert response.status_code == 200
    assert "Work logs up to 31 Oct 2026 are locked" in response.content.decode()
    assert not WorkLog.objects.exists()
    manager_client.post(
        f"/acme/projects/{project.pk}/worklogs/new/", {"person": sam.pk, "date": "2026-11-02", "hours": "8"}
    )
    assert WorkLog.objects.get().date == date(2026, 11, 2)


def test_a_manual_work_log_of_a_locked_day_cannot_be_deleted(
    manager_client: Client, project: Project, sam: Person, org: Organization
) -> None:
    log = WorkLogFactory.create(project=project, person=sam, date=date(2026, 10, 14))
    locks.lock(org, date(2026, 10, 31), None)
    response = manager_client.post(f"/acme/projects/{project.pk}/worklogs/{log.pk}/delete/", follow=True)
    assert "are locked" in response.content.decode()
    assert WorkLog.objects.filter(pk=log.pk).exists()


def test_another_organizations_lock_is_its_own(
    admin_client: Client, org: Organization, other_org: Organization
) -> None:
    locks.lock(other_org, date(2026, 12, 31), None)
    text = admin_client.get(URL).content.decode()
    assert "Nothing is locked" in text and "31 Dec 2026" not in text
    assert locks.locked_through(org.pk) is None
