"""Queues by urgency: a person's run goes on `interactive`, the schedule's on `scheduled`, and a worker serving
both takes the person's first, even behind a full scheduled queue (a real worker on real Redis)."""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from celery import current_app, shared_task
from django.conf import settings

from integrations.models import SyncRun
from integrations.services import queues
from tests.reliability.support import REPO

# The probe the worker runs: it notes each message it takes, in the order taken, and works a little while, as a
# sync keeps its worker process busy.
PROBE = "integrations.tests.test_queues.probe"
TAKEN = "queue-probe:taken"
PROBE_SECONDS = 0.02


def _probe(label: str) -> None:
    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).rpush(TAKEN, label)
    time.sleep(PROBE_SECONDS)


# Registered by name in the worker too, which imports this module (`--include`).
probe = shared_task(name=PROBE)(_probe)


@pytest.mark.parametrize(
    ("mode", "trigger"),
    [
        ("reset", "manual"),
        ("reset", "api"),
        ("preview", "manual"),
        ("incremental", "manual"),
        ("undo", "manual"),
        ("clear", "api"),
        ("incremental", "hubstaff_event"),
    ],
)
def test_what_a_person_or_an_event_asks_for_is_interactive(mode: str, trigger: str) -> None:
    assert queues.queue_for(mode, trigger) == queues.INTERACTIVE


@pytest.mark.parametrize(
    ("mode", "trigger"),
    [("incremental", "schedule"), ("reconcile", "schedule"), ("reset", "schedule"), ("reconcile", "manual")],
)
def test_what_the_schedule_queues_is_scheduled(mode: str, trigger: str) -> None:
    assert queues.queue_for(mode, trigger) == queues.SCHEDULED


def test_a_runs_send_options_name_its_queue() -> None:
    run = SyncRun(mode=SyncRun.Mode.INCREMENTAL, trigger=SyncRun.Trigger.SCHEDULE)
    assert queues.send_task_options(run) == {"queue": "scheduled"}
    run.trigger = SyncRun.Trigger.MANUAL
    assert queues.send_task_options(run) == {"queue": "interactive"}


@pytest.mark.django_db
def test_a_run_known_by_its_id_goes_to_its_queue() -> None:
    from tests.factories import ProjectFactory

    project = ProjectFactory.create()
    run = SyncRun.objects.create(
        organization=project.organization, project=project, mode="incremental", trigger="schedule"
    )
    assert queues.queue_of(run.pk) == queues.SCHEDULED
    assert queues.queue_of(run.pk + 1000) == queues.INTERACTIVE  # gone: dropped at once wherever it lands


def test_the_settings_declare_both_queues_interactive_first() -> None:
    assert [queue.name for queue in settings.CELERY_TASK_QUEUES] == list(queues.QUEUES)
    assert settings.CELERY_TASK_DEFAULT_QUEUE == queues.INTERACTIVE
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["queue_order_strategy"] == "priority"
    # The schedule's bulk sends and checks wait behind nothing a person asked for.
    assert (
        current_app.amqp.router.route({}, "integrations.tasks.enqueue_due_syncs")["queue"].name == "scheduled"
    )
    assert (
        current_app.amqp.router.route({}, "integrations.tasks.recover_sync_runs")["queue"].name
        == "interactive"
    )


def wait_for(condition: Callable[[], bool], *, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(0.01)


@pytest.fixture
def broker() -> str:
    """The test Redis database the suite's Celery app sends to (the root conftest), emptied."""
    url = str(current_app.conf.broker_url)
    redis.Redis.from_url(url).flushdb()  # no message left over from an earlier run
    return url


@pytest.fixture
def worker(broker: str, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`celery worker -Q interactive,scheduled`, one process, as compose's worker serving both queues."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        {"REDIS_URL": broker, "CELERY_BROKER_URL": broker, "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
    )
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "primetric",
            "worker",
            "-Q",
            "interactive,scheduled",
            "--concurrency",
            "1",
            "--include",
            __name__,
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    log.close()


def test_a_persons_run_overtakes_a_full_scheduled_queue(broker: str, worker: subprocess.Popen[bytes]) -> None:
    client = redis.Redis.from_url(broker, decode_responses=True)
    # The 10,000 runs of a night's schedule after downtime, sent as the schedule sends them (batched).
    with current_app.producer_or_acquire() as producer, producer.batch(max_size=1000):
        for number in range(10_000):
            current_app.send_task(
                PROBE, args=[f"scheduled-{number}"], queue=queues.SCHEDULED, producer=producer
            )
    # The worker is working through the backlog before people click.
    wait_for(lambda: client.llen(TAKEN) >= 5, timeout=60, message="the worker to take scheduled messages")
    taken_before = client.llen(TAKEN)
    clicked = time.monotonic()
    clicks = [f"interactive-{number}" for number in range(10)]
    for label in clicks:
        current_app.send_task(PROBE, args=[label], queue=queues.INTERACTIVE)

    def order() -> list[str]:
        return [str(label) for label in client.lrange(TAKEN, 0, -1)]

    wait_for(lambda: set(clicks) <= set(order()), timeout=30, message="the interactive runs")
    waited = time.monotonic() - clicked
    taken = order()
    positions = [taken.index(label) for label in clicks]
    # Every click is taken before any further scheduled message but the one the worker may already have
    # reserved: the queue is served strictly first, not in turns with the backlog.
    assert positions[0] <= taken_before + 1, taken
    assert positions == list(range(positions[0], positions[0] + len(clicks))), taken
    assert client.llen(queues.SCHEDULED) > 9_000  # still full when the clicks were done
    assert waited < 2.0, waited


def test_a_queues_depth_is_read_from_the_broker(broker: str) -> None:
    for number in range(3):
        current_app.send_task(PROBE, args=[f"scheduled-{number}"], queue=queues.SCHEDULED)
    assert queues.depth(queues.SCHEDULED) == 3
    assert queues.depth(queues.INTERACTIVE) == 0
