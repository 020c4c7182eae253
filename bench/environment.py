"""The benchmark's environment: its own PostgreSQL database and Redis database, set before Django starts."""

import os
import subprocess
import sys
from pathlib import Path

from primetric import devservers

ROOT = Path(__file__).resolve().parent.parent


def _postgres():
    """The PostgreSQL server of the benchmark (a superuser: it drops and creates its own database): BENCH_PGHOST
    and BENCH_PGPORT, or the development server."""
    if os.environ.get("BENCH_PGHOST"):
        host, port = os.environ["BENCH_PGHOST"], os.environ.get("BENCH_PGPORT", "5432")
    else:
        server = devservers.postgres()
        host, port = str(server["HOST"]), str(server["PORT"])
    return {"host": host, "port": port, "user": os.environ.get("BENCH_PGUSER", "postgres")}


PG = _postgres()
REDIS_URL = os.environ.get("BENCH_REDIS_URL") or devservers.redis_url(13)
DB_NAME = "primetric_bench"


def bench_env(db_name=None):
    """Environment variables of every process of the benchmark (this one, workers, gunicorn)."""
    db_name = db_name or os.environ.get("BENCH_DATABASE", DB_NAME)
    env = {
        "BENCH_DATABASE": db_name,
        "DATABASE_URL": database_url(db_name),
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "DEBUG": "false",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "primetric.settings",
    }
    os.environ.update(env)
    return env


def database_url(db_name):
    return devservers.database_url(user=PG["user"], host=PG["host"], port=PG["port"], name=db_name)


def admin_connection():
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", **PG)
    conn.autocommit = True
    return conn


def recreate_database(db_name=DB_NAME):
    """Drop and create the benchmark database, then migrate it (never touches any other database)."""
    assert db_name.startswith("primetric_bench"), db_name
    conn = admin_connection()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [db_name],
            )
            cur.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
            cur.execute(f'CREATE DATABASE "{db_name}"')
    finally:
        conn.close()
    # The benchmark's own Redis database too: a message an earlier run left (a countdown a worker held when it was
    # stopped) names a run of the dropped database, and would start whichever new run has its id.
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        check=True,
        env={**os.environ, **bench_env(db_name)},
    )


def setup_django():
    import django

    bench_env()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    django.setup()


def point_at_sandbox(hs):
    """Hubstaff addresses of this process (settings) and of the workers it starts (environment)."""
    from django.conf import settings

    for name, value in (
        ("HUBSTAFF_ACCOUNT_URL", hs.url),
        ("HUBSTAFF_API_URL", hs.api_url),
        ("HUBSTAFF_DEVELOPER_URL", hs.url),
    ):
        setattr(settings, name, value)
        os.environ[name] = value


def generated_people(organization, users):
    """A person for each of the sandbox generator's users (user1@example.test ...), so that every Hubstaff user is
    matched by e-mail; returns them in the generator's order."""
    from people.models import Person

    return Person.objects.bulk_create(
        [
            Person(
                organization=organization,
                full_name=f"User {n}",
                email=f"user{n}@example.test",
                is_employee=True,
            )
            for n in range(1, users + 1)
        ]
    )
