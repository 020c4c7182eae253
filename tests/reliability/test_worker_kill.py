"""A Celery worker killed with SIGKILL in the middle of a sync, with real workers on PostgreSQL.

`celery -A primetric worker` runs in a subprocess on the same PostgreSQL test database as the test, on Redis. The
sandbox answers slowly (latency) so that the sync lasts long enough to be killed part-way.

Two deaths:
- a pool child killed (what the OOM killer does; the main process survives): the main process rejects the lost
  task back to the broker (task_reject_on_worker_lost, acks_late) and starts a new child, which gets it again; the
  run's lease is still live, so the task comes back when it would expire (SYNC_LEASE_SECONDS, 6 s here, 90 s in
  production), takes the run over and finishes it. Then the worker syncs another project: it is not stalled.
- the whole worker killed: nothing rejects the message. Redis hands it out again after its visibility timeout (5 s
  here, 2 h in production); a lost message is sent again by the periodic check `runs.recover_runs` once the lease
  expired (test_leases.py covers the check itself).
And `make run`'s own worker, idle, losing a pool child: the runs sent afterwards all finish.
"""

import importlib.util
import os
import signal
import time
from datetime import date, timedelta

import pytest
import redis
from django.db.models import F
from django.utils import timezone
from kombu import Connection

from integrations import tasks
from integrations.models import SyncRun
from integrations.services import runs, sync
from integrations.services.links import update_link
from tests.factories import ProjectFactory, WorkLogFactory

from .support import (
    REPO,
    Worker,
    duplicates,
    hubstaff_truth,
    require_redis,
    snapshot,
    synced_result,
    wait_for,
    worker_env,
)

pytestmark = pytest.mark.django_db(transaction=True)

VISIBILITY_TIMEOUT = 5
LEASE_SECONDS = 6
EMAILS = {"bobby@acme.test", "sam@acme.test"}


@pytest.fixture
def broker():
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
        # Time added to days this old is manual time (Hubstaff's time edit log names its day; /daily/updates
        # reaches one month back only).
        for day in ("2026-02-10", "2026-04-15", "2026-06-17", "2026-09-21"):
            hs.add_activity(user="sam@acme.test", project="Project A", date=day, tracked=5400, manual=5400)
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

    # The worker has been dead for longer than its lease (as if the lease had run out).
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=F("heartbeat_at") - runs.lease_length())
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
    """Without a redelivery (the message is lost), beat's check finds the dead run and has it redone."""
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
    # ... once its lease expired, beat's check queues the run again (its task sent again) and it is redone.
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=F("heartbeat_at") - runs.lease_length())
    queued_tasks.clear()
    assert runs.recover_runs() == 1
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


# --- a pool child killed


@pytest.fixture
def pool_worker(hs, tmp_path):
    """A worker (one pool child), and how to send it a run: (worker, send)."""
    url = require_redis()
    redis.Redis.from_url(url).flushdb()  # no message left over from an earlier run
    extra = {"SYNC_LEASE_SECONDS": str(LEASE_SECONDS)}
    env = worker_env(hs, broker_url=url, visibility_timeout=VISIBILITY_TIMEOUT, extra=extra)
    worker = Worker(env, name="pool", log_dir=tmp_path)

    def send(run):
        send_id(run.pk)

    def send_id(run_id):
        with Connection(url) as connection:
            tasks.sync_project_task.apply_async(args=[run_id], connection=connection)

    send.by_id = send_id
    yield worker, send
    worker.stop()


