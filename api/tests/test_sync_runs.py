"""projects/{id}/sync-runs/ and sync-runs/{id}/: the history of syncs, with progress, counts and warnings."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.tests.conftest import url
from integrations.models import SyncRun
from tests.factories import ProjectFactory


@pytest.fixture
def finished_run(project):
    now = timezone.now()
    return SyncRun.objects.create(
        organization=project.organization,
        project=project,
        mode="reset",
        trigger="manual",
        status="succeeded",
        progress_done=4,
        progress_total=4,
        progress_label="Done",
        worklogs_created=12,
        worklogs_updated=1,
        assignments_created=1,
        missing_teammates=[{"hubstaff_user_id": 7, "name": "Sam", "email": "sam@x.test", "seconds": 7200}],
        skipped_people=[{"person_id": 3, "name": "Bob", "email": "bob@x.test", "seconds": 60}],
        seconds_not_synced=7260,
        queued_at=now - timedelta(minutes=5),
        started_at=now - timedelta(minutes=4),
        finished_at=now,
    )


def test_run_reads_with_status_progress_counts_and_warnings(manager_api, finished_run, project):
    response = manager_api.get(url(f"sync-runs/{finished_run.pk}/"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "succeeded" and body["mode"] == "reset" and body["project"] == project.pk
    assert body["progress"] == {"done": 4, "total": 4, "percent": 100, "label": "Done"}
    assert (
        body["worklogs_created"],
        body["worklogs_updated"],
        body["worklogs_deleted"],
        body["assignments_created"],
    ) == (12, 1, 0, 1)
    assert body["missing_teammates"] == [
        {"hubstaff_user_id": 7, "name": "Sam", "email": "sam@x.test", "seconds": 7200, "reason": ""}
    ]
    assert body["skipped_people"] == [{"person_id": 3, "name": "Bob", "email": "bob@x.test", "seconds": 60}]
    assert body["error"] == "" and body["started_at"] and body["finished_at"] and body["queued_at"]
    assert manager_api.get(url(f"projects/{project.pk}/sync-runs/{finished_run.pk}/")).json() == body


def test_project_history_is_newest_first_and_only_this_project(manager_api, finished_run, project, org):
    newer = SyncRun.objects.create(
        organization=org, project=project, mode="incremental", status="failed", error="Hubstaff said no"
    )
    SyncRun.objects.create(
        organization=org, project=ProjectFactory(organization=org), mode="reset", status="succeeded"
    )
    response = manager_api.get(url(f"projects/{project.pk}/sync-runs/"))
    assert [r["id"] for r in response.json()["results"]] == [newer.pk, finished_run.pk]
    assert response.json()["results"][0]["error"] == "Hubstaff said no"


def test_run_of_another_project_is_404_under_this_project(manager_api, finished_run, org):
    elsewhere = ProjectFactory(organization=org)
    assert manager_api.get(url(f"projects/{elsewhere.pk}/sync-runs/{finished_run.pk}/")).status_code == 404


def test_only_managers(admin_api, employee_api, finished_run, project):
    for client in (admin_api, employee_api):
        assert client.get(url(f"sync-runs/{finished_run.pk}/")).status_code == 403
        assert client.get(url(f"projects/{project.pk}/sync-runs/")).status_code == 403


def test_another_organizations_runs_are_404(manager_api, other_project, project):
    theirs = SyncRun.objects.create(
        organization=other_project.organization, project=other_project, mode="reset", status="succeeded"
    )
    assert manager_api.get(url(f"sync-runs/{theirs.pk}/")).status_code == 404
    assert manager_api.get(url(f"projects/{project.pk}/sync-runs/{theirs.pk}/")).status_code == 404
    assert manager_api.get(url(f"projects/{other_project.pk}/sync-runs/")).status_code == 404


def test_unauthenticated_gets_401(anonymous_api, finished_run):
    assert anonymous_api.get(url(f"sync-runs/{finished_run.pk}/")).status_code == 401
