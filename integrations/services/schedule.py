"""The daily schedule: each linked project's incremental sync queued once a day, at the project's own slot.

The slots themselves (`links.daily_slot`, `links.next_daily_slot`) stay with the link, whose settings set the first
one; this module finds the links whose slot has come and queues their syncs (Celery beat runs it every few
minutes through `integrations.tasks.enqueue_due_syncs`).
"""

import logging

from django.utils import timezone

from integrations.models import Installation, ProjectLink, SyncRun

from .links import next_daily_slot
from .runs import SyncNotPossible, expire_stale_runs, request_sync

logger = logging.getLogger(__name__)


def due_links(now=None):
    """Links whose daily sync is due: enabled, with projects selected, of an installed installation."""
    now = now or timezone.now()
    installed = Installation.objects.filter(status=Installation.Status.INSTALLED).values("organization_id")
    return (
        ProjectLink.objects.filter(
            enabled=True, next_sync_due_at__lte=now, project__archived=False, organization_id__in=installed
        )
        .exclude(hubstaff_project_ids=[])
        .select_related("project", "project__organization")
        .order_by("next_sync_due_at")
    )


def enqueue_due_syncs(now=None):
    """Queue the incremental sync of every project whose daily slot has come; returns how many were queued.

    Each project keeps its own slot of the day (links.daily_slot), so the syncs are spread over 24 hours.
    """
    now = now or timezone.now()
    expire_stale_runs(now=now)
    queued = 0
    for link in due_links(now).iterator(chunk_size=500):
        try:
            request_sync(link.project, mode=SyncRun.Mode.INCREMENTAL, trigger=SyncRun.Trigger.SCHEDULE)
            queued += 1
        except SyncNotPossible as exc:
            logger.info("Scheduled sync of project %s skipped: %s", link.project_id, exc)
        ProjectLink.objects.filter(pk=link.pk).update(next_sync_due_at=next_daily_slot(link.project_id, now))
    return queued