def test_a_killed_pool_child_s_sync_is_taken_over_and_the_worker_goes_on(
    project_a, org, hs, pool_worker, queued_tasks
):
    """kill -9 of the pool child mid-sync: the run succeeds within a bounded time (the lease, then the sync), and
    a later sync of another project runs on the same worker."""
    worker, send = pool_worker
    hs.fault(latency=0.6)
    run = runs.request_sync(project_a, mode="reset", trigger="manual")
    hs.reset_stats()
    send(run)
    wait_for(lambda: part_way(hs, run), timeout=60, message=f"the sync under way\n{worker.output()}")
    killed = worker.kill_pool_children()
    killed_at = time.monotonic()
    assert status(run)[0] == "running"
    wait_for(
        lambda: status(run)[0] in ("succeeded", "failed"),
        timeout=LEASE_SECONDS + 60,
        message=f"the sync of the killed child {killed} to be taken over and finish\n{worker.output()}",
    )
    finished = SyncRun.objects.get(pk=run.pk)
    assert (finished.status, finished.takeovers) == ("succeeded", 1), (finished.error, worker.output())
    assert time.monotonic() - killed_at < LEASE_SECONDS + 60
    hs.reset_faults()
    window = (project_a.start_date, project_a.end_date)
    assert synced_result(project_a) == hubstaff_truth(
        hs, project_names=["Project A"], emails=EMAILS, start=window[0], stop=window[1]
    )
    assert duplicates(project_a) == []

    project_b = linked_project_b(org, hs)
    later = runs.request_sync(project_b, mode="reset", trigger="manual")
    send(later)
    wait_for(
        lambda: status(later)[0] in ("succeeded", "failed"),
        timeout=60,
        message=f"the next sync on the same worker\n{worker.output()}",
    )
    assert status(later)[0] == "succeeded", status(later)


def test_a_queued_run_whose_message_was_lost_is_sent_again_by_the_check_and_finishes(
    project_a, pool_worker, monkeypatch
):
    """The run was queued but its message never reached the broker (or the broker lost it): the periodic check,
    once the run is LOST_AFTER overdue, sends it again to the real worker, which syncs it."""
    worker, send = pool_worker
    run = runs.request_sync(
        project_a, mode="reset", trigger="manual"
    )  # the suite's fixture keeps the message
    time.sleep(3)
    assert status(run)[0] == "queued"  # nothing reached the worker
    monkeypatch.setattr(runs, "deliver", lambda task_name, args, **options: send.by_id(args[0]))
    assert runs.recover_runs(now=timezone.now() + runs.LOST_AFTER + timedelta(seconds=1)) == 1
    wait_for(
        lambda: status(run)[0] in ("succeeded", "failed"),
        timeout=60,
        message=f"the re-sent run to finish\n{worker.output()}",
    )
    assert status(run)[0] == "succeeded", status(run)


def linked_project_b(org, hs):
    """Project B (1 Jan - 22 Sep 2026) linked to the sandbox's Project B: a second sync for the same worker."""
    project = ProjectFactory(
        organization=org, name="Project B", start_date=date(2026, 1, 1), end_date=date(2026, 9, 22)
    )
    update_link(
        project,
        enabled=True,
        hubstaff_project_ids=[hs.ids()["projects"]["Project B"]],
        prevent_new_assignments=False,
        trim_assignments=False,
    )
    return project


def make_run_worker_command():
    spec = importlib.util.spec_from_file_location("run_local", REPO / "scripts" / "run_local.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PROCESSES["worker"]


def test_make_run_s_worker_loses_an_idle_pool_child_and_still_runs_every_sync(project_a, org, hs, tmp_path):
    """The OOM killer's shape on `make run`'s worker (its command as it is, on Redis) while nothing runs: one of
    its pool children is killed; the syncs sent afterwards, more than one at once, all finish."""
    url = require_redis()
    redis.Redis.from_url(url).flushdb()
    env = worker_env(hs, broker_url=url, visibility_timeout=VISIBILITY_TIMEOUT)
    worker = Worker(env, name="make-run", log_dir=tmp_path, command=make_run_worker_command())
    try:
        wait_for(
            lambda: len(worker.pool_children()) == 2 and "ready" in worker.output(),
            timeout=120,
            message=f"the worker to be ready with two pool children\n{worker.output()}",
        )
        killed = worker.pool_children()[0]
        os.kill(killed, signal.SIGKILL)
        wait_for(lambda: killed not in worker.pool_children(), timeout=10, message="the child to be gone")

        project_b = linked_project_b(org, hs)
        sent = [
            runs.request_sync(project, mode="reset", trigger="manual") for project in (project_a, project_b)
        ]
        with Connection(url) as connection:
            for run in sent:
                tasks.sync_project_task.apply_async(args=[run.pk], connection=connection)
        wait_for(
            lambda: all(status(run)[0] in ("succeeded", "failed") for run in sent),
            timeout=90,
            message=f"both syncs to finish on the worker that lost a child\n{worker.output()}",
        )
        assert [status(run)[0] for run in sent] == ["succeeded", "succeeded"], worker.output()
    finally:
        worker.stop()
