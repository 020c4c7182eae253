"""The benchmark (`python -m bench`) at a tiny size, so that it keeps working. No timing is asserted: it is not a test
of speed, only that every section runs end to end (PostgreSQL, Redis and the sandbox over real HTTP)."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.sandbox


def reachable(host, port):
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def test_the_benchmark_runs_at_smoke_size(tmp_path):
    pg = (os.environ.get("BENCH_PGHOST", "127.0.0.1"), os.environ.get("BENCH_PGPORT", "5432"))
    if not reachable(*pg) or not reachable("127.0.0.1", 6379):
        if os.environ.get("REQUIRE_POSTGRES") or os.environ.get("REQUIRE_REDIS"):
            pytest.fail("the benchmark needs PostgreSQL and Redis, and CI requires them")
        pytest.skip("the benchmark needs PostgreSQL and Redis")
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
        subprocess.run(
            [
                "psql",
                "-h",
                pg[0],
                "-p",
                pg[1],
                "-U",
                os.environ.get("BENCH_PGUSER", "postgres"),
                "-d",
                "postgres",
                "-q",
                "-c",
                f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
            ],
            capture_output=True,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    for heading in (
        "1. Reset and sync at scale",
        "2. Growth",
        "3. Daily incremental sync",
        "4. Pages",
        "5. Scheduler fan-out",
        "6. A reset needing",
    ):
        assert heading in result.stdout
    assert "edits and deletions in the result | yes" in result.stdout
