"""Live updates: Hubstaff's webhooks tell Primetric when time was tracked, and the days named are synced soon after.

- `subscribe` (a task, after an install or a re-authorization) creates one organization webhook per Hubstaff
  organization of the installation, at SITE_URL/hooks/hubstaff/<key>/ (only the key's SHA-256 is kept), answers
  Hubstaff's verification POST through the hooks view while it waits for it, and activates the webhook with the
  secret that POST carried (kept encrypted). Where it cannot, the installation says why (live updates off).
- The hooks view (views/hooks.py) checks a delivery's signature, records its event id (a repeated delivery does
  nothing) and hands the event to `handle_event` through the task queue.
- `handle_event` queues, for each Primetric project linked to the event's Hubstaff project, a sync of the days the
  event names (runs.queue_event_run: events close together join one run), and the installation's next event
  batch (batch.py: the queued event runs carried out together on one read of Hubstaff), due after the coalescing
  delay or later while batches come too often for their share of the request budget (`batch_delay`).
  `project.create` refreshes the installation's list of Hubstaff projects (the task calls
  installation.refresh_installed_projects). Events are hints: the daily sync stays the whole truth.
- `unsubscribe` deletes the webhooks at Hubstaff, once each, whatever Hubstaff answers (uninstall never waits).
- `check_hourly` (beat, hourly) is the fallback for events that never come: one `/daily/updates` request per
  Hubstaff organization names the linked projects whose time changed that no sync has read yet, and their
  incremental syncs are queued; it records the mode (`live_checked_at`, and "off" with STALE_REASON when events
  stopped arriving while time was tracked).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.debug import sensitive_variables

from integrations.hubstaff import mapping
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import HubstaffError
from integrations.hubstaff.windows import organization_date
from integrations.models import HubstaffEvent, HubstaffWebhook, Installation, LinkedHubstaffProject, SyncRun

from . import batch, runs

logger = logging.getLogger(__name__)

# The events Primetric subscribes to: tracked time stopped or changed, and new projects.
PROJECT_CREATE = "project.create"
EVENTS = ["timer.stop", "activity.create", "activity.update", "activity.delete", PROJECT_CREATE]
TIME_EVENTS = {"timer.stop", "activity.create", "activity.update", "activity.delete"}
SUBSCRIBE_TASK = "integrations.tasks.subscribe_live_updates_task"
EVENT_TASK = "integrations.tasks.handle_hubstaff_event_task"
BATCH_TASK = "integrations.tasks.run_event_batch_task"
# Seen event ids are kept this long: a delivery repeated later than that would sync its days once more, harmlessly.
KEEP_EVENTS = timedelta(days=3)
# A timer running longer than this names its last days only (a forgotten timer must not re-read a month).
MAX_EVENT_DAYS = 7
WRITE_SCOPE = "hubstaff:write"
NO_WRITE_SCOPE = "Re-authorize to turn on live updates."


def deliver(task_name: str, args: list[Any], countdown: float | None = None) -> None:
    """Put a task's message on the broker (tests record them here instead)."""
    current_app.send_task(task_name, args=args, countdown=countdown)


def send_subscribe(installation: Installation) -> None:
    """Subscribe the installation's webhooks from a worker once the current transaction commits."""
    transaction.on_commit(lambda: deliver(SUBSCRIBE_TASK, [installation.pk]))


# --- the endpoint's key and secrets


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def hook_url(key: str) -> str:
    return str(settings.SITE_URL) + reverse("hubstaff_hook", kwargs={"key": key})


def installation_for_key(key: str) -> Installation | None:
    """The installation whose webhooks post to this key; None for a key no installation has (any other text)."""
    if not key:
        return None
    return Installation.objects.filter(hook_key_digest=key_digest(key)).first()


@sensitive_variables("secret")
def accept_verification(installation: Installation, secret: str) -> bool:
    """Keep the secret of Hubstaff's verification POST if the installation is waiting for one (`subscribe`)."""
    if not secret or len(secret) > 500:
        return False
    kept = Installation.objects.filter(pk=installation.pk, hook_verification_until__gt=timezone.now()).update(
        hook_pending_secret=secret
    )
    return bool(kept)


@sensitive_variables("secret")
def signature_matches(installation: Installation, body: bytes, signature: str) -> bool:
    """Whether `signature` is the hex HMAC-SHA256 of `body` keyed by one of the installation's active webhooks'
    secrets, compared in constant time."""
    if not signature:
        return False
    matched = False
    webhooks = HubstaffWebhook.objects.for_org(installation.organization_id).filter(
        installation=installation, active=True
    )
    for secret in webhooks.values_list("secret", flat=True):
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        matched |= hmac.compare_digest(expected, signature.strip().lower())
    return matched


