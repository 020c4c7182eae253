"""Hubstaff misbehaving in the middle of a sync, for a reset and for an incremental sync.

Each fault is switched on at the sandbox after the sync has made some requests (so part of the data is already
fetched), then the outcome is checked against the sync's promise (docs/sync.md, the two phases): the project's
work logs are either the complete correct result or exactly what they were before; never duplicated; the run's
status and error say what happened; a revoked authorization marks the installation "needs re-authorization".
"""

import re
import threading
from datetime import date

import pytest

from integrations.hubstaff.client import HubstaffClient
from integrations.models import Installation, SyncRun
from integrations.services import runs, sync
from integrations.services.staging import Staging
from tests.factories import WorkLogFactory

from .support import duplicates, hubstaff_truth, snapshot, synced_result

WINDOW = (date(2026, 1, 1), date(2026, 9, 22))
EMAILS = {"bobby@acme.test", "sam@acme.test"}


def fault_after(hs, requests, **fault):
    """A HubstaffClient (for `sync.Parts(client=...)`) that switches the sandbox fault on after `requests` API
    requests of the sync."""
    lock = threading.Lock()

    class FaultAfter(HubstaffClient):
        sent = 0

        def _send(self, url, params, access_token, session=None):
            with lock:  # requests of windows fetched at once come from several threads
                FaultAfter.sent += 1
                if FaultAfter.sent == requests + 1:
                    hs.fault(**fault)
            return super()._send(url, params, access_token, session=session)

    return FaultAfter


def truth(hs):
    return hubstaff_truth(hs, project_names=["Project A"], emails=EMAILS, start=WINDOW[0], stop=WINDOW[1])


def change_hubstaff(hs):
    """Edits at Hubstaff after the first sync: one old day edited, one recent day added, one recent day deleted."""
    ids = hs.ids()
    token = hs.issue_tokens("alice@acme.test")["access_token"]
    rows = hs.api_get(
        f"/organizations/{ids['orgs']['Acme Hubstaff']}/activities/daily",
        token,
        **{"date[start]": "2026-02-03", "date[stop]": "2026-02-03"},
    ).json()["daily_activities"]
    bobby = next(r for r in rows if r["user_id"] == ids["users"]["bobby@acme.test"])
    hs.edit_activity(bobby["id"], tracked=bobby["tracked"] + 1800)
    hs.add_activity(user="sam@acme.test", project="Project A", date="2026-09-21", tracked=5400)
    hs.delete_activity(hs.recent_row["id"])


class RecordedStaging(Staging):
    """A staging that notes itself in `opened` (each must be closed when its sync ends, however it ends)."""

    opened: list[Staging] = []

    def __init__(self):
        super().__init__()
        RecordedStaging.opened.append(self)


@pytest.fixture
def stagings():
    """Every staging a sync made with `Parts(staging=RecordedStaging)` opens during the test."""
    RecordedStaging.opened = []
    return RecordedStaging.opened


@pytest.fixture
def synced_once(project_a, people, hs):
    """Project A after a first, clean reset sync, with a manual work log; then Hubstaff's data changes."""
    WorkLogFactory(
        project=project_a, person=people["bobby"], date=date(2026, 2, 3), duration_seconds=600, note="manual"
    )
    hs.recent_row = hs.add_activity(
        user="bobby@acme.test", project="Project A", date="2026-09-18", tracked=3600
    )
    run = sync.run_sync(runs.request_sync(project_a, mode="reset", trigger="manual").pk)
    assert run.status == "succeeded", run.error
    assert synced_result(project_a) == truth(hs)
    change_hubstaff(hs)
    assert synced_result(project_a) != truth(hs)
    return project_a


# (fault name, when it starts (requests into the sync, per mode), fault, expected outcome, words of the error)
FAULTS = [
    ("short 429 storm with Retry-After", {"storm": {"count": 2, "retry_after": 1}}, "complete", None),
    # Pacing, not failure: the run waits for Hubstaff's Retry-After, queued, with nothing changed yet.
    ("long 429 storm", {"storm": {"count": 1000, "retry_after": 30}}, "paced", "rate limit"),
    ("5xx burst within the retries", {"error_count": 2}, "complete", None),
    ("5xx everywhere", {"error_rate": 1.0}, "unchanged", "answered 500"),
    ("answers slower than the timeout", {"latency": 1.5}, "unchanged", "did not answer in time"),
    ("malformed JSON", {"malformed_count": 1}, "unchanged", "not valid JSON"),
    ("access tokens expire", {"expire_access_tokens": True}, "complete", None),
    (
        "refresh token revoked",
        {"expire_access_tokens": True, "revoke_refresh_tokens": True},
        "unchanged",
        "re-authorize",
    ),
    # The token endpoint failing while a refresh is needed is an outage, not a refusal: no re-authorization.
    (
        "token endpoint answers 5xx",
        {"expire_access_tokens": True, "error_rate": 1.0, "targets": ["token"]},
        "unchanged",
        "token endpoint",
    ),
    (
        "token endpoint slower than the timeout",
        {"expire_access_tokens": True, "latency": 1.5, "targets": ["token"]},
        "unchanged",
        "token endpoint",
    ),
]
# Requests a sync makes before the fault starts: a reset makes ~10 (members + 9 windows), an incremental ~5
# (members, the changed days, the time edit log, then its windows): the fault starts in the first window.
START_AFTER = {"reset": 4, "incremental": 3}


