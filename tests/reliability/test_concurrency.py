"""Many things at once, on PostgreSQL: one sync per project however many ask, one token refresh however many need it.

Threads each hold their own database connection, so the database's constraints and row locks are what is tested.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conftest import signed_in
from integrations.hubstaff.client import HubstaffClient
from integrations.models import Installation, SyncRun
from integrations.services import runs as sync_runs
from integrations.services import sync

from .support import duplicates, hubstaff_truth, synced_result

pytestmark = pytest.mark.django_db(transaction=True)

EMAILS = {"bobby@acme.test", "sam@acme.test"}


def all_at_once(count, work):
    """Run work(i) in `count` threads released together; return the results (exceptions re-raised)."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


def truth(hs, project):
    return hubstaff_truth(
        hs, project_names=["Project A"], emails=EMAILS, start=project.start_date, stop=project.end_date
    )


def test_twenty_simultaneous_sync_requests_make_one_sync(project_a, manager, hs, queued_tasks):
    project = project_a
    clients = [signed_in(manager) for _ in range(20)]
    url = f"/{project.organization.slug}/projects/{project.pk}/hubstaff/sync/"

    statuses = all_at_once(20, lambda i: clients[i].post(url).status_code)

    assert statuses == [302] * 20
    runs = SyncRun.objects.filter(project=project)
    assert runs.count() == 1
    assert queued_tasks == [(runs.get().pk,)]  # one task sent; the nineteen others joined it
    assert sync.run_sync(runs.get().pk).status == "succeeded"
    assert synced_result(project) == truth(hs, project)
    assert duplicates(project) == []


def test_twenty_simultaneous_deliveries_of_one_run_sync_it_once(project_a, hs):
    """The same task delivered many times (redelivery, a duplicated message): one worker claims it; the rest find
    its live lease (their task comes back when it would expire) or the run finished, and call nobody."""
    project = project_a
    run = sync_runs.request_sync(project, mode="reset", trigger="manual")
    hs.reset_stats()

    def deliver(i):
        try:
            return sync.run_sync(run.pk)
        except sync_runs.LeaseHeld:
            return "later"

    results = all_at_once(20, deliver)

    finished = [r for r in results if r not in (None, "later")]
    assert len(finished) == 1 and finished[0].status == "succeeded", [
        r if isinstance(r, str) else r and (r.status, r.error) for r in results
    ]
    assert finished[0].requests_made == hs.stats()["total"]  # nobody else called Hubstaff
    assert synced_result(project) == truth(hs, project)
    assert duplicates(project) == []


def test_twenty_simultaneous_requests_while_a_sync_runs_join_it(project_a, hs):
    project = project_a
    first = sync_runs.request_sync(project, mode="reset", trigger="manual")
    assert sync_runs.claim(first.pk) is not None  # a worker has it: running, not only queued
    assert SyncRun.objects.get(pk=first.pk).status == SyncRun.Status.RUNNING
    runs = all_at_once(20, lambda i: sync_runs.request_sync(project, mode="incremental", trigger="api").pk)
    assert set(runs) == {first.pk}
    assert SyncRun.objects.filter(project=project).count() == 1


def test_two_workers_refreshing_at_once_spend_the_rotating_refresh_token_once(installed, hs):
    """Both need a new access token at the same moment: one refresh at Hubstaff, both proceed with its result."""
    Installation.objects.filter(pk=installed.pk).update(
        access_token_expires_at=timezone.now() - timedelta(seconds=1)
    )
    hs.fault(expire_access_tokens=True)  # the old access token is refused too, as if it had really expired
    hs.reset_stats()

    def call_hubstaff(i):
        client = HubstaffClient(Installation.objects.get(pk=installed.pk))
        user = client.me()
        return user["email"], client.token_requests_made, client.installation.access_token

    results = all_at_once(2, call_hubstaff)

    assert [r[0] for r in results] == ["alice@acme.test", "alice@acme.test"]
    assert sorted(r[1] for r in results) == [0, 1]  # one refreshed, the other adopted its token
    assert results[0][2] == results[1][2]
    token_calls = hs.stats()["routes"].get("POST /access_tokens", {})
    assert token_calls == {"200": 1}
    stored = Installation.objects.get(pk=installed.pk)
    assert stored.status == Installation.Status.INSTALLED and stored.access_token == results[0][2]


def test_twenty_workers_refreshing_at_once_spend_it_once(installed, hs):
    Installation.objects.filter(pk=installed.pk).update(
        access_token_expires_at=timezone.now() - timedelta(seconds=1)
    )
    hs.fault(expire_access_tokens=True)
    hs.reset_stats()

    results = all_at_once(
        20, lambda i: HubstaffClient(Installation.objects.get(pk=installed.pk)).me()["email"]
    )

    assert results == ["alice@acme.test"] * 20
    assert hs.stats()["routes"].get("POST /access_tokens", {}) == {"200": 1}
    assert Installation.objects.get(pk=installed.pk).status == Installation.Status.INSTALLED
