"""Load: 200 organizations x 5 linked projects all due at once, synced by two real Celery workers on Redis.

Each organization installs Hubstaff with its owner's personal access token (so each has its own rate budget at
the sandbox, which enforces Hubstaff's 1000 requests per hour per application). Data per project is small
(3 people, 14 days) to keep CI's time bounded; the figures are printed and written to
artifacts/reliability/load.json, and quoted in docs/reliability.md.
"""

import json
import time
from collections import defaultdict
from datetime import timedelta

import pytest
from celery import current_app
from django.conf import settings as django_settings
from django.db.models import Count, Sum
from django.utils import timezone

from hubstaff_sandbox.testing import running_sandbox
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.windows import date_windows
from integrations.models import Installation, ProjectLink, SyncRun
from integrations.services import schedule
from integrations.services.installation import connect_with_personal_access_token
from people.models import Organization, Person
from projects.models import Project
from worklogs.models import WorkLog

from .support import REPO, Worker, require_redis, wait_for, worker_env

pytestmark = [pytest.mark.load, pytest.mark.django_db(transaction=True)]

ORGS, USERS, PROJECTS, DAYS = 200, 3, 5, 14
RATE_LIMIT = 1000  # Hubstaff's: requests per hour per application


@pytest.fixture
def load_sandbox(settings):
    with running_sandbox(
        generate=f"users={USERS},projects={PROJECTS},days={DAYS},seed=1,orgs={ORGS}", rate_limit=RATE_LIMIT
    ) as hs:
        settings.HUBSTAFF_ACCOUNT_URL = hs.url
        settings.HUBSTAFF_API_URL = hs.api_url
        settings.HUBSTAFF_DEVELOPER_URL = hs.url
        yield hs


def build_tenants(hs):
    summary = hs.control(f"scenario?limit={ORGS * USERS * 10}", method="GET")
    projects_of = defaultdict(list)
    for project in summary["projects"]:
        projects_of[project["organization_id"]].append(project["id"])
    users = sorted(summary["users"], key=lambda u: u["id"])
    today = timezone.localdate()
    due = timezone.now() - timedelta(minutes=1)
    for index, hs_org in enumerate(sorted(summary["organizations"], key=lambda o: o["id"])):
        org = Organization.objects.create(name=f"Load {index}", slug=f"load-{index}")
        members = users[
            index * USERS : (index + 1) * USERS
        ]  # the generator numbers users organization by organization
        Person.objects.bulk_create(
            [
                Person(organization=org, full_name=u["name"], email=u["email"], is_employee=True)
                for u in members
            ]
        )
        connect_with_personal_access_token(
            org, hs.create_pat(members[0]["email"])
        )  # the first user is the owner
        for number, hubstaff_project_id in enumerate(sorted(projects_of[hs_org["id"]]), start=1):
            project = Project.objects.create(
                organization=org, name=f"Project {number}", start_date=today - timedelta(days=DAYS - 1)
            )
            ProjectLink.objects.create(
                organization=org,
                project=project,
                enabled=True,
                hubstaff_project_ids=[hubstaff_project_id],
                next_sync_due_at=due,
            )


def test_two_hundred_organizations_five_projects_each_all_due_at_once(load_sandbox, tmp_path, monkeypatch):
    hs = load_sandbox
    broker = require_redis()
    import redis

    redis.Redis.from_url(broker).flushdb()
    setup_started = time.monotonic()
    build_tenants(hs)
    setup_seconds = time.monotonic() - setup_started
    assert Installation.objects.filter(status="installed").count() == ORGS
    hs.reset_stats()

    env = worker_env(hs, broker_url=broker)
    workers = [Worker(env, name=f"load{i}", log_dir=tmp_path) for i in (1, 2)]
    try:
        # Really send the tasks (the suite records them otherwise).
        monkeypatch.setattr(
            "integrations.services.runs.deliver",
            lambda name, args, queue=None: current_app.send_task(name, args=args, queue=queue),
        )
        started = time.monotonic()
        queued = schedule.enqueue_due_syncs()
        assert queued == ORGS * PROJECTS
        wait_for(
            lambda: not SyncRun.objects.filter(status__in=SyncRun.ACTIVE_STATUSES).exists(),
            # A bound for a machine running other tests alongside (make test's -n auto), not a speed target:
            # the figures are written below.
            timeout=420,
            interval=0.5,
            message=f"every sync to finish\n{workers[0].output()}\n{workers[1].output()}",
        )
        elapsed = time.monotonic() - started
    finally:
        for worker in workers:
            worker.stop()

    runs = SyncRun.objects.all()
    by_status = dict(runs.values_list("status").annotate(n=Count("id")))
    assert by_status == {"succeeded": ORGS * PROJECTS}, (
        by_status,
        list(runs.exclude(status="succeeded").values_list("error", flat=True)[:5]),
    )
    assert not runs.exclude(missing_teammates=[]).exists()
    per_org = dict(runs.values_list("organization_id").annotate(n=Sum("requests_made")))
    stats = hs.stats()
    statuses = defaultdict(int)
    for counts in stats["routes"].values():
        for code, n in counts.items():
            statuses[code] += n
    assert "429" not in statuses, stats  # no installation went over Hubstaff's rate budget
    assert max(per_org.values()) <= RATE_LIMIT
    # A sample of organizations: every second tracked at Hubstaff arrived, once (the windows cover all the
    # data).
    for organization in Organization.objects.order_by("pk")[:: ORGS // 5]:
        installation = Installation.objects.get(organization=organization)
        client = HubstaffClient(installation)
        hubstaff_org = installation.hubstaff_organizations[0]["id"]
        today = timezone.localdate()
        at_hubstaff = defaultdict(int)
        windows = date_windows(today - timedelta(days=DAYS + 1), today)
        for _, page in client.daily_activity_window_pages(hubstaff_org, windows):
            for row in page or ():
                at_hubstaff[row["project_id"]] += row["tracked"]
        here = dict(
            WorkLog.objects.filter(organization=organization)
            .values_list("source_project_id")
            .annotate(s=Sum("duration_seconds"))
        )
        assert here == {k: v for k, v in at_hubstaff.items() if v}, organization

    figures = {
        "organizations": ORGS,
        "projects": ORGS * PROJECTS,
        "workers": 2,
        "worker_concurrency": 1,
        "setup_seconds": round(setup_seconds, 1),
        "sync_seconds": round(elapsed, 1),
        "syncs_per_second": round(ORGS * PROJECTS / elapsed, 1),
        "hubstaff_requests": stats["total"],
        "max_requests_per_installation": max(per_org.values()),
        "rate_budget_per_installation_per_hour": RATE_LIMIT,
        "responses_429": statuses.get("429", 0),
        "work_logs": WorkLog.objects.count(),
        "database": django_settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
    }
    out = REPO / "artifacts" / "reliability"
    out.mkdir(parents=True, exist_ok=True)
    (out / "load.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("\nload figures:", json.dumps(figures))
