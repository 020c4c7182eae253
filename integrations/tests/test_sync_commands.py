from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from integrations.models import HubstaffProject, Installation, ProjectLink, SyncRun
from integrations.services.links import daily_slot, next_daily_slot
from people.models import Organization
from projects.models import Project
from tests.factories import ProjectFactory


def test_sync_project_refuses_an_unknown_project(org: Organization) -> None:
    with pytest.raises(CommandError, match="No project 999"):
        call_command("sync_project", "--org", "acme", "--project", "999")


def test_sync_project_looks_the_project_up_inside_the_organization(
    org: Organization, other_project: Project
) -> None:
    with pytest.raises(CommandError, match="No project"):
        call_command("sync_project", "--org", "acme", "--project", str(other_project.pk))


def test_sync_project_says_why_it_cannot_sync(project: Project) -> None:
    with pytest.raises(CommandError, match="An Administrator must install Hubstaff first"):
        call_command("sync_project", "--org", "acme", "--project", str(project.pk))


@pytest.fixture
def linked_projects(org: Organization) -> list[Project]:
    inst = Installation.objects.create(organization=org, status="installed")
    HubstaffProject.objects.create(
        organization=org, installation=inst, hubstaff_id=1, name="H", hubstaff_organization_id=9
    )
    now = timezone.now()
    projects = [ProjectFactory.create(organization=org) for _ in range(3)]
    ProjectLink.objects.create(
        organization=org,
        project=projects[0],
        enabled=True,
        hubstaff_project_ids=[1],
        next_sync_due_at=now - timedelta(minutes=1),
    )
    ProjectLink.objects.create(
        organization=org,
        project=projects[1],
        enabled=True,
        hubstaff_project_ids=[1],
        next_sync_due_at=now + timedelta(hours=3),
    )
    ProjectLink.objects.create(
        organization=org,
        project=projects[2],
        enabled=False,
        hubstaff_project_ids=[1],
        next_sync_due_at=now - timedelta(hours=1),
    )
    return projects


def test_sync_due_queues_only_due_enabled_links_and_moves_their_slot(
    linked_projects: list[Project],
    queued_tasks: list[tuple[int, ...]],
    capsys: pytest.CaptureFixture[str],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sync_due")
    assert "1 project syncs queued." in capsys.readouterr().out
    run = SyncRun.objects.get()
    assert (run.project, run.mode, run.trigger) == (linked_projects[0], "incremental", "schedule")
    assert queued_tasks == [(run.pk,)]
    link = ProjectLink.objects.get(project=linked_projects[0])
    assert link.next_sync_due_at is not None and link.next_sync_due_at > timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sync_due")
    assert SyncRun.objects.count() == 1


def test_daily_slots_spread_projects_over_the_day() -> None:
    day = timezone.localdate()
    hours = {daily_slot(project_id, day).hour for project_id in range(1, 2001)}
    assert len(hours) == 24
    slot = next_daily_slot(7, timezone.now())
    assert timezone.now() < slot <= timezone.now() + timedelta(days=1)


def test_a_run_whose_worker_died_is_queued_again_then_given_up(
    linked_projects: list[Project],
    queued_tasks: list[tuple[int, ...]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    from integrations.services import runs

    project = linked_projects[0]
    old = timezone.now() - runs.lease_length() - timedelta(seconds=1)
    run = SyncRun.objects.create(
        organization=project.organization, project=project, mode="reset", status="running", heartbeat_at=old
    )
    for attempt in range(1, runs.MAX_TAKEOVERS + 1):
        with django_capture_on_commit_callbacks(execute=True):
            assert runs.recover_runs() == 1
        run.refresh_from_db()
        assert (run.status, run.takeovers) == ("queued", attempt)
        assert queued_tasks[-1] == (run.pk,)
        SyncRun.objects.filter(pk=run.pk).update(
            status="running", heartbeat_at=old
        )  # claimed, and died again
    runs.recover_runs()
    run.refresh_from_db()
    assert run.status == "failed" and "stopped answering" in run.error


def test_a_live_run_is_left_alone(linked_projects: list[Project]) -> None:
    from integrations.services import runs

    project = linked_projects[0]
    SyncRun.objects.create(
        organization=project.organization,
        project=project,
        mode="reset",
        status="running",
        heartbeat_at=timezone.now(),
    )
    assert runs.recover_runs() == 0
