"""Helpers for tests: run a Hubstaff sandbox in a subprocess and drive it.

Usage::

    from hubstaff_sandbox.testing import running_sandbox, DEMO_SCENARIO

    with running_sandbox(scenario=DEMO_SCENARIO, rate_limit=1000) as hs:
        app = hs.create_app("Primetric", ["http://localhost:8000/hubstaff/callback"])
        tokens = hs.issue_tokens("alice@acme.test", client_id=app["client_id"])
        r = hs.session.get(hs.api_url + "/users/me",
                           headers={"Authorization": "Bearer " + tokens["access_token"]})

``running_sandbox(**options)`` starts ``python -m hubstaff_sandbox --port 0 --control`` on 127.0.0.1 (a free
port), waits until it listens, yields a :class:`SandboxClient`, and stops the process (SIGTERM) on exit.

Options (all optional):

- ``scenario``: a path to a scenario JSON file, or a scenario ``dict`` (loaded through the control API);
- ``generate``: a generator spec, e.g. ``"users=50,projects=3,days=60,seed=1"``;
- ``rate_limit`` (requests per hour per application, default 1000), ``access_token_ttl`` (seconds);
- ``public_url``: override the issuer / absolute-URL base;
- ``extra_args``: more command-line arguments; ``env``: extra environment variables;
- ``control`` (default True): pass ``--control``;
- ``quiet`` (default True): send the server's per-request log to a temporary file instead of stderr.

:class:`SandboxClient` attributes and methods (stable API):

- ``url`` (origin = account server = developer site), ``api_url`` (``url + "/v2"``), ``issuer``,
  ``session`` (a ``requests.Session``), ``process``;
- ``control(path, json=None, method="POST")`` -> decoded JSON of ``/_sandbox/<path>`` (raises on >= 400);
- ``load(scenario_dict)`` / ``generate(spec)`` -> summary (ids of organizations, projects, users, counts);
- ``scenario()`` -> the current summary; ``ids()`` -> {"orgs": {name: id}, "projects": {name: id},
  "users": {email: id}};
- ``create_app(name, redirect_uris, homepage_url="")`` -> {"id", "client_id", "client_secret", ...};
- ``create_pat(email, scope=None)`` -> a personal access token (a refresh token string);
- ``issue_tokens(email, client_id=None, scope=...)`` -> a token response, without the browser flow;
- ``add_activity(**fields)``, ``edit_activity(id, **fields)``, ``delete_activity(id)`` (edits, moves,
  deletions and manual additions are recorded in the time edit log; ``time_edit_logs()`` lists them);
- ``edit_org(org_id, time_zone=..., inactive_plan=...)``, ``remove_member(org_id, user, removed_at=None)``;
- ``fault(**kw)`` (keys as in docs/hubstaff.md, e.g. ``fault(rate_limit=5)``,
  ``fault(storm={"count": 3, "retry_after": 2})``, ``fault(error_rate=0.5, seed=1)``, ``fault(latency=0.2)``,
  ``fault(malformed_count=1)``, ``fault(expire_access_tokens=True)``, ``fault(revoke_refresh_tokens=True)``,
  ``fault(daily_floor="clamp")``, ``fault(updates_reach="reject")``),
  ``reset_faults()``;
- ``stats()`` -> {"routes": {"GET /v2/...": {"200": n}}, "total": n}, ``reset_stats()``;
- ``advance_clock(seconds)``: move the sandbox's clock forward (token and code expiry);
- ``api_get(path, token, **params)`` -> ``requests.Response`` of ``GET api_url + path``;
- timesheets: ``set_pay_period(org_id, "weekly" | "biweekly", starts_on=None, user=None)``,
  ``submit_timesheet`` / ``approve_timesheet`` / ``deny_timesheet`` / ``reopen_timesheet(org_id, user, day)`` -> the
  timesheet as the API prints it, ``timesheets(org_id)``;
- time off, holidays, limits: ``add_time_off_policy(org, name)``, ``add_time_off(user, policy_id, start, stop)``
  (or ``starts_at=``/``stops_at=``), ``approve_time_off`` / ``deny_time_off`` / ``delete_time_off(request_id)``,
  ``add_holiday(org, name, day)``, ``delete_holiday(id)``, ``set_limits(org_id, user, since, expected_per_week=...)``.

Webhooks (docs/hubstaff.md "Webhooks in the sandbox"). The product subscribes through API v2 itself
(``POST /v2/organizations/{id}/webhooks`` with a ``hubstaff:write`` token, then answers the verification POST
and calls ``/v2/webhooks/{id}/activate``); these methods make the events and show what was sent:

- ``start_timer(user, project, task_id=None)`` -> ``{"timer": <the timer.start payload>, "stopped": ...}``:
  the user's timer runs from now (a running one is stopped first); emits ``timer.start`` (and
  ``work_break.create`` on a break project). ``user`` is an e-mail, name or id; ``project`` a name or id;
- ``stop_timer(user, project=None, seconds=None)`` -> ``{"timer", "tracked", "daily_activity"}``: stops it;
  ``seconds`` is the time tracked (default: since the start); with no timer running, ``project`` and
  ``seconds`` make one that ran ``seconds`` until now. The seconds land in the daily row of that user, project,
  task and organization day (created, or added to with ``updated_at`` = now, so /daily/updates lists it);
  emits ``timer.stop``, then ``activity.create`` / ``activity.update`` if switched on;
- ``track(user, project, seconds, task_id=None)``: ``start_timer`` then ``stop_timer(seconds=...)``;
- ``create_project(org_id, name, type="project")`` -> ``{"project": {"id", ...}}``; emits ``project.create``;
- ``enable_activity_events(org_id, on=True)``: Hubstaff switching the "on request" ``activity.*`` events on
  for the organization (off by default: none are made; ``add_activity``, ``edit_activity`` and
  ``delete_activity`` emit them too when on);
- ``webhooks()`` -> every webhook (``id``, ``status`` pending / verified / failed / active, ``events``,
  ``target_url``, ``secret``, ``kind``, owner id);
- ``webhook_deliveries()`` -> every POST made to a target, oldest first: ``{"kind": "verify"|"deliver",
  "webhook_id", "event_id", "event", "fault" ("", "lost", "repeat", "bad_signature", "out_of_order", or
  several joined by commas), "status" (the target's answer; None: not sent or no answer), "error", "at"}``
  (a lost delivery is listed with ``status`` None and was never sent); ``reset_webhook_deliveries()``;
- ``reset_webhooks()``: forget every webhook, queued delivery, activity switch and delivery record;
- ``wait_for_deliveries(count, timeout=10.0)`` -> the deliveries (``kind`` "deliver", lost ones included) once
  at least ``count`` are recorded and none is queued; raises ``SandboxError`` on timeout;
- delivery faults through ``fault(...)``: ``webhook_lost_rate`` (0..1) / ``webhook_lost_count``,
  ``webhook_repeat_rate`` / ``webhook_repeat_count`` (sent twice, same id and body), ``webhook_delay``
  (seconds), ``webhook_out_of_order`` (each delivery overtaken by the next), ``webhook_bad_signature_rate`` /
  ``webhook_bad_signature_count`` (signed with another key); ``seed`` makes the rates repeatable;
  ``reset_faults()`` clears them.
"""

