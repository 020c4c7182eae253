"""Live updates: subscribing the webhooks (verification, activation, what goes wrong), uninstall deleting them,
and what an event queues (the days it names, coalesced, nothing for unlinked projects)."""

import json
import time
from datetime import date, timedelta
from typing import Any

import pytest
import responses
from django.test import Client
from django.utils import timezone
from pytest_django import Settings
from requests import PreparedRequest

from integrations.hubstaff.client import HubstaffClient
from integrations.models import HubstaffProject, HubstaffWebhook, Installation, ProjectLink, SyncRun
from integrations.services import live, runs
from integrations.services.fetch import Fetch
from integrations.services.installation import uninstall
from integrations.services.links import update_link
from people.models import Organization
from projects.models import Project

from .conftest import API

pytestmark = pytest.mark.usefixtures("hubstaff_settings")


def sent_json(request: PreparedRequest) -> Any:
    assert isinstance(request.body, (bytes, str))
    return json.loads(request.body)


@pytest.fixture
def writer(installation: Installation) -> Installation:
    """The installation, authorized with the hubstaff:write scope."""
    installation.scope = "openid profile email hubstaff:read hubstaff:write"
    installation.save()
    return installation


def hubstaff_client(installation: Installation) -> HubstaffClient:
    return HubstaffClient(installation, sleep=lambda seconds: None)


# --- subscribing


def test_subscribing_answers_the_verification_activates_and_keeps_the_secret(
    writer: Installation, client: Client
) -> None:
    targets: list[str] = []

    def created(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        # Hubstaff's verification POST reaches the endpoint named in the subscription, as it would over HTTP.
        target = sent_json(request)["target_url"]
        targets.append(target)
        answer = client.post(
            target.removeprefix("http://localhost:8000"),
            b"",
            content_type="application/json",
            headers={"X-Hook-Secret": "hs-1"},
        )
        assert answer.status_code == 200 and answer["X-Hook-Secret"] == "hs-1"
        return 201, {}, '{"webhook": {"id": "wh-1", "status": "verified"}}'

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, f"{API}/organizations/10/webhooks", callback=created)
        activate = mock.post(
            f"{API}/webhooks/wh-1/activate", json={"webhook": {"id": "wh-1", "status": "active"}}
        )

        assert live.subscribe(writer, hubstaff_client(writer), sleep=lambda s: None) is True

    assert activate.calls[0].request.headers["X-Hook-Secret"] == "hs-1"
    writer.refresh_from_db()
    assert writer.live_updates == Installation.LiveUpdates.ON and writer.live_updates_reason == ""
    (webhook,) = HubstaffWebhook.objects.filter(installation=writer)
    assert webhook.active and webhook.secret == "hs-1" and webhook.hubstaff_webhook_id == "wh-1"
    key = targets[0].rstrip("/").rsplit("/", 1)[1]
    assert live.installation_for_key(key) == writer
    # the verification is over: a second one is refused
    assert (
        client.post(
            f"/hooks/hubstaff/{key}/", b"", content_type="application/json", headers={"X-Hook-Secret": "x"}
        ).status_code
        == 403
    )


def test_without_the_write_scope_live_updates_are_off_and_say_how_to_turn_them_on(
    installation: Installation,
) -> None:
    installation.scope = "openid profile email hubstaff:read"
    installation.save()

    with responses.RequestsMock():  # no request at all
        assert live.subscribe(installation, hubstaff_client(installation)) is False

    installation.refresh_from_db()
    assert installation.live_updates == Installation.LiveUpdates.OFF
    assert installation.live_updates_reason == "Re-authorize to turn on live updates."
    assert installation.is_installed  # it keeps syncing as before


def test_a_verification_that_never_comes_turns_live_updates_off_with_the_reason(
    writer: Installation, settings: Settings
) -> None:
    settings.HUBSTAFF_HOOK_VERIFY_SECONDS = 0.3
    with responses.RequestsMock() as mock:
        mock.post(f"{API}/organizations/10/webhooks", status=201, json={"webhook": {"id": "wh-1"}})
        assert live.subscribe(writer, hubstaff_client(writer)) is False

    writer.refresh_from_db()
    assert writer.live_updates == Installation.LiveUpdates.OFF
    assert "SITE_URL must be reachable from Hubstaff" in writer.live_updates_reason
    assert writer.hook_verification_until is None


