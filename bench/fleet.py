"""Section 9: the sync fleet. Daily syncs drained by 1, 2, 4 and 8 worker processes; a person's run while a
10,000-run backlog waits; one organization's many projects beside others' few; where it stops scaling.

Real processes on real Redis and PostgreSQL, against the sandbox answering each API request after `latency`
seconds (Hubstaff's own: 100-300 ms). `organizations` organizations, each with its own installation and
`projects_per_org` linked projects, are synced once (their first sync, not measured); then each round queues every
link's daily incremental sync at once on the `scheduled` queue, as the beat does after downtime, and starts that
many workers (`celery worker -Q interactive,scheduled --concurrency 1`, one process each, as on separate hosts).

- Throughput: runs a minute from the first message to the last run finished, the speed-up over one process and its
  efficiency (speed-up / processes), the most database connections of the benchmark's database seen at once, the
  broker's Redis memory, and what the round cost: the machine's CPU busy share, CPU milliseconds a run of each
  kind of process (workers, PostgreSQL, Redis, the sandbox), and how often a database session waited on a lock.
  In the largest round one more click is sent to the `scheduled` queue behind the backlog, to show what the
  queues avoid: it waits for the backlog ahead of it.
- Interactive under load: `backlog` runs queued on `scheduled` (the links' and, to reach it, those of
  organizations made only for this round), drained by the most workers; meanwhile a person's Reset and sync of a
  small project every `click_every` seconds (runs.request_sync, as the page and the API call it): from the click
  to "running" (the run's started_at) and to "succeeded" (finished_at), with the scheduled queue's depth at each
  click. Once the clicks are done the rest of the backlog is dropped (purged and its runs ended), not drained.
- Fairness: an organization with `big_org_projects` projects queued first, then one project of each of the other
  organizations; the longest a small organization's run waited for a worker, beside the big one's drain.
"""

import subprocess
import sys
import time
from datetime import date, timedelta

from .environment import ROOT, point_at_sandbox
from .measure import median, percentile

SYNC_TASK = "integrations.tasks.sync_project_task"
DROPPED = "Dropped by the benchmark."  # the error of a backlog's runs ended undone (_drop_backlog)
HUBSTAFF_USERS = 4
DAYS = 14


class Meter:
    """CPU time of the processes a round involves, by kind, and the machine's busy share over the round."""

    KINDS = ("workers", "postgres", "redis", "sandbox")

    @staticmethod
    def _kind(process):
        name = process.info["name"] or ""
        command = " ".join(process.info["cmdline"] or ())
        if "celery" in command and " worker" in command:
            return "workers"
        if name.startswith("postgres") or command.startswith("postgres"):
            return "postgres"
        if name.startswith("redis-server"):
            return "redis"
        if "hubstaff_sandbox" in command:
            return "sandbox"
        return None

    def _cpu(self):
        """CPU seconds so far of each process of a kind: {pid: (kind, seconds)}."""
        import psutil

        spent = {}
        for process in psutil.process_iter(["name", "cmdline", "cpu_times"]):
            kind = self._kind(process)
            times = process.info["cpu_times"]
            if kind and times is not None:
                spent[process.pid] = (kind, times.user + times.system)
        return spent

    def start(self):
        import psutil

        self._began = self._cpu()
        self._machine = psutil.cpu_times()
        self._at = time.perf_counter()

    def stop(self, runs):
        """Per kind, CPU milliseconds a run; and the machine's busy share (all cores) over the round."""
        import psutil

        ended, machine = self._cpu(), psutil.cpu_times()
        total = sum(machine) - sum(self._machine)
        idle = (machine.idle + machine.iowait) - (self._machine.idle + self._machine.iowait)
        # Per process, so that one that ended meanwhile (the last round's) takes nothing away; a process that
        # started meanwhile counts from zero.
        spent = dict.fromkeys(self.KINDS, 0.0)
        for pid, (kind, seconds) in ended.items():
            before = self._began.get(pid)
            spent[kind] += seconds - (before[1] if before and before[0] == kind else 0.0)
        figures = {f"cpu_ms_per_run_{kind}": spent[kind] * 1000 / max(runs, 1) for kind in self.KINDS}
        figures["machine_busy"] = 1 - idle / total if total else float("nan")
        figures["cores"] = psutil.cpu_count()
        return figures


