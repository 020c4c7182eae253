"""Run the whole product locally with the embedded defaults: no servers to install.

Starts the Hubstaff sandbox (demo scenario), a Celery worker and Celery beat, and Django's web server, on the
development PostgreSQL and Redis (primetric/devservers.py, or DATABASE_URL and REDIS_URL); prints the address and
the demo logins. SITE_URL is the web server's own address: the sandbox posts Hubstaff's webhooks there, so live
updates are on once Hubstaff is installed (the install asks for hubstaff:write; the worker subscribes). Ctrl-C stops
everything but the two servers, which the next `make run` or `make test` reuses.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
WEB_PORT = int(os.environ.get("PORT", "8000"))
SANDBOX_PORT = int(os.environ.get("SANDBOX_PORT", "8001"))
SANDBOX_URL = f"http://127.0.0.1:{SANDBOX_PORT}"

env = dict(os.environ)
env.setdefault("SITE_URL", f"http://localhost:{WEB_PORT}")
env.setdefault("HUBSTAFF_ACCOUNT_URL", SANDBOX_URL)
env.setdefault("HUBSTAFF_API_URL", f"{SANDBOX_URL}/v2")
env.setdefault("HUBSTAFF_DEVELOPER_URL", SANDBOX_URL)
env.setdefault("PYTHONUNBUFFERED", "1")
# Development in so many words: the development mailbox (/dev/mail/) exists only then (primetric/dev_mail.py).
env.setdefault("PRIMETRIC_ENV", "development")
# The product as people will see it: proper 404 and 500 pages, static files from whitenoise. `DEBUG=1 make run`
# brings Django's debug pages back (they hide our secrets: primetric/error_reports.py).
env.setdefault("DEBUG", "0")

PROCESSES = {
    "sandbox": [
        PY,
        "-m",
        "hubstaff_sandbox",
        "--host",
        "127.0.0.1",
        "--port",
        str(SANDBOX_PORT),
        "--scenario",
        str(ROOT / "hubstaff_sandbox" / "scenarios" / "demo.json"),
        "--control",
        "--public-url",
        SANDBOX_URL,
    ],
    "worker": [PY, "-m", "celery", "-A", "primetric", "worker", "--loglevel", "INFO", "--concurrency", "2"],
    "beat": [PY, "-m", "celery", "-A", "primetric", "beat", "--loglevel", "INFO"],
    "web": [PY, "manage.py", "runserver", f"localhost:{WEB_PORT}", "--noreload"],
}


def debug_state():
    if env["DEBUG"].strip().lower() in {"1", "true", "yes", "on"}:
        return "on (Django's debug pages)"
    return "off (DEBUG=1 make run for Django's debug pages)"


def main():
    if subprocess.run([PY, "-m", "primetric.devservers"], cwd=ROOT, env=env, check=False).returncode:
        sys.exit(1)
    children = {}
    for name, command in PROCESSES.items():
        children[name] = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    time.sleep(2)
    print(
        f"""
  Primetric is running at  http://localhost:{WEB_PORT}/
  Hubstaff sandbox at      {SANDBOX_URL}/  (developer site: {SANDBOX_URL}/apps, sign in as alice@acme.test / sandbox)

  Sign in to Primetric with one of:
    alice@acme.test   primetric-demo   Administrator and Manager
    morgan@acme.test  primetric-demo   Manager
    bobby@acme.test   primetric-demo   Employee

  Live updates: Hubstaff's webhooks come from the sandbox to {env["SITE_URL"]}. Once Hubstaff is installed
  (Integrations, Hubstaff) and a project linked, stop a timer in the sandbox and watch the project's page:
    curl -X POST {SANDBOX_URL}/_sandbox/timers/stop -H 'Content-Type: application/json' \\
      -d '{{"user": "bobby@acme.test", "project": "Project B", "seconds": 1800}}'
  (Project B: Project A's dates end on 22 Sep 2026, so time tracked today is not synced into it.)

  DEBUG is {debug_state()}.
  E-mails are never sent: read them at http://localhost:{WEB_PORT}/dev/mail/ (files under var/mail/), signed in
  as alice@acme.test (an operator: every e-mail) or as anyone else (their own e-mails).
  Ctrl-C stops everything; `make stop` stops the development PostgreSQL and Redis too.
""",
        flush=True,
    )
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    print(
                        f"{name} exited with code {child.returncode}; stopping the others.", file=sys.stderr
                    )
                    stopping = True
            time.sleep(0.5)
    finally:
        for child in children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in children.values():
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