def current_minute() -> int:
    return int(time.time() // 60)


def over_rate(installation: Installation) -> bool:
    """Whether this delivery is over the installation's rate (HUBSTAFF_EVENT_RATE_PER_MINUTE a clock minute)."""
    key = f"hubstaff-hook-rate:{installation.pk}:{current_minute()}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return bool(count > settings.HUBSTAFF_EVENT_RATE_PER_MINUTE)


def record_event(installation: Installation, event_id: str, event: str) -> bool:
    """Note the event as seen; False if it was seen already (a repeated delivery)."""
    try:
        with transaction.atomic():
            HubstaffEvent.objects.create(
                organization_id=installation.organization_id,
                installation=installation,
                event_id=event_id,
                event=event[:60],
            )
    except IntegrityError:
        return False
    Installation.objects.filter(pk=installation.pk).update(last_event_at=timezone.now())
    return True


def send_event(installation: Installation, event: str, payload: dict[str, Any], created_at: str) -> None:
    transaction.on_commit(lambda: deliver(EVENT_TASK, [installation.pk, event, payload, created_at]))


def purge_events(now: datetime | None = None) -> int:
    """Forget the event ids seen more than KEEP_EVENTS ago."""
    deleted, _ = HubstaffEvent.objects.filter(received_at__lt=(now or timezone.now()) - KEEP_EVENTS).delete()
    return deleted


# --- subscribing and unsubscribing


def _turn_off(installation: Installation, reason: str) -> None:
    Installation.objects.filter(pk=installation.pk).update(
        live_updates=Installation.LiveUpdates.OFF,
        live_updates_reason=reason,
        hook_verification_until=None,
        hook_pending_secret="",
    )
    installation.live_updates = Installation.LiveUpdates.OFF
    installation.live_updates_reason = reason
    logger.info("hubstaff installation %s: live updates off: %s", installation.pk, reason)


def subscribe(
    installation: Installation,
    client: HubstaffClient | None = None,
    *,
    sleep: Callable[[float], object] = time.sleep,
) -> bool:
    """Subscribe one webhook per Hubstaff organization of the installation (the old ones deleted first); True when
    every one is active. Otherwise live updates are off and the installation says why."""
    if WRITE_SCOPE not in installation.scope.split():
        _turn_off(installation, NO_WRITE_SCOPE)
        return False
    if not installation.hubstaff_organizations:
        _turn_off(installation, "The installation reaches no Hubstaff organization.")
        return False
    client = client or HubstaffClient(installation)
    unsubscribe(installation, client)
    key = secrets.token_urlsafe(32)
    target_url = hook_url(key)
    Installation.objects.filter(pk=installation.pk).update(
        hook_key_digest=key_digest(key),
        live_updates=Installation.LiveUpdates.SUBSCRIBING,
        live_updates_reason="",
    )
    for organization in installation.hubstaff_organizations:
        reason = _subscribe_organization(installation, client, int(organization["id"]), target_url, sleep)
        if reason:
            _turn_off(installation, reason)
            return False
    Installation.objects.filter(pk=installation.pk).update(
        live_updates=Installation.LiveUpdates.ON, live_updates_reason=""
    )
    installation.live_updates = Installation.LiveUpdates.ON
    installation.live_updates_reason = ""
    return True


def _subscribe_organization(
    installation: Installation,
    client: HubstaffClient,
    organization_id: int,
    target_url: str,
    sleep: Callable[[float], object],
) -> str:
    """One organization's webhook created, verified and activated; the reason it is not, or ""."""
    wait = float(settings.HUBSTAFF_HOOK_VERIFY_SECONDS)
    Installation.objects.filter(pk=installation.pk).update(
        hook_verification_until=timezone.now() + timedelta(seconds=wait), hook_pending_secret=""
    )
    try:
        webhook_id = client.create_organization_webhook(organization_id, EVENTS, target_url)
    except HubstaffError as exc:
        return f"Hubstaff refused the webhook: {exc}"
    webhook = HubstaffWebhook.objects.create(
        organization_id=installation.organization_id,
        installation=installation,
        hubstaff_webhook_id=webhook_id,
        hubstaff_organization_id=organization_id,
    )
    deadline = time.monotonic() + wait
    secret = ""
    while True:
        secret = (
            Installation.objects.filter(pk=installation.pk)
            .values_list("hook_pending_secret", flat=True)
            .first()
            or ""
        )
        if secret or time.monotonic() >= deadline:
            break
        sleep(0.2)
    Installation.objects.filter(pk=installation.pk).update(
        hook_verification_until=None, hook_pending_secret=""
    )
    if not secret:
        return f"Hubstaff's verification did not reach {settings.SITE_URL} (SITE_URL must be reachable from Hubstaff)."
    try:
        client.activate_webhook(webhook_id, secret)
    except HubstaffError as exc:
        return f"Hubstaff refused to activate the webhook: {exc}"
    webhook.secret = secret
    webhook.active = True
    webhook.save(update_fields=["secret", "active"])
    return ""


def _do_not_wait(seconds: float) -> None:
    raise HubstaffError(f"Hubstaff asks to wait {seconds:.0f} s; not waiting.")


def unsubscribe(
    installation: Installation, client: HubstaffClient | None = None, *, retry: bool = True
) -> int:
    """Delete the installation's webhooks at Hubstaff (best effort: a failure is logged, the rows go anyway).
    `retry=False`: one attempt each, and no wait for the request budget or a 429 (uninstall). Returns how many
    Hubstaff confirmed."""
    webhooks = list(
        HubstaffWebhook.objects.for_org(installation.organization_id).filter(installation=installation)
    )
    if not webhooks:
        return 0
    deleted = 0
    try:
        if client is None:
            client = (
                HubstaffClient(installation) if retry else HubstaffClient(installation, sleep=_do_not_wait)
            )
        for webhook in webhooks:
            try:
                client.delete_webhook(webhook.hubstaff_webhook_id, retry=retry)
                deleted += 1
            except HubstaffError as exc:
                logger.warning(
                    "hubstaff installation %s: webhook %s not deleted: %s",
                    installation.pk,
                    webhook.hubstaff_webhook_id,
                    exc,
                )
    except HubstaffError as exc:  # no token: Hubstaff keeps the webhooks, deliveries find no installation
        logger.warning("hubstaff installation %s: webhooks not deleted: %s", installation.pk, exc)
    HubstaffWebhook.objects.filter(pk__in=[w.pk for w in webhooks]).delete()
    return deleted


# --- handling an event


def event_days(payload: dict[str, Any], created_at: str, time_zone: str) -> list[str]:
    """The days (ISO, in the Hubstaff organization's time zone) an event's time was tracked on: an activity's
    `date`, or from the day before a timer's start to the day after the event (at most MAX_EVENT_DAYS, the last
    ones)."""
    day = payload.get("date")
    if isinstance(day, str):
        try:
            return [date.fromisoformat(day[:10]).isoformat()]
        except ValueError:
            pass
    moments = [
        moment
        for moment in (_moment(payload.get("tracking_started_at")), _moment(created_at))
        if moment is not None
    ]
    if not moments:
        return []
    # A day more on each side: the organization's time zone is a guess (Hubstaff does not publish it), and the
    # neighbouring days cost no request more (they fall in the same fetch window).
    first = organization_date(min(moments), time_zone) - timedelta(days=1)
    last = organization_date(max(moments), time_zone) + timedelta(days=1)
    first = max(first, last - timedelta(days=MAX_EVENT_DAYS - 1))
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)  # Hubstaff's times are UTC
    return moment


