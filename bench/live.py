"""Section 8: live updates. Timers stopped in the sandbox over a working day; how soon their hours are readable.

The product runs as in production: gunicorn serves /hooks/hubstaff/<key>/ (Hubstaff's deliveries) and the API, a
Celery worker handles the events and runs the coalesced syncs (HUBSTAFF_EVENT_COALESCE_SECONDS as configured,
20 s by default). The installation subscribes through the sandbox's API v2, the sandbox verifies through the
product's own endpoint, and every timer.stop is delivered signed over HTTP.

The day: `users` Hubstaff users, each on one of `projects` Hubstaff projects, each linked to its own Primetric
project. Each user stops a timer around 12:15 and around 17:00, and one in three also mid-afternoon; the day (09:00
to 18:00) is played in `day_seconds` (compressed: events closer together than in a real day, so coalescing joins
more of them, and the per-minute limit of the endpoint is lifted for the run). Freshness of an event: from the
moment the bench asks the sandbox to stop the timer to the first poll of the API (GET
/api/v1/orgs/<slug>/projects/<id>/worklogs/, every POLL_SECONDS) showing at least the hours Hubstaff then had for
that user and day.

The lossy run plays the day again with 20 % of deliveries lost and 10 % sent twice; then runs the hourly check (the
fallback for events that never come, services/live.py `check_one`) as beat's next hour would, lets the worker run
the syncs it queues, and compares the hours readable through the API with Hubstaff's (nothing missing, nothing
counted twice).
"""

import random
import threading
import time
from datetime import date, timedelta

import requests

from .environment import ROOT, generated_people, point_at_sandbox
from .measure import median, percentile
from .pages import Gunicorn

POLL_SECONDS = 1.0
DAY_START, DAY_END = 9 * 3600, 18 * 3600


class Worker:
    """A Celery worker process of the product, as `make run` starts it."""

    def __enter__(self):
        import os
        import subprocess
        import sys

        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "primetric", "worker", "--loglevel", "WARNING"]
            + ["--concurrency", "2"],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return self

    def __exit__(self, *exc):
        import subprocess

        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def day_plan(users, day_seconds, seed=1):
    """[(real offset in seconds, user number)] of one working day's timer stops, compressed into day_seconds."""
    rng = random.Random(seed)
    stops = []
    for user in range(1, users + 1):
        moments = [rng.gauss(12.25 * 3600, 1800), rng.gauss(17 * 3600, 1200)]
        if rng.random() < 1 / 3:
            moments.append(rng.gauss(15 * 3600, 3600))
        for moment in moments:
            within = min(DAY_END, max(DAY_START, moment))
            stops.append(((within - DAY_START) / (DAY_END - DAY_START) * day_seconds, user))
    return sorted(stops)


