"""Helpers shared by the reliability and security suites: the test Redis, the sandbox oracle, snapshots, workers.

Tests that run real workers take their broker from `require_redis()`: a Redis database of their own (one per test
process under xdist), which they may flush. A Redis that does not answer fails the test, never skips it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

REPO = Path(__file__).resolve().parents[2]


# --- required services
# -----------------------------------------------------------------------------------------


def redis_url_for_tests() -> str:
    """This test process's own database on the suite's Redis (settings.REDIS_URL's server): 15, then 14 for the
    second xdist worker, and so on. The root conftest points the Celery app's broker at it."""
    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    return urlunsplit(urlsplit(settings.REDIS_URL)._replace(path=f"/{15 - index}"))


def require_redis():
    """redis_url_for_tests(), which must answer; tests with real workers may flush it."""
    import redis

    url = redis_url_for_tests()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure to reach it fails the test
        pytest.fail(f"needs Redis: {url} does not answer ({exc.__class__.__name__})", pytrace=False)
    return url


# --- what Hubstaff holds: the oracle a sync is compared with
# ---------------------------------------------------------


def hubstaff_truth(hs, *, project_names, emails, start, stop, org_name="Acme Hubstaff"):
    """{(email, date, hubstaff project id): seconds} that a correct sync of [start, stop] produces for `emails`.

    Read straight from the sandbox's API with a token of its own, independently of the product's client.
    """
    ids = hs.ids()
    org_id = ids["orgs"][org_name]
    wanted = {ids["projects"][name] for name in project_names}
    email_of = {user_id: email for email, user_id in ids["users"].items()}
    token = hs.issue_tokens("alice@acme.test")["access_token"]
    sums = defaultdict(int)
    from integrations.hubstaff.windows import date_windows

    for window_start, window_stop in date_windows(start, stop):
        start_id = None
        while True:
            params = {
                "date[start]": window_start.isoformat(),
                "date[stop]": window_stop.isoformat(),
                "page_limit": 500,
            }
            if start_id is not None:
                params["page_start_id"] = start_id
            body = hs.api_get(f"/organizations/{org_id}/activities/daily", token, **params).json()
            for row in body["daily_activities"]:
                email = email_of.get(row["user_id"], "")
                if row["project_id"] in wanted and email in emails:
                    sums[(email, date.fromisoformat(row["date"]), row["project_id"])] += row["tracked"]
            start_id = (body.get("pagination") or {}).get("next_page_start_id")
            if start_id is None:
                break
    return {key: seconds for key, seconds in sums.items() if seconds > 0}


def synced_result(project):
    """{(e-mail, date, hubstaff project id): seconds} of the project's synced work logs."""
    from worklogs.models import WorkLog

    rows = WorkLog.objects.filter(project=project, source="hubstaff").values_list(
        "person__email", "date", "source_project_id", "duration_seconds"
    )
    result = {}
    for email, day, source_project, seconds in rows:
        key = (email.strip().lower(), day, source_project)
        assert key not in result, f"duplicate synced work log {key}"
        result[key] = seconds
    return result


def duplicates(project):
    """Synced work logs sharing a person, date and Hubstaff project (there must be none)."""
    from worklogs.models import WorkLog

    keys = Counter(
        WorkLog.objects.filter(project=project, source="hubstaff").values_list(
            "person_id", "date", "source_project_id"
        )
    )
    source_keys = Counter(
        WorkLog.objects.filter(project=project, source="hubstaff").values_list("source_key", flat=True)
    )
    return [k for k, n in keys.items() if n > 1] + [k for k, n in source_keys.items() if n > 1]


def snapshot(project):
    """Every work log and assignment of the project, exactly (ids, values), to compare "before" with "after"."""
    from projects.models import Assignment
    from worklogs.models import WorkLog

    logs = sorted(
        WorkLog.objects.filter(project=project).values_list(
            "pk",
            "person_id",
            "assignment_id",
            "date",
            "duration_seconds",
            "source",
            "source_key",
            "source_project_id",
            "note",
        )
    )
    assignments = sorted(
        Assignment.objects.filter(project=project).values_list(
            "pk", "person_id", "start_date", "end_date", "origin", "trimmed"
        )
    )
    return {"worklogs": logs, "assignments": assignments}


# --- a real Celery worker
# ---------------------------------------------------------------------------------------


def database_url_of_test_db() -> str:
    """A DATABASE_URL for the database this test process uses (pytest-django's test_<name>), for a subprocess."""
    from django.db import connection

    from primetric.devservers import database_url

    s = connection.settings_dict
    return database_url(
        user=s["USER"] or "",
        password=s.get("PASSWORD") or "",
        host=s.get("HOST") or "127.0.0.1",
        port=s.get("PORT") or "5432",
        name=s["NAME"],
    )


def worker_env(hs, *, broker_url, visibility_timeout=None, extra=None):
    from django.conf import settings

    env = {
        k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }  # set by the browser tests' conftest
    env.update(
        {
            "DATABASE_URL": database_url_of_test_db(),
            "REDIS_URL": broker_url,
            "CELERY_BROKER_URL": broker_url,
            "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "HUBSTAFF_ACCOUNT_URL": hs.url,
            "HUBSTAFF_API_URL": hs.api_url,
            "HUBSTAFF_DEVELOPER_URL": hs.url,
            "HUBSTAFF_MAX_RETRIES": "3",
            "HUBSTAFF_RETRY_BASE_DELAY": "0.05",
            "HUBSTAFF_MAX_RETRY_AFTER": "5",
            "PRIMETRIC_ENV": "development",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if visibility_timeout is not None:
        env["CELERY_VISIBILITY_TIMEOUT"] = str(visibility_timeout)
    env.update(extra or {})
    return env


class Worker:
    """`celery -A primetric worker` in its own process group, so that SIGKILL takes the whole worker down."""

    def __init__(self, env, *, name, concurrency=1, log_dir, command=None):
        """`command`: the worker's command line instead of the suite's (e.g. `make run`'s, as it is)."""
        self.log_path = Path(log_dir) / f"{name}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        command = command or [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "primetric",
            "worker",
            "--loglevel",
            "WARNING",
            "--concurrency",
            str(concurrency),
            "--hostname",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def pool_children(self):
        """Process ids of the worker's pool children (the main process's children), from /proc."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended meanwhile
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def kill_pool_children(self):
        """SIGKILL the pool children only, as the OOM killer does: the main process lives on."""
        children = self.pool_children()
        assert children, f"the worker has no pool child\n{self.output()}"
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        return children

    def kill(self):
        """SIGKILL the worker and its pool children (its own process group): no warm shutdown, no ack."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()

    def output(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]


def wait_for(predicate, *, timeout, interval=0.1, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")