def handle_event(installation_id: int, event: str, payload: dict[str, Any], created_at: str) -> list[int]:
    """What an event asks for (see the module's docstring); returns the ids of the runs queued or joined.

    Raises runs.EventRunBusy when a linked project's sync is running: the task handles the event again later.
    """
    installation = Installation.objects.filter(pk=installation_id).first()
    if installation is None or not installation.is_installed:
        logger.info("hubstaff event %s for installation %s: not installed, ignored", event, installation_id)
        return []
    if event not in TIME_EVENTS:
        return []
    project_id = payload.get("project_id")
    if not isinstance(project_id, int):
        logger.info("hubstaff event %s for installation %s names no project", event, installation_id)
        return []
    links = (
        LinkedHubstaffProject.objects.for_org(installation.organization_id)
        .filter(hubstaff_project_id=project_id, link__enabled=True)
        .select_related("link__project")
    )
    queued: list[int] = []
    delay = batch_delay(installation.pk)
    for linked in links:
        link = linked.link
        time_zone = mapping.organization_time_zone(link.hubstaff_time_zone, installation.account)
        days = event_days(payload, created_at, time_zone)
        if not days:
            continue
        try:
            run = runs.queue_event_run(link.project, days, delay=delay, send=False)
        except runs.SyncNotPossible as exc:
            logger.info("hubstaff event %s: project %s not synced: %s", event, link.project_id, exc)
            continue
        queued.append(run.pk)
    if queued:
        schedule_batch(installation.pk, delay)
    else:
        logger.info(
            "hubstaff event %s for installation %s: Hubstaff project %s is linked to no project that syncs",
            event,
            installation_id,
            project_id,
        )
    return queued


