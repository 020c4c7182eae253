"""A finished run's label is its result: no "Starting" or "being redone" stays on a run that has ended."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import token_client
from integrations.models import HubstaffProject, Installation, ProjectLink, SyncRun
from integrations.services import runs, sync
from people.models import Organization, Person
from projects.models import Project


@pytest.fixture
def linked(org: Organization, project: Project) -> ProjectLink:
    installation = Installation.objects.create(
        organization=org,
        status="installed",
        access_token="a",
        refresh_token="r",
        access_token_expires_at=timezone.now() + timedelta(hours=1),
    )
    HubstaffProject.objects.create(
        organization=org,
        installation=installation,
        hubstaff_id=200001,
        name="Project A",
        hubstaff_organization_id=100001,
    )
    return ProjectLink.objects.create(
        organization=org, project=project, enabled=True, hubstaff_project_ids=[200001]
    )


def shown(client: Client, manager: Person, project: Project, run: SyncRun) -> tuple[str, str, str]:
    """What a Manager sees of the run: the project page, its polled status block, and the API's label."""
    page = client.get(f"/acme/projects/{project.pk}/").content.decode()
    status = client.get(f"/acme/projects/{project.pk}/hubstaff/status/").content.decode()
    answer = token_client(manager).get(f"/api/v1/orgs/acme/sync-runs/{run.pk}/")
    assert answer.status_code == 200
    return page, status, answer.json()["progress"]["label"]


def test_a_run_that_fails_once_started_says_failed_and_why_not_starting(
    manager_client: Client, manager: Person, project: Project, linked: ProjectLink
) -> None:
    run = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    # Turned off after the request: the worker claims the run ("Starting"), then finds it may not sync.
    ProjectLink.objects.filter(pk=linked.pk).update(enabled=False)
    finished = sync.run_sync(run.pk)
    assert finished is not None and finished.status == "failed"

    page, status, label = shown(manager_client, manager, project, finished)
    assert label == "Failed: Tick Hubstaff in this project's Integration settings first."
    for html in (page, status):
        assert "Starting" not in html and "Waiting for a worker" not in html
        assert '<span class="badge danger">failed</span>' in html


def test_a_run_abandoned_by_the_recovery_check_says_failed_and_why_not_being_redone(
    manager_client: Client, manager: Person, project: Project, linked: ProjectLink
) -> None:
    run = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    assert runs.claim(run.pk) is not None
    later = timezone.now() + runs.lease_length() + timedelta(seconds=1)
    for _ in range(runs.MAX_TAKEOVERS):  # its worker dies each time the sync is redone
        assert runs.recover_runs(now=later) == 1
        assert "being redone" in SyncRun.objects.get(pk=run.pk).progress_label
        SyncRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=timezone.now())
    assert runs.recover_runs(now=later) == 1

    run.refresh_from_db()
    assert run.status == "failed" and run.finished_at is not None
    page, status, label = shown(manager_client, manager, project, run)
    assert label == f"Failed: {runs.ABANDONED_MESSAGE}"
    for html in (page, status):
        assert "being redone" not in html and "Starting" not in html
        assert "stopped answering several times" in html


def test_a_succeeded_run_says_succeeded_and_a_long_reason_fits_the_label() -> None:
    assert runs.result_label(SyncRun.Status.SUCCEEDED) == "Succeeded"
    label = runs.result_label(SyncRun.Status.FAILED, "Hubstaff said no. " * 40)
    assert label.startswith("Failed: Hubstaff said no.") and len(label) == runs.LABEL_LENGTH