@pytest.mark.parametrize("mode", ["reset", "incremental"])
@pytest.mark.parametrize("name,fault,outcome,error", FAULTS, ids=[f[0] for f in FAULTS])
def test_a_fault_mid_sync_leaves_the_complete_result_or_the_previous_one(
    synced_once, hs, settings, stagings, mode, name, fault, outcome, error
):
    settings.HUBSTAFF_REQUEST_TIMEOUT = 0.5  # the "slow" fault answers after 1.5 s
    project = synced_once
    before = snapshot(project)
    run = runs.request_sync(project, mode=mode, trigger="manual")

    client_class = fault_after(hs, START_AFTER[mode], **fault)
    parts = sync.Parts(client=client_class, staging=RecordedStaging)
    if outcome == "paced":
        with pytest.raises(runs.Paced) as paced:
            sync.run_sync(run.pk, parts=parts)
        hs.reset_faults()
        waiting = SyncRun.objects.get(pk=run.pk)
        assert waiting.status == "queued" and 25 <= paced.value.countdown <= 30
        assert waiting.progress_label.startswith("Waiting for Hubstaff's rate limit until")
        assert snapshot(project) == before and duplicates(project) == []
        assert stagings and all(staging.closed for staging in stagings), "the fetched rows were not let go"
        return
    finished = sync.run_sync(run.pk, parts=parts)
    hs.reset_faults()

    assert client_class.sent > START_AFTER[mode], "the fault must start in the middle of the sync"

    assert finished.status in ("succeeded", "failed")
    assert duplicates(project) == []
    assert stagings and all(staging.closed for staging in stagings), "the fetched rows were not let go"
    if outcome == "complete":
        assert finished.status == "succeeded", finished.error
        assert synced_result(project) == truth(hs)
        manual = [row for row in snapshot(project)["worklogs"] if row[5] == "manual"]
        assert manual == [row for row in before["worklogs"] if row[5] == "manual"]
    else:
        assert finished.status == "failed"
        assert error.lower() in finished.error.lower(), finished.error
        assert snapshot(project) == before
        assert finished.finished_at is not None
    installation = Installation.objects.get(organization=project.organization)
    if "revoke_refresh_tokens" in fault:
        assert installation.status == Installation.Status.NEEDS_REAUTHORIZATION
        assert "re-authorization" in runs.sync_blocker(project)
        with pytest.raises(runs.SyncNotPossible, match="re-authorization"):
            runs.request_sync(project, mode=mode, trigger="manual")
    else:
        assert installation.status == Installation.Status.INSTALLED


@pytest.mark.parametrize("mode", ["reset", "incremental"])
def test_after_a_failed_sync_the_next_one_completes(synced_once, hs, mode):
    """The fault passes; the next sync brings the complete result (nothing was left half-done to trip it)."""
    project = synced_once
    first = sync.run_sync(
        runs.request_sync(project, mode=mode, trigger="manual").pk,
        parts=sync.Parts(client=fault_after(hs, START_AFTER[mode], error_rate=1.0)),
    )
    hs.reset_faults()
    assert first.status == "failed"
    second = sync.run_sync(runs.request_sync(project, mode=mode, trigger="manual").pk)
    assert second.status == "succeeded", second.error
    assert synced_result(project) == truth(hs)
    assert duplicates(project) == []


def test_the_task_waits_through_a_storm_without_spending_its_retries_then_succeeds(synced_once, hs):
    """sync_project_task: Hubstaff answering 429 for longer than an attempt waits -> Paced -> the task sends the run
    again for when Retry-After says, as a new message (no retry spent), and the run resumes until it succeeds."""
    from celery.signals import task_prerun

    from integrations import tasks

    project = synced_once
    run = runs.request_sync(project, mode="reset", trigger="manual")
    # 30 s > HUBSTAFF_MAX_RETRY_AFTER: each attempt ends at its first 429, more attempts than the task's retries.
    hs.fault(storm={"count": tasks.sync_project_task.max_retries + 3, "retry_after": 30})
    seen = []  # the run's status and label as each attempt starts
    sent_again = []  # the countdowns of the messages the task sent for the run

    def before_attempt(**kwargs):
        row = SyncRun.objects.get(pk=run.pk)
        seen.append((row.status, row.progress_label))
        # Stands for the Retry-After seconds having passed before the message is delivered.
        Installation.objects.update(rate_limited_until=None, budget_window_started_at=None, budget_used=0)

    task = tasks.sync_project_task
    original = task.apply_async
    task.apply_async = lambda args, countdown, **options: sent_again.append(countdown)
    task_prerun.connect(before_attempt, sender=task, weak=False)
    try:
        for _ in range(20):
            task.apply(args=[run.pk])
            if SyncRun.objects.get(pk=run.pk).status != "queued":
                break
    finally:
        task_prerun.disconnect(before_attempt, sender=task)
        task.apply_async = original
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    assert len(seen) == len(sent_again) + 1, "each attempt is a message of its own, not an eager retry"
    assert sent_again and all(25 <= c <= 30 for c in sent_again), str(sent_again)
    # The page says until when the run waits (Retry-After from now), not that something failed.
    waiting = re.compile(r"Waiting for Hubstaff's rate limit until \d\d:\d\d[.;]")
    resumed = seen[1:]
    assert resumed and all(s[0] == "queued" and waiting.match(s[1]) for s in resumed), seen
    assert synced_result(project) == truth(hs)


def test_the_task_gives_up_after_its_retries_with_a_clear_error(synced_once, hs):
    from integrations import tasks

    project = synced_once
    before = snapshot(project)
    run = runs.request_sync(project, mode="incremental", trigger="manual")
    hs.fault(error_rate=1.0)
    tasks.sync_project_task.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == "failed" and "Hubstaff did not answer properly" in run.error and "500" in run.error
    assert snapshot(project) == before
    assert runs.active_run(project) is None
