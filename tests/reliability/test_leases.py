"""A run owned by a lease, a lost message, Hubstaff uninstalled or turned off mid-sync (issue 15, cases 4-6).

Workers themselves (killed pool children, on Redis) are in test_worker_kill.py; here
the same rules are checked in one process, through the sandbox.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from integrations import tasks
from integrations.hubstaff.client import HubstaffClient
from integrations.models import Installation, ProjectLink, SyncRun
from integrations.services import runs, sync
from integrations.services.installation import uninstall
from tests.factories import WorkLogFactory

from .support import snapshot, wait_for


def queue(project, mode="reset"):
    return runs.request_sync(project, mode=mode, trigger=SyncRun.Trigger.MANUAL)


def after_requests(count, change):
    """A HubstaffClient (for `sync.Parts(client=...)`) that calls `change()` before its request number `count`+1,
    in the sync's own thread (where each request is counted before it is sent or sent ahead)."""

    class ChangeMidFetch(HubstaffClient):
        counted = 0

        def _ready_to_send(self):
            ChangeMidFetch.counted += 1
            if ChangeMidFetch.counted == count + 1:
                change()
            return super()._ready_to_send()

    return ChangeMidFetch


def hold(run, *, seconds_ago):
    """The run as a worker holds it, whose lease was last renewed `seconds_ago`."""
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.RUNNING,
        lease_id="another-worker",
        heartbeat_at=timezone.now() - timedelta(seconds=seconds_ago),
    )


def test_a_task_finding_a_live_lease_comes_back_when_it_would_expire(project_a, monkeypatch):
    """Not dropped: the redelivered task is sent again with a countdown until the lease would expire."""
    run = queue(project_a)
    hold(run, seconds_ago=30)
    sent = []
    monkeypatch.setattr(tasks.sync_project_task, "apply_async", lambda **kw: sent.append(kw))
    tasks.sync_project_task.apply(args=[run.pk])
    assert len(sent) == 1 and sent[0]["args"] == [run.pk]
    assert 55 <= sent[0]["countdown"] <= runs.lease_length().total_seconds() - 30 + 2
    assert SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.RUNNING  # left to its worker


def test_a_redelivered_task_takes_over_an_expired_lease_and_finishes(project_a):
    run = queue(project_a)
    hold(run, seconds_ago=runs.lease_length().total_seconds() + 1)
    finished = sync.run_sync(run.pk)
    assert (finished.status, finished.takeovers) == (SyncRun.Status.SUCCEEDED, 1), finished.error
    assert finished.lease_id not in ("", "another-worker")


def test_a_worker_whose_lease_was_taken_over_writes_nothing(project_a, hs):
    """The first worker pauses (a long Retry-After, say) past its lease; another takes the run over. The first
    one's apply is refused inside its transaction."""
    run = queue(project_a)

    def take_over():
        SyncRun.objects.filter(pk=run.pk).update(lease_id="the-worker-that-took-over")

    before = snapshot(project_a)
    sync.run_sync(run.pk, parts=sync.Parts(client=after_requests(3, take_over)))
    assert snapshot(project_a)["worklogs"] == before["worklogs"]
    assert SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.RUNNING  # still the other worker's


def test_a_run_taken_over_too_often_is_failed(project_a):
    run = queue(project_a)
    SyncRun.objects.filter(pk=run.pk).update(takeovers=runs.MAX_TAKEOVERS)
    hold(run, seconds_ago=runs.lease_length().total_seconds() + 1)
    assert sync.run_sync(run.pk) is None
    failed = SyncRun.objects.get(pk=run.pk)
    assert failed.status == SyncRun.Status.FAILED and "abandoned" in failed.error


def test_the_periodic_check_requeues_a_run_whose_lease_expired(
    project_a, queued_tasks, django_capture_on_commit_callbacks
):
    run = queue(project_a)
    hold(run, seconds_ago=runs.lease_length().total_seconds() + 1)
    queued_tasks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.recover_sync_runs() == 1
    requeued = SyncRun.objects.get(pk=run.pk)
    assert (requeued.status, requeued.takeovers, requeued.lease_id) == (SyncRun.Status.QUEUED, 1, "")
    assert queued_tasks == [(run.pk,)]
    assert sync.run_sync(run.pk).status == SyncRun.Status.SUCCEEDED