def test_a_refused_activation_turns_live_updates_off_with_hubstaffs_reason(
    writer: Installation, client: Client
) -> None:
    def created(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        target = sent_json(request)["target_url"]
        client.post(
            target.removeprefix("http://localhost:8000"),
            b"",
            content_type="application/json",
            headers={"X-Hook-Secret": "hs-1"},
        )
        return 201, {}, '{"webhook": {"id": "wh-1"}}'

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, f"{API}/organizations/10/webhooks", callback=created)
        mock.post(f"{API}/webhooks/wh-1/activate", status=400, json={"error": "X-Hook-Secret does not match"})
        assert live.subscribe(writer, hubstaff_client(writer), sleep=lambda s: None) is False

    writer.refresh_from_db()
    assert writer.live_updates == Installation.LiveUpdates.OFF
    assert (
        "refused to activate" in writer.live_updates_reason and "does not match" in writer.live_updates_reason
    )


@pytest.fixture
def webhook(writer: Installation) -> HubstaffWebhook:
    """The writer's active webhook wh-9 at Hubstaff."""
    return HubstaffWebhook.objects.create(
        organization=writer.organization,
        installation=writer,
        hubstaff_webhook_id="wh-9",
        hubstaff_organization_id=10,
        secret="s",
        active=True,
    )


@pytest.mark.usefixtures("webhook")
def test_uninstall_deletes_the_webhook_at_hubstaff(writer: Installation) -> None:
    with responses.RequestsMock() as mock:
        deleted = mock.delete(f"{API}/webhooks/wh-9", status=204)
        uninstall(writer)

    assert deleted.call_count == 1
    assert not Installation.objects.filter(pk=writer.pk).exists()


@pytest.mark.usefixtures("webhook")
def test_uninstall_goes_on_when_hubstaff_fails_to_delete_the_webhook(writer: Installation) -> None:
    with responses.RequestsMock() as mock:
        deleted = mock.delete(f"{API}/webhooks/wh-9", status=500)
        uninstall(writer)

    assert deleted.call_count == 1  # one attempt: uninstall does not wait on Hubstaff
    assert not Installation.objects.filter(pk=writer.pk).exists()


@pytest.mark.usefixtures("webhook")
def test_uninstall_does_not_wait_when_hubstaff_asks_to(writer: Installation) -> None:
    with responses.RequestsMock() as mock:
        deleted = mock.delete(f"{API}/webhooks/wh-9", status=429, headers={"Retry-After": "100"})
        started = time.monotonic()
        uninstall(writer)

    assert time.monotonic() - started < 5 and deleted.call_count == 1
    assert not Installation.objects.filter(pk=writer.pk).exists()


# --- events


@pytest.fixture
def linked(installation: Installation, project: Project) -> ProjectLink:
    """Project A linked to Hubstaff project 501 and synced once."""
    HubstaffProject.objects.create(
        organization=project.organization,
        installation=installation,
        hubstaff_id=501,
        name="Website",
        hubstaff_organization_id=10,
        hubstaff_organization_name="Acme Hubstaff",
    )
    link = update_link(project, enabled=True, hubstaff_project_ids=[501], hubstaff_time_zone="UTC")
    ProjectLink.objects.filter(pk=link.pk).update(synced_through=timezone.now() - timedelta(hours=3))
    link.refresh_from_db()
    return link


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, float]]:
    """Runs handed to workers with a delay, as (run id, seconds)."""
    sent: list[tuple[int, float]] = []
    monkeypatch.setattr(
        runs, "deliver_later", lambda task, args, countdown, **options: sent.append((args[0], countdown))
    )
    return sent


def timer_stop(started: str, stopped: str, project_id: int = 501) -> tuple[str, dict[str, Any], str]:
    return "timer.stop", {"project_id": project_id, "user_id": 7, "tracking_started_at": started}, stopped


