"""The Celery application: configured from Django settings (CELERY_* names), its queues and routes included
(integrations/services/queues.py says which queue a sync run goes to).

Every log line a task writes names the task; a sync run's also its run and organization, an installation's task
its organization (primetric/logs.py), bound when the task starts and unbound when it ends.
"""

import os
from contextlib import suppress
from typing import Any

from celery import Celery, Task
from celery.signals import task_postrun, task_prerun
from django.db import DatabaseError

from primetric import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "primetric.settings")

app = Celery("primetric")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Tasks whose first argument names a sync run, and those whose first argument names an installation.
RUN_TASKS = {"integrations.tasks.sync_project_task"}
INSTALLATION_TASKS = {
    "integrations.tasks.run_event_batch_task",
    "integrations.tasks.handle_hubstaff_event_task",
    "integrations.tasks.subscribe_live_updates_task",
    "integrations.tasks.check_live_updates_task",
    "integrations.tasks.import_availability_task",
}


def log_fields(name: str, args: Any) -> dict[str, int | str | None]:
    """The run and organization a task works for, from its first argument (one query); {} for other tasks."""
    first = args[0] if args else None
    if not isinstance(first, int):
        return {}
    # Imported here: this module is loaded with the settings, before the apps are ready.
    from integrations.models import Installation, SyncRun

    if name in RUN_TASKS:
        organization = SyncRun.objects.filter(pk=first).values_list("organization_id", flat=True).first()
        return {"run_id": first, "organization_id": organization}
    if name in INSTALLATION_TASKS:
        organization = Installation.objects.filter(pk=first).values_list("organization_id", flat=True).first()
        return {"organization_id": organization}
    return {}


@task_prerun.connect
def bind_log_fields(task_id: str, task: Task, args: Any = None, **_: Any) -> None:
    fields: dict[str, int | str | None] = {"task": task.name, "task_id": task_id}
    with suppress(DatabaseError):  # the database down: the task's own lines will say so
        fields.update(log_fields(task.name, args))
    task.request.log_binding = logs.bind(**fields)


@task_postrun.connect
def unbind_log_fields(task: Task, **_: Any) -> None:
    binding = getattr(task.request, "log_binding", None)
    if isinstance(binding, logs.Binding):
        logs.unbind(binding)
