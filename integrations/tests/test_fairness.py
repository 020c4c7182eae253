"""Fairness per installation: at most HUBSTAFF_RUNS_PER_INSTALLATION runs of one installation hold a slot at once,
on real Redis; a slot whose worker was killed frees itself when its lease passes."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from celery import current_app
from pytest_django import Settings

from integrations.models import Installation, SyncRun
from integrations.services import fairness
from tests.factories import OrganizationFactory, ProjectFactory
from tests.reliability.support import REPO, database_url_of_test_db


@pytest.fixture
def slots(settings: Settings) -> Iterator[redis.Redis]:
    """The slots kept in the test Redis database (the one the suite's Celery app sends to), emptied."""
    settings.REDIS_URL = str(current_app.conf.broker_url)
    settings.HUBSTAFF_RUNS_PER_INSTALLATION = 2
    client = fairness.client()
    client.flushdb()
    yield client
    client.flushdb()


def token() -> str:
    return uuid.uuid4().hex


def installation_with_runs(count: int) -> tuple[Installation, list[SyncRun]]:
    organization = OrganizationFactory.create()
    installation = Installation.objects.create(organization=organization, status="installed")
    runs = []
    for _ in range(count):
        project = ProjectFactory.create(organization=organization)
        runs.append(
            SyncRun.objects.create(
                organization=organization, project=project, mode="incremental", trigger="schedule"
            )
        )
    return installation, runs


@pytest.mark.usefixtures("slots")
def test_a_third_run_of_one_installation_waits_for_a_slot() -> None:
    first, second, third = token(), token(), token()
    assert fairness.acquire(7, 1, first)
    assert fairness.acquire(7, 2, second)
    assert not fairness.acquire(7, 3, third)
    assert fairness.held(7) == 2
    fairness.release(7, 1, first)
    assert fairness.acquire(7, 3, third)


@pytest.mark.usefixtures("slots")
def test_another_installations_run_is_not_held_back() -> None:
    assert fairness.acquire(7, 1, token()) and fairness.acquire(7, 2, token())
    assert fairness.acquire(8, 3, token())


@pytest.mark.usefixtures("slots")
def test_a_second_message_of_a_run_never_frees_the_first_ones_slot() -> None:
    first, duplicate = token(), token()
    assert fairness.acquire(7, 1, first)
    assert fairness.acquire(
        7, 1, duplicate
    )  # its own slot, briefly: runs.claim lets one of them have the run
    fairness.release(7, 1, duplicate)
    assert fairness.held(7) == 1
    assert fairness.renew(7, 1, first)


@pytest.mark.usefixtures("slots")
def test_a_slot_not_renewed_expires_with_its_lease(settings: Settings) -> None:
    settings.SYNC_LEASE_SECONDS = 1
    held = token()
    assert fairness.acquire(7, 1, held) and fairness.acquire(7, 2, token())
    assert not fairness.acquire(7, 3, token())
    time.sleep(1.2)
    assert fairness.acquire(7, 3, token())
    assert not fairness.renew(7, 1, held)  # its place is taken: the holder learns it


@pytest.mark.django_db
@pytest.mark.usefixtures("slots")
def test_a_run_whose_installation_is_busy_is_sent_back_without_waiting() -> None:
    installation, (one, two, three) = installation_with_runs(3)
    with fairness.slot(one.pk), fairness.slot(two.pk):
        started = time.monotonic()
        with pytest.raises(fairness.InstallationBusy) as busy, fairness.slot(three.pk):
            pass
        assert time.monotonic() - started < 0.5
        assert fairness.WAIT_SECONDS[0] <= busy.value.countdown <= fairness.WAIT_SECONDS[1]
    assert fairness.held(installation.pk) == 0
    with fairness.slot(three.pk):
        assert fairness.held(installation.pk) == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("slots")
def test_a_slot_is_given_back_when_the_sync_fails() -> None:
    installation, (run,) = installation_with_runs(1)
    with pytest.raises(RuntimeError), fairness.slot(run.pk):
        raise RuntimeError("Hubstaff answered 500")
    assert fairness.held(installation.pk) == 0


@pytest.mark.django_db
@pytest.mark.usefixtures("slots")
def test_a_run_without_an_installation_runs_without_a_slot() -> None:
    with fairness.slot(123456):
        pass


HOLDER = """
import os, sys, time
import django
django.setup()
from integrations.services import fairness
with fairness.slot(int(sys.argv[1])):
    print("holding", flush=True)
    time.sleep(600)
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("slots")
def test_a_slot_held_by_a_killed_worker_frees_itself_after_its_lease(settings: Settings) -> None:
    settings.HUBSTAFF_RUNS_PER_INSTALLATION = 1
    settings.SYNC_LEASE_SECONDS = 2
    installation, (held, waiting) = installation_with_runs(2)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "primetric.settings",
            # The test database as a URL, embedded server (a socket directory) or not (tests/reliability/support).
            "DATABASE_URL": database_url_of_test_db(),
            "REDIS_URL": settings.REDIS_URL,
            "HUBSTAFF_RUNS_PER_INSTALLATION": "1",
            "SYNC_LEASE_SECONDS": "2",
        }
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(held.pk)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == b"holding", worker.stdout.read()
        # Alive, the holder renews its slot past its lease: the other run keeps waiting.
        time.sleep(3)
        with pytest.raises(fairness.InstallationBusy), fairness.slot(waiting.pk):
            pass
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        killed = time.monotonic()
        with pytest.raises(fairness.InstallationBusy), fairness.slot(waiting.pk):
            pass  # still held right after the kill: nothing gave it back
        while True:
            try:
                with fairness.slot(waiting.pk):
                    break
            except fairness.InstallationBusy:
                assert time.monotonic() - killed < 5, "the killed worker's slot never expired"
                time.sleep(0.1)
        # Freed by its lease (2 s after the last renewal), not at once.
        assert fairness.held(installation.pk) == 0
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        if worker.stdout is not None:
            worker.stdout.close()