from __future__ import annotations

import contextlib
import json as jsonlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

PACKAGE_DIR = Path(__file__).resolve().parent
SCENARIOS_DIR = PACKAGE_DIR / "scenarios"
DEMO_SCENARIO = SCENARIOS_DIR / "demo.json"
HINT_SCENARIO = SCENARIOS_DIR / "hint.json"
EDGE_SCENARIO = SCENARIOS_DIR / "edge_cases.json"


class SandboxError(RuntimeError):
    pass


class SandboxClient:
    def __init__(self, url: str, process: subprocess.Popen) -> None:
        self.url = url.rstrip("/")
        self.api_url = self.url + "/v2"
        self.issuer = self.url
        self.process = process
        self.session = requests.Session()

    # --- control ---------------------------------------------------------------------------------
    def control(self, path: str, json=None, method: str = "POST"):
        r = self.session.request(method, f"{self.url}/_sandbox/{path.lstrip('/')}", json=json, timeout=120)
        if r.status_code >= 400:
            raise SandboxError(f"{method} /_sandbox/{path}: {r.status_code} {r.text}")
        return r.json()

    def load(self, scenario: dict) -> dict:
        return self.control("scenario", scenario)

    def generate(self, spec: str) -> dict:
        return self.control("scenario", {"generate": spec})

    def scenario(self) -> dict:
        return self.control("scenario", method="GET")

    def ids(self) -> dict:
        s = self.control("scenario?limit=100000", method="GET")
        return {
            "orgs": {o["name"]: o["id"] for o in s["organizations"]},
            "projects": {p["name"]: p["id"] for p in s["projects"]},
            "users": {u["email"] or u["name"]: u["id"] for u in s["users"]},
        }

    def create_app(self, name: str, redirect_uris, homepage_url: str = "") -> dict:
        if isinstance(redirect_uris, str):
            redirect_uris = [redirect_uris]
        return self.control(
            "apps", {"name": name, "redirect_uris": list(redirect_uris), "homepage_url": homepage_url}
        )

    def create_pat(self, email: str, scope: str | None = None) -> str:
        body = {"email": email}
        if scope:
            body["scope"] = scope
        return self.control("personal_access_tokens", body)["refresh_token"]

    def issue_tokens(
        self, email: str, client_id: str | None = None, scope: str = "openid profile email hubstaff:read"
    ) -> dict:
        return self.control("tokens", {"email": email, "client_id": client_id, "scope": scope})

    def add_activity(self, **fields) -> dict:
        return self.control("daily_activities", fields)["daily_activity"]

    def edit_activity(self, activity_id: int, **fields) -> dict:
        return self.control(f"daily_activities/{activity_id}", fields, method="PATCH")["daily_activity"]

    def delete_activity(self, activity_id: int) -> dict:
        return self.control(f"daily_activities/{activity_id}", method="DELETE")

    def edit_org(self, org_id: int, **fields) -> dict:
        """``time_zone`` and/or ``inactive_plan`` of an organization."""
        return self.control(f"organizations/{org_id}", fields, method="PATCH")

    def remove_member(self, org_id: int, user, removed_at: str | None = None) -> dict:
        """The user (e-mail, name or id) leaves the organization now (or at ``removed_at``)."""
        body = {"removed_at": removed_at} if removed_at else {"removed": True}
        return self.control(f"organizations/{org_id}/members/{user}", body, method="PATCH")

    def time_edit_logs(self) -> list[dict]:
        """Every time edit log entry, of every organization."""
        return self.control("time_edit_logs", method="GET")["time_edit_logs"]

    def fault(self, **kw) -> dict:
        return self.control("faults", kw)

    def reset_faults(self) -> dict:
        return self.control("faults/reset")

    def stats(self) -> dict:
        return self.control("stats", method="GET")

    def reset_stats(self) -> dict:
        return self.control("stats/reset")

    def advance_clock(self, seconds: float) -> dict:
        return self.control("clock", {"advance": seconds})

    # --- webhooks --------------------------------------------------------------------------------
    def start_timer(self, user, project, task_id: int | None = None) -> dict:
        body = {"user": user, "project": project}
        if task_id:
            body["task_id"] = task_id
        return self.control("timers/start", body)

    def stop_timer(self, user, project=None, seconds: int | None = None) -> dict:
        body = {"user": user}
        if project is not None:
            body["project"] = project
        if seconds is not None:
            body["seconds"] = seconds
        return self.control("timers/stop", body)

    def track(self, user, project, seconds: int, task_id: int | None = None) -> dict:
        self.start_timer(user, project, task_id)
        return self.stop_timer(user, seconds=seconds)

    def create_project(self, org_id: int, name: str, type: str = "project") -> dict:  # noqa: A002
        return self.control("projects", {"organization": org_id, "name": name, "type": type})

    def enable_activity_events(self, org_id: int, on: bool = True) -> dict:
        return self.control(f"organizations/{org_id}/webhook_events", {"activity": on}, method="PATCH")

    def webhooks(self) -> list[dict]:
        return self.control("webhooks", method="GET")["webhooks"]

    def webhook_deliveries(self) -> list[dict]:
        return self.control("webhooks/deliveries", method="GET")["deliveries"]

    def reset_webhook_deliveries(self) -> dict:
        return self.control("webhooks/deliveries/reset")

    def reset_webhooks(self) -> dict:
        return self.control("webhooks/reset")

    def wait_for_deliveries(self, count: int, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            answer = self.control("webhooks/deliveries", method="GET")
            made = [d for d in answer["deliveries"] if d["kind"] == "deliver"]
            if len(made) >= count and not answer["pending"]:
                return made
            if time.monotonic() > deadline:
                raise SandboxError(f"{len(made)} of {count} webhook deliveries after {timeout} s: {made}")
            time.sleep(0.05)

    # --- API -------------------------------------------------------------------------------------
    # --- timesheets (timesheet_routes.py) --------------------------------------------------------
    def set_pay_period(self, org_id: int, pay_period: str, starts_on: str | None = None, user=None) -> dict:
        body = {"pay_period": pay_period}
        if starts_on:
            body["starts_on"] = starts_on
        if user is not None:
            body["user"] = user
        return self.control(f"organizations/{org_id}/pay_period", body, method="PUT")

    def timesheet_action(self, org_id: int, action: str, user, day: str, by=None) -> dict:
        body = {"user": user, "date": day}
        if by is not None:
            body["by"] = by
        return self.control(f"organizations/{org_id}/timesheets/{action}", body)["timesheet"]

    def submit_timesheet(self, org_id: int, user, day: str) -> dict:
        return self.timesheet_action(org_id, "submit", user, day)

    def approve_timesheet(self, org_id: int, user, day: str, by=None) -> dict:
        return self.timesheet_action(org_id, "approve", user, day, by)

    def deny_timesheet(self, org_id: int, user, day: str) -> dict:
        return self.timesheet_action(org_id, "deny", user, day)

    def reopen_timesheet(self, org_id: int, user, day: str) -> dict:
        return self.timesheet_action(org_id, "reopen", user, day)

    def timesheets(self, org_id: int) -> list[dict]:
        return self.control(f"organizations/{org_id}/timesheets", method="GET")["timesheets"]

    # --- time off, holidays, limits (availability_routes.py) -------------------------------------
    def add_time_off_policy(
        self, org, name: str, *, requires_approval: bool = True, paid: bool = True
    ) -> dict:
        body = {"organization": org, "name": name, "requires_approval": requires_approval, "paid": paid}
        return self.control("time_off_policies", body)["time_off_policy"]

    def edit_time_off_policy(self, policy_id: int, **fields) -> dict:
        return self.control(f"time_off_policies/{policy_id}", fields, method="PATCH")["time_off_policy"]

    def add_time_off(
        self, user, policy_id: int, start_date: str | None = None, stop_date: str | None = None, **fields
    ) -> dict:
        """All day from start_date to stop_date (default: one day), or with starts_at= and stops_at= times."""
        body = {"user": user, "time_off_policy_id": policy_id, **fields}
        if "starts_at" in fields:
            body["all_day"] = False
        else:
            body.update(start_date=start_date, stop_date=stop_date or start_date)
        return self.control("time_off_requests", body)["time_off_request"]

    def approve_time_off(self, request_id: int, blame_user=None) -> dict:
        body = {} if blame_user is None else {"blame_user": blame_user}
        return self.control(f"time_off_requests/{request_id}/approve", body)["time_off_request"]

    def deny_time_off(self, request_id: int, response: str = "Not this week", blame_user=None) -> dict:
        body = {"response": response, **({} if blame_user is None else {"blame_user": blame_user})}
        return self.control(f"time_off_requests/{request_id}/deny", body)["time_off_request"]

    def delete_time_off(self, request_id: int) -> dict:
        return self.control(f"time_off_requests/{request_id}", method="DELETE")

    def add_holiday(self, org, name: str, day: str, *, paid: bool = True, amount_used: int = 28800) -> dict:
        body = {"organization": org, "name": name, "date": day, "paid": paid, "amount_used": amount_used}
        return self.control("holidays", body)["holiday"]

    def delete_holiday(self, holiday_id: int) -> dict:
        return self.control(f"holidays/{holiday_id}", method="DELETE")

    def set_limits(self, org_id: int, user, since: str | None = None, **hours) -> dict:
        """daily_limit= / weekly_limit= / expected_per_week= hours (None clears) from `since` (default today)."""
        body = {**hours, **({"since": since} if since else {})}
        return self.control(f"organizations/{org_id}/members/{user}/limits", body, method="PATCH")

    def api_get(self, path: str, token: str, **params) -> requests.Response:
        return self.session.get(
            self.api_url + path, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )


def _command(scenario, generate, rate_limit, access_token_ttl, public_url, extra_args, control) -> list[str]:
    args = [sys.executable, "-m", "hubstaff_sandbox", "--host", "127.0.0.1", "--port", "0"]
    if control:
        args.append("--control")
    if isinstance(scenario, (str, os.PathLike)):
        args += ["--scenario", str(scenario)]
    if generate:
        args += ["--generate", generate]
    if rate_limit is not None:
        args += ["--rate-limit", str(rate_limit)]
    if access_token_ttl is not None:
        args += ["--access-token-ttl", str(access_token_ttl)]
    if public_url:
        args += ["--public-url", public_url]
    return args + list(extra_args or [])


def _wait_for_url(proc: subprocess.Popen, log, startup_timeout: float) -> str:
    """The URL the sandbox prints once it listens (read on a thread, so that a silent process times out)."""
    url_box: list[str] = []

    def read_stdout():
        for line in proc.stdout:
            if not url_box and "listening on " in line:
                url_box.append(line.split("listening on ", 1)[1].split()[0])

    threading.Thread(target=read_stdout, daemon=True).start()
    deadline = time.monotonic() + startup_timeout
    while not url_box:
        if proc.poll() is not None:
            err = ""
            if log:
                log.seek(0)
                err = log.read().decode(errors="replace")[-2000:]
            raise SandboxError(f"sandbox exited with {proc.returncode}: {err}")
        if time.monotonic() > deadline:
            proc.kill()
            raise SandboxError("sandbox did not start in time")
        time.sleep(0.02)
    return url_box[0]


@contextlib.contextmanager
def running_sandbox(
    *,
    scenario=None,
    generate: str | None = None,
    rate_limit: int | None = None,
    access_token_ttl: int | None = None,
    public_url: str | None = None,
    extra_args: list[str] | None = None,
    env: dict | None = None,
    quiet: bool = True,
    startup_timeout: float = 60.0,
    control: bool = True,
):
    """Start a sandbox subprocess with the control API on; yield a :class:`SandboxClient`."""
    args = _command(scenario, generate, rate_limit, access_token_ttl, public_url, extra_args, control)
    proc_env = dict(os.environ)
    proc_env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(PACKAGE_DIR.parent), proc_env.get("PYTHONPATH")])
    )
    proc_env["PYTHONUNBUFFERED"] = "1"
    proc_env.update(env or {})
    with contextlib.ExitStack() as stack:
        log = stack.enter_context(tempfile.TemporaryFile()) if quiet else None
        proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=log if quiet else None,
            env=proc_env,
            cwd=str(PACKAGE_DIR.parent),
            text=True,
        )
        url = _wait_for_url(proc, log, startup_timeout)
        client = SandboxClient(public_url or url, proc)
        if public_url:
            client.url = url
            client.api_url = client.url + "/v2"
        try:
            if isinstance(scenario, dict):
                client.load(scenario)
            yield client
        finally:
            client.session.close()
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def load_json(path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return jsonlib.load(fh)