def test_a_stopped_timer_queues_a_sync_of_its_days_a_little_later(
    installation: Installation,
    linked: ProjectLink,
    later: list[tuple[int, float]],
    queued_live_tasks: list[tuple[str, tuple[int, ...]]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        (run_id,) = live.handle_event(
            installation.pk, *timer_stop("2026-12-03T22:00:00Z", "2026-12-04T01:30:00Z")
        )

    run = SyncRun.objects.get(pk=run_id)
    assert run.trigger == SyncRun.Trigger.HUBSTAFF_EVENT and run.get_trigger_display() == "Hubstaff event"
    assert run.mode == SyncRun.Mode.INCREMENTAL and run.status == SyncRun.Status.QUEUED
    # the timer's days, and one more on each side (the organization's time zone is a guess)
    assert run.event_days == ["2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05"]
    # due with the installation's event batch, 20 s later: no message of its own
    assert later == [] and queued_live_tasks == [(live.BATCH_TASK, (installation.pk,))]
    assert run.heartbeat_at is not None and run.queued_at is not None
    assert (run.heartbeat_at - run.queued_at).total_seconds() == pytest.approx(20.0, abs=1)


def test_events_close_together_join_one_run_with_all_their_days(
    installation: Installation,
    linked: ProjectLink,
    later: list[tuple[int, float]],
    queued_live_tasks: list[tuple[str, tuple[int, ...]]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    run_ids = set()
    with django_capture_on_commit_callbacks(execute=True):
        for day in ("2026-11-25", "2026-11-20", "2026-11-25", "2026-11-28"):
            run_ids.update(
                live.handle_event(installation.pk, "activity.update", {"project_id": 501, "date": day}, "")
            )
        run_ids.update(
            live.handle_event(installation.pk, *timer_stop("2026-12-04T09:00:00Z", "2026-12-04T17:00:00Z"))
        )

    (run_id,) = run_ids
    assert SyncRun.objects.get(pk=run_id).event_days == [
        "2026-11-20",
        "2026-11-25",
        "2026-11-28",
        "2026-12-03",
        "2026-12-04",
        "2026-12-05",
    ]
    # one worker message for the five events: the installation's batch
    assert later == [] and queued_live_tasks == [(live.BATCH_TASK, (installation.pk,))]


def test_an_event_for_an_unlinked_project_queues_nothing(
    installation: Installation,
    linked: ProjectLink,
    later: list[tuple[int, float]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert (
        live.handle_event(installation.pk, *timer_stop("2026-12-04T09:00:00Z", "2026-12-04T10:00:00Z", 999))
        == []
    )
    assert not SyncRun.objects.exists() and later == []
    assert "linked to no project" in caplog.text


def test_an_event_finds_only_its_own_organizations_links(
    installation: Installation, linked: ProjectLink, other_org: Organization, later: list[tuple[int, float]]
) -> None:
    other = Installation.objects.create(organization=other_org, status=Installation.Status.INSTALLED)

    assert live.handle_event(other.pk, *timer_stop("2026-12-04T09:00:00Z", "2026-12-04T10:00:00Z")) == []
    assert not SyncRun.objects.exists()


def test_while_the_projects_sync_runs_the_event_waits(
    installation: Installation, linked: ProjectLink, project: Project, later: list[tuple[int, float]]
) -> None:
    SyncRun.objects.create(
        organization=project.organization,
        project=project,
        mode=SyncRun.Mode.INCREMENTAL,
        status=SyncRun.Status.RUNNING,
        heartbeat_at=timezone.now(),
    )

    with pytest.raises(runs.EventRunBusy):
        live.handle_event(installation.pk, *timer_stop("2026-12-04T09:00:00Z", "2026-12-04T10:00:00Z"))


def test_an_event_run_re_reads_only_the_named_days(
    installation: Installation, linked: ProjectLink, project: Project
) -> None:
    fetch = Fetch(
        SyncRun(project=project),
        project,
        installation,
        linked,
        hubstaff_client(installation),
        today=date(2026, 12, 4),
        time_zone="UTC",
    )

    spans = fetch.day_spans(
        ["2026-12-04", "2026-12-01", "2026-12-02", "2020-01-01", "2027-01-01"],
        (date(2026, 1, 1), date(2026, 12, 4)),
    )

    assert [(s.start, s.end) for s in spans] == [
        (date(2026, 12, 1), date(2026, 12, 2)),
        (date(2026, 12, 4), date(2026, 12, 4)),
    ]
