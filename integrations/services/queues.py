"""Which Celery queue a sync run's message goes to: what a person waits for ahead of what the schedule queued.

Two queues on the one Redis broker:

- `interactive`: a person's Reset and sync, Preview, Apply, Sync now (pages and API), undo, Clear data, and the
  syncs Hubstaff's events ask for (live updates: someone just stopped a timer and looks for the hours). Every
  task without a route of its own goes here too (the settings' default queue: e-mails, the beat's short checks).
- `scheduled`: the daily incremental syncs (also when a backlog of them is caught up after downtime), the
  reconciliation sweep, and the syncs the hourly fallback queues where events do not come.

A worker started with `-Q interactive,scheduled` (or with no `-Q`: it serves every queue of the settings, in
their order) takes a message from `interactive` whenever there is one: the Redis transport's
`queue_order_strategy` "priority" (settings, CELERY_BROKER_TRANSPORT_OPTIONS) names the queues in the worker's
order in each BRPOP, and Redis pops from the first non-empty list. It does not preempt: a run already running
keeps its worker process, so a person's run waits for the next process to free up; the production compose file
therefore also runs workers that serve `interactive` alone (docs/operations.md).
"""

from functools import cache

import redis
from celery import current_app
from django.conf import settings

from integrations.models import SyncRun

INTERACTIVE = "interactive"
SCHEDULED = "scheduled"
# In the order a worker serving both polls them.
QUEUES = (INTERACTIVE, SCHEDULED)


def queue_for(mode: str, trigger: str) -> str:
    """The queue of a run of this mode and trigger: the schedule's runs (daily, catch-up, hourly fallback) and any
    reconciliation are `scheduled`; everything a person or a Hubstaff event asked for is `interactive`."""
    if trigger == SyncRun.Trigger.SCHEDULE or mode == SyncRun.Mode.RECONCILE:
        return SCHEDULED
    return INTERACTIVE


def send_task_options(run: SyncRun) -> dict[str, str]:
    """The options of `send_task`/`apply_async` that put the run's message on its queue."""
    return {"queue": queue_for(run.mode, run.trigger)}


def queue_of(run_id: int) -> str:
    """The queue of a run known by its id alone (a message sent again by its task, or by the recovery); a run that
    no longer exists goes to `interactive`, where its message is dropped at once (runs.claim finds nothing)."""
    found = SyncRun.objects.filter(pk=run_id).values_list("mode", "trigger").first()
    return queue_for(*found) if found else INTERACTIVE


@cache
def _broker(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def depth(queue: str) -> int:
    """Messages waiting in a queue on the broker (the Celery app's): its Redis list, and the lists the transport
    keeps per priority step (none unless a message was sent with a priority)."""
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    sep = options.get("sep", "\x06\x16")
    keys = [
        queue if step == 0 else f"{queue}{sep}{step}" for step in options.get("priority_steps", [0, 3, 6, 9])
    ]
    with _broker(str(current_app.conf.broker_url)).pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.llen(key)
        return sum(int(length) for length in pipe.execute())
