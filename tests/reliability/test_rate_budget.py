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
from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.conf import settings as django_settings
from django.db.models import F
from django.utils import timezone

from conftest import point_hubstaff_at
from hubstaff_sandbox.testing import running_sandbox
from integrations.hubstaff.budget import BudgetSpent, RequestBudget
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.tokens import record_rate_limit
from integrations.models import FetchCheckpoint, Installation, SyncRun
from integrations.services import runs, sync
from integrations.services.installation import connect_with_personal_access_token
from integrations.services.links import update_link
from people.models import Person
from projects.models import Project
from worklogs.models import WorkLog

# 30 users over 400 days: a reset reads 13 windows of a few pages each, ~50 requests in all.
END = date(2026, 6, 30)
GENERATED = f"users=30,projects=3,days=400,seed=3,end={END.isoformat()}"
BUDGET = 12
WAITING = re.compile(r"Waiting for Hubstaff's rate limit until \d\d:\d\d; [\d,]+ of [\d,]+ pages read")
# The same label before any page was read (no count of pages yet).
WAITING_AT_ANY_POINT = re.compile(
    r"Waiting for Hubstaff's rate limit until \d\d:\d\d(\.|; [\d,]+ of [\d,]+ pages read)"
)


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


def reset_share(budget):
    """Requests a reset alone takes of a window: the budget but the reserve left to other syncs."""
    return math.ceil(budget * (1 - django_settings.HUBSTAFF_RATE_RESERVE))


def statuses(hs):
    """Responses the sandbox gave, by status code."""
    counts = defaultdict(int)
    for by_code in hs.stats()["routes"].values():
        for code, n in by_code.items():
            counts[code] += n
    return counts


def test_a_reset_needing_four_windows_paces_itself_and_finishes(project, hs, settings):
    minimum, truth = unlimited_reset(project, hs)
    assert minimum > 3 * BUDGET, "the reset must need several rate windows"
    limit(hs, settings, window=2, max_retry_after=5.0)
    started = time.monotonic()
    run = sync.run_sync(runs.request_sync(project, mode="reset", trigger="manual").pk, today=END)
    elapsed = time.monotonic() - started
    assert run.status == "succeeded", run.error
    assert logs(project) == truth
    stats = hs.stats()
    windows = math.ceil(stats["total"] / reset_share(BUDGET))
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


def reset_through_its_attempts(run, *, today=END):
    """Run the reset's attempts as the task does: a Paced attempt is sent again after its countdown (no retry is
    spent); a RetryLater (a failure) fails the test. Returns the finished run and the countdowns."""
    countdowns = []
    while True:
        assert len(countdowns) < 40, "the reset must finish"
        try:
            return sync.run_sync(run.pk, final_attempt=True, today=today), countdowns
        except runs.Paced as exc:
            countdowns.append(exc.countdown)
            time.sleep(exc.countdown)
        except runs.RetryLater as exc:  # pragma: no cover - the failure this test guards against
            pytest.fail(f"a 429 was counted as a failure: {exc}")


def test_a_reset_under_hubstaffs_lower_limit_is_paced_by_its_429s_and_finishes(project, hs, settings):
    """Hubstaff allows half of the configured budget: its 429s pace the reset (wait what Retry-After says, then go
    on from the checkpoint), the budget learns the real limit, and the reset needing four of Hubstaff's windows
    finishes with every work log, in about the time the windows take, on its final attempt every time."""
    minimum, truth = unlimited_reset(project, hs)
    hubstaff_allows = math.ceil(minimum / 4)
    settings.HUBSTAFF_RATE_BUDGET = 2 * hubstaff_allows  # above what Hubstaff really allows
    settings.HUBSTAFF_RATE_WINDOW_SECONDS = 2
    settings.HUBSTAFF_MAX_RETRY_AFTER = (
        1.0  # Hubstaff's Retry-After of 2 s ends an attempt: the task waits it
    )
    Installation.objects.update(budget_window_started_at=None, budget_used=0, rate_limited_until=None)
    hs.fault(rate_limit=hubstaff_allows, rate_limit_window=2)
    hs.reset_stats()
    started = time.monotonic()
    finished, countdowns = reset_through_its_attempts(
        runs.request_sync(project, mode="reset", trigger="manual")
    )
    elapsed = time.monotonic() - started
    assert finished.status == "succeeded", finished.error
    assert logs(project) == truth
    # Retry-After, or the budget's next window (with its slack): never a backoff of its own.
    assert countdowns and all(0 < c <= 2.2 for c in countdowns), countdowns
    # The budget learned that Hubstaff allows less than configured (it then probes a tenth higher per full window).
    learned = Installation.objects.get(organization=project.organization).budget_learned
    assert learned is not None and learned < 2 * hubstaff_allows, learned
    # Once learned, the budget keeps the installation under Hubstaff's limit: a few 429s, not one per window.
    hubstaff_windows = math.ceil(minimum / hubstaff_allows)
    assert statuses(hs)["429"] <= 3, statuses(hs)
    print(f"minimum {minimum}, Hubstaff allows {hubstaff_allows}, elapsed {elapsed:.1f} s, {statuses(hs)}")
    assert 2 * (hubstaff_windows - 1) * 0.9 <= elapsed <= 2 * (hubstaff_windows + 3) + 8, elapsed


