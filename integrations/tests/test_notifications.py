"""E-mail notifications: once per change of state, to the right people, with the text they need."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.mail import send_mail as django_send_mail
from django.db import transaction
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from integrations import notifications
from integrations.hubstaff.tokens import mark_needs_reauthorization
from integrations.models import Installation, SyncRun
from integrations.services import runs
from people.models import Organization, Person
from people.roles import Role
from projects.models import Project
from tests.factories import AssignmentFactory, PersonFactory

DANA = {"hubstaff_user_id": 4, "name": "Dana Ghost", "email": "dana@elsewhere.test", "seconds": 7200}
ERIN = {"hubstaff_user_id": 5, "name": "Erin New", "email": "erin@elsewhere.test", "seconds": 1800}


@pytest.fixture
def admin(org: Organization, make_member: Callable[..., Person]) -> Person:
    return make_member(org, Role.ADMINISTRATOR, full_name="Ada Admin", email="ada@acme.test")


def daily_run(project: Project, status: str, minutes_ago: int = 0, **fields: Any) -> SyncRun:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return SyncRun.objects.create(
        organization=project.organization,
        project=project,
        mode=SyncRun.Mode.INCREMENTAL,
        trigger=SyncRun.Trigger.SCHEDULE,
        status=status,
        queued_at=at,
        finished_at=at,
        **fields,
    )


def to(address: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [address]]


def test_finishing_a_daily_run_queues_one_notification_task(
    project: Project,
    queued_notifications: list[tuple[str, int]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    run = daily_run(project, SyncRun.Status.RUNNING)
    with django_capture_on_commit_callbacks(execute=True):
        runs.finish(run, SyncRun.Status.FAILED, error="boom")
    assert queued_notifications == [(notifications.notify_run_task.name, run.pk)]


def test_a_sync_somebody_started_notifies_nobody(
    project: Project,
    queued_notifications: list[tuple[str, int]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    run = daily_run(project, SyncRun.Status.RUNNING)
    SyncRun.objects.filter(pk=run.pk).update(trigger=SyncRun.Trigger.MANUAL)
    run.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        runs.finish(run, SyncRun.Status.FAILED, error="boom")
    assert queued_notifications == []


def test_reauthorization_is_e_mailed_to_administrators_once(
    installation: Installation,
    admin: Person,
    manager: Person,
    queued_notifications: list[tuple[str, int]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    settings: Settings,
) -> None:
    settings.SITE_URL = "https://primetric.example"
    with django_capture_on_commit_callbacks(execute=True):
        mark_needs_reauthorization(installation, "invalid_grant")
    assert queued_notifications == [(notifications.notify_installation_task.name, installation.pk)]
    notifications.notify_installation(installation.pk)
    notifications.notify_installation(installation.pk)  # a second refusal: no second e-mail
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@acme.test"]
    assert message.subject == "Hubstaff needs re-authorization for Acme"
    assert "Hubstaff refused Primetric's access for Acme (invalid_grant)" in message.body
    assert "open Integrations, Hubstaff, and click Re-authorize" in message.body
    assert "https://primetric.example/acme/integrations/" in message.body


def test_after_a_working_sync_a_new_refusal_is_news_again(
    installation: Installation, admin: Person, project: Project
) -> None:
    mark_needs_reauthorization(installation, "invalid_grant")
    notifications.notify_installation(installation.pk)
    installation.status = installation.Status.INSTALLED
    installation.save()
    notifications.notify_run(daily_run(project, SyncRun.Status.SUCCEEDED).pk)
    mark_needs_reauthorization(installation, "invalid_grant")
    notifications.notify_installation(installation.pk)
    assert len(to("ada@acme.test")) == 2


def test_a_daily_sync_failing_twice_in_a_row_is_e_mailed_once(
    installation: Installation, admin: Person, project: Project, settings: Settings
) -> None:
    settings.SITE_URL = "https://primetric.example"
    notifications.notify_run(daily_run(project, SyncRun.Status.FAILED, 30, error="Hubstaff answered 500").pk)
    assert mail.outbox == []  # once is not yet "twice in a row"
    notifications.notify_run(daily_run(project, SyncRun.Status.FAILED, 20, error="Hubstaff answered 503").pk)
    notifications.notify_run(daily_run(project, SyncRun.Status.FAILED, 10, error="Hubstaff answered 503").pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "The daily Hubstaff sync of Project A failed twice in a row"
    assert "Hubstaff answered 503" in message.body
    assert f"https://primetric.example/acme/projects/{project.pk}/" in message.body
    # It works again, then fails twice again: a new e-mail.
    notifications.notify_run(daily_run(project, SyncRun.Status.SUCCEEDED, 5).pk)
    notifications.notify_run(daily_run(project, SyncRun.Status.FAILED, 4).pk)
    notifications.notify_run(daily_run(project, SyncRun.Status.FAILED, 3).pk)
    assert len(mail.outbox) == 2


def dying_daily_run(project: Project, minutes_ago: int) -> SyncRun:
    """A daily run whose worker died once too often: running, its lease long expired, no takeover left."""
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return SyncRun.objects.create(
        organization=project.organization,
        project=project,
        mode=SyncRun.Mode.INCREMENTAL,
        trigger=SyncRun.Trigger.SCHEDULE,
        status=SyncRun.Status.RUNNING,
        queued_at=at,
        started_at=at,
        heartbeat_at=at,
        lease_id="dead-worker",
        takeovers=runs.MAX_TAKEOVERS,
    )


def send_queued(queued: list[tuple[str, int]]) -> None:
    """What the worker does with the notification tasks the hooks queued."""
    for name, run_id in queued:
        assert name == notifications.notify_run_task.name
        notifications.notify_run(run_id)
    queued.clear()


def test_two_daily_runs_abandoned_in_a_row_by_the_recovery_check_are_e_mailed(
    admin: Person,
    project: Project,
    queued_notifications: list[tuple[str, int]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    for minutes_ago in (30, 10):
        dying_daily_run(project, minutes_ago)
        with django_capture_on_commit_callbacks(execute=True):
            assert runs.recover_runs() == 1  # beat's check fails it: no takeover left
        send_queued(queued_notifications)
    [message] = to("ada@acme.test")
    assert message.subject == "The daily Hubstaff sync of Project A failed twice in a row"
    assert "stopped answering several times" in message.body


def test_a_daily_run_failed_by_its_redelivered_task_counts_as_a_failure_too(
    admin: Person,
    project: Project,
    queued_notifications: list[tuple[str, int]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    notifications.notify_run(daily_run(project, SyncRun.Status.FAILED, 30, error="Hubstaff answered 500").pk)
    run = dying_daily_run(project, 10)
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.claim(run.pk) is None  # the task's message came back: the run is failed, not taken over
    send_queued(queued_notifications)
    [message] = to("ada@acme.test")
    assert "stopped answering several times" in message.body


def test_failures_because_of_reauthorization_send_only_that_e_mail(
    installation: Installation, admin: Person, project: Project
) -> None:
    mark_needs_reauthorization(installation, "invalid_grant")
    notifications.notify_run(daily_run(project, SyncRun.Status.FAILED, 20).pk)
    notifications.notify_run(daily_run(project, SyncRun.Status.FAILED, 10).pk)
    assert mail.outbox == []


def test_new_missing_teammates_are_e_mailed_to_the_projects_managers(
    org: Organization,
    project: Project,
    manager: Person,
    make_member: Callable[..., Person],
    settings: Settings,
) -> None:
    settings.SITE_URL = "https://primetric.example"
    AssignmentFactory.create(organization=org, project=project, person=manager)
    make_member(org, Role.MANAGER, email="other-manager@acme.test")  # not on the project
    notifications.notify_run(daily_run(project, SyncRun.Status.SUCCEEDED, 30, missing_teammates=[DANA]).pk)
    assert [m.to for m in mail.outbox] == [["max@acme.test"]]
    message = mail.outbox[0]
    assert message.subject == "1 new missing teammate in Project A"
    assert "- Dana Ghost <dana@elsewhere.test>, 2.00 h not synced" in message.body
    assert (
        "Add and invite: https://primetric.example/acme/people/new/?email=dana%40elsewhere.test"
        "&full_name=Dana+Ghost&role=employee&next=%2Facme%2Fprojects%2F" in message.body
    )
    # The same teammate the next day: no e-mail. A new one: an e-mail about the new one only.
    notifications.notify_run(daily_run(project, SyncRun.Status.SUCCEEDED, 20, missing_teammates=[DANA]).pk)
    assert len(mail.outbox) == 1
    notifications.notify_run(
        daily_run(project, SyncRun.Status.SUCCEEDED, 10, missing_teammates=[DANA, ERIN]).pk
    )
    assert len(mail.outbox) == 2
    assert "Erin New" in mail.outbox[1].body and "Dana Ghost" not in mail.outbox[1].body


def test_without_managers_on_the_project_every_manager_is_told(
    org: Organization, project: Project, manager: Person
) -> None:
    notifications.notify_run(daily_run(project, SyncRun.Status.SUCCEEDED, missing_teammates=[DANA]).pk)
    assert [m.to for m in mail.outbox] == [["max@acme.test"]]


def test_people_who_turned_notifications_off_or_cannot_sign_in_get_none(
    org: Organization, project: Project, manager: Person, installation: Installation
) -> None:
    manager.email_notifications = False
    manager.save()
    PersonFactory.create(organization=org, email="nologin@acme.test", is_manager=True, is_administrator=True)
    notifications.notify_run(daily_run(project, SyncRun.Status.SUCCEEDED, missing_teammates=[DANA]).pk)
    mark_needs_reauthorization(installation, "invalid_grant")
    notifications.notify_installation(installation.pk)
    assert mail.outbox == []


def test_a_failed_send_is_sent_again_by_the_retried_task(
    installation: Installation, admin: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    mark_needs_reauthorization(installation, "invalid_grant")

    from people import mail as people_mail

    working = django_send_mail
    monkeypatch.setattr(people_mail, "send_mail", lambda *a, **k: (_ for _ in ()).throw(OSError("SMTP down")))
    with pytest.raises(OSError), transaction.atomic():
        notifications.notify_installation(installation.pk)
    monkeypatch.setattr(people_mail, "send_mail", working)
    notifications.notify_installation(installation.pk)
    assert len(mail.outbox) == 1


def test_the_task_retries_when_the_mail_server_fails(
    installation: Installation, admin: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    from people import mail as people_mail

    working = django_send_mail
    failures = [OSError("connection refused")]

    def flaky(*args: Any, **kwargs: Any) -> int:
        if failures:
            raise failures.pop()
        return working(*args, **kwargs)

    monkeypatch.setattr(people_mail, "send_mail", flaky)
    mark_needs_reauthorization(installation, "invalid_grant")
    result = notifications.notify_installation_task.apply(args=[installation.pk])
    assert result.successful()
    assert len(mail.outbox) == 1 and not failures
