"""Logs in production: one JSON object a line, a sync run's lines carrying its run id and organization."""

import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet

from integrations.models import Installation, SyncRun
from primetric import celery, logs
from tests.factories import OrganizationFactory, ProjectFactory

REPO = Path(__file__).resolve().parents[1]


def record(message="sync run %s: %d pages", args=(7, 12), exc_info=None, name="integrations.services.sync"):
    return logging.LogRecord(name, logging.WARNING, __file__, 10, message, args, exc_info)


def formatted(rec):
    logs.RunContext().filter(rec)
    line = logs.JsonFormatter().format(rec)
    assert "\n" not in line
    return json.loads(line)


def test_a_line_is_one_json_object_with_the_message_and_its_level():
    line = formatted(record())
    assert line["message"] == "sync run 7: 12 pages"
    assert line["level"] == "WARNING"
    assert line["logger"] == "integrations.services.sync"
    assert line["time"].endswith("+00:00")
    assert "run_id" not in line


def test_a_message_over_several_lines_stays_on_one():
    line = formatted(record(message="first\nsecond \u00e9", args=()))
    assert line["message"] == "first\nsecond \u00e9"


def test_an_exception_is_named_with_its_traceback_on_the_same_line():
    try:
        raise ValueError("Hubstaff answered 500")
    except ValueError:
        rec = record(exc_info=sys.exc_info())
    line = formatted(rec)
    assert line["exception"] == "ValueError"
    assert "Traceback" in line["traceback"] and "Hubstaff answered 500" in line["traceback"]


def test_the_bound_run_is_on_every_line_until_unbound():
    with logs.bound(run_id=41, organization_id=3, task="integrations.tasks.sync_project_task"):
        line = formatted(record())
        assert (line["run_id"], line["organization_id"]) == (41, 3)
        assert line["task"] == "integrations.tasks.sync_project_task"
    assert "run_id" not in formatted(record())


def test_the_syncs_own_threads_log_with_its_run():
    """The writer's, lease's and prefetch threads start with an empty context: the process's binding names the run."""
    lines = []
    with logs.bound(run_id=41, organization_id=3):
        thread = threading.Thread(target=lambda: lines.append(formatted(record())), name="sync-run-41-lease")
        thread.start()
        thread.join()
    assert (lines[0]["run_id"], lines[0]["organization_id"], lines[0]["thread"]) == (
        41,
        3,
        "sync-run-41-lease",
    )


@pytest.mark.django_db
def test_a_sync_task_binds_its_run_and_organization():
    organization = OrganizationFactory.create()
    project = ProjectFactory.create(organization=organization)
    run = SyncRun.objects.create(organization=organization, project=project, mode="reset", trigger="manual")
    task = SimpleNamespace(name="integrations.tasks.sync_project_task", request=SimpleNamespace())
    celery.bind_log_fields(task_id="abc", task=task, args=[run.pk])
    try:
        line = formatted(record())
    finally:
        celery.unbind_log_fields(task=task)
    assert (line["run_id"], line["organization_id"], line["task_id"]) == (run.pk, organization.pk, "abc")
    assert "run_id" not in formatted(record())


@pytest.mark.django_db
def test_an_installations_task_binds_its_organization():
    organization = OrganizationFactory.create()
    installation = Installation.objects.create(organization=organization, status="installed")
    assert celery.log_fields("integrations.tasks.run_event_batch_task", [installation.pk]) == {
        "organization_id": organization.pk
    }
    assert celery.log_fields("people.tasks.purge_expired_links", []) == {}


def test_production_writes_json_lines():
    """The settings of PRIMETRIC_ENV=production, as a process started with them logs."""
    env = {k: v for k, v in os.environ.items() if k not in ("LOG_FORMAT", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        {
            "PRIMETRIC_ENV": "production",
            "SECRET_KEY": "x" * 50,
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "primetric.example.com",
            "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/unused"),
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "DJANGO_SETTINGS_MODULE": "primetric.settings",
        }
    )
    code = (
        "import django, logging; django.setup(); from primetric import logs\n"
        "with logs.bound(run_id=5, organization_id=2):\n"
        "    logging.getLogger('integrations.services.sync').warning('a page of %s', 500)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert line["message"] == "a page of 500"
    assert (line["run_id"], line["organization_id"]) == (5, 2)
