"""A preview's kept fetch goes on a schedule once KEEP_PREVIEW has passed, even when the project never syncs
again (beat's `sweep_fetch_checkpoints`)."""

from datetime import timedelta
from typing import cast

import pytest
from django.conf import settings
from django.utils import timezone

from integrations import tasks
from integrations.models import FetchCheckpoint, SyncRun
from integrations.services.checkpoint import KEEP_PREVIEW
from projects.models import Project

from .test_sync_sandbox import (  # noqa: F401 (fixtures)
    hs,
    installed,
    link,
    people,
    project_a,
    sandbox_settings,
    sync_now,
)


@pytest.mark.usefixtures("installed")
def test_a_previews_kept_fetch_is_gone_after_keep_preview_once_the_scheduled_task_runs(
    request: pytest.FixtureRequest,
) -> None:
    project: Project = request.getfixturevalue("project_a")
    link(project, request.getfixturevalue("hs"), "Project A")
    preview = sync_now(project, mode="preview")
    kept = FetchCheckpoint.objects.filter(run=preview).count()
    assert kept > 0

    tasks.sweep_fetch_checkpoints()  # within KEEP_PREVIEW the panel's Apply may still take them over
    assert FetchCheckpoint.objects.filter(run=preview).count() == kept

    SyncRun.objects.filter(pk=preview.pk).update(
        finished_at=timezone.now() - KEEP_PREVIEW - timedelta(seconds=1)
    )
    assert tasks.sweep_fetch_checkpoints() == kept
    assert not FetchCheckpoint.objects.exists()
    assert list(SyncRun.objects.values_list("pk", flat=True)) == [preview.pk]  # no sync ran


def test_beat_sweeps_at_least_as_often_as_a_preview_is_kept() -> None:
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == tasks.sweep_fetch_checkpoints.name
    ]
    assert [cast(timedelta, e["schedule"]) <= KEEP_PREVIEW for e in entries] == [True]
