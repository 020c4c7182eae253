"""Operators' figures for Prometheus at /metrics, behind a bearer token (METRICS_TOKEN; unset, the page is a 404).

Every figure is read at scrape time from what the fleet already keeps: the broker's queues in Redis, the sync runs'
rows, Hubstaff's events, PostgreSQL's own view of its connections, and the few counters of what leaves no row
(Hubstaff's error answers, pacing waits, webhook deliveries: primetric/counters.py, in the Redis every process
shares). No process keeps a figure of its own, so it makes no difference which web process Prometheus reaches, how
many workers there are, or that they restart.

The time-windowed figures (runs in the last 24 hours, durations in the last hour) are gauges and histograms of
that window, not counters: graph them as they are, without rate() (`histogram_quantile(0.95, ..._bucket)` gives
the hour's p95). The dashboard (ops/grafana/primetric.json) and the alerts (ops/prometheus/alerts.yml) read them so.
"""

import hmac
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

import redis
from celery import current_app
from django.conf import settings
from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, Q, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from prometheus_client.utils import floatToGoString

from integrations.models import HubstaffEvent, SyncRun
from integrations.services import queues

from . import counters

logger = logging.getLogger(__name__)

# Seconds: a sync of a few days takes a few, a year's reset minutes; a wait is short when all is well.
DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600)
WAIT_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 1800, 3600)
# Runs of these modes are carried out inside a web request, never queued: no queue, no wait.
IN_REQUEST = (SyncRun.Mode.CLEAR, SyncRun.Mode.UNDO)

# A failed run's error is a sentence for its reader; what kind of failure it was, read back from the sentences
# services/sync.py and hubstaff/errors.py write (first match wins).
ERROR_KINDS = (
    ("uninstalled", re.compile(r"uninstalled", re.I)),
    ("reauthorization", re.compile(r"re-?authoriz|does not accept the access token", re.I)),
    ("rate_limited", re.compile(r"rate limit", re.I)),
    ("rejected_400", re.compile(r"Hubstaff rejected the request", re.I)),
    ("refused_403", re.compile(r"Hubstaff refused access", re.I)),
    ("not_found_404", re.compile(r"Hubstaff does not know", re.I)),
    ("server_5xx", re.compile(r"Hubstaff answered 5\d\d", re.I)),
    ("unreachable", re.compile(r"did not answer properly|timed out|connection", re.I)),
    ("unexpected_answer", re.compile(r"answered unexpectedly|not valid JSON|has no ", re.I)),
    ("internal", re.compile(r"failed on our side", re.I)),
    ("stopped", re.compile(r"turned off|took this sync over|abandoned|stopped answering|lock", re.I)),
)


def error_kind(error: str) -> str:
    for kind, pattern in ERROR_KINDS:
        if pattern.search(error):
            return kind
    return "other"


def _queue(mode: str, trigger: str) -> str:
    return "none" if mode in IN_REQUEST else queues.queue_for(mode, trigger)


def _broker() -> redis.Redis:
    return redis.Redis.from_url(str(current_app.conf.broker_url), socket_timeout=5, socket_connect_timeout=5)


