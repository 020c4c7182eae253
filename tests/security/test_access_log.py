"""No access log line holds an OAuth authorization code or `state`, nor the secret of an e-mailed link: gunicorn
(as docker-compose.yml runs it) and runserver (as `make run` does) are started for real, sent the callback's query
and the links' paths, and their logs read."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.urls import reverse

from primetric.access_log import redact
from tests.reliability.support import REPO, database_url_of_test_db

SECRET = "SECRETcode4711"
STATE = "STATEvalue0815"
CALLBACK = f"/integrations/hubstaff/callback/?code={SECRET}&state={STATE}"
# The secrets of the links we e-mail, in the shapes the views give them (people/account_urls.py).
INVITATION_SECRET = "INVITEsecret4711:1tX2ab:Zq9"
SIGNUP_SECRET = "SIGNUPsecret0815:1tX2ab:Yr8"
RESET_SECRET = "cz1abc-RESETsecret42"
LINK_SECRETS = (INVITATION_SECRET, SIGNUP_SECRET, RESET_SECRET)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def visit_the_callback(base):
    """Request the callback, and the sign-in page it leads a signed-out browser to, with the callback as Referer."""
    first = requests.get(base + CALLBACK, allow_redirects=False, timeout=30)
    assert first.status_code == 302 and SECRET in requests.utils.unquote(first.headers["Location"])
    requests.get(base + first.headers["Location"], headers={"Referer": base + CALLBACK}, timeout=30)


def visit_the_e_mailed_links(base):
    """Open an invitation, a sign-up confirmation and a password reset link as a person would from the e-mail,
    then the sign-in page each of them leads on to, with the link as Referer and in `?next=`."""
    for link in (
        f"/accounts/invitation/{INVITATION_SECRET}/",
        f"/signup/confirm/{SIGNUP_SECRET}/",
        f"/accounts/password/reset/MQ/{RESET_SECRET}/",
    ):
        requests.get(base + link, allow_redirects=False, timeout=30)
        requests.get(
            f"{base}/accounts/login/", params={"next": link}, headers={"Referer": base + link}, timeout=30
        )


def serve_and_read_log(command, port, tmp_path, visit=visit_the_callback):
    """Start the server, make the requests of `visit`, stop the server and return everything it wrote."""
    log = tmp_path / "server.log"
    env = {**os.environ, "DATABASE_URL": database_url_of_test_db(), "PYTHONUNBUFFERED": "1"}
    env.pop("PRIMETRIC_ENV", None)
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, log)
        visit(base)
        requests.get(base + "/healthz?after=1", timeout=30)  # the line that shows the log was flushed
        deadline = time.monotonic() + 10
        while "after=1" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=20)
    return log.read_text()


def wait_until_up(base, process, log):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/healthz", timeout=10)
            return
        except requests.RequestException:  # not listening yet, or a worker still booting on a busy machine
            if process.poll() is not None:
                pytest.fail(f"the server exited:\n{Path(log).read_text()[-3000:]}")
            time.sleep(0.2)
    pytest.fail("the server did not start")


def assert_no_secret(text):
    assert "after=1" in text, text[-2000:]  # the log was read after the requests were written
    assert SECRET not in text and STATE not in text, text
    assert SECRET not in requests.utils.unquote(text)


def test_gunicorn_access_log_drops_the_callbacks_code_and_state(tmp_path):
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    # The access log format shows the request line, the Referer and the Location header of the redirect.
    command = [
        str(gunicorn),
        "-c",
        "primetric/gunicorn.conf.py",
        "primetric.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--access-logformat",
        '%(h)s "%(r)s" %(s)s q=%(q)s "%(f)s" location=%({location}o)s',
    ]
    text = serve_and_read_log(command, port, tmp_path)
    assert '"GET /integrations/hubstaff/callback/?[redacted] HTTP/1.1" 302 q=[redacted]' in text, text
    assert f'"http://127.0.0.1:{port}/integrations/hubstaff/callback/?[redacted]"' in text, text
    assert "location=/accounts/login/?[redacted]" in text, text
    assert_no_secret(text)


def test_gunicorn_default_access_log_format_drops_them_too(tmp_path):
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "-c", "primetric/gunicorn.conf.py", "primetric.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1"]
    text = serve_and_read_log(command, port, tmp_path)
    assert "GET /integrations/hubstaff/callback/?[redacted] HTTP/1.1" in text, text
    assert_no_secret(text)


def assert_no_link_secret(text):
    assert "after=1" in text, text[-2000:]  # the log was read after the requests were written
    for secret in LINK_SECRETS:
        assert secret not in text and secret not in requests.utils.unquote(text), text


@pytest.mark.django_db  # the reset link's page reads the test database
def test_gunicorn_access_log_drops_the_secrets_of_e_mailed_links(tmp_path):
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [
        str(gunicorn),
        "-c",
        "primetric/gunicorn.conf.py",
        "primetric.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--access-logformat",
        '%(h)s "%(r)s" %(s)s path=%(U)s q=%(q)s "%(f)s"',
    ]
    text = serve_and_read_log(command, port, tmp_path, visit=visit_the_e_mailed_links)
    # Each route keeps its shape, so the log still tells which link was opened.
    assert '"GET /accounts/invitation/[redacted]/ HTTP/1.1"' in text, text
    assert "path=/signup/confirm/[redacted]/" in text, text
    assert '"GET /accounts/password/reset/MQ/[redacted]/ HTTP/1.1"' in text, text
    assert f'"http://127.0.0.1:{port}/accounts/invitation/[redacted]/"' in text, text
    assert '"GET /accounts/login/?[redacted] HTTP/1.1" 200 path=/accounts/login/ q=[redacted]' in text, text
    assert_no_link_secret(text)


@pytest.mark.django_db
def test_runserver_log_drops_the_secrets_of_e_mailed_links(tmp_path):
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]
    text = serve_and_read_log(command, port, tmp_path, visit=visit_the_e_mailed_links)
    assert '"GET /accounts/invitation/[redacted]/ HTTP/1.1"' in text, text
    assert '"GET /signup/confirm/[redacted]/ HTTP/1.1"' in text, text
    assert '"GET /accounts/password/reset/MQ/[redacted]/ HTTP/1.1"' in text, text
    assert_no_link_secret(text)


@pytest.mark.parametrize(
    ("route", "args"),
    [
        ("invitation", [INVITATION_SECRET]),
        ("signup_confirm", [SIGNUP_SECRET]),
        ("password_reset_confirm", ["MQ", RESET_SECRET]),
    ],
)
def test_the_redacted_paths_are_the_e_mailed_links_routes(route, args):
    """The patterns follow the URLconf: a link as the view's route builds it loses its secret, keeps its shape."""
    path = reverse(route, args=args)
    assert redact(f"GET {path} HTTP/1.1") == f"GET {path.replace(args[-1], '[redacted]')} HTTP/1.1"


