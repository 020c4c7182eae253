"""The hourly fallback against the running sandbox over real HTTP: where Hubstaff's events are off, lost, refused,
repeated, late or out of order, the hours tracked still arrive, once each (the root conftest checks duplicate
source keys), and the check costs one request per Hubstaff organization."""

import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from conftest import point_hubstaff_at
from hubstaff_sandbox.testing import DEMO_SCENARIO, SandboxClient, running_sandbox
from integrations.models import HubstaffWebhook, Installation, SyncRun
from integrations.services import live, runs, sync
from integrations.services.installation import connect_with_personal_access_token
from integrations.services.links import update_link
from people.models import Organization
from projects.models import Project
from tests.factories import PersonFactory, ProjectFactory
from worklogs.models import WorkLog

UPDATES = "/activities/daily/updates"


@pytest.fixture(scope="module")
def hs() -> Iterator[SandboxClient]:
    with running_sandbox(scenario=DEMO_SCENARIO, rate_limit=100000) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox_site(hs: SandboxClient, settings: Settings, live_server: LiveServer) -> Iterator[Settings]:
    point_hubstaff_at(settings, hs, HUBSTAFF_HOOK_VERIFY_SECONDS=10.0)
    settings.SITE_URL = live_server.url
    yield settings
    hs.reset_faults()
    hs.reset_webhooks()


@pytest.fixture
def handed_over(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[list[Any]]]:
    """The tasks the product queues, by name, instead of messages on the broker (the test plays the worker)."""
    sent: dict[str, list[list[Any]]] = {}
    monkeypatch.setattr(
        live, "deliver", lambda task, args, countdown=None: sent.setdefault(task, []).append(args)
    )
    monkeypatch.setattr(runs, "deliver", lambda task, args, **options: sent.setdefault(task, []).append(args))
    monkeypatch.setattr(
        runs,
        "deliver_later",
        lambda task, args, countdown, **options: sent.setdefault("later", []).append(args),
    )
    return sent


def a_second_passes() -> None:
    """Hubstaff's times are whole seconds: a sync started in the second of a change is not sure to have read it."""
    time.sleep(1.1)


def next_hour() -> datetime:
    """The next hourly check's time (the changes tracked in this test are then a second old or more)."""
    return timezone.now() + timedelta(hours=1)


def hours(project: Project) -> int:
    return sum(WorkLog.objects.filter(project=project).values_list("duration_seconds", flat=True))


def update_requests(hs: SandboxClient) -> int:
    return sum(
        sum(int(n) for n in counts.values())
        for route, counts in hs.stats()["routes"].items()
        if route.endswith(UPDATES)
    )


def run_queued(project: Project) -> list[SyncRun]:
    """The worker's part: every queued run of the project, run."""
    done = []
    for run_id in SyncRun.objects.filter(project=project, status=SyncRun.Status.QUEUED).values_list(
        "pk", flat=True
    ):
        run = sync.run_sync(run_id)
        assert run is not None and run.status == SyncRun.Status.SUCCEEDED, run and run.error
        done.append(run)
    return done


def synced_project(org: Organization, hs: SandboxClient) -> Project:
    PersonFactory.create(organization=org, full_name="Bobby Brown", email="bobby@acme.test")
    PersonFactory.create(organization=org, full_name="Alice Adams", email="alice@acme.test")
    project: Project = ProjectFactory.create(
        organization=org, name="Project A", start_date=date(2026, 1, 1), end_date=date(2027, 12, 31)
    )
    update_link(project, enabled=True, hubstaff_project_ids=[hs.ids()["projects"]["Project A"]])
    first = sync.run_sync(runs.request_sync(project, mode="reset", trigger="manual", send_task=False).pk)
    assert first is not None and first.status == "succeeded", first and first.error
    return project


def subscribed(org: Organization, hs: SandboxClient) -> Installation:
    """Alice's installation, its webhooks subscribed and active."""
    installation = connect_with_personal_access_token(org, hs.create_pat("alice@acme.test"))
    assert live.subscribe(installation) is True, installation.live_updates_reason
    return installation


def handle_events(sent: dict[str, list[list[Any]]], project: Project) -> None:
    for args in sent.pop(live.EVENT_TASK, []):
        live.handle_event(*args)
    sent.pop("later", None)
    run_queued(project)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sandbox_site", "handed_over")
