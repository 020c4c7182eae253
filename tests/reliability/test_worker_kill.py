"""A Celery worker killed with SIGKILL in the middle of a sync, on Redis and PostgreSQL, with real workers.

`celery -A primetric worker` runs in a subprocess on the same PostgreSQL test database and the same Redis broker
as the test. The sandbox answers slowly (latency) so that the sync lasts long enough to be killed part-way.

Why it comes back (settings.py): tasks are acknowledged late (acks_late) and a lost worker's message is rejected
back (reject_on_worker_lost); a worker killed outright never acknowledges, so Redis hands the message out again
once the visibility timeout has passed. The test shortens that timeout (CELERY_VISIBILITY_TIMEOUT=5; 3600 s in
production). A redelivered run is taken over only when its heartbeat is older than runs.STALE_AFTER (10 min): in
production the visibility timeout (1 h) is longer than that; here the test ages the dead run's heartbeat by
STALE_AFTER to stand for the same wait without spending ten minutes.
"""

import time
from datetime import date

import pytest
from django.db.models import F

from integrations import tasks
from integrations.models import SyncRun
from integrations.services import runs, sync
from tests.factories import WorkLogFactory

from .support import (
    Worker,
    duplicates,
    hubstaff_truth,
    require_postgres,
    require_redis,
    snapshot,
    synced_result,
    wait_for,
    worker_env,
)

pytestmark = pytest.mark.django_db(transaction=True)

VISIBILITY_TIMEOUT = 5
EMAILS = {"bobby@acme.test", "sam@acme.test"}


@pytest.fixture
def broker():
    require_postgres()
    url = require_redis()
    import redis

    redis.Redis.from_url(url).flushdb()  # the test Redis database: no message left over from an earlier run
    return url


@pytest.fixture
def workers(broker, hs, tmp_path):
    started = []

    def start(name):
        worker = Worker(
            worker_env(hs, broker_url=broker, visibility_timeout=VISIBILITY_TIMEOUT),
            name=name,
            log_dir=tmp_path,
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def status(run):
    return SyncRun.objects.filter(pk=run.pk).values_list("status", "progress_done", "error").get()


def part_way(hs, run):
    """The run is running and has made at least three Hubstaff requests (members, changes or a first window)."""
    return status(run)[0] == "running" and hs.stats()["total"] >= 3


@pytest.mark.parametrize("mode", ["reset", "incremental"])
def test_a_sync_whose_worker_is_killed_is_redone_and_correct(
    project_a, people, hs, workers, mode, queued_tasks
):
    project = project_a
    WorkLogFactory(
        project=project, person=people["bobby"], date=date(2026, 2, 3), duration_seconds=600, note="manual"
    )
    if mode == "incremental":
        first = sync.run_sync(runs.request_sync(project, mode="reset", trigger="manual").pk)
        assert first.status == "succeeded", first.error
        # Changes on days far apart: the incremental sync re-reads each of them (a request each), so it lasts.
        for day in ("2026-02-10", "2026-04-15", "2026-06-17", "2026-09-21"):
            hs.add_activity(user="sam@acme.test", project="Project A", date=day, tracked=5400)
    manual_before = [row for row in snapshot(project)["worklogs"] if row[5] == "manual"]
    hs.fault(latency=0.6)  # ~10 requests: the sync lasts several seconds

    run = runs.request_sync(project, mode=mode, trigger="manual")
    assert queued_tasks[-1] == (
        run.pk,
    )  # request_sync queued it (recorded by the suite's fixture); send it for real:
    hs.reset_stats()
    tasks.sync_project_task.apply_async(args=[run.pk])
    first_worker = workers("first")
    wait_for(
        lambda: part_way(hs, run),
        timeout=60,
        message=f"the first worker to be part-way through the sync\n{first_worker.output()}",
    )
    first_worker.kill()
    killed_at = status(run)
    assert killed_at[0] == "running", killed_at

    # The worker has been dead for longer than STALE_AFTER (see the module's docstring).
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=F("heartbeat_at") - runs.STALE_AFTER)
    time.sleep(VISIBILITY_TIMEOUT + 1)  # Redis hands the unacknowledged message out again after this
    second_worker = workers("second")
    wait_for(
        lambda: status(run)[0] in ("succeeded", "failed"),
        timeout=90,
        message=f"the redelivered sync to finish\n{second_worker.output()}",
    )

    finished = SyncRun.objects.get(pk=run.pk)
    assert finished.status == "succeeded", finished.error
    hs.reset_faults()
    window = (project.start_date, project.end_date)
    assert synced_result(project) == hubstaff_truth(
        hs, project_names=["Project A"], emails=EMAILS, start=window[0], stop=window[1]
    )
    assert duplicates(project) == []
    assert [row for row in snapshot(project)["worklogs"] if row[5] == "manual"] == manual_before
    assert SyncRun.objects.filter(project=project, status__in=SyncRun.ACTIVE_STATUSES).count() == 0


def test_a_killed_sync_never_stays_running_and_the_next_request_redoes_it(
    project_a, hs, workers, queued_tasks
):
    """Without a redelivery (the message is lost), the next request finds the dead run and has it redone."""
    project = project_a
    hs.fault(latency=0.6)
    run = runs.request_sync(project, mode="reset", trigger="manual")
    hs.reset_stats()
    tasks.sync_project_task.apply_async(args=[run.pk])
    worker = workers("only")
    wait_for(
        lambda: part_way(hs, run),
        timeout=60,
        message=f"the worker to be part-way through the sync\n{worker.output()}",
    )
    worker.kill()
    import redis

    redis.Redis.from_url(
        worker_env(hs, broker_url=require_redis())["CELERY_BROKER_URL"]
    ).flushdb()  # message lost
    hs.reset_faults()

    # While its heartbeat is fresh the run is "running" and a new request joins it ...
    assert runs.request_sync(project, mode="reset", trigger="manual").pk == run.pk
    # ... once it is older than STALE_AFTER, the run is queued again (its task sent again) and redone.
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=F("heartbeat_at") - runs.STALE_AFTER)
    queued_tasks.clear()
    again = runs.request_sync(project, mode="reset", trigger="manual")
    assert again.pk == run.pk
    requeued = SyncRun.objects.get(pk=run.pk)
    assert (requeued.status, requeued.takeovers) == (
        "queued",
        1,
    ) and "being redone" in requeued.progress_label
    assert queued_tasks == [(run.pk,)]
    assert sync.run_sync(again.pk).status == "succeeded"
    window = (project.start_date, project.end_date)
    assert synced_result(project) == hubstaff_truth(
        hs, project_names=["Project A"], emails=EMAILS, start=window[0], stop=window[1]
    )
    assert duplicates(project) == []