def test_a_429_waits_what_retry_after_says_and_spends_no_retry(project, hs, settings):
    """Today's defect: a 429 took the task's doubling backoff (24 s, 41 s, ... while Hubstaff said 20) and failed
    the run after five. Now the run is queued for Hubstaff's 20 s, on any attempt, the last one included."""
    from integrations import tasks

    hs.fault(storm={"count": 1000, "retry_after": 20})
    run = runs.request_sync(project, mode="reset", trigger="manual")
    sent = []

    def send_again(args, countdown, **options):
        sent.append(countdown)

    task = tasks.sync_project_task
    original = task.apply_async
    task.apply_async = send_again
    try:
        for _ in range(7):  # more attempts than the task's retries
            task.apply(args=[run.pk])
            Installation.objects.update(rate_limited_until=None, budget_window_started_at=None, budget_used=0)
    finally:
        task.apply_async = original
    run.refresh_from_db()
    assert run.status == "queued", run.error
    assert sent == [20] * 7
    assert WAITING_AT_ANY_POINT.fullmatch(run.progress_label), run.progress_label


# What the installation keeps of a 429 once its Retry-After has passed: nothing to wait for.
RETRY_AFTER_PASSED = {"rate_limited_until": None, "budget_window_started_at": None, "budget_used": 0}


def test_a_paced_run_fails_only_after_reading_nothing_for_the_configured_time(project, hs, settings):
    """Pacing that lets the run read nothing for HUBSTAFF_NO_PROGRESS_SECONDS fails it, with a reason a manager
    can act on and nothing changed; pacing that lets it read pages never does."""
    settings.HUBSTAFF_NO_PROGRESS_SECONDS = 600
    hs.fault(storm={"count": 1000, "retry_after": 30})
    run = runs.request_sync(project, mode="reset", trigger="manual")
    with pytest.raises(runs.Paced):
        sync.run_sync(run.pk, final_attempt=True, today=END)
    run.refresh_from_db()
    assert run.status == "queued" and run.stalled_since is not None
    SyncRun.objects.filter(pk=run.pk).update(stalled_since=timezone.now() - timedelta(seconds=570))
    Installation.objects.update(**RETRY_AFTER_PASSED)
    with pytest.raises(runs.Paced):
        sync.run_sync(run.pk, final_attempt=True, today=END)
    SyncRun.objects.filter(pk=run.pk).update(stalled_since=timezone.now() - timedelta(seconds=601))
    Installation.objects.update(**RETRY_AFTER_PASSED)
    finished = sync.run_sync(run.pk, final_attempt=False, today=END)
    assert finished.status == "failed"
    assert "rate limit" in finished.error and "nothing could be read for 10 min" in finished.error
    assert "nothing was changed" in finished.error
    assert logs(project) == []


def test_a_paced_run_that_reads_pages_is_never_failed_for_its_waits(project, hs, settings):
    """The clock of no progress starts again whenever pages were read between two waits."""
    settings.HUBSTAFF_NO_PROGRESS_SECONDS = 600
    limit(hs, settings, window=30, max_retry_after=0.5)
    run = runs.request_sync(project, mode="reset", trigger="manual")
    # Its last wait was long ago, but this attempt reads windows before the budget stops it.
    SyncRun.objects.filter(pk=run.pk).update(stalled_since=timezone.now() - timedelta(hours=5))
    with pytest.raises(runs.Paced):
        sync.run_sync(run.pk, final_attempt=True, today=END)
    run.refresh_from_db()
    assert run.status == "queued" and run.stalled_at_pages > 0
    assert timezone.now() - run.stalled_since < timedelta(minutes=1)


def test_a_click_never_waits_behind_someone_elses_backfill(project, org, hs, settings):
    """Today's defect: a large reset alone took the whole window, and a Manager's incremental of another project
    requested a moment later waited for the next one (at Hubstaff's real window, up to an hour). The reset now
    leaves HUBSTAFF_RATE_RESERVE of each window: the incremental runs at once, within the same window."""
    settings.HUBSTAFF_RATE_BUDGET = 40
    settings.HUBSTAFF_RATE_WINDOW_SECONDS = 3600
    settings.HUBSTAFF_MAX_RETRY_AFTER = 0
    Installation.objects.update(budget_window_started_at=None, budget_used=0, rate_limited_until=None)
    other = Project.objects.create(organization=org, name="Clicked", start_date=date(2026, 6, 1))
    update_link(
        other,
        enabled=True,
        hubstaff_project_ids=sorted(hs.ids()["projects"].values())[2:3],
        prevent_new_assignments=False,
        trim_assignments=False,
    )
    first = sync.run_sync(runs.request_sync(other, mode="reset", trigger="manual").pk, today=END)
    assert first.status == "succeeded", first.error  # synced once: its next sync is an incremental
    Installation.objects.update(budget_window_started_at=None, budget_used=0)
    installation = Installation.objects.get(organization=org)
    reset = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    backfill = RequestBudget(installation)
    backfill.share_fairly(reset)
    taken = 0
    with pytest.raises(BudgetSpent):
        while True:
            backfill.take()
            taken += 1
    assert taken == reset_share(40) == 32
    clicked = time.monotonic()
    run = sync.run_sync(runs.request_sync(other, mode="incremental", trigger="manual").pk, today=END)
    assert run.status == "succeeded", run.error
    assert time.monotonic() - clicked < 10  # not the hour's window