def real_day_batches(plan, *, day_seconds, coalesce, rate, burst, per_batch):
    """The event batches the same stops would make over a real, uncompressed day (a model, not a measurement): an
    event finding no batch on its way sends one, due `coalesce` s later, or once the allowance (filling at `rate`
    requests a second up to `burst`, each batch spending `per_batch`) has a request (services/batch.py); the
    events before it is due join it. Returns (batches of the day, batches in its busiest clock hour, each event's
    wait for its batch in seconds)."""
    scale = (DAY_END - DAY_START) / day_seconds
    due = None
    level, at = burst, DAY_START
    per_hour = {}
    waits = []
    for offset, _user in plan:
        moment = DAY_START + offset * scale
        if due is None or moment >= due:
            now_level = min(burst, level + (moment - at) * rate)
            wait = 0.0 if now_level >= 1 else (1 - now_level) / rate
            due = moment + max(coalesce, wait)
            level, at = min(burst, now_level + (due - moment) * rate) - per_batch, due
            hour = int(due // 3600)
            per_hour[hour] = per_hour.get(hour, 0) + 1
        waits.append(due - moment)
    return sum(per_hour.values()), max(per_hour.values(), default=0), waits


class Setup:
    """A Primetric organization with `projects` projects, each linked to one Hubstaff project, and live updates on."""

    def __init__(self, hs, *, users, projects, site_url):
        from django.conf import settings
        from django.contrib.auth import get_user_model

        from api.tokens import issue_token
        from integrations.services import live
        from integrations.services.installation import connect_with_personal_access_token
        from integrations.services.links import update_link
        from people.models import Organization, Person
        from projects.models import Project

        point_at_sandbox(hs)
        settings.SITE_URL = site_url
        self.hs = hs
        self.organization = Organization.objects.create(name="Bench live", slug="bench-live")
        manager = get_user_model().objects.create_user(username="bench-live-manager", password="bench-pass-1")
        Person.objects.create(
            organization=self.organization,
            full_name="Live Manager",
            email="live-manager@example.test",
            is_manager=True,
            user=manager,
        )
        people = generated_people(self.organization, users)
        self.person_of = {n: person.pk for n, person in enumerate(people, start=1)}
        self.token = issue_token(manager).key
        deliver = live.deliver
        live.deliver = lambda *args, **kwargs: None  # subscribed below, in this process
        try:
            self.installation = connect_with_personal_access_token(
                self.organization, hs.create_pat("user1@example.test")
            )
        finally:
            live.deliver = deliver
        if not live.subscribe(self.installation):
            raise RuntimeError(f"live updates off: {self.installation.live_updates_reason}")
        hubstaff_projects = sorted(hs.ids()["projects"].values())[:projects]
        self.projects = []
        for n, hubstaff_project in enumerate(hubstaff_projects):
            project = Project.objects.create(
                organization=self.organization,
                name=f"Live project {n}",
                start_date=date.today() - timedelta(days=30),
            )
            update_link(
                project,
                enabled=True,
                hubstaff_project_ids=[hubstaff_project],
                prevent_new_assignments=False,
                trim_assignments=False,
            )
            self.projects.append((project.pk, hubstaff_project))

    def project_of(self, user):
        return self.projects[(user - 1) % len(self.projects)]


class Poller(threading.Thread):
    """Reads every project's recent work logs through the API until stopped: {(person id, date): seconds}."""

    def __init__(self, base_url, setup):
        super().__init__(daemon=True)
        self.base_url, self.setup = base_url, setup
        self.seen = {}  # (person, date) -> [(moment, seconds)] each time the seconds changed
        self.stopping = threading.Event()
        self.requests = 0

    def run(self):
        session = requests.Session()
        session.headers["Authorization"] = f"Token {self.setup.token}"
        after = (date.today() - timedelta(days=2)).isoformat()
        while not self.stopping.is_set():
            for project_id, _ in self.setup.projects:
                url = f"{self.base_url}/api/v1/orgs/{self.setup.organization.slug}/projects/{project_id}/worklogs/"
                params = {"date_after": after, "page_size": 500, "source": "hubstaff"}
                while url:
                    response = session.get(url, params=params, timeout=30)
                    response.raise_for_status()
                    body = response.json()
                    self.requests += 1
                    now = time.time()
                    for row in body["results"]:
                        key = (row["person"], row["date"])
                        history = self.seen.setdefault(key, [])
                        if not history or history[-1][1] != row["duration_seconds"]:
                            history.append((now, row["duration_seconds"]))
                    url, params = body.get("next"), None
            self.stopping.wait(POLL_SECONDS)
        session.close()

    def arrived_at(self, key, seconds):
        """When the API first showed at least `seconds` for the key, or None."""
        return next((moment for moment, have in self.seen.get(key, []) if have >= seconds), None)

    def current(self, key):
        history = self.seen.get(key)
        return history[-1][1] if history else 0


def play_day(setup, plan, day_seconds):
    """Stop the plan's timers at their moments: [(stopped at, (person, date), Hubstaff's seconds then)]."""
    events = []
    last_stop = {}
    started = time.time()
    for offset, user in plan:
        delay = started + offset - time.time()
        if delay > 0:
            time.sleep(delay)
        _, hubstaff_project = setup.project_of(user)
        # The hours since the user's last stop, in the day's own time (at least a quarter of an hour).
        day_moment = DAY_START + offset / day_seconds * (DAY_END - DAY_START)
        tracked = max(900, int(day_moment - last_stop.get(user, DAY_START)))
        last_stop[user] = day_moment
        stopped_at = time.time()
        answer = setup.hs.track(f"user{user}@example.test", hubstaff_project, tracked)
        row = answer["daily_activity"]
        events.append((stopped_at, (setup.person_of[user], row["date"]), row["tracked"]))
    return events


def wait_until_quiet(poller, events, *, timeout, quiet):
    """Until every event's hours are readable, or nothing changed for `quiet` seconds, or `timeout`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if all(poller.arrived_at(key, seconds) for _, key, seconds in events):
            return
        last_change = max((h[-1][0] for h in poller.seen.values()), default=0)
        if last_change and time.time() - last_change > quiet and time.time() - events[-1][0] > quiet:
            return
        time.sleep(POLL_SECONDS)


def _event_runs(setup):
    from integrations.models import SyncRun

    return SyncRun.objects.filter(
        organization=setup.organization, trigger=SyncRun.Trigger.HUBSTAFF_EVENT
    ).count()


def _event_batches(setup, since):
    """Event batches started since `since`: a batch claims its runs together, so their start times come in
    clusters; a gap of over 2 s between two starts is a new batch."""
    from integrations.models import SyncRun

    starts = sorted(
        SyncRun.objects.filter(
            organization=setup.organization,
            trigger=SyncRun.Trigger.HUBSTAFF_EVENT,
            started_at__gte=since,
        ).values_list("started_at", flat=True)
    )
    return sum(
        1
        for before, at in zip([None, *starts], starts, strict=False)
        if before is None or (at - before).total_seconds() > 2
    )


def api_requests(hs):
    return sum(sum(codes.values()) for route, codes in hs.stats()["routes"].items() if " /v2/" in route)


def measure_day(setup, poller, plan, day_seconds, coalesce):
    """One day played: freshness of each event, Hubstaff requests made, deliveries as the sandbox sent them."""
    from integrations.models import HubstaffEvent

    setup.hs.reset_stats()
    setup.hs.reset_webhook_deliveries()
    events_before = HubstaffEvent.objects.filter(installation=setup.installation).count()
    runs_before = _event_runs(setup)
    from django.utils import timezone

    began = timezone.now()
    events = play_day(setup, plan, day_seconds)
    wait_until_quiet(poller, events, timeout=max(120.0, 6 * coalesce), quiet=3 * coalesce + 10)
    freshness, missing = [], 0
    for stopped_at, key, seconds in events:
        arrived = poller.arrived_at(key, seconds)
        if arrived is None:
            missing += 1
        else:
            freshness.append(max(0.0, arrived - stopped_at))
    deliveries = [d for d in setup.hs.webhook_deliveries() if d["kind"] == "deliver"]
    return {
        "events": len(events),
        "events_readable": len(freshness),
        "events_not_readable": missing,
        "p50_seconds": median(freshness) if freshness else None,
        "p95_seconds": percentile(freshness, 95) if freshness else None,
        "max_seconds": max(freshness) if freshness else None,
        "requests": api_requests(setup.hs),
        "event_runs": _event_runs(setup) - runs_before,
        "event_batches": _event_batches(setup, began),
        "deliveries": len(deliveries),
        "deliveries_lost": sum("lost" in d["fault"] for d in deliveries),
        "deliveries_repeated": sum("repeat" in d["fault"] for d in deliveries),
        "deliveries_refused": sum(1 for d in deliveries if d["status"] is not None and d["status"] >= 400),
        "events_recorded": HubstaffEvent.objects.filter(installation=setup.installation).count()
        - events_before,
        "events_sent": len({d["event_id"] for d in deliveries if "lost" not in d["fault"]}),
        "truth": {key: seconds for _, key, seconds in events},  # the last one per key wins: Hubstaff's total
    }


def fallback_syncs(setup):
    """The hourly check (services/live.py `check_one`, as beat's task runs it), the syncs it queues run by the
    worker: (syncs queued, Hubstaff requests of the check and its syncs)."""
    from integrations.models import SyncRun
    from integrations.services import live

    setup.hs.reset_stats()
    queued = live.check_one(setup.installation.pk)
    deadline = time.time() + 300
    active = SyncRun.objects.filter(organization=setup.organization, status__in=SyncRun.ACTIVE_STATUSES)
    while active.exists():
        if time.time() > deadline:
            raise RuntimeError("the syncs of the hourly check did not finish in 5 minutes")
        time.sleep(0.5)
    return queued, api_requests(setup.hs)


def run(*, users, projects, day_seconds, coalesce=None, lost=0.2, repeated=0.1):
    import os

    from django.conf import settings

    from .sync import sandbox

    started = time.perf_counter()
    coalesce = float(coalesce if coalesce is not None else settings.HUBSTAFF_EVENT_COALESCE_SECONDS)
    previous = {
        name: os.environ.get(name)
        for name in ("HUBSTAFF_EVENT_COALESCE_SECONDS", "HUBSTAFF_EVENT_RATE_PER_MINUTE")
    }
    os.environ["HUBSTAFF_EVENT_COALESCE_SECONDS"] = str(coalesce)  # read by the worker's settings
    os.environ["HUBSTAFF_EVENT_RATE_PER_MINUTE"] = str(10**6)  # the compressed day is not a burst to refuse
    plan = day_plan(users, day_seconds)
    result = {
        "users": users,
        "projects": projects,
        "day_seconds": day_seconds,
        "compression": (DAY_END - DAY_START) / day_seconds,
        "coalesce_seconds": coalesce,
        "budget_per_hour": settings.HUBSTAFF_RATE_BUDGET,
        "poll_seconds": POLL_SECONDS,
    }
    try:
        with sandbox(users, projects, 1) as hs:
            point_at_sandbox(hs)  # before the web server and the worker start: their environment
            result["fresh"] = _with_product(
                hs, result, plan, users, projects, day_seconds, coalesce, lost, repeated
            )
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    result.update(result.pop("fresh"))
    result["wall_seconds"] = time.perf_counter() - started
    return result


def _with_product(hs, result, plan, users, projects, day_seconds, coalesce, lost, repeated):
    """The web server and the worker up, the installation subscribed; the clean day, the lossy day."""
    from integrations.models import SyncRun

    with Gunicorn() as server, Worker():
        from primetric.celery import app

        app.control.purge()
        setup = Setup(hs, users=users, projects=projects, site_url=server.url)
        poller = Poller(server.url, setup)
        poller.start()
        try:
            clean = measure_day(setup, poller, plan, day_seconds, coalesce)
            hs.fault(webhook_lost_rate=lost, webhook_repeat_rate=repeated, seed=1)
            lossy = measure_day(setup, poller, plan, day_seconds, coalesce)
            hs.reset_faults()
            lossy["fallback_syncs"], lossy["fallback_requests"] = fallback_syncs(setup)
            time.sleep(2 * POLL_SECONDS + 1)
            truth = {**clean.pop("truth"), **lossy.pop("truth")}
            have = {key: poller.current(key) for key in truth}
            lossy["hours_hubstaff"] = sum(truth.values()) / 3600
            lossy["hours_primetric"] = sum(have.values()) / 3600
            lossy["keys_equal"] = sum(have[key] == truth[key] for key in truth)
            lossy["keys_short"] = sum(have[key] < truth[key] for key in truth)
            lossy["keys_over"] = sum(have[key] > truth[key] for key in truth)
            lossy["keys"] = len(truth)
        finally:
            poller.stopping.set()
            poller.join(timeout=60)
        event_runs = SyncRun.objects.filter(
            organization=setup.organization, trigger=SyncRun.Trigger.HUBSTAFF_EVENT
        ).count()
    for figures in (clean, lossy):
        figures["requests_per_event"] = figures["requests"] / max(1, figures["events"])
        figures["budget_share"] = figures["requests"] / result["budget_per_hour"]
    # The compressed day lets coalescing join more events than a real one: the batches of a real day, modelled from
    # the same stops and the batch delay's rule, at the clean day's measured requests per batch.
    from django.conf import settings

    from integrations.services import batch

    per_batch = clean["requests"] / max(1, clean["event_batches"])
    rate = batch.event_rate()
    batches, busiest, waits = real_day_batches(
        plan,
        day_seconds=day_seconds,
        coalesce=coalesce,
        rate=rate,
        burst=rate * batch.BURST_SECONDS,
        per_batch=per_batch,
    )
    real_day = {
        "batches": batches,
        "busiest_hour_batches": busiest,
        "requests_per_batch": per_batch,
        "requests": batches * per_batch,
        "busiest_hour_requests": busiest * per_batch,
        "busiest_hour_share": busiest * per_batch / result["budget_per_hour"],
        "day_share_of_an_hour": batches * per_batch / result["budget_per_hour"],
        "budget_share_setting": settings.HUBSTAFF_EVENT_BUDGET_SHARE,
        "p50_wait_seconds": median(waits),
        "p95_wait_seconds": percentile(waits, 95),
    }
    return {"clean": clean, "lossy": lossy, "event_runs": event_runs, "real_day": real_day}
