"""A reset that needs more requests than Hubstaff's rate window allows finishes (issue 15, case 1).

The issue's reproduction, scaled down: a generated Hubstaff organization whose reset needs ~50 requests, and the
sandbox allowing 12 requests per 2-3 s window (Hubstaff: 1000 an hour). Before, each retry after a 429 started the
fetch from zero and the reset never finished. Now the sync takes each request from the installation's budget
(the same 12 per window), waits for the next window instead of meeting 429s, and a run stopped by the wait
resumes from its checkpoint: it finishes with the requests of an unlimited reset plus a few per window, and the
same work logs.
"""

import math
import re
import time
from datetime import date

import pytest

from conftest import point_hubstaff_at
from hubstaff_sandbox.testing import running_sandbox
from integrations.hubstaff.budget import BudgetSpent, RequestBudget
from integrations.models import FetchCheckpoint, Installation, SyncRun
from integrations.services import runs, sync
from integrations.services.installation import connect_with_personal_access_token
from integrations.services.links import update_link
from people.models import Person
from projects.models import Project
from worklogs.models import WorkLog

# 30 users over 400 days: a reset reads 13 windows of a few pages each, ~50 requests in all.
END = date(2026, 6, 30)
GENERATED = f"users=30,projects=2,days=400,seed=3,end={END.isoformat()}"
BUDGET = 12
WAITING = re.compile(r"Waiting for Hubstaff's rate limit until \d\d:\d\d; [\d,]+ of [\d,]+ pages read")


@pytest.fixture(scope="module")
def generated():
    with running_sandbox(generate=GENERATED, rate_limit=10**6) as hs:
        yield hs


@pytest.fixture
def hs(generated, settings):
    point_hubstaff_at(settings, generated, HUBSTAFF_MAX_RETRY_AFTER=5.0, HUBSTAFF_REQUEST_TIMEOUT=10.0)
    generated.reset_faults()
    generated.reset_stats()
    yield generated
    generated.reset_faults()


@pytest.fixture
def project(org, hs):
    Person.objects.bulk_create(
        [
            Person(organization=org, full_name=f"User {n}", email=f"user{n}@example.test", is_employee=True)
            for n in range(1, 31)
        ]
    )
    connect_with_personal_access_token(org, hs.create_pat("user1@example.test"))
    project = Project.objects.create(organization=org, name="Generated", start_date=date(2025, 6, 1))
    update_link(
        project,
        enabled=True,
        hubstaff_project_ids=sorted(hs.ids()["projects"].values())[:2],
        prevent_new_assignments=False,
        trim_assignments=False,
    )
    return project


def logs(project):
    return sorted(
        WorkLog.objects.filter(project=project, source="hubstaff").values_list(
            "person__email", "date", "duration_seconds"
        )
    )


def unlimited_reset(project, hs):
    """The reset without any limit: its requests are the minimum, its work logs the truth."""
    run = sync.run_sync(runs.request_sync(project, mode="reset", trigger="manual").pk, today=END)
    assert run.status == "succeeded", run.error
    minimum = hs.stats()["total"]
    truth = logs(project)
    runs.clear_project(project)
    assert logs(project) == []
    return minimum, truth


def limit(hs, settings, *, window, max_retry_after):
    """Hubstaff (the sandbox) and our budget at BUDGET requests per `window` seconds, from a fresh window."""
    settings.HUBSTAFF_RATE_BUDGET = BUDGET
    settings.HUBSTAFF_RATE_WINDOW_SECONDS = window
    settings.HUBSTAFF_MAX_RETRY_AFTER = max_retry_after
    Installation.objects.update(budget_window_started_at=None, budget_used=0, rate_limited_until=None)
    hs.fault(rate_limit=BUDGET, rate_limit_window=window)
    hs.reset_stats()


