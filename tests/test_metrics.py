"""/metrics: the operators' figures for Prometheus, behind a bearer token, read from Redis and the database."""

from datetime import timedelta

import pytest
import redis
from celery import current_app
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from integrations.models import HubstaffEvent, Installation, SyncRun
from primetric.metrics import error_kind
from tests.factories import OrganizationFactory, ProjectFactory

TOKEN = "s3cret-metrics-token-0123456789abcdef"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


@pytest.fixture
def broker():
    """The test Redis database the suite's Celery app sends to (the root conftest), emptied."""
    url = str(current_app.conf.broker_url)
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield client
    client.flushdb()


def scrape(client: Client, token: str = TOKEN) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0)


def test_no_token_set_means_no_page(client: Client, settings) -> None:
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


def test_a_scrape_without_the_token_is_refused(client: Client, token) -> None:
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"primetric" not in response.content
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401


def test_a_wrong_token_is_refused(client: Client, token) -> None:
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")
    assert response.status_code == 403
    assert b"primetric" not in response.content


@pytest.mark.django_db
def test_a_signed_in_administrator_still_needs_the_token(client: Client, token, django_user_model) -> None:
    admin = django_user_model.objects.create_superuser("ops", "ops@example.test", "x")
    client.force_login(admin)
    assert client.get("/metrics").status_code == 401


