"""Preview of Reset and sync all work logs: a reset's fetch and plan with nothing written, through the sandbox."""

from datetime import date, datetime, timedelta

import pytest
from django.test import Client

from conftest import token_client
from integrations.models import FetchCheckpoint, ProjectLink, SyncRun
from integrations.services import sync
from people.models import Person
from projects.models import Assignment, Project
from tests.factories import WorkLogFactory
from worklogs.models import WorkLog

from .test_sync_sandbox import TODAY, hs, installed, link, people, project_a, sandbox_settings  # noqa: F401
from .test_sync_sandbox import sync_now as run_to_end

COUNTS = (
    "worklogs_created",
    "worklogs_updated",
    "worklogs_deleted",
    "assignments_created",
    "assignments_stretched",
)


# A project's synced state: its work logs, its assignments and its link's sync marks.
Snapshot = tuple[
    list[tuple[int, int, date, int]],
    list[tuple[int, int, date, date]],
    list[tuple[datetime | None, datetime | None]],
]


def snapshot(project: Project) -> Snapshot:
    logs = WorkLog.objects.filter(project=project).values_list("pk", "person_id", "date", "duration_seconds")
    spans = Assignment.objects.filter(project=project).values_list(
        "pk", "person_id", "start_date", "end_date"
    )
    link_row = ProjectLink.objects.filter(project=project).values_list("synced_through", "last_synced_at")
    return sorted(logs), sorted(spans), list(link_row)


@pytest.mark.usefixtures("installed")
def test_a_preview_writes_nothing_and_reports_what_the_reset_then_does(
    request: pytest.FixtureRequest,
) -> None:
    project, sandbox = request.getfixturevalue("project_a"), request.getfixturevalue("hs")
    team = request.getfixturevalue("people")
    link(project, sandbox, "Project A")
    # A synced log the reset will delete (outside the project's dates) and one it will correct.
    WorkLogFactory.create(
        project=project,
        person=team["bobby"],
        date=project.end_date.replace(month=12, day=30),
        source="hubstaff",
        source_key="hubstaff:1:1:2026-12-30",
    )
    before = snapshot(project)

    preview = run_to_end(project, mode="preview")
    assert snapshot(project) == before
    assert preview.mode == "preview" and preview.requests_made > 0
    assert [t["name"] for t in preview.missing_teammates] == ["Dana Ghost"]
    by_name = {row["name"]: row for row in preview.preview["people"]}
    assert by_name["Bobby Brown"]["deleted"] == 1 and by_name["Bobby Brown"]["created"] > 0
    assert [a["name"] for a in preview.preview["assignments_created"]] == ["Sam Smith"]

    reset = run_to_end(project, mode="reset")
    assert [getattr(reset, c) for c in COUNTS] == [getattr(preview, c) for c in COUNTS]
    for name, row in by_name.items():
        person = team["bobby" if name.startswith("Bobby") else "sam"]
        assert (
            WorkLog.objects.filter(project=project, person=person, source="hubstaff").count()
            == row["created"]
        )
    assert reset.missing_teammates == preview.missing_teammates


@pytest.mark.usefixtures("installed")
def test_a_preview_after_a_reset_reports_no_change(request: pytest.FixtureRequest) -> None:
    project, sandbox = request.getfixturevalue("project_a"), request.getfixturevalue("hs")
    link(project, sandbox, "Project A")
    run_to_end(project, mode="reset")
    preview = run_to_end(project, mode="preview")
    assert [getattr(preview, c) for c in COUNTS] == [0, 0, 0, 0, 0]
    assert preview.preview["people"] == []
    assert SyncRun.objects.filter(mode="preview").count() == 1


