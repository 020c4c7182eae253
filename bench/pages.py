"""Section 4: the project page and the work-log API list of a project with many work logs, served by gunicorn."""

import io
import os
import random
import socket
import subprocess
import sys
import time
from datetime import date, timedelta

import requests

from .environment import ROOT
from .measure import median, percentile


def seed_project(*, worklogs, assignments, tag):
    """An organization with a manager, `assignments` people assigned to one project and `worklogs` synced logs."""
    from django.contrib.auth import get_user_model

    from api.tokens import issue_token
    from people.models import Organization, Person
    from projects.models import Assignment, Project

    organization = Organization.objects.create(name=f"Bench pages {tag}", slug=f"bench-pages-{tag}")
    user = get_user_model().objects.create_user(username=f"bench-manager-{tag}", password="bench-password-1")
    Person.objects.create(
        organization=organization,
        full_name="Bench Manager",
        email=f"manager-{tag}@example.test",
        is_manager=True,
        user=user,
    )
    start = date(2025, 1, 1)
    project = Project.objects.create(organization=organization, name="Big project", start_date=start)
    people = Person.objects.bulk_create(
        [
            Person(
                organization=organization,
                full_name=f"Person {i:03d}",
                email=f"p{i}-{tag}@example.test",
                is_employee=True,
            )
            for i in range(assignments)
        ]
    )
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
    _copy_worklogs(organization, project, people, made, worklogs, start)
    return {"organization": organization, "project": project, "user": user, "token": issue_token(user).key}


def _copy_worklogs(organization, project, people, assignments, count, start):
    """`count` synced work logs spread over the people, one a day each from `start`, written by COPY: seeding is
    not what is measured."""
    from django.db import connection
    from django.utils import timezone

    rng = random.Random(1)
    now = timezone.now().isoformat()
    per_person = -(-count // len(people))
    buffer = io.StringIO()
    written = 0
    for day in range(per_person):
        for person, assignment in zip(people, assignments, strict=True):
            if written == count:
                break
            d = start + timedelta(days=day)
            buffer.write(
                f"{organization.pk}\t{project.pk}\t{person.pk}\t{assignment.pk}\t{d.isoformat()}\t"
                f"{rng.randint(1800, 30000)}\thubstaff\thubstaff:1:{person.pk}:{d.isoformat()}\t1\t\t{now}\t{now}\n"
            )
            written += 1
    buffer.seek(0)
    with connection.cursor() as cur:
        cur.cursor.copy_expert(
            "COPY worklogs_worklog (organization_id, project_id, person_id, assignment_id, date, duration_seconds, "
            "source, source_key, source_project_id, note, created_at, updated_at) FROM STDIN",
            buffer,
        )
        cur.execute("ANALYZE worklogs_worklog")


def session_cookie(user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


def urls(seeded):
    slug, pk = seeded["organization"].slug, seeded["project"].pk
    return {
        "project page": f"/{slug}/projects/{pk}/",
        "work-log API list": f"/api/v1/orgs/{slug}/projects/{pk}/worklogs/",
    }


def queries_per_request(seeded):
    """SQL queries of one request of each URL, in this process (Django's test client)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, url in urls(seeded).items():
        client = Client()
        if name.startswith("project"):
            client.force_login(seeded["user"])
            headers = {}
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


def run(*, worklogs, assignments, requests_count, tag="main"):
    from worklogs.models import WorkLog

    seeded = seed_project(worklogs=worklogs, assignments=assignments, tag=tag)
    small = seed_project(
        worklogs=max(100, worklogs // 100), assignments=min(assignments, 20), tag=tag + "-small"
    )
    result = {
        "worklogs": WorkLog.objects.filter(project=seeded["project"]).count(),
        "assignments": assignments,
        "queries": queries_per_request(seeded),
        "queries_small": queries_per_request(small),
        "small_worklogs": WorkLog.objects.filter(project=small["project"]).count(),
    }
    cookie = dict([session_cookie(seeded["user"])])
    with Gunicorn() as server:
        for name, path in urls(seeded).items():
            if name.startswith("project"):
                result[name] = drive(server.url + path, cookies=cookie, requests_count=requests_count)
            else:
                result[name] = drive(
                    server.url + path,
                    headers={"Authorization": f"Token {seeded['token']}"},
                    requests_count=requests_count,
                )
    return result