@pytest.mark.django_db
def test_the_figures_after_a_few_runs(client: Client, token, broker) -> None:
    now = timezone.now()
    organization = OrganizationFactory.create()
    installation = Installation.objects.create(organization=organization, status="installed")
    projects = [ProjectFactory.create(organization=organization) for _ in range(6)]

    def run(project, **fields):
        return SyncRun.objects.create(organization=organization, project=project, **fields)

    # A person's reset: queued 1 s before it started, ran 40 s.
    run(
        projects[0],
        mode="reset",
        trigger="manual",
        status="succeeded",
        queued_at=now - timedelta(seconds=60),
        started_at=now - timedelta(seconds=59),
        finished_at=now - timedelta(seconds=19),
    )
    # Two daily syncs: one waited 10 minutes and ran 3 s; one failed on Hubstaff's 503s.
    run(
        projects[1],
        mode="incremental",
        trigger="schedule",
        status="succeeded",
        queued_at=now - timedelta(minutes=20),
        started_at=now - timedelta(minutes=10),
        finished_at=now - timedelta(minutes=10) + timedelta(seconds=3),
    )
    run(
        projects[2],
        mode="incremental",
        trigger="schedule",
        status="failed",
        error="Hubstaff did not answer properly: Hubstaff answered 503 to GET /v2/x, 3 attempts.",
        queued_at=now - timedelta(minutes=5),
        started_at=now - timedelta(minutes=5),
        finished_at=now - timedelta(minutes=4),
    )
    # Now: one daily sync queued for 2 minutes, one running paced by the budget, and yesterday's (not counted).
    run(
        projects[3],
        mode="incremental",
        trigger="schedule",
        status="queued",
        queued_at=now - timedelta(minutes=2),
    )
    run(
        projects[4],
        mode="reset",
        trigger="api",
        status="running",
        queued_at=now - timedelta(minutes=30),
        started_at=now - timedelta(minutes=30),
        stalled_since=now - timedelta(minutes=15),
    )
    run(
        projects[5],
        mode="incremental",
        trigger="schedule",
        status="succeeded",
        queued_at=now - timedelta(days=2),
        started_at=now - timedelta(days=2),
        finished_at=now - timedelta(days=2),
    )
    for number in range(3):
        HubstaffEvent.objects.create(
            organization=organization,
            installation=installation,
            event_id=f"e{number}",
            event="activity.update",
        )
    HubstaffEvent.objects.create(
        organization=organization,
        installation=installation,
        event_id="old",
        event="activity.update",
        received_at=now - timedelta(hours=2),
    )
    for number in range(4):
        broker.lpush("scheduled", f"message {number}")
    broker.lpush("interactive", "message")

    samples = scrape(client)

    assert value(samples, "primetric_queue_depth", queue="scheduled") == 4
    assert value(samples, "primetric_queue_depth", queue="interactive") == 1
    runs = "primetric_sync_runs_last_24h"
    assert value(samples, runs, status="succeeded", trigger="manual", mode="reset", queue="interactive") == 1
    assert (
        value(samples, runs, status="succeeded", trigger="schedule", mode="incremental", queue="scheduled")
        == 1
    )
    assert (
        value(samples, runs, status="failed", trigger="schedule", mode="incremental", queue="scheduled") == 1
    )
    assert value(samples, "primetric_sync_failures_last_24h", kind="server_5xx", trigger="schedule") == 1
    # Durations of the hour: the reset (40 s) and two daily syncs (3 s, 60 s).
    duration = "primetric_sync_run_duration_seconds"
    assert value(samples, f"{duration}_count", queue="interactive") == 1
    assert value(samples, f"{duration}_bucket", queue="interactive", le="30.0") == 0
    assert value(samples, f"{duration}_bucket", queue="interactive", le="60.0") == 1
    assert value(samples, f"{duration}_count", queue="scheduled") == 2
    assert value(samples, f"{duration}_bucket", queue="scheduled", le="5.0") == 1
    assert value(samples, f"{duration}_sum", queue="scheduled") == pytest.approx(63)
    # Waits of the runs started in the hour: the resets' 1 s and 0 s, the daily syncs' 10 minutes and 0 s.
    wait = "primetric_sync_run_wait_seconds"
    assert value(samples, f"{wait}_bucket", queue="interactive", le="0.5") == 1
    assert value(samples, f"{wait}_bucket", queue="interactive", le="1.0") == 2
    assert value(samples, f"{wait}_bucket", queue="scheduled", le="1.0") == 1
    assert value(samples, f"{wait}_bucket", queue="scheduled", le="900.0") == 2
    assert value(samples, f"{wait}_bucket", queue="scheduled", le="+Inf") == 2
    active = "primetric_sync_runs_active"
    assert value(samples, active, status="queued", queue="scheduled") == 1
    assert value(samples, active, status="running", queue="interactive") == 1
    assert 110 < value(samples, "primetric_sync_oldest_queued_seconds", queue="scheduled") < 300
    assert value(samples, "primetric_sync_runs_waiting_for_budget") == 1
    assert 800 < value(samples, "primetric_sync_longest_budget_wait_seconds") < 1000
    assert value(samples, "primetric_hubstaff_events_last_hour", event="activity.update") == 3
    assert value(samples, "primetric_postgres_connections", state="active") >= 1
    assert value(samples, "primetric_postgres_max_connections") > 0
    assert value(samples, "primetric_redis_used_memory_bytes") > 0
    assert all(v == 0 for (name, _), v in samples.items() if name == "primetric_scrape_failed")


@pytest.mark.django_db
def test_a_broker_that_does_not_answer_leaves_the_other_figures(client: Client, token, monkeypatch) -> None:
    monkeypatch.setattr(current_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    samples = scrape(client)
    assert value(samples, "primetric_scrape_failed", part="broker") == 1
    assert value(samples, "primetric_scrape_failed", part="database") == 0
    assert value(samples, "primetric_postgres_max_connections") > 0


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ("Hubstaff's rate limit is reached; it accepts requests again in 60 seconds.", "rate_limited"),
        ("Hubstaff refused access (GET /v2/organizations/1/activities/daily): plan inactive.", "refused_403"),
        ("Hubstaff needs re-authorization: an Administrator must authorize it again.", "reauthorization"),
        ("The sync failed on our side; nothing was changed. The error was logged.", "internal"),
        ("Hubstaff was uninstalled during the sync; nothing was written.", "uninstalled"),
        ("Something new.", "other"),
    ],
)
def test_a_failures_kind_is_read_from_its_error(error: str, kind: str) -> None:
    assert error_kind(error) == kind