def test_a_reset_needing_four_windows_paces_itself_and_finishes(project, hs, settings):
    minimum, truth = unlimited_reset(project, hs)
    assert minimum > 3 * BUDGET, "the reset must need several rate windows"
    limit(hs, settings, window=2, max_retry_after=5.0)
    started = time.monotonic()
    run = sync.run_sync(runs.request_sync(project, mode="reset", trigger="manual").pk, today=END)
    elapsed = time.monotonic() - started
    assert run.status == "succeeded", run.error
    assert logs(project) == truth
    windows = math.ceil(minimum / BUDGET)
    stats = hs.stats()
    assert stats["total"] <= minimum + 2 * windows, stats
    # The waits are the windows a reset needs, not Retry-After guesses: close to (windows - 1) full windows.
    assert 2 * (windows - 1) * 0.9 <= elapsed <= 2 * windows + 6, elapsed
    assert not FetchCheckpoint.objects.exists()


def test_a_reset_stopped_by_the_wait_resumes_from_its_checkpoint(project, hs, settings):
    """Longer waits than a worker holds a task: each attempt stops at the spent budget, is queued with the wait
    and what it read, and the next attempt fetches only the windows not saved yet."""
    minimum, truth = unlimited_reset(project, hs)
    limit(hs, settings, window=3, max_retry_after=0.5)
    run = runs.request_sync(project, mode="reset", trigger="manual")
    attempts, labels, saved = 0, [], []
    while True:
        attempts += 1
        assert attempts < 30, "the reset must finish"
        try:
            finished = sync.run_sync(run.pk, final_attempt=True, today=END)
            break
        except runs.Paced as exc:  # waiting for the budget is not a failure
            row = SyncRun.objects.get(pk=run.pk)
            assert row.status == "queued" and logs(project) == [], "nothing is applied before the end"
            labels.append(row.progress_label)
            saved.append(FetchCheckpoint.objects.filter(run=run).count())
            time.sleep(exc.countdown)  # what the task's countdown does
    assert finished.status == "succeeded", finished.error
    assert logs(project) == truth
    assert attempts >= 3 and saved == sorted(saved) and saved[-1] > saved[0], saved
    assert all(WAITING.fullmatch(label) for label in labels[1:]), labels
    assert finished.progress_done == finished.progress_total > 0
    windows = math.ceil(minimum / BUDGET)
    # Each stop costs the pages of the windows it cut short (two streams) and the members list of the next attempt.
    assert hs.stats()["total"] <= minimum + 4 * windows, hs.stats()
    assert not FetchCheckpoint.objects.exists()


def test_an_abandoned_reset_changes_nothing_and_its_checkpoint_goes(project, hs, settings):
    minimum, truth = unlimited_reset(project, hs)
    assert truth
    limit(hs, settings, window=30, max_retry_after=0.5)
    run = runs.request_sync(project, mode="reset", trigger="manual")
    with pytest.raises(runs.Paced):
        sync.run_sync(run.pk, today=END)
    assert FetchCheckpoint.objects.filter(run=run).exists()
    run.refresh_from_db()
    runs.finish(run, SyncRun.Status.FAILED, error="abandoned")
    assert logs(project) == [] and not FetchCheckpoint.objects.exists()


def test_a_reset_leaves_half_of_the_window_to_the_other_syncs(project, org, settings):
    """The fair share: with another sync of the organization queued, a reset takes half of a window at most; the
    other sync may take the rest."""
    settings.HUBSTAFF_RATE_BUDGET = 10
    settings.HUBSTAFF_RATE_WINDOW_SECONDS = 600
    settings.HUBSTAFF_MAX_RETRY_AFTER = 0
    Installation.objects.update(budget_window_started_at=None, budget_used=0)
    installation = Installation.objects.get(organization=org)
    reset = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    other = Project.objects.create(organization=org, name="Daily", start_date=date(2026, 1, 1))
    SyncRun.objects.create(organization=org, project=other, mode="incremental", trigger="schedule")  # queued
    large = RequestBudget(installation)
    large.share_fairly(reset)
    for _ in range(5):
        large.take()
    with pytest.raises(BudgetSpent) as spent:
        large.take()
    assert spent.value.retry_after > 500
    daily = RequestBudget(installation)
    for _ in range(5):
        daily.take()
    with pytest.raises(BudgetSpent):
        daily.take()
