"""The sandbox HTTP server: process-wide state and request plumbing.

Handlers live in mixins (developer site: devsite.py; OAuth/OIDC: oauth.py; API v2: api.py and slots.py;
control API: control.py and faults.py; webhooks: webhook_routes.py, whose sender is webhooks.py), register with
routing.route and are mixed into one request handler here.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import re
import socket
import sys
import threading
import time
from collections import defaultdict
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from . import loader, scenario
from .api import ApiMixin
from .auth import AuthState, Clock
from .availability_routes import AvailabilityRoutesMixin
from .control import ControlMixin
from .devsite import COOKIE, DevSiteMixin
from .faults import Faults, FaultsMixin
from .oauth import OAuthMixin
from .routing import ROUTES, HTTPError, api_error_body
from .store import DataStore
from .timesheet_routes import TimesheetRoutesMixin
from .webhook_routes import WebhookRoutesMixin
from .webhooks import WebhookHub


class Sandbox:
    """Process-wide state. Thread-safe: ``lock`` guards faults, stats and rate-limit counters; the data
    store and the auth state have their own locks."""

    def __init__(
        self,
        public_url: str,
        *,
        rate_limit: int = 1000,
        rate_window: int = 3600,
        access_token_ttl: int = 7200,
        control: bool = False,
    ) -> None:
        self.public_url = public_url.rstrip("/")
        self.clock = Clock()
        self.auth = AuthState(self.clock, self.public_url, access_token_ttl)
        self.store = DataStore()
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.control_enabled = control
        self.faults = Faults()
        self.lock = threading.Lock()
        self.stats: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.params: dict[str, set[str]] = defaultdict(set)
        self.windows: dict[str, list] = {}  # app key -> [window start, count]
        self.webhooks = WebhookHub(random.Random(0), self.clock.now)
        self.timers: dict[int, tuple[int, int, float]] = {}  # user id -> (project id, task id, started)
        # State of the data a scenario does not load (timesheets, time off, holidays, limits), by its module's
        # name: each module makes its own on first use; a new scenario starts them empty.
        self.extras: dict[str, object] = {}

    def now(self) -> float:
        return self.clock.now()

    # --- scenarios -------------------------------------------------------------------------------
    def load_scenario(self, data: dict | None = None, generate: str | None = None) -> dict:
        store = DataStore()
        if data:
            loader.load(store, data, int(self.now()))
        if generate:
            scenario.generate(store, generate)
        self.store = store
        self.timers.clear()
        self.extras.clear()
        self.webhooks.clear()  # webhooks belong to the organizations the old data had
        return self.summary()

    def summary(self, limit: int = 50) -> dict:
        s = self.store
        with s.lock:
            return {
                "organizations": [{"id": o.id, "name": o.name} for o in s.organizations.values()],
                "projects": [
                    {"id": p.id, "name": p.name, "organization_id": p.organization_id}
                    for p in list(s.projects.values())[: limit * 4]
                ],
                "users": [
                    {"id": u.id, "email": u.email, "name": u.name} for u in list(s.users.values())[:limit]
                ],
                "counts": {
                    "organizations": len(s.organizations),
                    "users": len(s.users),
                    "projects": len(s.projects),
                    "tasks": len(s.tasks),
                    "daily_activities": s.count_rows(),
                },
            }

    # --- rate limit ------------------------------------------------------------------------------
    def check_rate(self, key: str) -> int | None:
        """Count one request for ``key``; returns Retry-After seconds when over the limit."""
        limit = self.faults.rate_limit if self.faults.rate_limit is not None else self.rate_limit
        window = self.faults.rate_limit_window or self.rate_window
        now = self.now()
        with self.lock:
            w = self.windows.get(key)
            if w is None or now >= w[0] + window:
                w = self.windows[key] = [now, 0]
            if w[1] >= limit:
                return max(1, math.ceil(w[0] + window - now))
            w[1] += 1
        return None


class Handler(
    DevSiteMixin,
    OAuthMixin,
    ApiMixin,
    ControlMixin,
    FaultsMixin,
    WebhookRoutesMixin,
    TimesheetRoutesMixin,
    AvailabilityRoutesMixin,
    BaseHTTPRequestHandler,
):
    protocol_version = "HTTP/1.1"
    server_version = "HubstaffSandbox/1.0"
    sandbox: Sandbox  # set on the subclass made by make_server

    # --- plumbing --------------------------------------------------------------------------------
    def setup(self):
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # noqa: A002 - silence the default access log
        pass

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method: str) -> None:
        started = time.perf_counter()
        sb = self.sandbox
        parts = urlsplit(self.path)
        self.req_path = parts.path
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self._body = None
        self.malform = False
        self.out_headers: dict[str, str] = {}
        self.status = 500
        template = "<unmatched>"
        handler = None
        params = {}
        for m, pattern, tmpl, name in ROUTES:
            match = pattern.match(parts.path)
            if match:
                if m != method:
                    template = template if template != "<unmatched>" else "<method>"
                    continue
                template, handler, params = tmpl, getattr(self, name), match.groupdict()
                break
        is_control = parts.path.startswith("/_sandbox/")
        self.stats_key = None if is_control else f"{method} {re.sub(r'{[a-z_]+}', '{id}', template)}"
        if template.startswith("/v2/"):
            with sb.lock:  # query parameter names per route, for contract.undeclared_params
                sb.params[self.stats_key].update(self.query)
        try:
            self.read_body()
            if is_control and not sb.control_enabled:
                raise HTTPError(404, "not found")
            if handler is None:
                raise HTTPError(
                    405 if template == "<method>" else 404,
                    "method not allowed" if template == "<method>" else "not found",
                )
            if template.startswith("/v2/"):
                self.apply_faults("api")
            elif template == "/access_tokens":
                self.apply_faults("token")
            handler(**params)
        except HTTPError as e:
            self.send_json(e.status, self.error_body(template, e), e.headers)
        except (BrokenPipeError, ConnectionResetError):
            return
        except Exception as e:  # pragma: no cover - a bug; answer 500 and log it
            print(f"hubstaff_sandbox: error in {method} {template}: {e!r}", file=sys.stderr, flush=True)
            self.send_json(500, self.error_body(template, HTTPError(500, "internal server error")))
        finally:
            ms = (time.perf_counter() - started) * 1000
            print(
                f'{self.client_address[0]} "{method} {parts.path}" {self.status} {ms:.1f}ms',
                file=sys.stderr,
                flush=True,
            )

    def error_body(self, template: str, e: HTTPError) -> dict:
        if template == "/access_tokens" and e.message in (
            "invalid_request",
            "invalid_client",
            "invalid_grant",
            "unsupported_grant_type",
            "invalid_scope",
            "unauthorized_client",
        ):
            return {"error": e.message, "error_description": e.headers.pop("X-Description", e.message)}
        if template.startswith("/v2/"):
            return api_error_body(e)
        return {"error": e.message}

    def read_body(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        self.raw_body = self.rfile.read(n) if n else b""

    def form(self) -> dict[str, str]:
        if self._body is None:
            data = parse_qs(self.raw_body.decode("utf-8", "replace"), keep_blank_values=True)
            self._body = {k: v[-1] for k, v in data.items()}
        return self._body

    def json_body(self):
        if not self.raw_body:
            return {}
        try:
            return json.loads(self.raw_body)
        except ValueError:
            raise HTTPError(400, "request body is not valid JSON") from None

    def q(self, name: str) -> str | None:
        v = self.query.get(name)
        return v[-1] if v else None

    def send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.status = status
        if self.stats_key:  # counted before the answer leaves, so a client never sees stale stats
            with self.sandbox.lock:
                self.sandbox.stats[self.stats_key][status] += 1
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if "Cache-Control" not in (headers or {}):
            self.send_header("Cache-Control", "no-store")
        for k, v in {**self.out_headers, **(headers or {})}.items():
            if not k.startswith("X-Description"):
                self.send_header(k, v)
        # one write for headers and body (no Nagle / delayed-ACK stalls on keep-alive connections)
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()

    def send_json(self, status: int, obj, headers: dict | None = None) -> None:
        body = json.dumps(obj, separators=(",", ":")).encode()
        if getattr(self, "malform", False) and status == 200:
            body = body[: max(1, len(body) // 2)]  # truncated JSON
        self.send(status, body, "application/json; charset=utf-8", headers)

    def send_html(self, status: int, html: str, headers: dict | None = None) -> None:
        self.send(status, html.encode(), "text/html; charset=utf-8", headers)

    def redirect(self, location: str, headers: dict | None = None) -> None:
        self.send(302, b"", "text/plain", {"Location": location, **(headers or {})})

    # --- faults ----------------------------------------------------------------------------------
    def apply_faults(self, target: str) -> None:
        sb, f = self.sandbox, self.sandbox.faults
        refusal = f.refusal(self.stats_key) if target == "api" else None
        if refusal is not None:
            raise refusal
        if target not in f.targets:
            return
        with sb.lock:
            latency = f.latency
            storm = False
            if f.storm_count > 0:
                f.storm_count -= 1
                storm = True
            error = False
            if not storm:
                if f.error_count > 0:
                    f.error_count -= 1
                    error = True
                elif f.error_rate and f.rng.random() < f.error_rate:
                    error = True
            malform = False
            if f.malformed_count > 0:
                f.malformed_count -= 1
                malform = True
            elif f.malformed_rate and f.rng.random() < f.malformed_rate:
                malform = True
        if latency:
            time.sleep(latency)
        if storm:
            raise HTTPError(429, "rate limit exceeded", {"Retry-After": str(f.storm_retry_after)})
        if error:
            raise HTTPError(f.error_status, "internal server error (injected by the Hubstaff sandbox)")
        self.malform = malform

    # --- sessions --------------------------------------------------------------------------------
    def session_user(self):
        cookie = SimpleCookie(self.headers.get("Cookie") or "")
        morsel = cookie.get(COOKIE)
        if morsel is None:
            return None, None
        uid = self.sandbox.auth.sessions.get(morsel.value)
        user = self.sandbox.store.users.get(uid) if uid else None
        return (user, morsel.value) if user else (None, None)

    def require_login(self):
        user, sid = self.session_user()
        if user is None:
            self.redirect("/login?" + urlencode({"next": self.path}))
            return None, None
        return user, sid

    def check_csrf(self, sid: str) -> None:
        if self.form().get("csrf") != self.sandbox.auth.csrf_for(sid):
            raise HTTPError(403, "invalid form token; reload the page")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def make_server(host: str, port: int, sandbox: Sandbox | None = None, **options) -> tuple[Server, Sandbox]:
    """Bind a server; if ``public_url`` is not given it is http://host:<bound port>."""
    server = Server((host, port), BaseHTTPRequestHandler)
    public_url = options.pop("public_url", None) or f"http://{host}:{server.server_address[1]}"
    sb = sandbox or Sandbox(public_url, **options)
    server.RequestHandlerClass = type("BoundHandler", (Handler,), {"sandbox": sb})
    return server, sb
