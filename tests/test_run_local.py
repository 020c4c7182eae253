"""`make run` serves the product without DEBUG: proper 404 pages, and static files all the same (whitenoise).

The web process of scripts/run_local.py is started for real, with the environment the script gives it."""

import importlib.util
import socket
import subprocess
import time

import pytest
import requests

from tests.reliability.support import REPO, database_url_of_test_db


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def run_local(monkeypatch):
    monkeypatch.delenv("DEBUG", raising=False)
    monkeypatch.delenv("PRIMETRIC_ENV", raising=False)
    monkeypatch.setenv("PORT", str(free_port()))
    spec = importlib.util.spec_from_file_location("run_local", REPO / "scripts" / "run_local.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_run_turns_debug_off(run_local):
    assert run_local.env["DEBUG"] == "0"
    assert "off" in run_local.debug_state()


def test_make_run_says_development_so_the_mailbox_exists(run_local):
    assert run_local.env["PRIMETRIC_ENV"] == "development"


@pytest.mark.django_db
def test_make_runs_web_server_without_debug_serves_static_files_and_a_proper_404(run_local, tmp_path):
    env = {**run_local.env, "DATABASE_URL": database_url_of_test_db()}
    base = f"http://localhost:{run_local.WEB_PORT}"
    log = (tmp_path / "web.log").open("w")
    web = subprocess.Popen(
        run_local.PROCESSES["web"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(base + "/healthz", timeout=10)
                break
            except requests.RequestException:
                assert web.poll() is None and time.monotonic() < deadline, (tmp_path / "web.log").read_text()
                time.sleep(0.2)
        css = requests.get(base + "/static/css/app.css", timeout=30)
        assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
        assert requests.get(base + "/static/js/app.js", timeout=30).status_code == 200
        missing = requests.get(base + "/no-such-page/at-all/", timeout=30)
        assert missing.status_code == 404
        assert "<h1>Not found</h1>" in missing.text and "URLconf" not in missing.text  # not the debug page
        # The development mailbox is there, behind the sign-in page.
        mailbox = requests.get(base + "/dev/mail/", allow_redirects=False, timeout=30)
        assert (
            mailbox.status_code == 302 and mailbox.headers["Location"] == "/accounts/login/?next=/dev/mail/"
        )
    finally:
        web.terminate()
        web.wait(timeout=20)
        log.close()
