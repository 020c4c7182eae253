"""The sync panel a Manager watches: a run that keeps retrying says for how long, which attempt comes and when it
gives up, with a countdown that is the task's real one; Cancel while it waits; an earlier failure is not a red
alert under a run under way."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import signed_in
from integrations import tasks
from integrations.hubstaff.errors import TransientHubstaffError
from integrations.models import HubstaffProject, Installation, ProjectLink, SyncRun
from integrations.services import runs, sync, waiting
from integrations.views.project import retry_delays
from people.models import Organization, Person
from people.roles import Role
from projects.models import Project
from tests.factories import ProjectFactory


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


def status(client: Client, project: Project) -> str:
    response = client.get(f"/acme/projects/{project.pk}/hubstaff/status/")
    assert response.status_code == 200
    return response.content.decode()


def retrying_run(project: Project, retries: int, *, tried_for: timedelta = timedelta(minutes=5)) -> SyncRun:
    """A run whose attempt after `retries` retries just failed: queued again by waiting.py as a worker does it."""
    run = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    SyncRun.objects.filter(pk=run.pk).update(
        status="running", queued_at=timezone.now() - tried_for, started_at=timezone.now()
    )
    run.refresh_from_db()
    with pytest.raises(runs.RetryLater):
        waiting.retry_or_fail(
            run, TransientHubstaffError("502"), final_attempt=False, retry_in=retry_delays()[retries]
        )
    run.refresh_from_db()
    return run


def test_the_tasks_policy_gives_the_waits_the_panel_counts_down() -> None:
    assert retry_delays() == [60, 120, 240, 480, 960]


@pytest.mark.django_db  # the task asks for the run's installation slot (fairness.py): none for a run not found
@pytest.mark.parametrize("retries", [0, 1, 2, 3, 4])
def test_trying_again_in_n_seconds_is_when_celery_sends_the_retry(
    retries: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wait the run's page names (the task's `retry_in`) is the countdown Celery's autoretry gives the retry."""
    named: list[float] = []
    sent: list[Any] = []

    def failing(run_id: int, *, final_attempt: bool, retry_in: float) -> None:
        named.append(retry_in)
        raise runs.RetryLater("Hubstaff is busy", retry_in)

    def retry(**kwargs: Any) -> Exception:
        sent.append(kwargs.get("countdown"))
        return RuntimeError("retry sent")

    monkeypatch.setattr(sync, "run_sync", failing)
    monkeypatch.setattr(tasks.sync_project_task, "retry", retry)
    tasks.sync_project_task.apply(args=[1], retries=retries)
    assert named == sent == [retry_delays()[retries]]


def test_a_retrying_run_says_for_how_long_which_attempt_and_when_it_gives_up(
    manager_client: Client, project: Project, linked: ProjectLink
) -> None:
    run = retrying_run(project, retries=1, tried_for=timedelta(minutes=12))
    html = status(manager_client, project)
    assert "trying again" in html
    seconds = int(re.search(r'class="retry-countdown"[^>]*>(\d+) s<', html).group(1))  # type: ignore[union-attr]
    assert 118 <= seconds <= 120  # 120 s after the failure, counted from when it was queued again
    assert "for 12\xa0minutes" in html
    assert "Next is attempt 3 of 6" in html
    assert run.heartbeat_at is not None  # when the retry is due
    gives_up = timezone.localtime(run.heartbeat_at + timedelta(seconds=240 + 480 + 960))
    assert f"gives up after the last attempt, at about {gives_up:%H:%M}" in html
    assert "Hubstaff is busy; trying again in 120 s." not in html  # the label's frozen words are not shown


def test_the_countdown_goes_down_as_time_passes(
    manager_client: Client, project: Project, linked: ProjectLink
) -> None:
    run = retrying_run(project, retries=0)
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() + timedelta(seconds=25))
    html = status(manager_client, project)
    assert re.search(r'class="retry-countdown"[^>]*>2[45] s<', html)


