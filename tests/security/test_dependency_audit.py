"""scripts/security-audit can fail on a vulnerable pin: it reports it where PyPI's vulnerability data can be reached,
and fails as unaudited where it cannot; only `--dependencies if-reachable` (CI) lets an unreachable source pass,
saying that the dependency audit did not run."""

import subprocess
import urllib.error
import urllib.request

import pytest

from tests.reliability.support import REPO

VULNERABLE_PIN = "django==3.2.0\n"  # CVE-2021-33203 and many more, fixed in later 3.2.x


def data_reachable():
    try:
        with urllib.request.urlopen("https://pypi.org/pypi/django/3.2.0/json", timeout=15) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def audit(tmp_path, *options):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(VULNERABLE_PIN)
    return subprocess.run(
        ["scripts/security-audit", "--requirements", str(requirements), "--no-code", *options],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def reachable():
    return data_reachable()


def test_a_vulnerable_pin_fails_the_audit(tmp_path, reachable):
    run = audit(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    if reachable:
        assert "VULNERABLE django==3.2.0" in run.stdout, run.stdout
    else:
        assert "could NOT audit 1 of 1" in run.stdout, run.stdout


def test_if_reachable_mode_audits_where_it_can_and_says_when_it_cannot(tmp_path, reachable):
    run = audit(tmp_path, "--dependencies", "if-reachable")
    if reachable:
        assert run.returncode == 1 and "VULNERABLE django==3.2.0" in run.stdout, run.stdout
    else:
        assert run.returncode == 0, run.stdout + run.stderr
        assert "NOT RUN: PyPI's per-version vulnerability data cannot be reached" in run.stdout
        assert "pinned dependencies" not in run.stdout  # nothing pretends to have audited
