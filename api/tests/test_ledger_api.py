"""The API of the locked period, a run's ledger and undo: what it answers, 409 with the reason where the locked
period or a conflict refuses, and another organization's ids refused."""

from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from integrations.models import SyncRun
from integrations.services import runs
from people.models import Organization, Person
from projects.models import Project
from tests.factories import PersonFactory, ProjectFactory, WorkLogFactory
from worklogs import locks
from worklogs.models import LockedDifference, WorkLog

from .conftest import url


def synced_logs(project: Project, person: Person, first: date, days: int) -> list[WorkLog]:
    return [
        WorkLogFactory.create(
            project=project,
            person=person,
            date=first + timedelta(days=n),
            source="hubstaff",
            source_key=f"hubstaff:7:{person.pk}:{(first + timedelta(days=n)).isoformat()}",
        )
        for n in range(days)
    ]


@pytest.fixture
def project(org: Organization) -> Project:
    return ProjectFactory.create(organization=org, start_date=date(2026, 1, 1), end_date=None)


@pytest.fixture
def sam(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Sam Smith")


@pytest.fixture
def cleared(project: Project, sam: Person) -> SyncRun:
    synced_logs(project, sam, date(2026, 3, 1), 3)
    return runs.clear_project(project)


def test_the_lock_is_set_moved_back_with_a_reason_and_read(admin_api: APIClient, org: Organization) -> None:
    response = admin_api.post(url("worklog-lock/"), {"locked_through": "2026-10-31"}, format="json")
    assert response.status_code == 200 and response.json()["locked_through"] == "2026-10-31"
    refused = admin_api.post(url("worklog-lock/"), {"locked_through": "2026-09-30"}, format="json")
    assert refused.status_code == 409 and "Say why" in refused.json()["detail"]
    moved = admin_api.post(
        url("worklog-lock/"), {"locked_through": None, "reason": "audit re-opened"}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["locked_through"] is None
    events = moved.json()["events"]
    assert [(e["action"], e["reason"], e["made_by_name"]) for e in events] == [
        ("unlock", "audit re-opened", "Ada Admin"),
        ("lock", "", "Ada Admin"),
    ]


def test_managers_read_the_lock_but_do_not_move_it(manager_api: APIClient, org: Organization) -> None:
    locks.lock(org, date(2026, 10, 31), None)
    assert manager_api.get(url("worklog-lock/")).json()["locked_through"] == "2026-10-31"
    response = manager_api.post(url("worklog-lock/"), {"locked_through": None, "reason": "x"}, format="json")
    assert response.status_code == 403 and locks.locked_through(org.pk) == date(2026, 10, 31)


def test_a_manual_work_log_of_a_locked_day_answers_409_with_the_reason(
    manager_api: APIClient, project: Project, sam: Person, org: Organization
) -> None:
    old = WorkLogFactory.create(project=project, person=sam, date=date(2026, 10, 1))
    locks.lock(org, date(2026, 10, 31), None)
    created = manager_api.post(
        url(f"projects/{project.pk}/worklogs/"),
        {"person": sam.pk, "date": "2026-10-14", "hours": "8"},
        format="json",
    )
    assert created.status_code == 409
    assert created.json()["detail"].startswith("Work logs up to 31 Oct 2026 are locked")
    deleted = manager_api.delete(url(f"projects/{project.pk}/worklogs/{old.pk}/"))
    assert deleted.status_code == 409
    assert list(WorkLog.objects.values_list("pk", flat=True)) == [old.pk]


def test_a_runs_changes_are_listed_paged_and_by_person(
    manager_api: APIClient, project: Project, cleared: SyncRun, sam: Person, org: Organization
) -> None:
    response = manager_api.get(url(f"projects/{project.pk}/sync-runs/{cleared.pk}/changes/?page_size=2"))
    body = response.json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert body["results"][0] == {
        "kind": "deleted",
        "id": body["results"][0]["id"],
        "person_id": sam.pk,
        "date": "2026-03-01",
        "before": "1.00 h",
        "after": "",
    }
    dana = PersonFactory.create(organization=org)
    assert (
        manager_api.get(
            url(f"projects/{project.pk}/sync-runs/{cleared.pk}/changes/?person={dana.pk}")
        ).json()["count"]
        == 0
    )


def test_undo_answers_the_undo_run_then_refuses_a_second_time(
    manager_api: APIClient, project: Project, cleared: SyncRun
) -> None:
    response = manager_api.post(url(f"projects/{project.pk}/sync-runs/{cleared.pk}/undo/"), {}, format="json")
    assert response.status_code == 201
    assert (response.json()["mode"], response.json()["undoes"]) == ("undo", cleared.pk)
    assert WorkLog.objects.filter(project=project).count() == 3
    again = manager_api.post(url(f"projects/{project.pk}/sync-runs/{cleared.pk}/undo/"), {}, format="json")
    assert again.status_code == 409 and "undone already" in again.json()["detail"]


def test_undo_with_conflicts_answers_409_with_them_then_undoes_the_rest_when_confirmed(
    manager_api: APIClient, project: Project, cleared: SyncRun, sam: Person
) -> None:
    synced_logs(project, sam, date(2026, 3, 2), 1)  # synced again since
    path = url(f"projects/{project.pk}/sync-runs/{cleared.pk}/undo/")
    response = manager_api.post(path, {}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert [(c["date"], c["reason"]) for c in body["conflicts"]] == [
        ("2026-03-02", "synced again since this run")
    ]
    assert body["restorable"] == 2 and WorkLog.objects.filter(project=project).count() == 1
    confirmed = manager_api.post(path, {"confirm": True}, format="json")
    assert confirmed.status_code == 201 and len(confirmed.json()["undo_conflicts"]) == 1
    assert WorkLog.objects.filter(project=project).count() == 3


def test_clear_data_of_a_range_and_a_person(
    manager_api: APIClient, project: Project, sam: Person, org: Organization
) -> None:
    dana = PersonFactory.create(organization=org)
    synced_logs(project, sam, date(2026, 3, 1), 4)
    synced_logs(project, dana, date(2026, 3, 1), 4)
    response = manager_api.post(
        url(f"projects/{project.pk}/hubstaff/clear/"),
        {"start": "2026-03-02", "end": "2026-03-03", "person": sam.pk},
        format="json",
    )
    assert response.status_code == 200 and response.json()["worklogs_deleted"] == 2
    assert response.json()["sync_run"]["cleared_person"] == sam.pk


def test_administrators_list_and_accept_differences(
    admin_api: APIClient, manager_api: APIClient, project: Project, sam: Person, org: Organization
) -> None:
    (log,) = synced_logs(project, sam, date(2026, 3, 14), 1)
    locks.lock(org, date(2026, 3, 31), None)
    difference = LockedDifference.objects.create(
        organization=org,
        project=project,
        person=sam,
        date=log.date,
        source_key=log.source_key,
        worklog_id=log.pk,
        hubstaff_seconds=1800,
        kept_seconds=3600,
    )
    listed = admin_api.get(url(f"projects/{project.pk}/locked-differences/")).json()["results"]
    assert [d["description"] for d in listed] == [
        "Hubstaff now says 0.50 h for Sam Smith on 14 Mar 2026; Primetric keeps 1.00 h, locked"
    ]
    accept = url(f"projects/{project.pk}/locked-differences/accept/")
    assert manager_api.post(accept, {"difference": difference.pk}, format="json").status_code == 403
    assert admin_api.post(accept, {"difference": difference.pk}, format="json").status_code == 200
    log.refresh_from_db()
    assert log.duration_seconds == 1800


# -- another organization's ids


@pytest.fixture
def foreign(other_org: Organization) -> dict[str, object]:
    project = ProjectFactory.create(organization=other_org)
    person = PersonFactory.create(organization=other_org)
    (log,) = synced_logs(project, person, date(2026, 3, 14), 1)
    locks.lock(other_org, date(2026, 3, 31), None)
    difference = LockedDifference.objects.create(
        organization=other_org,
        project=project,
        person=person,
        date=log.date,
        source_key=log.source_key,
        worklog_id=log.pk,
        hubstaff_seconds=60,
        kept_seconds=3600,
    )
    run = runs.clear_project(project)
    return {"project": project, "person": person, "difference": difference, "run": run}


def test_another_organizations_run_is_not_found_for_its_changes_or_undo(
    all_roles_api: APIClient, project: Project, foreign: dict[str, object]
) -> None:
    run = foreign["run"]
    assert isinstance(run, SyncRun)
    changes = all_roles_api.get(url(f"projects/{project.pk}/sync-runs/{run.pk}/changes/"))
    assert changes.status_code == 404
    undone = all_roles_api.post(url(f"projects/{project.pk}/sync-runs/{run.pk}/undo/"), {}, format="json")
    assert undone.status_code == 404
    assert not SyncRun.objects.filter(mode="undo").exists()


def test_another_organizations_person_and_difference_are_refused(
    all_roles_api: APIClient, project: Project, cleared: SyncRun, foreign: dict[str, object]
) -> None:
    person, difference = foreign["person"], foreign["difference"]
    assert isinstance(person, Person) and isinstance(difference, LockedDifference)
    changes = all_roles_api.get(
        url(f"projects/{project.pk}/sync-runs/{cleared.pk}/changes/?person={person.pk}")
    )
    assert changes.status_code == 404
    clear = all_roles_api.post(
        url(f"projects/{project.pk}/hubstaff/clear/"), {"person": person.pk}, format="json"
    )
    assert clear.status_code == 400
    accept = all_roles_api.post(
        url(f"projects/{project.pk}/locked-differences/accept/"), {"difference": difference.pk}, format="json"
    )
    assert accept.status_code == 404
    assert LockedDifference.objects.filter(pk=difference.pk).exists()
    # Our lock and our differences show nothing of theirs.
    assert all_roles_api.get(url("worklog-lock/")).json() == {"locked_through": None, "events": []}
    assert all_roles_api.get(url(f"projects/{project.pk}/locked-differences/")).json()["count"] == 0
