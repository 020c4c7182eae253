"""Section 4: the project page and the work-log API list of a project with many work logs, served by gunicorn."""

import io
import itertools
import os
import random
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

import requests

from .environment import ROOT
from .measure import median, percentile


def seed_organization(*, people, tag):
    """An organization with a manager (a login user with an API token) and `people` employees."""
    from django.contrib.auth import get_user_model

    from api.tokens import issue_token
    from people.models import Organization, Person

    organization = Organization.objects.create(name=f"Bench pages {tag}", slug=f"bench-pages-{tag}")
    user = get_user_model().objects.create_user(username=f"bench-manager-{tag}", password="bench-password-1")
    Person.objects.create(
        organization=organization,
        full_name="Bench Manager",
        email=f"manager-{tag}@example.test",
        is_manager=True,
        user=user,
    )
    employees = Person.objects.bulk_create(
        [
            Person(
                organization=organization,
                full_name=f"Person {i:03d}",
                email=f"p{i}-{tag}@example.test",
                is_employee=True,
            )
            for i in range(people)
        ]
    )
    return {"organization": organization, "user": user, "token": issue_token(user).key, "people": employees}


def copy_worklogs(rows):
    """Work logs by COPY (seeding is not what is measured): rows of (organization, project, person, assignment,
    date, seconds); then fresh planner statistics, as autovacuum would soon have."""
    from django.db import connection
    from django.utils import timezone

    now = timezone.now().isoformat()
    buffer = io.StringIO()
    for organization_id, project_id, person_id, assignment_id, day, seconds in rows:
        buffer.write(
            f"{organization_id}\t{project_id}\t{person_id}\t{assignment_id}\t{day.isoformat()}\t{seconds}\t"
            f"hubstaff\thubstaff:{project_id}:{person_id}:{day.isoformat()}\t1\t\t{now}\t{now}\n"
        )
    buffer.seek(0)
    with connection.cursor() as cur:
        cur.cursor.copy_expert(
            "COPY worklogs_worklog (organization_id, project_id, person_id, assignment_id, date, duration_seconds, "
            "source, source_key, source_project_id, note, created_at, updated_at) FROM STDIN",
            buffer,
        )
        cur.execute("ANALYZE worklogs_worklog")