def test_the_budget_learns_hubstaffs_limit_from_its_429s_and_probes_back_up(project, org, settings):
    """A 429 before the budget is spent lowers it to what went through (halving at most, never below a tenth); a
    later window used in full without a 429 raises it by a tenth, until the configured budget again."""
    settings.HUBSTAFF_RATE_BUDGET = 100
    settings.HUBSTAFF_RATE_WINDOW_SECONDS = 600
    settings.HUBSTAFF_MAX_RETRY_AFTER = 0
    Installation.objects.update(budget_window_started_at=None, budget_used=0, budget_learned=None)
    installation = Installation.objects.get(organization=org)
    budget = RequestBudget(installation)

    def take_all():
        taken = 0
        with pytest.raises(BudgetSpent):
            while True:
                budget.take()
                taken += 1
        return taken

    def next_window():
        """The window's 600 s pass: every time the installation keeps moves back by as much."""
        Installation.objects.update(
            budget_window_started_at=F("budget_window_started_at") - timedelta(seconds=601),
            rate_limited_until=F("rate_limited_until") - timedelta(seconds=601),
        )

    def learned():
        return Installation.objects.get(pk=installation.pk).budget_learned

    def hubstaff_said_wait():
        """What the client does on a 429 with Retry-After: 30."""
        until = timezone.now() + timedelta(seconds=30)
        record_rate_limit(installation, until)
        budget.hubstaff_said_wait(until)

    for _ in range(71):
        budget.take()
    hubstaff_said_wait()  # the 71st met a 429: 70 went through
    assert learned() == 70
    with pytest.raises(
        BudgetSpent
    ) as spent:  # the window is spent until Hubstaff's Retry-After, for everyone
        RequestBudget(installation).take()
    assert 29 <= spent.value.retry_after <= 30 + 30 + 1  # Retry-After, and the slack of a 600 s window
    next_window()
    assert take_all() == 70
    next_window()
    assert take_all() == 77  # the probe: a tenth more after a window used in full
    hubstaff_said_wait()  # after the budget was spent: it teaches nothing
    assert learned() == 77
    next_window()
    budget.take()
    hubstaff_said_wait()  # a 429 at the window's start (another app's burst?): halving at most
    assert learned() == 38
    for _ in range(5):
        next_window()
        budget.take()
        hubstaff_said_wait()
    assert learned() == 10  # a tenth of the budget at least
    for _ in range(30):
        next_window()
        take_all()
    assert learned() is None  # back to the configured budget
    next_window()
    assert take_all() == 100


class NeverSleeps(HubstaffClient):
    """A client whose every wait fails the test: the attempt must end rather than hold its worker."""

    def __init__(self, installation, *, prefetch):
        def sleep(seconds):
            pytest.fail(f"the attempt slept {seconds:.0f} s holding its worker")

        super().__init__(installation, prefetch=prefetch, sleep=sleep)


def test_a_sync_that_finds_the_window_spent_ends_its_attempt_instead_of_holding_a_worker(
    project, org, settings
):
    """Before, an attempt that had saved no window slept through any wait: one starting when the window was spent
    held its worker up to an hour (past the task's 45-minute limit at Hubstaff's real window). Having read nothing,
    it now ends at once and is queued for the next window."""
    settings.HUBSTAFF_RATE_BUDGET = 40
    settings.HUBSTAFF_RATE_WINDOW_SECONDS = 3600
    settings.HUBSTAFF_MAX_RETRY_AFTER = 5
    Installation.objects.update(
        budget_window_started_at=timezone.now(), budget_used=40, rate_limited_until=None
    )
    run = runs.request_sync(project, mode="reset", trigger="manual")
    with pytest.raises(runs.Paced) as paced:
        sync.run_sync(run.pk, today=END, parts=sync.Parts(client=NeverSleeps))
    assert 3500 < paced.value.countdown <= 3600 + 60
    run.refresh_from_db()
    assert run.status == "queued"
    assert WAITING_AT_ANY_POINT.fullmatch(run.progress_label), run.progress_label
