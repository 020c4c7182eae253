"""The apply going on while the fetch does (integrations/services/early.py), on PostgreSQL, committing for real.

Hubstaff (the sandbox) answers every request after a small latency, so that a reset of Project A (nine fetch
windows, read two at once) takes long enough for the early apply to start well before its last page. What a user
would notice: the same work logs as an apply after the fetch; nothing changed when the fetch fails after windows
were written; a failing apply stops the fetch; no transaction kept open while the sync waits for the request
budget.
"""

import threading
import time

import pytest
from django.db import connection

from integrations.hubstaff import rules
from integrations.hubstaff.client import HubstaffClient
from integrations.models import Installation
from integrations.services import runs, sync
from projects.models import Assignment
from worklogs.models import WorkLog

from .support import hubstaff_truth, snapshot, synced_result
from .test_sync_faults import EMAILS, WINDOW, fault_after

pytestmark = pytest.mark.django_db(transaction=True)

LATENCY = 0.03


@pytest.fixture(autouse=True)
def _apply_while_fetching(settings):
    settings.HUBSTAFF_APPLY_WHILE_FETCHING = True
    settings.HUBSTAFF_FETCH_STREAMS = 2


def reset(project, parts=None):
    run = runs.request_sync(project, mode="reset", trigger="manual")
    return sync.run_sync(run.pk, parts=parts or sync.Parts())


class Watch:
    """The sync's parts, watched: the client it made, and how many requests it had made at each batch planned."""

    def __init__(self, fail_at_batch=None):
        self.client = None
        self.requests_at_plan = []
        self.fail_at_batch = fail_at_batch
        watch = self

        class Watched(HubstaffClient):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                watch.client = self

        self.client_class = Watched

    def plan(self, **kwargs):
        self.requests_at_plan.append(self.client.requests_made)
        if len(self.requests_at_plan) == self.fail_at_batch:
            raise ValueError(f"the rules failed on batch {self.fail_at_batch}")
        return rules.plan_sync(**kwargs)

    def parts(self, client=None):
        return sync.Parts(client=client or self.client_class, plan=self.plan)


def sync_threads():
    return [t for t in threading.enumerate() if t.name.startswith("sync-run-")]


def counts(run):
    return (run.worklogs_created, run.worklogs_updated, run.worklogs_deleted, run.assignments_created)


def test_the_first_windows_are_applied_while_later_ones_are_fetched_with_the_same_result(
    project_a, hs, settings, queued_tasks
):
    hs.fault(latency=LATENCY)
    watch = Watch()
    run = reset(project_a, watch.parts())
    assert run.status == "succeeded", run.error
    assert watch.requests_at_plan[0] < run.requests_made / 2, (
        f"the first batch was planned after {watch.requests_at_plan[0]} of {run.requests_made} requests"
    )
    truth = hubstaff_truth(hs, project_names=["Project A"], emails=EMAILS, start=WINDOW[0], stop=WINDOW[1])
    assert synced_result(project_a) == truth
    sam = Assignment.objects.get(project=project_a, person__email="sam@acme.test")
    assert (sam.origin, sam.start_date, sam.end_date) == ("sync", *WINDOW)
    assert not sync_threads()

    # The same reset applied after the fetch, on the same starting point, writes exactly the same.
    runs.clear_project(project_a)
    sam.delete()
    settings.HUBSTAFF_APPLY_WHILE_FETCHING = False
    after_fetch = Watch()
    late = reset(project_a, after_fetch.parts())
    assert late.status == "succeeded", late.error
    assert after_fetch.requests_at_plan[0] == late.requests_made, "with the setting off the apply waits"
    assert synced_result(project_a) == truth
    assert counts(late) == counts(run)