class Workers:
    """`count` Celery workers of one process each, serving both queues with the interactive one first."""

    def __init__(self, count, *, log_dir):
        import os

        self.processes = []
        for number in range(count):
            log = open(log_dir / f"fleet-worker-{count}-{number}.log", "wb")  # noqa: SIM115 - closed in stop()
            command = [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "primetric",
                "worker",
                "-Q",
                "interactive,scheduled",
            ]
            command += ["--concurrency", "1", "--hostname", f"fleet{number}@%h", "--loglevel", "WARNING"]
            command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
            process = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=log)
            self.processes.append((process, log))
        self._wait_ready(count)

    def _wait_ready(self, count, timeout=120):
        from primetric.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(app.control.ping(timeout=1.0) or []) >= count:
                return
        raise RuntimeError(f"{count} workers did not answer within {timeout} s")

    def stop(self):
        for process, _ in self.processes:
            process.terminate()
        for process, log in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            log.close()


class Fleet:
    """The organizations, their installations (each its own personal access token) and linked projects."""

    def __init__(
        self, hs, *, organizations, projects_per_org, big_org_projects, clicks, padding_organizations
    ):
        from integrations.services import live
        from integrations.services.installation import connect_with_personal_access_token
        from integrations.services.links import update_link
        from people.models import Organization
        from projects.models import Project

        point_at_sandbox(hs)
        hubstaff_projects = sorted(hs.ids()["projects"].values())
        # No webhook subscriptions (section 8 measures live updates): each would verify against a web server this
        # benchmark does not run, and hundreds of them would hold the workers before any sync.
        subscribe, live.send_subscribe = live.send_subscribe, lambda installation: None
        start = date.today() - timedelta(days=DAYS)

        def organization(name, slug, projects):
            org = Organization.objects.create(name=name, slug=slug)
            connect_with_personal_access_token(org, hs.create_pat("user1@example.test"))
            made = []
            for number in range(projects):
                project = Project.objects.create(organization=org, name=f"Project {number}", start_date=start)
                update_link(
                    project,
                    enabled=True,
                    hubstaff_project_ids=[hubstaff_projects[number]],
                    prevent_new_assignments=True,
                    trim_assignments=False,
                )
                made.append((project.pk, org.pk))
            return made

        try:
            self.links = []
            for number in range(organizations):
                self.links += organization(f"Fleet {number}", f"bench-fleet-{number}", projects_per_org)
            self.big = organization("Fleet big", "bench-fleet-big", big_org_projects)
            # Only queued in the interactive round, to fill the scheduled queue up to its backlog; never synced.
            self.padding = []
            for number in range(padding_organizations):
                self.padding += organization(
                    f"Fleet padding {number}", f"bench-fleet-pad-{number}", projects_per_org
                )
            # A person's resets: small projects of an organization of their own, one per click.
            self.clicks = organization("Fleet clicks", "bench-fleet-clicks", clicks)
        finally:
            live.send_subscribe = subscribe

    def queue(self, links):
        """Queue the links' daily syncs as the beat does, their messages on the scheduled queue; the run ids. The
        messages come in a fixed shuffled order, as the beat's do (the daily slots are a hash of the project)."""
        import random

        from django.db import transaction
        from django.utils import timezone

        from integrations.services import runs
        from primetric.celery import app

        deliver = runs.deliver
        runs.deliver = lambda *_, **__: None  # sent below, each run's own message
        try:
            with transaction.atomic():
                run_ids = runs.queue_runs(links, mode="incremental", trigger="schedule", now=timezone.now())
        finally:
            runs.deliver = deliver
        random.Random(len(run_ids)).shuffle(run_ids)
        with app.producer_or_acquire() as producer, producer.batch(max_size=500):
            for run_id in run_ids:
                app.send_task(SYNC_TASK, args=[run_id], queue="scheduled", producer=producer)
        return run_ids


def _active(run_ids):
    from integrations.models import SyncRun

    return SyncRun.objects.filter(pk__in=run_ids, status__in=SyncRun.ACTIVE_STATUSES).count()


class Drained:
    """What a drain saw: its seconds, the most database connections and broker memory at once, and how many of its
    looks found a session of the benchmark's database waiting on a lock (and the most at once)."""

    def __init__(self):
        self.seconds = 0.0
        self.peak_connections = self.peak_memory = 0
        self.looks = self.looks_with_lock_waits = self.peak_lock_waits = 0


def _drain(run_ids, *, during=None, until=None, timeout=3600):
    """Wait until the runs have ended (or `until()` is true); returns a Drained. `during()` is called between the
    looks (the clicks)."""
    import redis
    from django.conf import settings
    from django.db import connection

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    began = time.perf_counter()
    seen = Drained()
    while _active(run_ids) and not (until is not None and until()):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), count(*) FILTER (WHERE wait_event_type = 'Lock') FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            connections, lock_waits = cursor.fetchone()
        seen.peak_connections = max(seen.peak_connections, connections)
        seen.looks += 1
        seen.looks_with_lock_waits += 1 if lock_waits else 0
        seen.peak_lock_waits = max(seen.peak_lock_waits, lock_waits)
        seen.peak_memory = max(seen.peak_memory, int(broker.info("memory")["used_memory"]))
        if during is not None:
            during()
        if time.perf_counter() - began > timeout:
            raise RuntimeError(f"{_active(run_ids)} runs still active after {timeout} s")
        time.sleep(0.2)
    seen.seconds = time.perf_counter() - began
    return seen