class FleetCollector(Collector):
    """The figures, computed when Prometheus asks (a few aggregate queries, a handful of Redis commands)."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        parts: tuple[Callable[[], Iterable[Metric]], ...] = (
            self.broker,
            lambda: self.runs(now),
            lambda: self.timings(now),
            lambda: self.active(now),
            lambda: self.events(now),
            self.counted,
            self.database,
        )
        failed = GaugeMetricFamily(
            "primetric_scrape_failed", "1 where a part of the figures could not be read", labels=["part"]
        )
        for part in parts:
            name = getattr(part, "__name__", "part")
            try:
                yield from list(part())
                failed.add_metric([name], 0)
            except Exception:  # noqa: BLE001 - one part down (Redis, a query) leaves the others readable
                logger.warning("metrics: %s could not be read", name, exc_info=True)
                failed.add_metric([name], 1)
        yield failed

    def broker(self) -> Iterator[Metric]:
        client = _broker()
        try:
            depth = GaugeMetricFamily(
                "primetric_queue_depth", "Messages waiting in a Celery queue", labels=["queue"]
            )
            for queue in queues.QUEUES:
                depth.add_metric([queue], queues.depth(queue))
            yield depth
            yield GaugeMetricFamily(
                "primetric_queue_unacked",
                "Messages workers took and have not acknowledged: running, or held for their countdown",
                value=int(client.hlen("unacked")),
            )
            memory = client.info("memory")
            yield GaugeMetricFamily(
                "primetric_redis_used_memory_bytes",
                "Memory the broker's Redis uses",
                value=memory["used_memory"],
            )
        finally:
            client.close()

    def runs(self, now: datetime) -> Iterator[Metric]:
        runs = GaugeMetricFamily(
            "primetric_sync_runs_last_24h",
            "Sync runs queued in the last 24 hours, by status, trigger, mode and queue",
            labels=["status", "trigger", "mode", "queue"],
        )
        rows = (
            SyncRun.objects.filter(queued_at__gte=now - timedelta(hours=24))
            .values_list("status", "trigger", "mode")
            .annotate(count=Count("pk"))
            .order_by()
        )
        for status, trigger, mode, count in rows:
            runs.add_metric([status, trigger, mode, _queue(mode, trigger)], count)
        yield runs
        errors = GaugeMetricFamily(
            "primetric_sync_failures_last_24h",
            "Sync runs failed in the last 24 hours, by the kind of failure their error names",
            labels=["kind", "trigger"],
        )
        kinds: dict[tuple[str, str], int] = defaultdict(int)
        failed = (
            SyncRun.objects.filter(status=SyncRun.Status.FAILED, finished_at__gte=now - timedelta(hours=24))
            .values_list("error", "trigger")
            .annotate(count=Count("pk"))
            .order_by()
        )
        for error, trigger, count in failed:
            kinds[(error_kind(error), trigger)] += count
        for (kind, trigger), count in sorted(kinds.items()):
            errors.add_metric([kind, trigger], count)
        yield errors

    def timings(self, now: datetime) -> Iterator[Metric]:
        """How long runs took and waited for a worker, those that started (waits) or finished (durations) in the
        last hour, per queue."""
        recent = SyncRun.objects.exclude(mode__in=IN_REQUEST)
        duration = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
        wait = ExpressionWrapper(F("started_at") - F("queued_at"), output_field=DurationField())
        yield _histogram(
            "primetric_sync_run_duration_seconds",
            "Duration of the sync runs finished in the last hour (from the start of their last attempt)",
            recent.filter(finished_at__gte=now - timedelta(hours=1), started_at__isnull=False),
            duration,
            DURATION_BUCKETS,
        )
        yield _histogram(
            "primetric_sync_run_wait_seconds",
            "Time from queued to started of the sync runs started in the last hour (retries and budget waits "
            "included)",
            recent.filter(started_at__gte=now - timedelta(hours=1)),
            wait,
            WAIT_BUCKETS,
        )
        requests = recent.filter(finished_at__gte=now - timedelta(hours=1)).aggregate(
            total=Sum("requests_made")
        )
        yield GaugeMetricFamily(
            "primetric_hubstaff_requests_last_hour",
            "Hubstaff requests made by the sync runs finished in the last hour",
            value=requests["total"] or 0,
        )

    def active(self, now: datetime) -> Iterator[Metric]:
        active = GaugeMetricFamily(
            "primetric_sync_runs_active", "Sync runs queued or running now", labels=["status", "queue"]
        )
        oldest = GaugeMetricFamily(
            "primetric_sync_oldest_queued_seconds",
            "Age of the oldest sync run still queued, per queue",
            labels=["queue"],
        )
        totals: dict[tuple[str, str], int] = defaultdict(int)
        ages: dict[str, float] = dict.fromkeys(queues.QUEUES, 0.0)
        rows = (
            SyncRun.objects.filter(status__in=SyncRun.ACTIVE_STATUSES)
            .values_list("status", "trigger", "mode")
            .annotate(count=Count("pk"), first=Min("queued_at"))
            .order_by()
        )
        for status, trigger, mode, count, first in rows:
            queue = _queue(mode, trigger)
            totals[(status, queue)] += count
            if status == SyncRun.Status.QUEUED and queue in ages:
                ages[queue] = max(ages[queue], (now - first).total_seconds())
        for (status, queue), count in sorted(totals.items()):
            active.add_metric([status, queue], count)
        for queue, age in ages.items():
            oldest.add_metric([queue], age)
        yield active
        yield oldest
        # Paced by Hubstaff's rate limit or the installation's request budget (services/waiting.py).
        stalled = SyncRun.objects.filter(status__in=SyncRun.ACTIVE_STATUSES).filter(
            Q(stalled_since__isnull=False) | Q(progress_label__startswith="Waiting for Hubstaff's rate limit")
        )
        figures = stalled.aggregate(count=Count("pk"), since=Min("stalled_since"))
        yield GaugeMetricFamily(
            "primetric_sync_runs_waiting_for_budget",
            "Sync runs waiting for Hubstaff's rate limit or the installation's request budget",
            value=figures["count"],
        )
        since = figures["since"]
        yield GaugeMetricFamily(
            "primetric_sync_longest_budget_wait_seconds",
            "How long the longest-waiting run has read nothing from Hubstaff",
            value=(now - since).total_seconds() if since else 0,
        )

    def events(self, now: datetime) -> Iterator[Metric]:
        events = GaugeMetricFamily(
            "primetric_hubstaff_events_last_hour",
            "Hubstaff webhook events received (and accepted) in the last hour, by event",
            labels=["event"],
        )
        rows = (
            HubstaffEvent.objects.filter(received_at__gte=now - timedelta(hours=1))
            .values_list("event")
            .annotate(count=Count("pk"), latest=Max("received_at"))
            .order_by()
        )
        for event, count, _latest in rows:
            events.add_metric([event], count)
        yield events

    def counted(self) -> Iterator[Metric]:
        """What leaves no row, counted in Redis by whichever process saw it (primetric/counters.py)."""
        errors = CounterMetricFamily(
            "primetric_hubstaff_errors",
            "Hubstaff's error answers (waited out and retried ones too) by endpoint and status; timeout or "
            "connection where no answer came",
            labels=["endpoint", "status"],
        )
        for (endpoint, status), count in sorted(counters.read(counters.HUBSTAFF_ERRORS).items()):
            errors.add_metric([endpoint, status], count)
        yield errors
        deliveries = CounterMetricFamily(
            "primetric_webhook_deliveries",
            "Webhook deliveries Hubstaff posted, by outcome (accepted, rejected) and why",
            labels=["outcome", "reason"],
        )
        for (outcome, reason), count in sorted(counters.read(counters.WEBHOOK_DELIVERIES).items()):
            deliveries.add_metric([outcome, reason], count)
        yield deliveries
        pacing = counters.read(counters.PACING)
        waits = CounterMetricFamily(
            "primetric_pacing_waits",
            "Waits for Hubstaff's pace, by kind (budget: the installation's request budget; rate_limit: Hubstaff's "
            "429): slept through (waited) or too long to sleep, the run handing its worker back (deferred)",
            labels=["kind", "outcome"],
        )
        seconds = CounterMetricFamily(
            "primetric_pacing_wait_seconds",
            "Seconds slept waiting for Hubstaff's pace, by kind",
            labels=["kind"],
        )
        for kind in ("budget", "rate_limit"):
            waits.add_metric([kind, "waited"], pacing.get((kind, "waits"), 0))
            waits.add_metric([kind, "deferred"], pacing.get((kind, "deferred"), 0))
            seconds.add_metric([kind], pacing.get((kind, "seconds"), 0))
        yield waits
        yield seconds

    def database(self) -> Iterator[Metric]:
        connections = GaugeMetricFamily(
            "primetric_postgres_connections",
            "Connections to the database, by state (behind PgBouncer: the pooler's server connections)",
            labels=["state"],
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() GROUP BY 1"
            )
            for state, count in cursor.fetchall():
                connections.add_metric([state], count)
            cursor.execute("SHOW max_connections")
            (limit,) = cursor.fetchone() or (0,)
        yield connections
        yield GaugeMetricFamily(
            "primetric_postgres_max_connections", "PostgreSQL's max_connections", value=int(limit)
        )


def _histogram(
    name: str,
    documentation: str,
    rows: QuerySet[SyncRun],
    seconds: ExpressionWrapper,
    buckets: tuple[float, ...],
) -> HistogramMetricFamily:
    """A histogram per queue of `seconds` over `rows`, counted by the database (one query)."""
    family = HistogramMetricFamily(name, documentation, labels=["queue"])
    counts = {
        f"le_{index}": Count("pk", filter=Q(span__lte=timedelta(seconds=b)))
        for index, b in enumerate(buckets)
    }
    grouped = (
        rows.annotate(span=seconds)
        .values("trigger", "mode")
        .annotate(total=Count("pk"), sum=Sum("span"), **counts)
        .order_by()
    )
    merged: dict[str, list[float]] = {}
    for found in grouped:
        row: dict[str, Any] = dict(found)
        queue = _queue(row["mode"], row["trigger"])
        figures = [row[f"le_{index}"] for index in range(len(buckets))] + [
            row["total"],
            row["sum"].total_seconds() if row["sum"] else 0.0,
        ]
        merged[queue] = [a + b for a, b in zip(merged.get(queue, [0.0] * len(figures)), figures, strict=True)]
    for queue in queues.QUEUES:
        figures = merged.get(queue, [0.0] * (len(buckets) + 2))
        family.add_metric(
            [queue],
            buckets=[(floatToGoString(b), figures[index]) for index, b in enumerate(buckets)]
            + [("+Inf", figures[-2])],
            sum_value=figures[-1],
        )
    return family


def _authorized(request: HttpRequest) -> int | None:
    """None when the request carries the token; otherwise the status to answer (401 without one, 403 when wrong).
    Raises Http404 when no token is set: then there are no figures to protect, and nothing says there could be."""
    token: str = settings.METRICS_TOKEN
    if not token:
        raise Http404
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return 401
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return 403
    return None


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """The figures in Prometheus's text format, for a scraper that sends `Authorization: Bearer <METRICS_TOKEN>`."""
    refused = _authorized(request)
    if refused is not None:
        response = HttpResponse(status=refused)
        if refused == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry()
    registry.register(FleetCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