def test_a_manager_cancels_a_retrying_run(
    manager_client: Client, project: Project, linked: ProjectLink
) -> None:
    run = retrying_run(project, retries=2)
    assert "Cancel</button>" in status(manager_client, project)
    response = manager_client.post(f"/acme/projects/{project.pk}/hubstaff/runs/{run.pk}/cancel/")
    assert response.status_code == 302 and response["Location"].endswith("#sync-status")
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "Cancelled by Max Manager.")
    assert run.progress_label == "Failed: Cancelled by Max Manager."
    html = status(manager_client, project)
    assert "Cancelled by Max Manager." in html and "Cancel</button>" not in html


def test_a_run_a_worker_holds_is_not_cancelled(
    manager_client: Client, project: Project, linked: ProjectLink
) -> None:
    run = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    runs.claim(run.pk)
    assert "Cancel</button>" not in status(manager_client, project)
    response = manager_client.post(f"/acme/projects/{project.pk}/hubstaff/runs/{run.pk}/cancel/", follow=True)
    run.refresh_from_db()
    assert run.status == "running"
    assert "could not be cancelled" in response.content.decode()


def test_an_employee_cannot_cancel(
    org: Organization, make_member: Any, project: Project, linked: ProjectLink
) -> None:
    employee: Person = make_member(org, Role.EMPLOYEE, full_name="Eve Employee", email="eve@acme.test")
    run = retrying_run(project, retries=0)
    response = signed_in(employee).post(f"/acme/projects/{project.pk}/hubstaff/runs/{run.pk}/cancel/")
    assert response.status_code == 403
    run.refresh_from_db()
    assert run.status == "queued"


def test_another_organizations_run_cannot_be_cancelled(
    manager_client: Client, project: Project, linked: ProjectLink, other_org: Organization
) -> None:
    theirs = ProjectFactory.create(organization=other_org, name="Globex project")
    their_run = SyncRun.objects.create(
        organization=other_org, project=theirs, mode="reset", status="queued", queued_at=timezone.now()
    )
    # Their run id under our project, and under theirs: both unknown here.
    for project_id in (project.pk, theirs.pk):
        response = manager_client.post(f"/acme/projects/{project_id}/hubstaff/runs/{their_run.pk}/cancel/")
        assert response.status_code == 404
    their_run.refresh_from_db()
    assert their_run.status == "queued"


def test_an_earlier_failure_is_no_red_alert_under_a_run_under_way(
    manager_client: Client, project: Project, linked: ProjectLink
) -> None:
    failed = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    runs.finish(failed, "failed", error="Hubstaff did not answer properly: 502")
    SyncRun.objects.filter(pk=failed.pk).update(queued_at=timezone.now() - timedelta(hours=1))
    assert '<p class="notice danger" role="alert">Hubstaff did not answer' in status(manager_client, project)
    runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    html = status(manager_client, project)
    assert "notice danger" not in html
    assert '<dt>Result</dt><dd><span class="badge">failed</span>' in html  # the history keeps its red badge
    assert "It failed: Hubstaff did not answer properly: 502" in html


def test_a_failure_reads_in_a_managers_words_without_api_paths_or_oauth_codes(
    manager_client: Client, project: Project, linked: ProjectLink
) -> None:
    run = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    runs.finish(
        run,
        "failed",
        error="Hubstaff refused access (GET /organizations/10/members): you are not a member of this organization.",
    )
    Installation.objects.filter(organization=project.organization).update(
        status_reason="Hubstaff refused to renew the access (invalid_grant: revoked)."
    )
    html = status(manager_client, project)
    assert "Hubstaff refused access when asked for the list of members: you are not a member" in html
    assert "/organizations/" not in html and "GET " not in html
    Installation.objects.filter(organization=project.organization).update(status="needs_reauthorization")
    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    assert "the authorization was withdrawn in Hubstaff or has expired: revoked" in page
    assert "invalid_grant" not in page and "/organizations/" not in page


def test_re_read_from_and_made_longer_are_explained_on_the_panel(
    manager_client: Client, project: Project, linked: ProjectLink
) -> None:
    run = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    SyncRun.objects.filter(pk=run.pk).update(
        reread_from=timezone.localdate() - timedelta(days=30), assignments_stretched=2
    )
    runs.finish(run, "succeeded")
    html = status(manager_client, project)
    assert (
        "Every day from this date on was read again from Hubstaff and its synced work logs replaced." in html
    )
    assert "2 made longer" in html and "an assignment a sync made grows to cover new work logs" in html
    assert "stretched" not in html
