"""`make docker-config` where Docker Compose is not installed: it says what to install and checks the file's
structure with Python (scripts/check_compose.py), instead of failing with "docker-compose: not found"."""

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("check_compose", ROOT / "scripts" / "check_compose.py")
assert spec is not None and spec.loader is not None
check_compose = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_compose)

GOOD = """
services:
  db: {image: "postgres:15", volumes: ["pgdata:/var/lib/postgresql/data"]}
  web: {build: ., depends_on: {db: {condition: service_healthy}}, ports: ["8000:8000"]}
volumes:
  pgdata:
"""


def test_the_projects_compose_file_passes():
    assert check_compose.compose_problems((ROOT / "docker-compose.yml").read_text()) == []
    assert check_compose.compose_problems(GOOD) == []


@pytest.mark.parametrize(
    "text, problem",
    [
        ("services: [oops", "not valid YAML"),
        (GOOD.replace("services:", "servicez:"), "unknown top-level key 'servicez'"),
        (GOOD.replace("build: .", "command: x"), "service 'web' has neither image nor build"),
        (GOOD.replace("db: {condition", "dbx: {condition"), "depends on 'dbx', which is not a service"),
        (GOOD.replace("volumes:\n  pgdata:\n", ""), "mounts volume 'pgdata', which is not declared"),
        (GOOD.replace('ports: ["8000:8000"]', "healthcheck: {interval: 5s}"), "healthcheck without a test"),
    ],
)
def test_a_broken_compose_file_is_named_for_what_is_wrong(text, problem):
    assert any(problem in p for p in check_compose.compose_problems(text)), check_compose.compose_problems(
        text
    )


def test_make_docker_config_without_compose_says_what_to_install_and_still_checks(tmp_path):
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    bin_dir = tmp_path / "bin"  # a PATH holding a shell and nothing of Docker
    bin_dir.mkdir()
    (bin_dir / "sh").symlink_to(shutil.which("sh"))
    result = subprocess.run(
        [make, "--no-print-directory", "docker-config"],
        cwd=ROOT,
        env={**os.environ, "PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Neither 'docker compose' nor 'docker-compose' is installed" in result.stdout
    assert "docker-compose-plugin" in result.stdout
    assert "structure checked without Docker (7 services)" in result.stdout
    assert "not found" not in result.stderr