def test_with_live_updates_off_an_hours_tracked_time_arrives_through_the_hourly_check(
    org: Organization, hs: SandboxClient
) -> None:
    installation = connect_with_personal_access_token(org, hs.create_pat("alice@acme.test"))
    assert installation.live_updates == Installation.LiveUpdates.OFF  # never subscribed
    project = synced_project(org, hs)
    before = hours(project)

    hs.track("bobby@acme.test", "Project A", 3600)
    a_second_passes()
    hs.reset_stats()
    assert live.check_hourly() == 1
    assert update_requests(hs) == 1  # one Hubstaff organization, one request
    (run,) = run_queued(project)

    assert run.trigger == SyncRun.Trigger.SCHEDULE and run.mode == SyncRun.Mode.INCREMENTAL
    assert hours(project) - before == 3600
    assert run.requests_made <= 10  # 4 against the sandbox (docs/sync.md: an incremental takes 4 to 10)
    installation.refresh_from_db()
    assert (
        installation.live_updates == Installation.LiveUpdates.OFF and installation.live_checked_at is not None
    )
    # the change is read: the next hour queues nothing and the hours stay
    assert live.check_hourly(next_hour()) == 0
    assert hours(project) - before == 3600


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sandbox_site")
def test_lost_and_repeated_deliveries_still_bring_every_hour_once(
    org: Organization, hs: SandboxClient, handed_over: dict[str, list[list[Any]]]
) -> None:
    installation = subscribed(org, hs)
    project = synced_project(org, hs)
    before = hours(project)
    hs.fault(webhook_lost_rate=0.2, webhook_repeat_rate=0.1, seed=7)

    tracked = 0
    for n in range(20):  # a team stopping its timers
        seconds = 300 + 60 * n
        hs.track("bobby@acme.test" if n % 2 else "alice@acme.test", "Project A", seconds)
        tracked += seconds
    deliveries = hs.wait_for_deliveries(20)
    faults = ",".join(d["fault"] for d in deliveries)
    assert "lost" in faults and "repeat" in faults
    a_second_passes()
    handle_events(handed_over, project)
    # the last timer's event lost: only the hourly check can bring it
    hs.fault(webhook_lost_rate=1.0)
    hs.track("bobby@acme.test", "Project A", 900)
    tracked += 900
    hs.wait_for_deliveries(21)
    assert live.EVENT_TASK not in handed_over

    a_second_passes()
    assert live.check_hourly() == 1
    run_queued(project)
    assert hours(project) - before == tracked
    assert live.check_hourly(next_hour()) == 0
    installation.refresh_from_db()
    assert installation.live_updates == Installation.LiveUpdates.ON  # events came within the hour


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sandbox_site")
def test_late_and_out_of_order_deliveries_end_in_the_same_hours(
    org: Organization, hs: SandboxClient, handed_over: dict[str, list[list[Any]]]
) -> None:
    subscribed(org, hs)
    project = synced_project(org, hs)
    before = hours(project)
    hs.fault(webhook_out_of_order=True, webhook_delay=1.0)

    for seconds in (600, 1200, 1800):
        hs.track("bobby@acme.test", "Project A", seconds)
    deliveries = hs.wait_for_deliveries(3)
    assert any("out_of_order" in d["fault"] for d in deliveries)
    a_second_passes()
    handle_events(handed_over, project)

    assert hours(project) - before == 3600
    assert live.check_hourly(next_hour()) == 0  # the events' run read every change
    assert hours(project) - before == 3600


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sandbox_site")
def test_a_wrong_signature_is_refused_and_the_hourly_check_still_brings_the_hours(
    org: Organization, hs: SandboxClient, handed_over: dict[str, list[list[Any]]]
) -> None:
    subscribed(org, hs)
    project = synced_project(org, hs)
    before = hours(project)
    hs.fault(webhook_bad_signature_rate=1.0)

    hs.track("bobby@acme.test", "Project A", 1500)
    (delivery,) = hs.wait_for_deliveries(1)
    assert delivery["status"] == 403
    assert live.EVENT_TASK not in handed_over

    assert live.check_hourly() == 1
    run_queued(project)
    assert hours(project) - before == 1500


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sandbox_site")
def test_events_that_stop_arriving_turn_live_updates_off_until_one_comes_again(
    org: Organization, hs: SandboxClient, handed_over: dict[str, list[list[Any]]]
) -> None:
    installation = subscribed(org, hs)
    project = synced_project(org, hs)
    before = hours(project)
    three_hours_ago = timezone.now() - timedelta(hours=3)
    HubstaffWebhook.objects.filter(installation=installation).update(created_at=three_hours_ago)
    Installation.objects.filter(pk=installation.pk).update(last_event_at=three_hours_ago)
    hs.fault(webhook_lost_rate=1.0)

    hs.track("bobby@acme.test", "Project A", 1200)
    hs.wait_for_deliveries(1)
    a_second_passes()
    assert live.check_hourly() == 1
    installation.refresh_from_db()
    assert installation.live_updates == Installation.LiveUpdates.OFF
    assert installation.live_updates_reason == live.STALE_REASON
    run_queued(project)
    assert hours(project) - before == 1200

    # without an event, the next check keeps it off (and the change it read is not synced twice)
    assert live.check_hourly() == 0
    installation.refresh_from_db()
    assert installation.live_updates == Installation.LiveUpdates.OFF

    hs.reset_faults()
    hs.track("bobby@acme.test", "Project A", 600)
    hs.wait_for_deliveries(2)
    a_second_passes()
    handle_events(handed_over, project)
    assert live.check_hourly(next_hour()) == 0
    installation.refresh_from_db()
    assert installation.live_updates == Installation.LiveUpdates.ON and installation.live_updates_reason == ""
    assert hours(project) - before == 1800


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sandbox_site", "handed_over")
def test_the_hourly_check_costs_one_request_per_hubstaff_organization_whatever_the_projects(
    org: Organization, hs: SandboxClient
) -> None:
    installation = connect_with_personal_access_token(org, hs.create_pat("alice@acme.test"))
    ids = hs.ids()["projects"]
    for name in ("Project A", "Project B"):  # every Hubstaff project of the organization linked
        project: Project = ProjectFactory.create(
            organization=org, name=name, start_date=date(2026, 1, 1), end_date=date(2027, 12, 31)
        )
        update_link(project, enabled=True, hubstaff_project_ids=[ids[name]])
    installation.refresh_from_db()
    used = installation.budget_used
    hs.reset_stats()

    assert live.check_hourly(next_hour() + timedelta(hours=2)) == 0  # no time tracked in the last two hours
    installation.refresh_from_db()
    # 24 a day for each Hubstaff organization: 0.1 % of Hubstaff's 1000 requests an hour
    assert hs.stats()["total"] == update_requests(hs) == 1
    assert installation.budget_used - used == 1