def _outcome(run_ids):
    from django.db.models import Count, Sum

    from integrations.models import SyncRun

    rows = SyncRun.objects.filter(pk__in=run_ids).exclude(error=DROPPED)
    statuses = dict(rows.values_list("status").annotate(n=Count("pk")).order_by())
    return (
        statuses.get("succeeded", 0),
        statuses.get("failed", 0),
        rows.aggregate(r=Sum("requests_made"))["r"],
    )


def _waits(run_ids):
    """Seconds from queued to started, and to finished, of each run."""
    from integrations.models import SyncRun

    rows = SyncRun.objects.filter(pk__in=run_ids).values_list("queued_at", "started_at", "finished_at")
    return (
        [(s - q).total_seconds() for q, s, _ in rows if s],
        [(f - q).total_seconds() for q, _, f in rows if f],
    )


def _throughput(fleet, workers, log_dir, round_seconds=None):
    """Each round: every link's daily sync queued, drained by `count` processes; a round that would take longer than
    `round_seconds` is measured over that long (the runs finished by then) and the rest dropped. In the largest
    round, one person's click is also sent to the scheduled queue behind the backlog: its wait for a worker, had
    there been one queue."""
    from integrations.services import runs
    from primetric.celery import app
    from projects.models import Project

    rounds = []
    fifo_wait = None
    for count in workers:
        pool = Workers(count, log_dir=log_dir)
        meter = Meter()
        try:
            meter.start()
            run_ids = fleet.queue(fleet.links)
            fifo = None
            if count == max(workers):
                project = Project.objects.get(pk=fleet.clicks[0][0])
                fifo = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
                app.send_task(SYNC_TASK, args=[fifo.pk], queue="scheduled")
            deadline = (
                time.perf_counter() + round_seconds
                if round_seconds and count != max(workers)
                else float("inf")
            )
            seen = _drain(run_ids, until=lambda deadline=deadline: time.perf_counter() > deadline)
            done = len(run_ids) - _active(run_ids)
            cost = meter.stop(done)
            if fifo is not None:
                _drain([fifo.pk])
                waits, _ = _waits([fifo.pk])
                fifo_wait = waits[0] if waits else None
        finally:
            pool.stop()
            _drop_backlog(run_ids)
        succeeded, failed, requests = _outcome(run_ids)
        rounds.append(
            {
                "workers": count,
                "runs": len(run_ids),
                "done": done,
                "succeeded": succeeded,
                "failed": failed,
                "requests": requests,
                "seconds": seen.seconds,
                "runs_per_minute": done / seen.seconds * 60,
                "peak_connections": seen.peak_connections,
                "redis_bytes": seen.peak_memory,
                "lock_wait_share": seen.looks_with_lock_waits / max(seen.looks, 1),
                "peak_lock_waits": seen.peak_lock_waits,
                **cost,
            }
        )
        print(
            f"[fleet] {count} workers: {done} of {len(run_ids)} runs in {seen.seconds:.1f} s, machine busy "
            f"{cost['machine_busy']:.0%}",
            flush=True,
        )
    base = rounds[0]["runs_per_minute"] / rounds[0]["workers"] or float("nan")
    for r in rounds:
        r["speed_up"] = r["runs_per_minute"] / (rounds[0]["runs_per_minute"] or float("nan"))
        r["efficiency"] = r["runs_per_minute"] / r["workers"] / base
    return rounds, fifo_wait


def _drop_backlog(run_ids):
    """The rest of a backlog that was not to be drained: its messages purged, its runs ended, so that the next round
    may queue those projects again."""
    from django.utils import timezone

    from integrations.models import SyncRun
    from primetric.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("scheduled")
    SyncRun.objects.filter(pk__in=run_ids, status__in=SyncRun.ACTIVE_STATUSES).update(
        status=SyncRun.Status.FAILED, error=DROPPED, finished_at=timezone.now()
    )