def test_runserver_log_drops_the_callbacks_code_and_state(tmp_path):
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]
    text = serve_and_read_log(command, port, tmp_path)
    assert '"GET /integrations/hubstaff/callback/?[redacted] HTTP/1.1" 302' in text, text
    assert '"GET /accounts/login/?[redacted] HTTP/1.1" 200' in text, text
    assert_no_secret(text)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"GET {CALLBACK} HTTP/1.1", "GET /integrations/hubstaff/callback/?[redacted] HTTP/1.1"),
        ("GET /integrations/hubstaff/callback/?error=access_denied HTTP/1.1", None),
        ("GET /acme/?next=%252Fx%253Fstate%253D1 HTTP/1.1", "GET /acme/?[redacted] HTTP/1.1"),
        ("GET /acme/people/?q=ann HTTP/1.1", "GET /acme/people/?q=ann HTTP/1.1"),
        ("GET /acme/people/ HTTP/1.1", "GET /acme/people/ HTTP/1.1"),
        ("GET /accounts/password/reset/sent/ HTTP/1.1", "GET /accounts/password/reset/sent/ HTTP/1.1"),
        ("GET /accounts/password/reset/MQ/set-password/ HTTP/1.1", None),
        ("GET /accounts/invitation/abc HTTP/1.1", "GET /accounts/invitation/[redacted] HTTP/1.1"),
        ("GET /acme/?next=/signup/confirm/abc/ HTTP/1.1", "GET /acme/?[redacted] HTTP/1.1"),
    ],
)
def test_what_is_redacted(line, expected):
    if expected is None and "?" not in line:
        expected = line  # nothing secret in it
    assert redact(line) == (expected or line.split("?")[0] + "?[redacted] HTTP/1.1")
