"""The hourly fallback's tasks and rules without the sandbox: beat checks each installed installation in a task of
its own, a check queues only its own organization's projects, and never a project whose sync is already running."""

from datetime import timedelta
from typing import Any

import pytest
import responses
from django.utils import timezone

from integrations import tasks
from integrations.models import Installation, SyncRun
from integrations.services import live, runs
from integrations.services.links import update_link
from people.models import Organization
from projects.models import Project
from tests.factories import ProjectFactory

from .conftest import API

pytestmark = pytest.mark.usefixtures("hubstaff_settings")


def installed(org: Organization, hubstaff_organization: int) -> Installation:
    return Installation.objects.create(
        organization=org,
        status=Installation.Status.INSTALLED,
        access_token=f"token-{org.slug}",
        access_token_expires_at=timezone.now() + timedelta(hours=2),
        hubstaff_organizations=[{"id": hubstaff_organization, "name": org.name}],
    )


def linked_project(org: Organization, hubstaff_project: int, monkeypatch: pytest.MonkeyPatch) -> Project:
    project: Project = ProjectFactory.create(organization=org)
    # the selection's check against the installation's list of Hubstaff projects is not what is tested here
    monkeypatch.setattr("integrations.services.links._selection_errors", lambda *args: [])
    update_link(project, enabled=True, hubstaff_project_ids=[hubstaff_project])
    return project


def changed_today(mock: responses.RequestsMock, hubstaff_organization: int, project_id: int) -> None:
    now = timezone.now().replace(microsecond=0) - timedelta(minutes=10)
    row = {"id": 1, "date": now.date().isoformat(), "user_id": 7, "project_id": project_id, "tracked": 600}
    row["updated_at"] = now.isoformat().replace("+00:00", "Z")
    mock.get(
        f"{API}/organizations/{hubstaff_organization}/activities/daily/updates",
        json={"daily_activities": [row]},
    )


def test_beat_checks_each_installed_installation_in_a_task_of_its_own(
    org: Organization, other_org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = installed(org, 10)
    Installation.objects.create(organization=other_org, status=Installation.Status.PENDING)
    sent: list[tuple[Any, Any]] = []
    monkeypatch.setattr(
        tasks.check_live_updates_task,
        "apply_async",
        lambda args=(), kwargs=None, producer=None, **options: sent.append((args, producer)),
    )

    assert tasks.check_live_updates_hourly.run() == 1

    assert [args for args, _ in sent] == [(mine.pk,)]  # the one waiting for its authorization is not asked
    assert sent[0][1] is not None


def test_a_check_queues_only_its_own_organizations_projects(
    org: Organization, other_org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = installed(org, 10)
    installed(other_org, 20)
    project = linked_project(org, 501, monkeypatch)
    theirs = linked_project(other_org, 501, monkeypatch)  # the same Hubstaff id, in another tenant's Hubstaff
    monkeypatch.setattr(runs, "deliver", lambda task, args, **options: None)

    with responses.RequestsMock() as mock:
        changed_today(mock, 10, 501)
        assert tasks.check_live_updates_task.run(mine.pk) == 1

    assert list(SyncRun.objects.values_list("project_id", "mode", "trigger")) == [
        (project.pk, "incremental", "schedule")
    ]
    assert not SyncRun.objects.filter(project=theirs).exists()
    mine.refresh_from_db()
    assert mine.live_checked_at is not None


def test_a_project_whose_sync_is_running_is_not_queued_again(
    org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = installed(org, 10)
    project = linked_project(org, 501, monkeypatch)
    running = SyncRun.objects.create(
        organization=org,
        project=project,
        mode=SyncRun.Mode.INCREMENTAL,
        status=SyncRun.Status.RUNNING,
        started_at=timezone.now() - timedelta(hours=1),
        heartbeat_at=timezone.now(),
    )

    with responses.RequestsMock() as mock:
        changed_today(mock, 10, 501)
        assert live.check_one(mine.pk) == 0

    assert list(SyncRun.objects.filter(project=project).values_list("pk", flat=True)) == [running.pk]


def test_hubstaff_failing_to_answer_leaves_the_check_to_the_next_hour(
    org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = installed(org, 10)
    linked_project(org, 501, monkeypatch)

    with responses.RequestsMock() as mock:
        # refused, and no refresh token to try again with
        mock.get(f"{API}/organizations/10/activities/daily/updates", status=401)
        assert live.check_one(mine.pk) == 0

    assert not SyncRun.objects.exists()


def test_a_subscription_started_during_the_check_keeps_its_mode(
    org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = installed(org, 10)
    linked_project(org, 501, monkeypatch)
    monkeypatch.setattr(runs, "deliver", lambda task, args, **options: None)
    three_hours_ago = timezone.now() - timedelta(hours=3)
    Installation.objects.filter(pk=mine.pk).update(live_updates="on", last_event_at=three_hours_ago)
    seen = Installation.objects.get(pk=mine.pk)  # what the check read: on, no event for 3 hours
    Installation.objects.filter(pk=mine.pk).update(
        live_updates="subscribing"
    )  # a re-authorization, meanwhile

    with responses.RequestsMock() as mock:
        changed_today(mock, 10, 501)
        assert live.check_installation(seen) == 1

    mine.refresh_from_db()
    assert (mine.live_updates, mine.live_updates_reason) == ("subscribing", "")
    assert mine.live_checked_at is not None


def test_a_subscription_whose_worker_died_is_made_again_by_the_hourly_check(
    org: Organization,
    queued_live_tasks: list[tuple[str, tuple[int, ...]]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A worker killed while it subscribed leaves "turning on" behind; the next hourly check subscribes again."""
    mine = installed(org, 10)
    stuck_since = timezone.now() - timedelta(minutes=30)
    Installation.objects.filter(pk=mine.pk).update(
        live_updates=Installation.LiveUpdates.SUBSCRIBING, hook_verification_until=stuck_since
    )
    mine.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        live.check_installation(mine)

    assert queued_live_tasks == [(live.SUBSCRIBE_TASK, (mine.pk,))]


def test_a_subscription_under_way_is_left_alone(
    org: Organization,
    queued_live_tasks: list[tuple[str, tuple[int, ...]]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    mine = installed(org, 10)
    Installation.objects.filter(pk=mine.pk).update(
        live_updates=Installation.LiveUpdates.SUBSCRIBING,
        hook_verification_until=timezone.now() + timedelta(seconds=20),
    )
    mine.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        live.check_installation(mine)

    assert queued_live_tasks == []
