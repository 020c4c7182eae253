"""Fairness between organizations: at most HUBSTAFF_RUNS_PER_INSTALLATION sync runs of one installation at once.

An installation's syncs share its request budget anyway (hubstaff/budget.py), so a third sync of the same
installation would only wait for requests while holding a worker process that another organization's sync could
use. A run that finds its installation's slots all held does not wait in its worker: its task is sent again a
little later (`InstallationBusy`, the task's re-send) and the worker takes the next message, so one
organization's 500 projects hold at most that many workers and every other organization's runs go by.

The slots are a sorted set in Redis per installation, shared by the workers of every host: a member per holder
(`<run id>:<token>`), scored with the time its lease expires (Redis's clock, so the hosts' clocks do not matter).
A holder renews its lease from a thread while its run works; a holder whose worker was killed stops renewing, and
its slot is free once the lease has passed (each acquire first drops the expired members). The whole check is one
Lua script, so two workers never take the last slot together.
"""

import logging
import random
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import redis
from django.conf import settings
from django.db.models import Subquery

from integrations.models import Installation, SyncRun

logger = logging.getLogger(__name__)

# How long a run whose installation is busy waits before its task tries again: a slot frees when a sync ends, so
# a few times what a daily sync takes, spread so that the waiting runs of one installation do not all come back at
# the same moment.
WAIT_SECONDS = (2.0, 6.0)

# KEYS[1]: the installation's slots; ARGV: the member, the lease in milliseconds, the limit.
# Returns 1 when the member holds a slot (taken now, or renewed), 0 when all are held by others.
_ACQUIRE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], now_ms + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
return 1
"""

# Renews the member's lease if it still holds its slot: 1, or 0 when it expired meanwhile.
_RENEW = """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 0
end
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


class InstallationBusy(Exception):
    """The run's installation runs its most syncs at once: the task comes back in `countdown` seconds."""

    def __init__(self, countdown: float) -> None:
        super().__init__(
            f"This organization's other syncs hold its slots; trying again in {countdown:.0f} s."
        )
        self.countdown = countdown


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def client() -> redis.Redis:
    """The Redis the slots are kept in (REDIS_URL: the broker's, the one every worker shares)."""
    return _client(settings.REDIS_URL)


def limit() -> int:
    return max(1, int(getattr(settings, "HUBSTAFF_RUNS_PER_INSTALLATION", 2)))


def lease_ms() -> int:
    """A slot's lease: a sync run's (SYNC_LEASE_SECONDS), renewed a third of it at a time."""
    return int(float(getattr(settings, "SYNC_LEASE_SECONDS", 90)) * 1000)


def key(installation_id: int) -> str:
    return f"primetric:sync-slots:{installation_id}"


def member(run_id: int, token: str) -> str:
    return f"{run_id}:{token}"


def acquire(installation_id: int, run_id: int, token: str) -> bool:
    """Take one of the installation's slots for this run (`token`: this attempt's, so that a second message of the
    same run never frees the first's slot); False when all are held."""
    taken = client().eval(_ACQUIRE, 1, key(installation_id), member(run_id, token), lease_ms(), limit())
    return bool(taken)


def renew(installation_id: int, run_id: int, token: str) -> bool:
    """Push the slot's lease on; False if it expired meanwhile (another run may have its place now)."""
    return bool(client().eval(_RENEW, 1, key(installation_id), member(run_id, token), lease_ms()))


def release(installation_id: int, run_id: int, token: str) -> None:
    """Give the slot back as the run ends, however it ends."""
    client().zrem(key(installation_id), member(run_id, token))


def held(installation_id: int) -> int:
    """How many of the installation's slots are held by live leases now."""
    rows = client().zrangebyscore(key(installation_id), "(" + str(_server_ms()), "+inf")
    return len(rows)


def _server_ms() -> int:
    seconds, micros = client().time()
    return int(seconds) * 1000 + int(micros) // 1000


def installation_of(run_id: int) -> int | None:
    """The installation whose budget the run spends, None when the run (or the installation) is gone."""
    organization = SyncRun.objects.filter(pk=run_id).values("organization_id")[:1]
    found: int | None = (
        Installation.objects.filter(organization_id=Subquery(organization))
        .values_list("pk", flat=True)
        .first()
    )
    return found


def wait_seconds() -> float:
    return random.uniform(*WAIT_SECONDS)


@contextmanager
def slot(run_id: int) -> Iterator[None]:
    """Hold one of the run's installation's slots while the block runs, renewed from a thread, given back at the end.

    Raises InstallationBusy when they are all held: the caller sends the run's task again for `countdown` seconds
    later rather than waiting in its worker. A run whose installation is gone runs without one (it will find
    nothing to do).
    """
    installation_id = installation_of(run_id)
    if installation_id is None:
        yield
        return
    token = uuid.uuid4().hex
    if not acquire(installation_id, run_id, token):
        raise InstallationBusy(wait_seconds())
    stop = threading.Event()
    every = lease_ms() / 3000

    def keep() -> None:
        while not stop.wait(every):
            try:
                if not renew(installation_id, run_id, token):
                    logger.warning("sync run %s: its installation slot expired while it ran", run_id)
                    return
            except redis.RedisError:
                logger.warning(
                    "sync run %s: its installation slot could not be renewed", run_id, exc_info=True
                )

    thread = threading.Thread(target=keep, name=f"sync-run-{run_id}-slot", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
        try:
            release(installation_id, run_id, token)
        except redis.RedisError:
            # The lease frees it anyway.
            logger.warning(
                "sync run %s: its installation slot could not be given back", run_id, exc_info=True
            )