def batch_delay(installation_id: int, now: float | None = None) -> float:
    """Seconds until the installation's next event batch: the coalescing delay, or longer while the batches have
    spent their share of the request budget (a busy hour's batches come less often, each taking in more events)."""
    now = time.time() if now is None else now
    coalesce = float(settings.HUBSTAFF_EVENT_COALESCE_SECONDS)
    return max(coalesce, batch.wait_for_allowance(installation_id, now))


def schedule_batch(installation_id: int, delay: float) -> bool:
    """Send the installation's event batch for `delay` seconds from now unless one is on its way already; the key
    outlives the batch's due time by a minute, so that a lost message holds back no later batch for long (the runs
    it would have taken are sent on their own by recover_runs)."""
    if not cache.add(batch.batch_key(installation_id), 1, timeout=int(delay) + 60):
        return False
    transaction.on_commit(lambda: deliver(BATCH_TASK, [installation_id], countdown=delay))
    return True


# --- the hourly fallback: where events do not come, Hubstaff's change listing is asked once an hour

STALE_REASON = "No event from Hubstaff for 2 hours while time was tracked; checked hourly."


def installations_to_check() -> list[int]:
    """The installations the hourly fallback checks: every installed one (`check_installation` decides)."""
    return list(
        Installation.objects.filter(status=Installation.Status.INSTALLED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def check_one(installation_id: int, now: datetime | None = None) -> int:
    """`check_installation` for one installation, if still installed; Hubstaff failing to answer is logged and
    left to the next hour (and to the daily sync). Returns how many syncs were queued."""
    found = Installation.objects.filter(pk=installation_id, status=Installation.Status.INSTALLED).first()
    if found is None:
        return 0
    try:
        return check_installation(found, now=now)
    except HubstaffError as exc:
        logger.warning("hubstaff installation %s: hourly check failed: %s", installation_id, exc)
        return 0


def check_hourly(now: datetime | None = None) -> int:
    """Every installation checked here, one after the other (beat sends each its own task instead:
    tasks.check_live_updates_hourly); returns how many syncs were queued."""
    now = now or timezone.now()
    return sum(check_one(installation_id, now) for installation_id in installations_to_check())


def check_installation(
    installation: Installation, *, now: datetime | None = None, client: HubstaffClient | None = None
) -> int:
    """Ask `/daily/updates` (one request per Hubstaff organization, through the budget) which Hubstaff projects had
    time changed in the last HUBSTAFF_FALLBACK_LOOKBACK_HOURS, and queue an incremental sync of each linked
    project with such a change that no sync has started since (an event's run or the daily sync read it then):
    lost, refused or missing events end here within the hour. A project whose sync is queued or running is not
    queued again. Then the mode: live updates "on" turn off with STALE_REASON when time changed and no event came
    for as long; they turn on again when an event has come since the previous check. Returns the syncs queued."""
    now = now or timezone.now()
    links = list(
        LinkedHubstaffProject.objects.for_org(installation.organization_id)
        .filter(link__enabled=True, link__project__archived=False)
        .exclude(link__hubstaff_project_ids=[])
        .values_list("hubstaff_project_id", "link__project_id")
    )
    lookback = timedelta(hours=float(settings.HUBSTAFF_FALLBACK_LOOKBACK_HOURS))
    changed: dict[int, datetime] = {}  # Primetric project -> its latest change at Hubstaff
    if links:
        projects_of: dict[int, list[int]] = {}
        for hubstaff_id, project_id in links:
            projects_of.setdefault(hubstaff_id, []).append(project_id)
        client = client or HubstaffClient(installation)
        for organization in installation.hubstaff_organizations:
            pages = client.daily_activity_update_pages(
                int(organization["id"]), since=now - lookback, until=now
            )
            for rows in pages:
                for row in rows:
                    updated = _moment(row.get("updated_at")) or now
                    for project_id in projects_of.get(int(row.get("project_id") or 0), []):
                        changed[project_id] = max(changed.get(project_id, updated), updated)
    unread = _not_read_since(installation.organization_id, changed)
    queued: list[int] = []
    if unread:
        with transaction.atomic():
            queued = runs.queue_runs(
                [(project_id, installation.organization_id) for project_id in unread],
                mode=SyncRun.Mode.INCREMENTAL,
                trigger=SyncRun.Trigger.SCHEDULE,
                now=now,
            )
    _record_mode(installation, now=now, time_changed=bool(changed), lookback=lookback)
    _repair_subscription(installation, now)
    if queued:
        logger.info("hubstaff installation %s: hourly check queued %d syncs", installation.pk, len(queued))
    return len(queued)


# A subscription still "subscribing" this long after its last verification wait ended has lost its worker.
SUBSCRIBING_STUCK_AFTER = timedelta(minutes=10)


def _repair_subscription(installation: Installation, now: datetime) -> bool:
    """Subscribe again when the subscription's worker died part-way (live updates "subscribing" with no
    verification awaited for SUBSCRIBING_STUCK_AFTER): otherwise the installation would say "turning on" forever.
    Once an hour at most (the check's period)."""
    if installation.live_updates != Installation.LiveUpdates.SUBSCRIBING:
        return False
    waiting_until = installation.hook_verification_until
    last_change = waiting_until or installation.updated_at
    if last_change is not None and last_change > now - SUBSCRIBING_STUCK_AFTER:
        return False
    logger.info(
        "hubstaff installation %s: the subscription did not finish; subscribing again", installation.pk
    )
    send_subscribe(installation)
    return True


def _not_read_since(organization_id: int, changed: dict[int, datetime]) -> list[int]:
    """The projects of `changed` with no sync started after their change (one that reads Hubstaff's rows)."""
    if not changed:
        return []
    started = (
        SyncRun.objects.for_org(organization_id)
        .filter(project_id__in=list(changed), started_at__isnull=False)
        .exclude(mode__in=[SyncRun.Mode.PREVIEW, SyncRun.Mode.CLEAR])
        .exclude(status=SyncRun.Status.FAILED)
        .values_list("project_id")
        .annotate(last=Max("started_at"))
    )
    last_started = dict(started)
    # Hubstaff's times are whole seconds: a sync started within the second of a change may not have seen it.
    return sorted(
        project_id
        for project_id, at in changed.items()
        if last_started.get(project_id) is None or last_started[project_id] < at + timedelta(seconds=1)
    )


def _record_mode(
    installation: Installation, *, now: datetime, time_changed: bool, lookback: timedelta
) -> None:
    """The check's time, and live updates off when time changed but no event came for `lookback` (the events stop
    arriving), on again once an event came since the previous check. Decided once an hour on what happened, so
    it does not flap: off needs hours of tracked time without events, on needs an event."""
    fields: dict[str, Any] = {"live_checked_at": now}
    last_heard = installation.last_event_at
    if installation.live_updates == Installation.LiveUpdates.ON:
        subscribed = (
            HubstaffWebhook.objects.for_org(installation.organization_id)
            .filter(installation=installation, active=True)
            .aggregate(at=Max("created_at"))["at"]
        )
        heard = max([at for at in (last_heard, subscribed) if at is not None], default=None)
        if time_changed and (heard is None or heard < now - lookback):
            fields.update(live_updates=Installation.LiveUpdates.OFF, live_updates_reason=STALE_REASON)
    elif (
        installation.live_updates_reason == STALE_REASON
        and last_heard is not None
        and installation.live_checked_at is not None
        and last_heard > installation.live_checked_at
    ):
        fields.update(live_updates=Installation.LiveUpdates.ON, live_updates_reason="")
    found = Installation.objects.filter(pk=installation.pk)
    if "live_updates" in fields:
        # Only from the mode this check saw: a re-authorization subscribing meanwhile keeps its own.
        found = found.filter(
            live_updates=installation.live_updates, live_updates_reason=installation.live_updates_reason
        )
        if not found.update(**fields):
            fields = {"live_checked_at": now}
            Installation.objects.filter(pk=installation.pk).update(**fields)
    else:
        found.update(**fields)
    for name, value in fields.items():
        setattr(installation, name, value)
    if "live_updates" in fields:
        logger.info("hubstaff installation %s: live updates %s", installation.pk, fields["live_updates"])
