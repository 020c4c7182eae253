"""Preview of Reset and sync all work logs: a reset's fetch and plan with nothing written, through the sandbox."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import token_client
from hubstaff_sandbox.testing import SandboxClient
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import TransientHubstaffError
from integrations.models import FetchCheckpoint, ProjectLink, SyncRun
from integrations.services import runs, sync
from people.models import Organization, Person
from projects.models import Assignment, Project
from tests.factories import ProjectFactory, WorkLogFactory
from worklogs.models import WorkLog

from .test_sync_sandbox import (  # noqa: F401
    TODAY,
    expected_seconds,
    hs,
    installed,
    link,
    people,
    project_a,
    sandbox_settings,
)
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

    response = manager_client.post(
        f"/acme/projects/{project.pk}/hubstaff/preview/{run.pk}/apply/", follow=True
    )
    assert "Applies the preview read at" in response.content.decode()
    applied = SyncRun.objects.exclude(pk=run.pk).get()
    assert (applied.mode, applied.applies_preview_id) == ("reset", run.pk)
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


DAILY = "GET /v2/organizations/{id}/activities/daily"


def edit_bobbys_day(sandbox: SandboxClient, day: str, seconds: int) -> None:
    """At Hubstaff: Bobby's row of `day` on Project A gets `seconds` more (recorded in the time edit log)."""
    ids = sandbox.ids()
    token = sandbox.issue_tokens("alice@acme.test")["access_token"]
    rows = sandbox.api_get(
        f"/organizations/{ids['orgs']['Acme Hubstaff']}/activities/daily",
        token,
        **{"date[start]": day, "date[stop]": day, "project_ids[]": ids["projects"]["Project A"]},
    ).json()["daily_activities"]
    bobby = next(r for r in rows if r["user_id"] == ids["users"]["bobby@acme.test"])
    sandbox.edit_activity(bobby["id"], tracked=bobby["tracked"] + seconds)


def bobbys_seconds(project: Project, day: date) -> int:
    return WorkLog.objects.get(project=project, person__full_name="Bobby Brown", date=day).duration_seconds


def apply(preview: SyncRun) -> SyncRun:
    """The reset a preview's Apply queues, run to its end."""
    queued = runs.request_sync(preview.project, mode="reset", trigger="manual", applies_preview=preview)
    run = sync.run_sync(queued.pk, today=TODAY)
    assert run is not None and run.status == "succeeded", run and run.error
    return run


@pytest.mark.usefixtures("installed")
def test_a_reset_right_after_a_preview_reads_hubstaff_and_sees_a_change(
    request: pytest.FixtureRequest,
) -> None:
    project, sandbox = request.getfixturevalue("project_a"), request.getfixturevalue("hs")
    link(project, sandbox, "Project A")
    preview = run_to_end(project, mode="preview")
    edit_bobbys_day(sandbox, "2026-02-03", 1800)
    sandbox.reset_stats()
    reset = run_to_end(project, mode="reset")
    assert sandbox.stats()["routes"][DAILY]["200"] > 0 and reset.preview_fetch == ""
    assert reset.worklogs_created == preview.worklogs_created
    by_day = expected_seconds("Project A", {"bobby@acme.test"})
    assert bobbys_seconds(project, date(2026, 2, 3)) == by_day[("bobby@acme.test", date(2026, 2, 3))] + 1800


