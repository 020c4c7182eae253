"""The benchmark (`python -m bench`) at a tiny size, so that it keeps working. No timing is asserted: it is not a test
of speed, only that every section runs end to end (PostgreSQL, Redis and the sandbox over real HTTP)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.environment import admin_connection

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.sandbox


def test_the_benchmark_runs_at_smoke_size(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    }
    database = f"primetric_bench_smoke_{os.getpid()}"  # never shared with another run on the same server
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench",
                "--smoke",
                "--database",
                database,
                "--no-write",
                "--json",
                str(tmp_path / "results.json"),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        connection = admin_connection()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.close()
    assert result.returncode == 0, result.stderr[-3000:]
    for heading in (
        "1. Reset and sync at scale",
        "2. Growth",
        "3. Daily incremental sync",
        "4. Pages",
        "5. Scheduler fan-out",
        "6. A reset needing",
        "7. Far away",
    ):
        assert heading in result.stdout
    assert "edits and deletions in the result | yes" in result.stdout
    assert "| planning report |" in result.stdout