@pytest.mark.usefixtures("installed")
def test_the_panel_previews_and_applies(
    request: pytest.FixtureRequest, manager_client: Client, queued_tasks: list[tuple[int, ...]]
) -> None:
    project, sandbox = request.getfixturevalue("project_a"), request.getfixturevalue("hs")
    link(project, sandbox, "Project A")
    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    assert "costs the same requests" in page

    response = manager_client.post(f"/acme/projects/{project.pk}/hubstaff/preview/", follow=True)
    assert "nothing is written until you click Apply" in response.content.decode()
    run = SyncRun.objects.get()
    assert (run.mode, run.status) == ("preview", "queued")
    sync.run_sync(run.pk, today=TODAY)
    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    assert "Preview of Reset and sync all work logs" in page and "Nothing was written" in page
    assert "<bdi>Sam Smith</bdi>" in page and "Dana Ghost" in page
    assert "Last sync" not in page  # a preview is not a sync
    assert not WorkLog.objects.filter(project=project).exists()

    manager_client.post(f"/acme/projects/{project.pk}/hubstaff/sync/")
    applied = SyncRun.objects.exclude(pk=run.pk).get()
    assert applied.mode == "reset"
    sync.run_sync(applied.pk, today=TODAY)
    run.refresh_from_db()
    applied.refresh_from_db()
    assert applied.worklogs_created == run.worklogs_created > 0
    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    assert "Nothing was written" not in page and "Last sync" in page


@pytest.mark.usefixtures("installed")
def test_the_api_previews(request: pytest.FixtureRequest, manager: Person) -> None:
    project, sandbox = request.getfixturevalue("project_a"), request.getfixturevalue("hs")
    link(project, sandbox, "Project A")
    api = token_client(manager)
    response = api.post(
        f"/api/v1/orgs/acme/projects/{project.pk}/hubstaff/sync/", {"mode": "preview"}, format="json"
    )
    assert response.status_code == 202 and response.json()["mode"] == "preview"
    sync.run_sync(response.json()["id"], today=TODAY)
    body = api.get(f"/api/v1/orgs/acme/sync-runs/{response.json()['id']}/").json()
    assert body["status"] == "succeeded" and body["worklogs_created"] > 0
    assert {row["name"] for row in body["preview"]["people"]} == {"Bobby Brown", "Sam Smith"}
    assert [a["name"] for a in body["preview"]["assignments_created"]] == ["Sam Smith"]
    assert not WorkLog.objects.filter(project=project).exists()


def test_another_organizations_project_cannot_be_previewed(
    manager_client: Client, other_project: Project
) -> None:
    assert manager_client.post(f"/acme/projects/{other_project.pk}/hubstaff/preview/").status_code == 404
    assert not SyncRun.objects.exists()


@pytest.mark.usefixtures("installed")
def test_apply_within_minutes_reuses_the_previews_fetch(request: pytest.FixtureRequest) -> None:
    project, sandbox = request.getfixturevalue("project_a"), request.getfixturevalue("hs")
    link(project, sandbox, "Project A")
    preview = run_to_end(project, mode="preview")
    assert preview.requests_made > 0 and FetchCheckpoint.objects.filter(run=preview).exists()
    reset = run_to_end(project, mode="reset")
    assert reset.requests_made == 0  # planned from the preview's rows, Hubstaff not asked again
    assert [getattr(reset, c) for c in COUNTS] == [getattr(preview, c) for c in COUNTS]
    assert reset.missing_teammates == preview.missing_teammates
    assert not FetchCheckpoint.objects.exists()  # used once, and the reset's own checkpoint is gone with it
    # Used once: the next reset fetches again, and finds nothing to change.
    again = run_to_end(project, mode="reset")
    assert again.requests_made > 0 and again.worklogs_created == again.worklogs_deleted == 0


@pytest.mark.usefixtures("installed")
def test_a_preview_of_other_settings_or_too_old_is_not_reused(request: pytest.FixtureRequest) -> None:
    project, sandbox = request.getfixturevalue("project_a"), request.getfixturevalue("hs")
    link(project, sandbox, "Project A")
    run_to_end(project, mode="preview")
    ProjectLink.objects.filter(project=project).update(count_work_breaks=False)
    assert run_to_end(project, mode="reset").requests_made > 0

    preview = run_to_end(project, mode="preview")
    assert preview.finished_at is not None
    SyncRun.objects.filter(pk=preview.pk).update(finished_at=preview.finished_at - timedelta(minutes=11))
    assert run_to_end(project, mode="reset").requests_made > 0
