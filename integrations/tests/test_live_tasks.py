"""The live-update tasks: a project.create refreshes Select projects' list, an event that finds the project's sync
running comes back later, and seen event ids are forgotten after a few days."""

from datetime import timedelta
from typing import Any

import pytest
import responses
from django.utils import timezone

from integrations import tasks
from integrations.models import HubstaffEvent, HubstaffProject, Installation, ProjectLink, SyncRun
from integrations.services import live
from integrations.services.links import update_link
from projects.models import Project

from .conftest import API

pytestmark = pytest.mark.usefixtures("hubstaff_settings")


def test_a_project_created_in_hubstaff_appears_in_select_projects(installation: Installation) -> None:
    with responses.RequestsMock() as mock:
        mock.get(f"{API}/organizations", json={"organizations": [{"id": 10, "name": "Acme Hubstaff"}]})
        mock.get(
            f"{API}/organizations/10/projects",
            json={"projects": [{"id": 777, "name": "New website", "status": "active"}]},
        )
        tasks.handle_hubstaff_event_task(installation.pk, "project.create", {"project_id": 777}, "")

    assert list(
        HubstaffProject.objects.filter(installation=installation).values_list("hubstaff_id", "name")
    ) == [(777, "New website")]


def test_an_event_that_finds_the_sync_running_is_handled_again_later(
    installation: Installation, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    HubstaffProject.objects.create(
        organization=project.organization,
        installation=installation,
        hubstaff_id=501,
        name="Website",
        hubstaff_organization_id=10,
    )
    link = update_link(project, enabled=True, hubstaff_project_ids=[501])
    ProjectLink.objects.filter(pk=link.pk).update(synced_through=timezone.now())
    SyncRun.objects.create(
        organization=project.organization,
        project=project,
        mode=SyncRun.Mode.INCREMENTAL,
        status=SyncRun.Status.RUNNING,
        heartbeat_at=timezone.now(),
    )
    again: list[dict[str, Any]] = []
    monkeypatch.setattr(tasks.handle_hubstaff_event_task, "apply_async", lambda **kw: again.append(kw))
    payload = {"project_id": 501, "date": "2026-12-01"}

    tasks.handle_hubstaff_event_task(installation.pk, "activity.update", payload, "")

    assert again == [{"args": [installation.pk, "activity.update", payload, ""], "countdown": 20.0}]
    assert SyncRun.objects.filter(project=project).count() == 1


def test_seen_event_ids_are_forgotten_after_a_few_days(installation: Installation) -> None:
    old = HubstaffEvent.objects.create(
        organization=installation.organization,
        installation=installation,
        event_id="old",
        event="timer.stop",
        received_at=timezone.now() - live.KEEP_EVENTS - timedelta(minutes=1),
    )
    recent = HubstaffEvent.objects.create(
        organization=installation.organization,
        installation=installation,
        event_id="recent",
        event="timer.stop",
    )

    assert tasks.purge_hubstaff_events() == 1
    assert list(HubstaffEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not HubstaffEvent.objects.filter(pk=old.pk).exists()