def _interactive(fleet, workers, click_every, log_dir, clicks):
    """Clicks while a backlog of the links' and the padding organizations' daily syncs waits: their times to running
    and to succeeded, and the scheduled queue's depth at each click."""
    from integrations.services import queues, runs
    from projects.models import Project

    projects = [Project.objects.get(pk=pk) for pk, _ in fleet.clicks[1 : clicks + 1]]
    pool = Workers(workers, log_dir=log_dir)
    clicked, depths = [], []
    try:
        backlog = fleet.queue(fleet.links + fleet.padding)
        pending = list(projects)
        next_click = time.monotonic() + click_every

        def click():
            nonlocal next_click
            if pending and time.monotonic() >= next_click:
                depths.append(queues.depth(queues.SCHEDULED))
                clicked.append(runs.request_sync(pending.pop(0), mode="reset", trigger="manual").pk)
                next_click = time.monotonic() + click_every

        seen = _drain(backlog, during=click, until=lambda: not pending)
        _drain(clicked)
        done = len(backlog) - _active(backlog)
    finally:
        pool.stop()
        _drop_backlog(backlog)
    to_running, to_succeeded = _waits(clicked)
    succeeded, failed, _ = _outcome(clicked)
    return {
        "workers": workers,
        "backlog": len(backlog),
        "backlog_done": done,
        "seconds": seen.seconds,
        "depth_min": min(depths, default=0),
        "depth_max": max(depths, default=0),
        "clicks": len(clicked),
        "succeeded": succeeded,
        "failed": failed,
        "running_p50": median(to_running),
        "running_p95": percentile(to_running, 95),
        "running_max": max(to_running, default=float("nan")),
        "succeeded_p50": median(to_succeeded),
        "succeeded_p95": percentile(to_succeeded, 95),
    }


def _fairness(fleet, workers, log_dir):
    """The big organization's runs queued first, then one run of each other organization."""
    from django.conf import settings

    small = list({org: (pk, org) for pk, org in fleet.links}.values())
    pool = Workers(workers, log_dir=log_dir)
    try:
        big = fleet.queue(fleet.big)
        others = fleet.queue(small)
        seconds = _drain([*big, *others]).seconds
    finally:
        pool.stop()
    small_waits, _ = _waits(others)
    big_waits, big_done = _waits(big)
    return {
        "workers": workers,
        "per_installation": settings.HUBSTAFF_RUNS_PER_INSTALLATION,
        "big_runs": len(big),
        "small_runs": len(others),
        "small_wait_max": max(small_waits, default=float("nan")),
        "small_wait_p50": median(small_waits),
        "big_done_max": max(big_done, default=float("nan")),
        "seconds": seconds,
    }


def run(
    *,
    organizations,
    projects_per_org,
    big_org_projects,
    workers=(1, 2, 4),
    latency=0.15,
    clicks=6,
    click_every=3.0,
    backlog=0,
    round_seconds=None,
):
    import os
    import tempfile
    from pathlib import Path

    from django.conf import settings

    from hubstaff_sandbox.testing import running_sandbox

    # The installations' request budgets are lifted (here and in the workers this starts): this section measures
    # the workers. With the real budget (1,000 requests an hour) the big organization's 500 first syncs would wait
    # an hour for its next window, whatever the workers; docs/operations.md's sizing counts the budgets apart.
    os.environ["HUBSTAFF_RATE_BUDGET"] = str(10**9)
    settings.HUBSTAFF_RATE_BUDGET = 10**9
    links = organizations * projects_per_org
    padding = max(0, backlog - links + projects_per_org - 1) // projects_per_org
    hub_projects = max(projects_per_org, big_org_projects, clicks + 1)
    spec = f"users={HUBSTAFF_USERS},projects={hub_projects},days={DAYS},seed=1,end={date.today().isoformat()}"
    log_dir = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    with running_sandbox(generate=spec, rate_limit=10**9, access_token_ttl=10**6, startup_timeout=600) as hs:
        began = time.perf_counter()
        fleet = Fleet(
            hs,
            organizations=organizations,
            projects_per_org=projects_per_org,
            big_org_projects=big_org_projects,
            clicks=clicks + 1,
            padding_organizations=padding,
        )
        print(f"[fleet] made in {time.perf_counter() - began:.0f} s; first syncs ...", flush=True)
        hs.fault(latency=latency)
        # First syncs (every day of every link read once): not measured.
        pool = Workers(max(workers), log_dir=log_dir)
        try:
            _drain(fleet.queue(fleet.links + fleet.big + fleet.clicks))
        finally:
            pool.stop()
        print(f"[fleet] {len(fleet.links)} links synced once; throughput rounds ...", flush=True)
        throughput, fifo_wait = _throughput(fleet, workers, log_dir, round_seconds)
        interactive = _interactive(fleet, max(workers), click_every, log_dir, clicks)
        interactive["fifo_running"] = fifo_wait
        interactive["fifo_backlog"] = len(fleet.links)
        fairness = _fairness(fleet, max(workers), log_dir)
    return {
        "organizations": organizations,
        "links": len(fleet.links),
        "latency": latency,
        "throughput": throughput,
        "interactive": interactive,
        "fairness": fairness,
        "logs": str(log_dir),
    }
