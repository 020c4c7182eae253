"""What leaves no row is counted in Redis and shown on /metrics: Hubstaff's error answers (retried ones too), the
waits for Hubstaff's pace, and webhook deliveries, accepted or rejected."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
import responses
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import RateLimited
from integrations.models import Installation
from primetric import counters
from tests.reliability.support import redis_url_for_tests
from tests.test_metrics import TOKEN, scrape, value

from .conftest import API
from .test_hubstaff_hook import KEY, SECRET, delivery, hook, sign, with_webhook

pytestmark = [pytest.mark.usefixtures("hubstaff_settings"), pytest.mark.django_db]


@pytest.fixture
def counted(settings: Settings) -> Iterator[redis.Redis]:
    """The counters in this test process's own Redis database, emptied; /metrics open with the token."""
    settings.REDIS_URL = redis_url_for_tests()
    settings.METRICS_TOKEN = TOKEN
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(*(counters.key(name) for name in counters.NAMES))
    yield client
    client.delete(*(counters.key(name) for name in counters.NAMES))


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def hubstaff(
    installation: Installation, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> HubstaffClient:
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(seconds=sum(sleeps)))
    return HubstaffClient(installation, sleep=sleeps.append)


@responses.activate
def test_retried_and_waited_out_answers_are_counted_by_status(
    counted: redis.Redis, hubstaff: HubstaffClient, client: Client
) -> None:
    responses.get(f"{API}/users/me", status=503, json={"error": "unavailable"})
    responses.get(f"{API}/users/me", status=429, headers={"Retry-After": "3"}, json={"error": "rate limit"})
    responses.get(f"{API}/users/me", json={"user": {"id": 1}})

    assert hubstaff.me() == {"id": 1}  # the sync saw nothing of it; the operator does

    samples = scrape(client)
    assert value(samples, "primetric_hubstaff_errors_total", endpoint="api", status="503") == 1
    assert value(samples, "primetric_hubstaff_errors_total", endpoint="api", status="429") == 1
    assert value(samples, "primetric_hubstaff_errors_total", endpoint="api", status="200") == 0
    assert value(samples, "primetric_pacing_waits_total", kind="rate_limit", outcome="waited") == 1
    assert value(samples, "primetric_pacing_wait_seconds_total", kind="rate_limit") == pytest.approx(
        3, abs=0.5
    )


@responses.activate
def test_a_rate_limit_too_long_to_sleep_is_counted_as_deferred(
    counted: redis.Redis, hubstaff: HubstaffClient, client: Client, sleeps: list[float]
) -> None:
    responses.get(f"{API}/users/me", status=429, headers={"Retry-After": "900"}, json={"error": "rate limit"})

    with pytest.raises(RateLimited):
        hubstaff.me()
    another_worker = HubstaffClient(
        Installation.objects.get(pk=hubstaff.installation.pk), sleep=sleeps.append
    )
    with pytest.raises(RateLimited):
        another_worker.me()  # before Hubstaff's 15 minutes are over: not sent

    samples = scrape(client)
    assert value(samples, "primetric_hubstaff_errors_total", endpoint="api", status="429") == 1
    assert value(samples, "primetric_pacing_waits_total", kind="rate_limit", outcome="deferred") == 2
    assert value(samples, "primetric_pacing_waits_total", kind="rate_limit", outcome="waited") == 0


def test_webhook_deliveries_are_counted_by_outcome(
    counted: redis.Redis, installation: Installation, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from integrations.services import live

    with_webhook(installation, KEY, SECRET)
    monkeypatch.setattr(live, "send_event", lambda *args: None)
    body = delivery(event_id="e-1")

    def post(data: bytes, key: str = KEY, **headers: Any) -> int:
        return client.post(hook(key), data, content_type="application/json", headers=headers).status_code

    assert post(body, X_Hook_Signature=sign(SECRET, body)) == 200
    assert post(body, X_Hook_Signature=sign(SECRET, body)) == 200  # Hubstaff's retry of the same event
    assert post(body, X_Hook_Signature=sign("not-the-secret", body)) == 403
    assert post(body, key="no-such-hook", X_Hook_Signature=sign(SECRET, body)) == 404

    samples = scrape(client)
    name = "primetric_webhook_deliveries_total"
    assert value(samples, name, outcome="accepted", reason="new") == 1
    assert value(samples, name, outcome="accepted", reason="duplicate") == 1
    assert value(samples, name, outcome="rejected", reason="signature") == 1
    assert value(samples, name, outcome="rejected", reason="unknown_hook") == 1


@responses.activate
def test_a_redis_that_does_not_answer_costs_the_count_not_the_request(
    settings: Settings, hubstaff: HubstaffClient, client: Client
) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.METRICS_TOKEN = TOKEN
    responses.get(f"{API}/users/me", status=503, json={"error": "unavailable"})
    responses.get(f"{API}/users/me", json={"user": {"id": 1}})

    assert hubstaff.me() == {"id": 1}

    samples = scrape(client)
    assert value(samples, "primetric_scrape_failed", part="counted") == 1
    assert value(samples, "primetric_scrape_failed", part="database") == 0


@responses.activate
def test_a_wait_for_the_request_budget_is_counted(
    counted: redis.Redis, hubstaff: HubstaffClient, client: Client, settings: Settings, sleeps: list[float]
) -> None:
    settings.HUBSTAFF_RATE_BUDGET = 1
    settings.HUBSTAFF_RATE_WINDOW_SECONDS = 2.0
    responses.get(f"{API}/users/me", json={"user": {"id": 1}})

    hubstaff.me()
    hubstaff.me()  # the window's one request is spent: waits for the next window

    samples = scrape(client)
    assert value(samples, "primetric_pacing_waits_total", kind="budget", outcome="waited") == 1
    assert sum(sleeps) > 0
    assert value(samples, "primetric_pacing_wait_seconds_total", kind="budget") == pytest.approx(sum(sleeps))