def seed_project(*, worklogs, assignments, tag):
    """An organization with a manager, `assignments` people assigned to one project and `worklogs` synced logs."""
    from projects.models import Assignment, Project

    seeded = seed_organization(people=assignments, tag=tag)
    organization, people = seeded["organization"], seeded["people"]
    start = date(2025, 1, 1)
    project = Project.objects.create(organization=organization, name="Big project", start_date=start)
    made = Assignment.objects.bulk_create(
        [
            Assignment(
                organization=organization,
                project=project,
                person=p,
                start_date=start,
                end_date=date(2027, 12, 31),
            )
            for p in people
        ]
    )
    rng = random.Random(1)
    per_person = -(-worklogs // len(people))
    rows = (
        (
            organization.pk,
            project.pk,
            person.pk,
            assignment.pk,
            start + timedelta(days=day),
            rng.randint(1800, 30000),
        )
        for day in range(per_person)
        for person, assignment in zip(people, made, strict=True)
    )
    copy_worklogs(itertools.islice(rows, worklogs))
    return {**seeded, "project": project}


def session_cookie(user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


def seed_capacity(organization, employees, start, days):
    """What the report shows of capacity: a public holiday every five weeks or so (some on weekends), a week of
    vacation a quarter for everyone (a different week for each), a sick day every other month for every fourth
    person (half of them mornings only), and a part-time contract from the middle of the period for every fifth."""
    from capacity.models import Holiday, TimeOff, WorkPattern

    Holiday.objects.bulk_create(
        Holiday(organization=organization, date=start + timedelta(days=day), name=f"Holiday {n}")
        for n, day in enumerate(range(17, days, 36))
    )
    time_off, patterns = [], []
    for i, person in enumerate(employees):
        for quarter in range(0, days, 91):
            monday = start + timedelta(days=quarter + (i * 7) % 84)
            monday -= timedelta(days=monday.weekday())
            time_off.append((person, monday, monday + timedelta(days=4), None, TimeOff.Kind.VACATION))
        if i % 4 == 0:
            for month in range(30, days, 61):
                day = start + timedelta(days=month + i % 20)
                time_off.append((person, day, day, Decimal(4) if i % 8 else None, TimeOff.Kind.SICK))
        if i % 5 == 0:
            patterns.append(
                WorkPattern(
                    organization=organization,
                    person=person,
                    effective_from=start + timedelta(days=days // 2),
                    friday_hours=Decimal(0),
                )
            )
    TimeOff.objects.bulk_create(
        TimeOff(
            organization=organization,
            person=person,
            start_date=first,
            end_date=last,
            hours_per_day=hours,
            kind=kind,
            status=TimeOff.Status.APPROVED,
        )
        for person, first, last, hours, kind in time_off
    )
    WorkPattern.objects.bulk_create(patterns)


def seed_planning(*, people, days, projects=10, tag):
    """An organization planning `people` people over `days` days on `projects` projects: everyone on a project
    at 8 h a day for the whole period, every third person also on a second one at 2 h a day for its first half;
    a work log every weekday on the first project (3-9 h) and every other weekday on the second (1-3 h); time
    off, holidays and part-time contracts as `seed_capacity` makes them."""
    from projects.models import Assignment, Project

    seeded = seed_organization(people=people, tag=tag)
    organization, employees = seeded["organization"], seeded["people"]
    start = date(2025, 1, 1)
    end = start + timedelta(days=days - 1)
    made = Project.objects.bulk_create(
        [
            Project(organization=organization, name=f"Project {i:02d}", start_date=start)
            for i in range(projects)
        ]
    )
    plans = []
    for i, person in enumerate(employees):
        plans.append((person, made[i % projects], start, end, 8))
        if i % 3 == 0:
            plans.append((person, made[(i + 1) % projects], start, start + timedelta(days=days // 2), 2))
    assignments = Assignment.objects.bulk_create(
        [
            Assignment(
                organization=organization, project=pr, person=pe, start_date=s, end_date=e, hours_per_day=h
            )
            for pe, pr, s, e, h in plans
        ]
    )
    rng = random.Random(2)

    def rows():
        for n in range(days):
            day = start + timedelta(days=n)
            if day.weekday() >= 5:
                continue
            for a in assignments:
                if a.start_date <= day <= a.end_date and (a.hours_per_day == 8 or n % 2 == 0):
                    low, high = (3, 9) if a.hours_per_day == 8 else (1, 3)
                    seconds = rng.randint(low * 3600, high * 3600)
                    yield organization.pk, a.project_id, a.person_id, a.pk, day, seconds

    copy_worklogs(rows())
    seed_capacity(organization, employees, start, days)
    query = f"date_from={start.isoformat()}&date_to={end.isoformat()}"
    return {**seeded, "url": f"/{organization.slug}/planning/report/?{query}"}


def urls(project, planning):
    """{name: (url, seeded organization, how it signs in)} of the measured pages."""
    slug, pk = project["organization"].slug, project["project"].pk
    return {
        "project page": (f"/{slug}/projects/{pk}/", project, "session"),
        "work-log API list": (f"/api/v1/orgs/{slug}/projects/{pk}/worklogs/", project, "token"),
        "planning report": (planning["url"], planning, "session"),
    }


def queries_per_request(pages):
    """SQL queries of one request of each page, in this process (Django's test client)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, (url, seeded, auth) in pages.items():
        client = Client()
        headers = {}
        if auth == "session":
            client.force_login(seeded["user"])
        else:
            headers = {"Authorization": f"Token {seeded['token']}"}
        client.get(url, headers=headers)  # warm caches (sessions, content types)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
        counts[name] = len(captured)
    return counts


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, workers=2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                os.path.join(os.path.dirname(sys.executable), "gunicorn"),
                "primetric.wsgi:application",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(self.workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/healthz", timeout=2)
                return self
            except (requests.ConnectionError, requests.Timeout):  # still starting (slowly on a busy machine)
                if self.process.poll() is not None:
                    raise RuntimeError(self.process.stderr.read().decode()[-3000:]) from None
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def drive(url, *, headers=None, cookies=None, requests_count, warmup=10):
    """Sequential requests from one client: the latency a user sees, without queueing behind other clients."""
    session = requests.Session()
    session.headers.update(headers or {})
    for name, value in (cookies or {}).items():
        session.cookies.set(name, value)
    for _ in range(warmup):
        session.get(url, timeout=30).raise_for_status()
    latencies = []
    size = 0
    for _ in range(requests_count):
        started = time.perf_counter()
        response = session.get(url, timeout=30)
        latencies.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        size = len(response.content)
    session.close()
    return {
        "median_ms": median(latencies),
        "p95_ms": percentile(latencies, 95),
        "max_ms": max(latencies),
        "bytes": size,
        "requests": requests_count,
    }


def run(*, worklogs, assignments, requests_count, planning, tag="main"):
    from worklogs.models import WorkLog

    project = seed_project(worklogs=worklogs, assignments=assignments, tag=tag)
    project_small = seed_project(
        worklogs=max(100, worklogs // 100), assignments=min(assignments, 20), tag=tag + "-small"
    )
    report = seed_planning(**planning, tag=tag + "-planning")
    report_small = seed_planning(
        people=max(1, planning["people"] // 25), days=planning["days"], tag=tag + "-ps"
    )
    pages = urls(project, report)
    result = {
        "worklogs": WorkLog.objects.filter(project=project["project"]).count(),
        "assignments": assignments,
        "queries": queries_per_request(pages),
        "queries_small": queries_per_request(urls(project_small, report_small)),
        "small_worklogs": WorkLog.objects.filter(project=project_small["project"]).count(),
        "planning": {
            **planning,
            "worklogs": WorkLog.objects.filter(organization=report["organization"]).count(),
            "small_people": max(1, planning["people"] // 25),
        },
    }
    with Gunicorn() as server:
        for name, (path, seeded, auth) in pages.items():
            if auth == "session":
                options = {"cookies": dict([session_cookie(seeded["user"])])}
            else:
                options = {"headers": {"Authorization": f"Token {seeded['token']}"}}
            result[name] = drive(server.url + path, requests_count=requests_count, **options)
    return result