@pytest.mark.usefixtures("installed")
def test_applying_a_preview_with_no_change_since_uses_what_it_read(
    request: pytest.FixtureRequest, manager_client: Client, manager: Person
) -> None:
    project, sandbox = request.getfixturevalue("project_a"), request.getfixturevalue("hs")
    link(project, sandbox, "Project A")
    preview = run_to_end(project, mode="preview")
    assert preview.rows_read_at is not None and FetchCheckpoint.objects.filter(run=preview).exists()
    sandbox.reset_stats()
    applied = apply(preview)
    # Two questions to Hubstaff (its updates listing and its time edit log), no daily activities read.
    assert applied.requests_made == 2 and DAILY not in sandbox.stats()["routes"]
    assert (applied.preview_fetch, applied.rows_read_at) == ("used", preview.rows_read_at)
    assert [getattr(applied, c) for c in COUNTS] == [getattr(preview, c) for c in COUNTS]
    assert applied.missing_teammates == preview.missing_teammates
    for row in preview.preview["people"]:
        assert WorkLog.objects.filter(project=project, person_id=row["person_id"]).count() == row["created"]
    created = Assignment.objects.get(project=project, origin="sync")
    assert [
        {"person_id": a["person_id"], "start": a["start"], "end": a["end"]}
        for a in preview.preview["assignments_created"]
    ] == [{"person_id": created.person_id, "start": str(created.start_date), "end": str(created.end_date)}]
    assert not FetchCheckpoint.objects.exists()  # taken over once, gone with the reset's finish
    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    read_at = timezone.localtime(preview.rows_read_at).strftime("%H:%M")
    assert f'01 Jan 2026 <span class="muted">(read at {read_at} by the preview)</span>' in page
    assert f"The preview read at {read_at} was used: Hubstaff listed no change since." in page
    body = token_client(manager).get(f"/api/v1/orgs/acme/sync-runs/{applied.pk}/").json()
    assert (body["applies_preview"], body["preview_fetch"]) == (preview.pk, "used")
    assert datetime.fromisoformat(body["rows_read_at"]) == preview.rows_read_at


@pytest.mark.usefixtures("installed")
def test_applying_a_preview_after_a_change_at_hubstaff_reads_again(request: pytest.FixtureRequest) -> None:
    project, sandbox = request.getfixturevalue("project_a"), request.getfixturevalue("hs")
    link(project, sandbox, "Project A")
    preview = run_to_end(project, mode="preview")
    edit_bobbys_day(sandbox, "2026-02-03", 1800)
    sandbox.reset_stats()
    applied = apply(preview)
    assert applied.preview_fetch == "changed" and applied.rows_read_at is None
    assert sandbox.stats()["routes"][DAILY]["200"] > 0
    by_day = expected_seconds("Project A", {"bobby@acme.test"})
    assert bobbys_seconds(project, date(2026, 2, 3)) == by_day[("bobby@acme.test", date(2026, 2, 3))] + 1800


@pytest.mark.usefixtures("installed")
def test_applying_a_preview_after_a_recent_row_was_added_reads_again(
    request: pytest.FixtureRequest, org: Organization
) -> None:
    """A change only Hubstaff's updates listing shows (tracked time, not in the time edit log)."""
    sandbox = request.getfixturevalue("hs")
    request.getfixturevalue("people")
    project = ProjectFactory.create(organization=org, name="Open", start_date=date(2026, 9, 1), end_date=None)
    link(project, sandbox, "Project A")
    preview = run_to_end(project, mode="preview")
    sandbox.add_activity(user="sam@acme.test", project="Project A", date="2026-11-20", tracked=5400)
    applied = apply(preview)
    assert applied.preview_fetch == "changed"
    assert WorkLog.objects.get(project=project, date=date(2026, 11, 20)).duration_seconds == 5400


@pytest.mark.usefixtures("installed")
def test_applying_a_preview_of_other_settings_or_too_old_reads_again(request: pytest.FixtureRequest) -> None:
    project, sandbox = request.getfixturevalue("project_a"), request.getfixturevalue("hs")
    link(project, sandbox, "Project A")
    preview = run_to_end(project, mode="preview")
    ProjectLink.objects.filter(project=project).update(count_work_breaks=False)
    applied = apply(preview)
    assert applied.preview_fetch == "differs" and applied.requests_made > 2

    preview = run_to_end(project, mode="preview")
    assert preview.finished_at is not None
    SyncRun.objects.filter(pk=preview.pk).update(finished_at=preview.finished_at - timedelta(minutes=11))
    preview.refresh_from_db()
    applied = apply(preview)
    assert applied.preview_fetch == "expired" and applied.requests_made > 2


