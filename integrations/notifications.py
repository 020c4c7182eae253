"""E-mail notifications about the Hubstaff integration, each sent once per change of state, never as a flood.

- To Administrators, when the installation needs re-authorization (Hubstaff refused its tokens).
- To Administrators, when a project's daily sync has failed twice in a row.
- To a project's Managers, when a daily sync finds missing teammates not reported before.

The sync code calls `installation_changed` and `run_finished` (one line each: `run_finished` from
`runs._finish_run`, where every run ends, whether its worker, a redelivered task or beat's recovery check ends it);
they queue a Celery task after the transaction commits. The task compares the new state with the one remembered
in NotificationState and e-mails only on a change, inside the transaction that records it: a failed send rolls the
record back and the retried task sends again. A person who turned notifications off on their profile page gets
none.
"""

from collections.abc import Iterable
from smtplib import SMTPException
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from people.mail import send_templated_email
from people.models import Person
from projects.models import Assignment

from .models import Installation, NotificationState, SyncRun

REAUTHORIZATION = "installation_reauthorization"
SYNC_FAILING = "project_sync_failing"
MISSING_TEAMMATES = "project_missing_teammates"
# What is remembered of a subject: a word ("ok", "failing", ...) or the keys of the missing teammates reported.
State = str | list[str]
# The daily sync "has failed twice in a row" when this many of the latest scheduled runs all failed.
FAILURES_IN_A_ROW = 2
RETRIED = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": 30,
    "max_retries": 5,
    "acks_late": True,
}


# Scheduled runs that are not the daily sync: a reconciliation (old days re-read) between two failed daily syncs
# must not hide that they keep failing.
NOT_DAILY_SYNCS = (SyncRun.Mode.CLEAR, SyncRun.Mode.RECONCILE)


def installation_changed(installation: Installation) -> None:
    """Hook: the installation's status changed (e.g. it now needs re-authorization)."""
    transaction.on_commit(lambda: notify_installation_task.delay(installation.pk))


def run_finished(run: SyncRun) -> None:
    """Hook: a sync run finished. Only the daily (scheduled) syncs notify; people watch the ones they start."""
    if run.trigger == SyncRun.Trigger.SCHEDULE and run.mode not in NOT_DAILY_SYNCS:
        transaction.on_commit(lambda: notify_run_task.delay(run.pk))


@shared_task(**RETRIED)
def notify_installation_task(installation_id: int) -> None:
    notify_installation(installation_id)


@shared_task(**RETRIED)
def notify_run_task(run_id: int) -> None:
    notify_run(run_id)


# ------------------------------------------------------------------------------------------------ the rules


def notify_installation(installation_id: int) -> None:
    """E-mail the Administrators once when the installation comes to need re-authorization."""
    installation = Installation.objects.select_related("organization").filter(pk=installation_id).first()
    if installation is None:
        return
    state = "needs_reauthorization" if installation.needs_reauthorization else "ok"
    with transaction.atomic():
        if (
            _changed_to(REAUTHORIZATION, installation.organization_id, installation.pk, state)
            and state != "ok"
        ):
            context = {
                "organization": installation.organization,
                "reason": installation.status_reason,
                "link": _url("integrations:list", installation.organization.slug),
            }
            _send("reauthorization_needed", context, _administrators(installation.organization_id))


def notify_run(run_id: int) -> None:
    """After a daily sync: the failing-twice rule for Administrators and the new-missing rule for Managers."""
    run = SyncRun.objects.select_related("project", "organization").filter(pk=run_id).first()
    if run is None or run.is_active:
        return
    if run.status == SyncRun.Status.SUCCEEDED:
        # A sync that worked proves the installation works again: a later refusal is news once more.
        with transaction.atomic():
            installation = Installation.objects.filter(organization_id=run.organization_id).first()
            if installation is not None:
                _changed_to(REAUTHORIZATION, run.organization_id, installation.pk, "ok")
    _notify_sync_failing(run)
    if run.status == SyncRun.Status.SUCCEEDED:
        _notify_missing_teammates(run)


