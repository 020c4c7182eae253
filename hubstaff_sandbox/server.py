"""The sandbox HTTP server: request plumbing, developer site and OAuth/OIDC.

API v2 is in api.py and slots.py, the control API in control.py and faults.py; handlers register with
routing.route and are mixed into one request handler here.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import re
import socket
import sys
import threading
import time
from collections import defaultdict
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from . import pages, scenario
from .api import ApiMixin
from .auth import SUPPORTED_SCOPES, AuthState, Clock, pkce_s256
from .control import ControlMixin
from .faults import Faults, FaultsMixin
from .routing import ROUTES, HTTPError, api_error_body, route
from .store import DataStore, iso_ts

COOKIE = "hubstaff_sandbox_session"
PASSWORD = "sandbox"


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

    def now(self) -> float:
        return self.clock.now()

    # --- scenarios -------------------------------------------------------------------------------
    def load_scenario(self, data: dict | None = None, generate: str | None = None) -> dict:
        store = DataStore()
        if data:
            scenario.load(store, data, int(self.now()))
        if generate:
            scenario.generate(store, generate)
        self.store = store
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


class Handler(ApiMixin, ControlMixin, FaultsMixin, BaseHTTPRequestHandler):
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

    # =============================================================================================
    # Developer site
    # =============================================================================================
    @route("GET", "/")
    def home(self):
        user, _ = self.session_user()
        self.send_html(200, pages.home(user.email if user else None, self.sandbox.public_url))

    @route("GET", "/login")
    def login_form(self):
        self.send_html(200, pages.login(self.q("next") or "/apps"))

    @route("POST", "/login")
    def login(self):
        f = self.form()
        email, password = (f.get("email") or "").strip(), f.get("password") or ""
        next_url = f.get("next") or "/apps"
        if not next_url.startswith("/") or next_url.startswith("//"):
            next_url = "/apps"
        user = self.sandbox.store.users_by_email.get(email.lower())
        if user is None or password != PASSWORD:
            self.send_html(401, pages.login(next_url, "Invalid email or password.", email))
            return
        sid = self.sandbox.auth.new_session(user.id)
        self.redirect(next_url, {"Set-Cookie": f"{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax"})

    @route("GET", "/logout")
    def logout(self):
        _, sid = self.session_user()
        if sid:
            self.sandbox.auth.sessions.pop(sid, None)
        self.redirect("/login", {"Set-Cookie": f"{COOKIE}=; Path=/; Max-Age=0"})

    @route("GET", "/apps")
    def apps(self):
        user, _ = self.require_login()
        if user:
            with self.sandbox.auth.lock:
                mine = [a for a in self.sandbox.auth.apps.values() if a.owner_id in (user.id, None)]
            self.send_html(200, pages.apps_list(mine, user.email))

    @route("GET", "/apps/new")
    def apps_new(self):
        user, sid = self.require_login()
        if user:
            self.send_html(200, pages.app_form(user.email, csrf=self.sandbox.auth.csrf_for(sid)))

    @route("POST", "/apps")
    def apps_create(self):
        user, sid = self.require_login()
        if not user:
            return
        self.check_csrf(sid)
        f = self.form()
        name = (f.get("name") or "").strip()
        uris = [u.strip() for u in (f.get("redirect_uris") or "").splitlines() if u.strip()]
        error = "" if name else "Application name is required."
        if not error and not uris:
            error = "At least one redirect URL is required."
        for u in uris:
            if not error:
                error = redirect_uri_problem(u)
        if error:
            self.send_html(422, pages.app_form(user.email, error, f, self.sandbox.auth.csrf_for(sid)))
            return
        app = self.sandbox.auth.create_app(name, uris, (f.get("homepage_url") or "").strip(), user.id)
        self.redirect(f"/apps/{app.id}")

    @route("GET", "/apps/{app_id}")
    def apps_show(self, app_id):
        user, _ = self.require_login()
        if not user:
            return
        app = self.sandbox.auth.app_by_id(int(app_id)) if app_id.isdigit() else None
        if app is None or app.owner_id not in (user.id, None):
            self.send_html(404, pages.error_page("Not found", "No such OAuth app."))
            return
        self.send_html(200, pages.app_detail(app, user.email))

    def _pat_list(self, user):
        with self.sandbox.auth.lock:
            records = list(self.sandbox.auth.refresh.values())
        return [
            {"name": r.name, "created": iso_ts(r.created), "expires": iso_ts(r.expires)}
            for r in records
            if r.kind == "pat" and r.user_id == user.id and r.name and not r.spent
        ]

    @route("GET", "/personal_access_tokens")
    def pats(self):
        user, sid = self.require_login()
        if user:
            self.send_html(
                200, pages.pats(self._pat_list(user), user.email, csrf=self.sandbox.auth.csrf_for(sid))
            )

    @route("POST", "/personal_access_tokens")
    def pats_create(self):
        user, sid = self.require_login()
        if not user:
            return
        self.check_csrf(sid)
        name = (self.form().get("name") or "").strip() or "Personal access token"
        token = self.sandbox.auth.issue_refresh(
            user.id, None, "openid profile email hubstaff:read hubstaff:write", "pat", name
        )
        self.send_html(
            200, pages.pats(self._pat_list(user), user.email, token, self.sandbox.auth.csrf_for(sid))
        )

    # =============================================================================================
    # OpenID Connect / OAuth 2.0
    # =============================================================================================
    @route("GET", "/.well-known/openid-configuration")
    def discovery(self):
        base = self.sandbox.public_url
        self.send_json(
            200,
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/authorizations/new",
                "token_endpoint": f"{base}/access_tokens",
                "userinfo_endpoint": f"{base}/userinfo",
                "jwks_uri": f"{base}/.well-known/jwks.json",
                "scopes_supported": list(SUPPORTED_SCOPES),
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": [
                    "sub",
                    "iss",
                    "aud",
                    "exp",
                    "iat",
                    "nonce",
                    "name",
                    "email",
                    "email_verified",
                    "zoneinfo",
                ],
            },
            {"Cache-Control": "public, max-age=604800"},
        )

    @route("GET", "/.well-known/jwks.json")
    def jwks(self):
        self.send_json(200, {"keys": [self.sandbox.auth.jwk]})

    def _authorize_params(self, src: dict) -> tuple:
        """Validate client and redirect URI (errors shown as a page, never redirected)."""
        auth = self.sandbox.auth
        app = auth.apps.get(src.get("client_id") or "")
        if app is None:
            self.send_html(400, pages.error_page("Invalid request", "Unknown client_id."))
            return None, None
        redirect_uri = src.get("redirect_uri") or ""
        if redirect_uri not in app.redirect_uris:
            self.send_html(
                400,
                pages.error_page(
                    "Invalid redirect URI",
                    "The redirect_uri does not match any redirect URL registered for this app.",
                ),
            )
            return None, None
        return app, redirect_uri

    def _redirect_back(self, redirect_uri: str, params: dict) -> None:
        params = {k: v for k, v in params.items() if v is not None}
        sep = "&" if "?" in redirect_uri else "?"
        self.redirect(redirect_uri + sep + urlencode(params))

    @route("GET", "/authorizations/new")
    def authorize(self):
        src = {k: v[-1] for k, v in self.query.items()}
        app, redirect_uri = self._authorize_params(src)
        if app is None:
            return None
        state = src.get("state")
        if src.get("response_type") != "code":
            return self._redirect_back(redirect_uri, {"error": "unsupported_response_type", "state": state})
        scopes = (src.get("scope") or "openid").split()
        if any(s not in SUPPORTED_SCOPES for s in scopes):
            return self._redirect_back(redirect_uri, {"error": "invalid_scope", "state": state})
        if src.get("code_challenge") and src.get("code_challenge_method", "plain") != "S256":
            return self._redirect_back(
                redirect_uri,
                {
                    "error": "invalid_request",
                    "error_description": "code_challenge_method must be S256",
                    "state": state,
                },
            )
        user, sid = self.require_login()
        if user is None:
            return None
        fields = {
            k: src.get(k)
            for k in (
                "client_id",
                "redirect_uri",
                "scope",
                "state",
                "nonce",
                "code_challenge",
                "code_challenge_method",
            )
            if src.get(k) is not None
        }
        fields["scope"] = " ".join(scopes)
        self.send_html(200, pages.consent(app, scopes, fields, user.email, self.sandbox.auth.csrf_for(sid)))
        return None

    @route("POST", "/authorizations")
    def authorize_decision(self):
        f = self.form()
        app, redirect_uri = self._authorize_params(f)
        if app is None:
            return None
        user, sid = self.require_login()
        if user is None:
            return None
        self.check_csrf(sid)
        if f.get("decision") != "allow":
            return self._redirect_back(redirect_uri, {"error": "access_denied", "state": f.get("state")})
        code = self.sandbox.auth.new_code(
            client_id=app.client_id,
            user_id=user.id,
            redirect_uri=redirect_uri,
            scope=f.get("scope") or "openid",
            nonce=f.get("nonce"),
            challenge=f.get("code_challenge"),
        )
        return self._redirect_back(redirect_uri, {"code": code, "state": f.get("state")})

    def _client_credentials(self) -> tuple[str | None, str | None, bool]:
        header = self.headers.get("Authorization") or ""
        if header.lower().startswith("basic "):
            try:
                raw = base64.b64decode(header[6:].strip()).decode()
                cid, _, secret = raw.partition(":")
                return unquote(cid), unquote(secret), True
            except Exception:
                raise HTTPError(401, "invalid_client", {"WWW-Authenticate": "Basic"}) from None
        f = self.form()
        if f.get("client_id") is not None or f.get("client_secret") is not None:
            return f.get("client_id"), f.get("client_secret"), True
        return None, None, False

    def _token_error(self, status: int, error: str, description: str):
        headers = {"X-Description": description}
        if error == "invalid_client":
            headers["WWW-Authenticate"] = 'Basic realm="hubstaff"'
        raise HTTPError(status, error, headers)

    @route("POST", "/access_tokens")
    def token(self):
        auth, store = self.sandbox.auth, self.sandbox.store
        f = self.form()
        grant = f.get("grant_type")
        cid, secret, given = self._client_credentials()
        app = None
        if given:
            app = auth.check_client(cid, secret)
            if app is None:
                self._token_error(401, "invalid_client", "client authentication failed")
        if grant == "authorization_code":
            if app is None:
                self._token_error(401, "invalid_client", "client authentication required")
            data = auth.take_code(f.get("code") or "")
            if data is None or data["client_id"] != app.client_id:
                self._token_error(
                    400, "invalid_grant", "authorization code is invalid, expired or already used"
                )
            if f.get("redirect_uri") != data["redirect_uri"]:
                self._token_error(
                    400, "invalid_grant", "redirect_uri does not match the authorization request"
                )
            if data.get("challenge"):
                verifier = f.get("code_verifier") or ""
                if not verifier or pkce_s256(verifier) != data["challenge"]:
                    self._token_error(
                        400, "invalid_grant", "PKCE code_verifier does not match the code_challenge"
                    )
            user = store.users.get(data["user_id"])
            if user is None:
                self._token_error(400, "invalid_grant", "user no longer exists")
            body = auth.issue_tokens(user, app.client_id, data["scope"], "app", data.get("nonce"))
        elif grant == "refresh_token":
            rec, reason = auth.use_refresh(f.get("refresh_token") or "")
            if rec is None:
                self._token_error(400, "invalid_grant", reason)
            if rec.kind == "app" and (app is None or app.client_id != rec.client_id):
                rec.spent = False  # not spent by a request that failed client authentication
                self._token_error(
                    401, "invalid_client", "client authentication failed for this refresh token"
                )
            user = store.users.get(rec.user_id)
            if user is None:
                self._token_error(400, "invalid_grant", "user no longer exists")
            client_id = rec.client_id if rec.kind == "app" else (app.client_id if app else None)
            body = auth.issue_tokens(user, client_id, rec.scope, rec.kind, pat_name=rec.name)
            if rec.kind == "pat":
                # the rotated token continues the personal token's lineage, client-independent
                new = auth.refresh[auth.decode(body["refresh_token"])["jti"]]
                new.client_id = None
        elif not grant:
            self._token_error(400, "invalid_request", "grant_type is required")
        else:
            self._token_error(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported")
        self.send_json(200, body, {"Pragma": "no-cache"})

    @route("GET", "/userinfo")
    def userinfo(self):
        claims, user = self.bearer(require_scope=None)
        scopes = claims["scope"].split()
        out = {"sub": str(user.id)}
        if "email" in scopes and user.email:
            out.update(email=user.email, email_verified=True)
        if "profile" in scopes:
            out.update(name=user.name, zoneinfo=user.time_zone)
        self.send_json(200, out)


def redirect_uri_problem(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"Redirect URL {uri!r} must be a full URL."
    if parts.fragment:
        return f"Redirect URL {uri!r} must not contain a fragment."
    host = parts.hostname
    local = host in ("localhost", "127.0.0.1", "[::1]", "::1") or host.endswith((".test", ".localhost"))
    if parts.scheme == "http" and not local:
        return f"Redirect URL {uri!r} must use HTTPS (HTTP only for localhost and .test domains)."
    return ""


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
