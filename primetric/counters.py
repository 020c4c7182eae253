"""Counters every process of the fleet adds to, kept in Redis (REDIS_URL, the one all hosts share) for /metrics.

Most operators' figures are read from rows the product keeps anyway (primetric/metrics.py). Two kinds of event leave
no row: an error answer from Hubstaff that was waited out or retried (a 429, a 502 before a success), and a webhook
delivery refused before it was recorded (a bad signature, an unknown hook). They are counted here: a hash per
counter, a field per label, HINCRBYFLOAT from whichever web or worker process saw it. Counts live as long as Redis does;
Prometheus's rate() and increase() read a restart of Redis as a counter reset, as they would a process's.

Counting never stands in a sync's or a request's way: with Redis slow or down, the count is lost, not the work
(a short timeout, errors logged at debug level).
"""

import logging
from functools import cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

# Hubstaff's error answers by where ("api", "token": the OAuth token endpoint) and status ("401", "429", "503",
# ...; "timeout" or "connection" where none came).
HUBSTAFF_ERRORS = "hubstaff_errors"
# Webhook deliveries by outcome ("accepted", "rejected") and why: accepted "new", "duplicate" (an event id seen before)
# or "verification"; rejected "signature", "unknown_hook", "rate", "too_large", "not_json", "malformed", ...
WEBHOOK_DELIVERIES = "webhook_deliveries"
# Waits for Hubstaff's pace by kind ("budget": the installation's request budget; "rate_limit": Hubstaff's 429, slept
# through or recorded by another worker) and measure ("waits", "seconds"; "deferred": waits too long to sleep, the run
# gave its worker back).
PACING = "pacing"
NAMES = (HUBSTAFF_ERRORS, WEBHOOK_DELIVERIES, PACING)


@cache
def _client(url: str) -> redis.Redis:
    # A count is worth less than the 5 s a sync could wait on an unreachable Redis.
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5, decode_responses=True)


def key(name: str) -> str:
    return f"primetric:counters:{name}"


def add(name: str, where: str, label: str, amount: float = 1) -> None:
    """Add `amount` to `label` at `where` (the counter's first label: 'api', 'accepted', ...) under `name`."""
    try:
        _client(settings.REDIS_URL).hincrbyfloat(key(name), f"{where}:{label}", amount)
    except redis.RedisError:
        logger.debug("counter %s[%s:%s] not counted: Redis did not answer", name, where, label, exc_info=True)


def waited(kind: str, seconds: float) -> None:
    """A wait for Hubstaff's pace (`kind`: "budget" or "rate_limit") slept through: one more, and its seconds, in one
    round trip."""
    try:
        pipe = _client(settings.REDIS_URL).pipeline(transaction=False)
        pipe.hincrbyfloat(key(PACING), f"{kind}:waits", 1)
        pipe.hincrbyfloat(key(PACING), f"{kind}:seconds", seconds)
        pipe.execute()
    except redis.RedisError:
        logger.debug("pacing wait (%s) not counted: Redis did not answer", kind, exc_info=True)


def read(name: str) -> dict[tuple[str, str], float]:
    """Every (where, label)'s count of the counter `name` (raises redis.RedisError: /metrics reports the part as
    failed)."""
    counts = _client(settings.REDIS_URL).hgetall(key(name))
    found: dict[tuple[str, str], float] = {}
    for field, count in counts.items():
        where, _, label = str(field).partition(":")
        found[(where, label)] = float(count)
    return found