def _notify_sync_failing(run: SyncRun) -> None:
    latest = list(
        SyncRun.objects.filter(
            project=run.project, trigger=SyncRun.Trigger.SCHEDULE, finished_at__isnull=False
        )
        .exclude(mode__in=NOT_DAILY_SYNCS)
        .order_by("-finished_at", "-id")
        .values_list("status", flat=True)[:FAILURES_IN_A_ROW]
    )
    failing = len(latest) == FAILURES_IN_A_ROW and all(s == SyncRun.Status.FAILED for s in latest)
    state = "failing" if failing else "ok"
    installation = Installation.objects.filter(organization_id=run.organization_id).first()
    with transaction.atomic():
        if not _changed_to(SYNC_FAILING, run.organization_id, run.project_id, state) or not failing:
            return
        if installation is not None and installation.needs_reauthorization:
            return  # the re-authorization e-mail already says what to do
        context = {
            "organization": run.organization,
            "project": run.project,
            "error": run.error,
            "link": _url("projects:detail", run.organization.slug, run.project_id),
        }
        _send("sync_failing", context, _administrators(run.organization_id))


def _notify_missing_teammates(run: SyncRun) -> None:
    missing = {_teammate_key(t): t for t in run.missing_teammates or []}
    with transaction.atomic():
        previous = _remember(MISSING_TEAMMATES, run.organization_id, run.project_id, sorted(missing))
        new = [missing[key] for key in sorted(missing) if key not in set(previous or [])]
        if not new:
            return
        project_url = reverse("projects:detail", args=[run.organization.slug, run.project_id])
        teammates = [
            {
                **t,
                "hours": round((t.get("seconds") or 0) / 3600, 2),
                "add_link": _add_link(run, t, project_url),
            }
            for t in new
        ]
        context = {
            "organization": run.organization,
            "project": run.project,
            "teammates": teammates,
            "link": f"{settings.SITE_URL}{project_url}",
        }
        _send("missing_teammates", context, _project_managers(run))


# ------------------------------------------------------------------------------------------------ helpers


def _remember(kind: str, organization_id: int, subject_id: int, state: State) -> State | None:
    """Record the new state of (kind, subject); return the previous one (None the first time)."""
    row, created = NotificationState.objects.select_for_update().get_or_create(
        kind=kind, subject_id=subject_id, defaults={"organization_id": organization_id, "state": state}
    )
    if created:
        return None
    previous: State = row.state
    if previous != state:
        row.state = state
        row.save(update_fields=["state", "changed_at"])
    return previous


def _changed_to(kind: str, organization_id: int, subject_id: int, state: str) -> bool:
    """Whether the state of (kind, subject) is different from the last one remembered ("ok" if none)."""
    previous = _remember(kind, organization_id, subject_id, state)
    return (previous or "ok") != state


def _teammate_key(teammate: dict[str, Any]) -> str:
    return (teammate.get("email") or "").strip().lower() or f"hubstaff:{teammate.get('hubstaff_user_id')}"


def _add_link(run: SyncRun, teammate: dict[str, Any], project_url: str) -> str:
    if not teammate.get("email"):
        return ""
    query = urlencode(
        {
            "email": teammate["email"],
            "full_name": teammate.get("name") or "",
            "role": "employee",
            "next": f"{project_url}#integration-settings",
        }
    )
    return f"{_url('people:create', run.organization.slug)}?{query}"


def _url(name: str, *args: object) -> str:
    return f"{settings.SITE_URL}{reverse(name, args=args)}"


def _recipients(people: QuerySet[Person]) -> QuerySet[Person]:
    return people.filter(email_notifications=True, user__isnull=False).order_by("id")


def _administrators(organization_id: int) -> QuerySet[Person]:
    return _recipients(Person.objects.filter(organization_id=organization_id, is_administrator=True))


def _project_managers(run: SyncRun) -> QuerySet[Person]:
    """The Managers assigned to the project; if none is, every Manager of the organization."""
    managers = Person.objects.filter(organization_id=run.organization_id, is_manager=True)
    assigned = Assignment.objects.filter(project_id=run.project_id).values("person_id")
    on_project = managers.filter(pk__in=assigned)
    return _recipients(on_project if on_project.exists() else managers)


def _send(template: str, context: dict[str, Any], people: Iterable[Person]) -> None:
    """One e-mail per person (nobody sees the others' addresses)."""
    for person in people:
        send_templated_email(template, {**context, "person": person}, [person.email])