def test_a_queued_run_whose_message_was_lost_is_sent_again_and_finishes(
    project_a, queued_tasks, django_capture_on_commit_callbacks
):
    """The message never reached a worker (a broker restarted without persistence): the check re-sends it."""
    run = queue(project_a)
    queued_tasks.clear()  # the message is lost
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.recover_sync_runs() == 0  # young: a worker may just not have reached it yet
    later = timezone.now() + runs.LOST_AFTER + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.recover_runs(now=later) == 1
    assert queued_tasks == [(run.pk,)]
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.recover_runs(now=later + timedelta(seconds=10)) == 0  # not re-sent every minute
    assert sync.run_sync(run.pk).status == SyncRun.Status.SUCCEEDED


def test_a_run_waiting_for_its_retry_is_not_taken_for_lost(project_a, hs, queued_tasks):
    """A run put back in the queue for a Retry-After is due when the retry is: not sent again before that."""
    hs.fault(storm={"count": 1, "retry_after": 1800})
    run = queue(project_a)
    with pytest.raises(runs.Paced):
        sync.run_sync(run.pk, final_attempt=False)
    queued_tasks.clear()
    assert runs.recover_runs(now=timezone.now() + timedelta(minutes=20)) == 0
    assert runs.recover_runs(now=timezone.now() + timedelta(minutes=40)) == 1


def uninstall_during_fetch(hs, project, *, after_requests):
    """Uninstall from another thread (an Administrator's request) once the sync has made some requests; the
    returned dict gets the number of requests Hubstaff had answered by then."""
    seen = {}

    def uninstall_later():
        try:
            wait_for(lambda: hs.stats()["total"] >= after_requests, timeout=30, message="the sync under way")
            uninstall(Installation.objects.get(organization=project.organization))
            seen["at_uninstall"] = hs.stats()["total"]
        finally:
            connection.close()  # this thread's own

    thread = threading.Thread(target=uninstall_later)
    thread.start()
    return thread, seen


@pytest.mark.django_db(transaction=True)
def test_uninstall_during_a_sync_stops_it_before_it_writes(project_a, people, hs):
    """The client stops asking within seconds (it re-reads the installation every couple of seconds) and the
    apply, locking the installation's row, refuses: the run says so and nothing is written."""
    full = sync.run_sync(queue(project_a).pk)
    assert full.status == SyncRun.Status.SUCCEEDED, full.error
    WorkLogFactory(project=project_a, person=people["bobby"], duration_seconds=600, note="manual")
    before = snapshot(project_a)
    run = queue(project_a)
    hs.fault(latency=1.0)
    hs.reset_stats()
    thread, seen = uninstall_during_fetch(hs, project_a, after_requests=2)
    finished = sync.run_sync(run.pk)
    thread.join()
    assert finished.status == SyncRun.Status.FAILED
    assert finished.error == "Hubstaff was uninstalled during the sync; nothing was written."
    assert snapshot(project_a)["worklogs"] == before["worklogs"]
    after_uninstall = hs.stats()["total"] - seen["at_uninstall"]
    assert after_uninstall <= 5 < full.requests_made - seen["at_uninstall"], (
        after_uninstall,
        full.requests_made,
    )


def test_hubstaff_turned_off_for_the_project_during_a_sync_writes_nothing(project_a, people):
    """The link disabled while the fetch goes on: the apply, re-reading it in its transaction, refuses."""
    link = ProjectLink.objects.get(project=project_a)

    def turn_off():
        ProjectLink.objects.filter(pk=link.pk).update(enabled=False)

    before = snapshot(project_a)
    finished = sync.run_sync(queue(project_a).pk, parts=sync.Parts(client=after_requests(3, turn_off)))
    assert finished.status == SyncRun.Status.FAILED
    assert finished.error == "Hubstaff was turned off for this project during the sync; nothing was written."
    assert snapshot(project_a)["worklogs"] == before["worklogs"]