@pytest.mark.usefixtures("installed")
def test_a_preview_of_another_project_or_organization_cannot_be_applied(
    request: pytest.FixtureRequest, manager_client: Client, org: Organization, other_project: Project
) -> None:
    project, sandbox = request.getfixturevalue("project_a"), request.getfixturevalue("hs")
    link(project, sandbox, "Project A")
    done = {"mode": "preview", "status": "succeeded"}
    elsewhere = SyncRun.objects.create(organization=other_project.organization, project=other_project, **done)
    sibling = ProjectFactory.create(organization=org, name="Sibling")
    siblings = SyncRun.objects.create(organization=org, project=sibling, **done)
    for run in (elsewhere, siblings):
        url = f"/acme/projects/{project.pk}/hubstaff/preview/{run.pk}/apply/"
        assert manager_client.post(url).status_code == 404
    assert (
        manager_client.post(
            f"/acme/projects/{other_project.pk}/hubstaff/preview/{elsewhere.pk}/apply/"
        ).status_code
        == 404
    )
    assert not SyncRun.objects.filter(mode="reset").exists()
    # The same request with this project's own preview queues the reset.
    own = SyncRun.objects.create(organization=org, project=project, **done)
    assert (
        manager_client.post(f"/acme/projects/{project.pk}/hubstaff/preview/{own.pk}/apply/").status_code
        == 302
    )
    assert SyncRun.objects.get(mode="reset").applies_preview == own


class StopsAfterTwoWindows(HubstaffClient):
    """Hubstaff fails (a 5xx past the client's retries) once two windows of daily activities are read in full."""

    def daily_activity_window_pages(
        self, *args: Any, **kwargs: Any
    ) -> Iterator[tuple[tuple[date, date], list[dict[str, Any]] | None]]:
        complete = 0
        for window, rows in super().daily_activity_window_pages(*args, **kwargs):
            yield window, rows
            complete += rows is None
            if complete == 2:
                raise TransientHubstaffError("Hubstaff answered 503 Service Unavailable.")


@pytest.mark.usefixtures("installed")
def test_a_run_resumed_from_an_earlier_attempt_says_since_when_it_read(
    request: pytest.FixtureRequest, manager_client: Client
) -> None:
    project, sandbox = request.getfixturevalue("project_a"), request.getfixturevalue("hs")
    link(project, sandbox, "Project A")
    queued = runs.request_sync(project, mode="reset", trigger="manual")
    with pytest.raises(runs.RetryLater):
        sync.run_sync(
            queued.pk, today=TODAY, final_attempt=False, parts=sync.Parts(client=StopsAfterTwoWindows)
        )
    assert FetchCheckpoint.objects.filter(run_id=queued.pk).count() == 2
    finished = sync.run_sync(queued.pk, today=TODAY)
    assert finished is not None and finished.status == "succeeded", finished and finished.error
    first_read = datetime.fromisoformat(finished.fetch_plan["started"])
    assert finished.rows_read_at == first_read and finished.started_at is not None
    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    since = timezone.localtime(first_read).strftime("%d %b, %H:%M")
    assert f'01 Jan 2026 <span class="muted">(read since {since}, partly by earlier attempts)</span>' in page


@pytest.mark.usefixtures("installed")
def test_applying_a_preview_when_hubstaff_refuses_its_edit_log_reads_again(
    request: pytest.FixtureRequest,
) -> None:
    project, sandbox = request.getfixturevalue("project_a"), request.getfixturevalue("hs")
    link(project, sandbox, "Project A")
    preview = run_to_end(project, mode="preview")
    sandbox.fault(refuse={"time_edit_logs": 403})
    sandbox.reset_stats()
    applied = apply(preview)
    assert applied.preview_fetch == "unanswered" and sandbox.stats()["routes"][DAILY]["200"] > 0
    assert [getattr(applied, c) for c in COUNTS] == [getattr(preview, c) for c in COUNTS]
