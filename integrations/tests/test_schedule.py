"""The daily schedule queues due projects by batches: a few statements a batch, whatever the number of projects."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from integrations import tasks
from integrations.models import Installation, ProjectLink, SyncRun
from integrations.services import runs, schedule
from projects.models import Project
from tests.factories import OrganizationFactory, ProjectFactory


def due_projects(count: int, *, organizations: int = 3) -> list[Project]:
    """`count` linked projects, all due a minute ago, spread over a few installed organizations."""
    now = timezone.now()
    orgs = [OrganizationFactory.create() for _ in range(organizations)]
    for org in orgs:
        Installation.objects.create(organization=org, status="installed")
    projects = [ProjectFactory.create(organization=orgs[i % organizations]) for i in range(count)]
    for project in projects:
        ProjectLink.objects.create(
            organization=project.organization,
            project=project,
            enabled=True,
            hubstaff_project_ids=[1],
            next_sync_due_at=now - timedelta(minutes=1),
        )
    return projects


def queue(django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> tuple[int, int]:
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as captured:
        queued: int = schedule.enqueue_due_syncs()
    return queued, len(captured)


@pytest.mark.django_db
def test_every_due_project_is_queued_once_its_task_sent_and_its_slot_moved(
    queued_tasks: list[tuple[int, ...]], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    projects = due_projects(12)
    queued, _ = queue(django_capture_on_commit_callbacks)
    runs = SyncRun.objects.all()
    assert queued == 12 == runs.count()
    assert {(r.mode, r.trigger, r.status) for r in runs} == {("incremental", "schedule", "queued")}
    assert {r.project_id for r in runs} == {p.pk for p in projects}
    assert sorted(queued_tasks) == sorted((r.pk,) for r in runs)
    assert not ProjectLink.objects.filter(next_sync_due_at__lte=timezone.now()).exists()


@pytest.mark.django_db
def test_statements_do_not_grow_with_the_projects_of_a_batch(
    queued_tasks: list[tuple[int, ...]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    due_projects(5)
    _, few = queue(django_capture_on_commit_callbacks)
    SyncRun.objects.all().delete()
    ProjectLink.objects.update(next_sync_due_at=timezone.now() - timedelta(minutes=1))
    due_projects(40)
    queued, many = queue(django_capture_on_commit_callbacks)
    assert queued == 45
    assert many <= few + 1  # SQLite may split the slots' UPDATE by its parameter limit
    # More projects than a batch: a few more statements per batch, not per project.
    monkeypatch.setattr(schedule, "BATCH", 10)
    SyncRun.objects.all().delete()
    ProjectLink.objects.update(next_sync_due_at=timezone.now() - timedelta(minutes=1))
    queued, batched = queue(django_capture_on_commit_callbacks)
    assert queued == 45 and batched < 45


@pytest.mark.django_db
def test_a_project_still_syncing_is_skipped_but_its_slot_moves(
    queued_tasks: list[tuple[int, ...]], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    busy, idle = due_projects(2)
    running = SyncRun.objects.create(
        organization=busy.organization, project=busy, mode="reset", trigger="manual", status="running"
    )
    queued, _ = queue(django_capture_on_commit_callbacks)
    assert queued == 1
    assert list(SyncRun.objects.exclude(pk=running.pk).values_list("project", flat=True)) == [idle.pk]
    assert not ProjectLink.objects.filter(next_sync_due_at__lte=timezone.now()).exists()


@pytest.mark.django_db
def test_queueing_the_same_projects_again_skips_them_in_the_same_statement(
    queued_tasks: list[tuple[int, ...]], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    """The INSERT itself skips a project with an active run (the partial unique constraint), so a run requested
    between the beat's query and its INSERT is joined, not doubled, and nothing fails."""
    projects = due_projects(3)
    pairs = [(p.pk, p.organization_id) for p in projects]
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        first = runs.queue_runs(pairs, mode="incremental", trigger="schedule", now=now)
        again = runs.queue_runs(pairs, mode="incremental", trigger="schedule", now=now)
    assert len(first) == 3 and again == []
    run = SyncRun.objects.get(pk=first[0])
    assert (run.status, run.mode, run.trigger, run.queued_at, run.progress_label, run.missing_teammates) == (
        "queued",
        "incremental",
        "schedule",
        now,
        "",
        [],
    )
    assert sorted(queued_tasks) == sorted((pk,) for pk in first)


def test_a_batch_of_runs_reaches_the_broker_through_one_producer(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = []
    monkeypatch.setattr(
        tasks.sync_project_task,
        "apply_async",
        lambda args=(), kwargs=None, producer=None, **options: sent.append((args, producer)),
    )
    tasks.send_runs_task.run([3, 1, 2])  # what a worker does with the schedule's message
    assert [args for args, _ in sent] == [(3,), (1,), (2,)]
    assert len({id(producer) for _, producer in sent}) == 1 and sent[0][1] is not None
