"""Section 5: the beat task over many linked projects: finding and queueing the due ones, and their spread."""

import time
from collections import Counter
from datetime import timedelta

from .measure import counting_statements, median

BEAT = timedelta(minutes=15)  # CELERY_BEAT_SCHEDULE's default SYNC_BEAT_MINUTES


def seed(*, organizations, projects_per_org, now):
    from integrations.models import Installation, ProjectLink
    from integrations.services.links import next_daily_slot
    from people.models import Organization
    from projects.models import Project

    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Fan-out {i}", slug=f"bench-fanout-{i}") for i in range(organizations)]
    )
    Installation.objects.bulk_create(
        [Installation(organization=o, status=Installation.Status.INSTALLED, client_id="bench") for o in orgs],
        batch_size=1000,
    )
    projects = Project.objects.bulk_create(
        [
            Project(organization=o, name=f"Project {j}", start_date=now.date() - timedelta(days=90))
            for o in orgs
            for j in range(projects_per_org)
        ],
        batch_size=2000,
    )
    ProjectLink.objects.bulk_create(
        [
            ProjectLink(
                organization_id=p.organization_id,
                project=p,
                enabled=True,
                hubstaff_project_ids=[1],
                next_sync_due_at=next_daily_slot(p.pk, now),
            )
            for p in projects
        ],
        batch_size=2000,
    )
    return [p.pk for p in projects]


def purge_queue():
    from primetric.celery import app

    return app.control.purge()


def run(*, organizations, projects_per_org):
    from django.utils import timezone

    from integrations.models import ProjectLink

    start = timezone.now().replace(microsecond=0)
    # Links of the other sections: the beat sees only this section's.
    ProjectLink.objects.update(enabled=False)
    seed(organizations=organizations, projects_per_org=projects_per_org, now=start)
    total_links = organizations * projects_per_org
    purge_queue()
    tick_counts, per_minute_max = _slot_spread(start)
    ticks = len(tick_counts)
    due_query_ms, plan_nodes = _explain_due_links(start + BEAT)
    tick_seconds, statements, queued_total = _day_of_beats(start, ticks)
    catch_up, catch_up_seconds, catch_up_statements = _catch_up(start)
    fan_out_seconds = _fan_out()
    purge_queue()
    return {
        "links": total_links,
        "organizations": organizations,
        "ticks": ticks,
        "queued": queued_total,
        "per_tick_min": min(tick_counts),
        "per_tick_median": median(tick_counts),
        "per_tick_max": max(tick_counts),
        "per_minute_max": per_minute_max,
        "mean_per_tick": total_links / ticks,
        "due_query_ms": due_query_ms,
        "due_query_scans": plan_nodes,
        "tick_median_s": median(tick_seconds),
        "tick_max_s": max(tick_seconds),
        "day_seconds": sum(tick_seconds),
        "statements_per_queued": statements / max(1, queued_total),
        "catch_up_queued": catch_up,
        "catch_up_seconds": catch_up_seconds,
        "catch_up_per_second": catch_up / catch_up_seconds if catch_up_seconds else None,
        "catch_up_statements": catch_up_statements,
        "catch_up_fan_out_seconds": fan_out_seconds,
    }


def _slot_spread(start):
    """How the slots spread: links due per beat tick over the next 24 hours, and the most in one minute."""
    from integrations.models import ProjectLink

    due = list(
        ProjectLink.objects.filter(next_sync_due_at__isnull=False).values_list("next_sync_due_at", flat=True)
    )
    per_tick = Counter(int((d - start) / BEAT) for d in due)
    per_minute = Counter(int((d - start).total_seconds() // 60) for d in due)
    ticks = int(timedelta(days=1) / BEAT)
    return [per_tick.get(i, 0) for i in range(ticks)], max(per_minute.values())


def _explain_due_links(at):
    """The beat query alone at a tick, by EXPLAIN ANALYZE: its time (ms) and the scans it makes."""
    from django.db import connection

    from integrations.services.schedule import due_links

    sql, params = due_links(at).query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cur.fetchone()[0]
    return plan[0]["Execution Time"], _scan_nodes(plan[0]["Plan"])


def _day_of_beats(start, ticks):
    """Every tick finds and queues the projects whose slot has come (real Redis broker).

    Returns each tick's seconds, the statements of the whole day, and how many syncs were queued.
    """
    from integrations.services.schedule import enqueue_due_syncs

    tick_seconds, statements, queued_total = [], 0, 0
    for i in range(1, ticks + 1):
        with counting_statements() as counter:
            began = time.perf_counter()
            queued = enqueue_due_syncs(now=start + BEAT * i)
            tick_seconds.append(time.perf_counter() - began)
        statements += counter.statements
        queued_total += queued
    return tick_seconds, statements, queued_total


def _catch_up(start):
    """After downtime every link is due at once: one tick queues the whole day's syncs (queued, s, statements)."""
    from integrations.models import ProjectLink, SyncRun
    from integrations.services.schedule import enqueue_due_syncs

    SyncRun.objects.filter(trigger=SyncRun.Trigger.SCHEDULE).delete()
    ProjectLink.objects.update(next_sync_due_at=start)
    with counting_statements() as counter:
        began = time.perf_counter()
        queued = enqueue_due_syncs(now=start + timedelta(minutes=1))
        seconds = time.perf_counter() - began
    return queued, seconds, counter.statements


def _fan_out():
    """What a worker then does with the catch-up's batch messages: each run's own task sent to Redis (s)."""
    from integrations import tasks
    from integrations.models import SyncRun

    run_ids = list(SyncRun.objects.filter(trigger=SyncRun.Trigger.SCHEDULE).values_list("pk", flat=True))
    began = time.perf_counter()
    for i in range(0, len(run_ids), 500):
        tasks.send_runs_task.run(run_ids[i : i + 500])
    return time.perf_counter() - began


def _scan_nodes(node):
    found = []
    if "Scan" in node.get("Node Type", ""):
        found.append(
            f"{node['Node Type']} on {node.get('Relation Name', '?')}"
            + (f" ({node['Index Name']})" if node.get("Index Name") else "")
        )
    for child in node.get("Plans", []):
        found += _scan_nodes(child)
    return found