def test_a_fetch_failing_after_windows_were_written_changes_nothing(project_a, hs, settings, queued_tasks):
    settings.HUBSTAFF_MAX_RETRIES = 1
    settings.HUBSTAFF_RETRY_BASE_DELAY = 0.01
    first = reset(project_a)
    assert first.status == "succeeded", first.error
    # Every synced log now differs from Hubstaff: the next reset writes in every batch it applies.
    WorkLog.objects.filter(project=project_a, source="hubstaff").update(duration_seconds=1)
    before = snapshot(project_a)

    hs.fault(latency=LATENCY)
    watch = Watch()
    failing = fault_after(hs, first.requests_made - 3, error_rate=1.0)
    run = reset(project_a, watch.parts(client=type("Failing", (failing, watch.client_class), {})))
    assert run.status == "failed"
    assert "Hubstaff" in run.error
    assert len(watch.requests_at_plan) >= 2, "batches must have been applied before the fetch failed"
    assert snapshot(project_a) == before
    assert not sync_threads()


def test_a_failing_apply_stops_the_fetch_and_changes_nothing(project_a, hs, queued_tasks):
    first = reset(project_a)
    assert first.status == "succeeded", first.error
    before = snapshot(project_a)

    hs.fault(latency=0.1)  # the first window is read in 0.2 s, the eight others in 0.4 s more
    watch = Watch(fail_at_batch=1)
    run = reset(project_a, watch.parts())
    assert run.status == "failed" and "nothing was changed" in run.error
    assert run.requests_made <= first.requests_made - 3, (
        f"the fetch went on for {run.requests_made} of {first.requests_made} requests after the apply failed"
    )
    assert snapshot(project_a) == before
    assert not sync_threads()


def open_transactions(since=None):
    """Other connections of this database with a transaction open (the sync's writer, if it kept one); with `since`,
    those whose transaction began before it (a short one another thread opened since is not held through a wait)."""
    return len(open_transaction_queries(since))


def open_transaction_queries(since=None):
    """The last statement of each other connection of this database with a transaction open, and for how long."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT state, now() - xact_start, left(query, 300) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL "
            "AND xact_start <= coalesce(%s, now())",
            [since],
        )
        return cursor.fetchall()


def database_now():
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def test_a_wait_for_the_request_budget_gives_the_early_apply_up(project_a, hs, settings, queued_tasks):
    """No transaction stays open through a wait for the budget; the apply runs after the fetch instead."""
    first = reset(project_a)
    assert first.status == "succeeded", first.error
    truth = synced_result(project_a)
    runs.clear_project(project_a)
    Assignment.objects.filter(project=project_a, origin="sync").delete()

    # A budget of half the reset's requests: it waits for the next window once, mid-fetch.
    settings.HUBSTAFF_RATE_BUDGET = max(2, first.requests_made // 2)
    settings.HUBSTAFF_RATE_WINDOW_SECONDS = 2.0
    settings.HUBSTAFF_MAX_RETRY_AFTER = 5.0
    Installation.objects.update(budget_window_started_at=None, budget_used=0, rate_limited_until=None)
    hs.fault(latency=LATENCY)
    during_waits = []
    held = []
    watch = Watch()

    class Paced(watch.client_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            sleep = self.budget.sleep

            def sleep_and_look(seconds):
                # The apply rolls back at its next step (a window being written finishes first); one that kept its
                # transaction through the wait would still hold it after 30 s, waiting for a window the sleeping
                # fetch cannot send. Only a transaction begun before the wait counts: another thread (the lease's
                # renewal, the run's progress) may open a short one meanwhile.
                began = database_now()
                deadline = time.monotonic() + 30
                while open_transactions(began) and time.monotonic() < deadline:
                    time.sleep(0.05)
                during_waits.append(open_transactions(began))
                if during_waits[-1]:
                    held.append(open_transaction_queries(began))
                sleep(seconds)

            self.budget.sleep = sleep_and_look

    run = reset(project_a, watch.parts(client=Paced))
    assert run.status == "succeeded", run.error
    assert during_waits, "the reset must have waited for the budget"
    assert during_waits[0] == 0, f"a transaction stayed open while the sync waited for the budget: {held}"
    assert synced_result(project_a) == truth
    assert not sync_threads()
