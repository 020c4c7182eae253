"""The sandbox HTTP server: routing, developer site, OAuth/OIDC, API v2, control API, faults and stats."""

from __future__ import annotations

import base64
import datetime as dt
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

from . import pages, scenario
from .auth import SUPPORTED_SCOPES, AuthState, Clock, pkce_s256
from .store import DA_BASE, DataStore, date_to_ord, iso_date, iso_ts

COOKIE = "hubstaff_sandbox_session"
MAX_PAGE_LIMIT = 500
DEFAULT_PAGE_LIMIT = 100
MAX_DAILY_RANGE_DAYS = 31
MAX_SLOT_RANGE = 7 * 86400
PASSWORD = "sandbox"


class HTTPError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class Faults:
    """Injected faults; see docs/hubstaff.md "Faults"."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.rate_limit: int | None = None
        self.rate_limit_window: int | None = None
        self.storm_count = 0
        self.storm_retry_after = 30
        self.error_rate = 0.0
        self.error_count = 0
        self.error_status = 500
        self.latency = 0.0
        self.malformed_rate = 0.0
        self.malformed_count = 0
        self.targets = {"api"}
        self.rng = random.Random(0)

    def describe(self) -> dict:
        return {
            "rate_limit": self.rate_limit,
            "rate_limit_window": self.rate_limit_window,
            "storm": {"count": self.storm_count, "retry_after": self.storm_retry_after},
            "error_rate": self.error_rate,
            "error_count": self.error_count,
            "error_status": self.error_status,
            "latency": self.latency,
            "malformed_rate": self.malformed_rate,
            "malformed_count": self.malformed_count,
            "targets": sorted(self.targets),
        }


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


# ---------------------------------------------------------------------------------------------------
# Routing
# ---------------------------------------------------------------------------------------------------
ROUTES: list[tuple[str, re.Pattern, str, str]] = []


def route(method: str, template: str):
    pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")

    def deco(fn):
        ROUTES.append((method, pattern, template, fn.__name__))
        return fn

    return deco


def parse_date(value: str | None, name: str) -> dt.date:
    if not value:
        raise HTTPError(422, f"{name} is required")
    try:
        return dt.date.fromisoformat(value[:10] if "T" in value else value)
    except ValueError:
        raise HTTPError(422, f"{name} is not a valid date: {value!r}") from None


def parse_time(value: str | None, name: str) -> int:
    if not value:
        raise HTTPError(422, f"{name} is required")
    try:
        d = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise HTTPError(422, f"{name} is not a valid ISO 8601 time: {value!r}") from None
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.UTC)
    return int(d.timestamp())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HubstaffSandbox/1.0"
    sandbox: Sandbox  # set on the subclass made by make_server

    # --- plumbing --------------------------------------------------------------------------------
    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

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
            self.send_json(500, {"error": "internal server error"})
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
        self._redirect_back(redirect_uri, {"code": code, "state": f.get("state")})

    def _client_credentials(self) -> tuple[str | None, str | None, bool]:
        header = self.headers.get("Authorization") or ""
        if header.lower().startswith("basic "):
            try:
                raw = base64.b64decode(header[6:].strip()).decode()
                cid, _, secret = raw.partition(":")
                from urllib.parse import unquote

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
        if "email" in scopes:
            out.update(email=user.email, email_verified=True)
        if "profile" in scopes:
            out.update(name=user.name, zoneinfo=user.time_zone)
        self.send_json(200, out)

    # =============================================================================================
    # API v2
    # =============================================================================================
    def bearer(self, require_scope: str | None = "hubstaff:read"):
        header = self.headers.get("Authorization") or ""
        if not header.lower().startswith("bearer "):
            raise HTTPError(401, "authentication required", {"WWW-Authenticate": 'Bearer realm="hubstaff"'})
        claims, reason = self.sandbox.auth.verify_access(header[7:].strip())
        if claims is None:
            raise HTTPError(
                401,
                reason,
                {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{reason}"'},
            )
        user = self.sandbox.store.users.get(int(claims["sub"]))
        if user is None:
            raise HTTPError(401, "invalid token")
        if require_scope and require_scope not in claims["scope"].split():
            raise HTTPError(403, f"token lacks the {require_scope} scope")
        retry = self.sandbox.check_rate(claims.get("client_id") or claims.get("aud") or "?")
        if retry is not None:
            raise HTTPError(429, "rate limit exceeded", {"Retry-After": str(retry)})
        return claims, user

    def paging(self) -> tuple[int | None, int]:
        start, limit = self.q("page_start_id"), self.q("page_limit")
        try:
            start_id = int(start) if start not in (None, "") else None
        except ValueError:
            raise HTTPError(422, "page_start_id must be an integer") from None
        try:
            n = int(limit) if limit not in (None, "") else DEFAULT_PAGE_LIMIT
        except ValueError:
            raise HTTPError(422, "page_limit must be an integer") from None
        if n < 1 or n > MAX_PAGE_LIMIT:
            raise HTTPError(422, f"page_limit must be between 1 and {MAX_PAGE_LIMIT}")
        return start_id, n

    def id_list(self, name: str) -> frozenset | None:
        values = self.query.get(f"{name}[]", []) + self.query.get(name, [])
        out = set()
        for v in values:
            for part in v.split(","):
                part = part.strip()
                if not part:
                    continue
                if not part.isdigit():
                    raise HTTPError(422, f"{name} must be a list of integer ids")
                out.add(int(part))
        return frozenset(out) if values else None

    def includes(self) -> set:
        vals = self.query.get("include[]", []) + self.query.get("include", [])
        return {p.strip() for v in vals for p in v.split(",") if p.strip()}

    def paged(
        self, items: list, start_id: int | None, limit: int, key=lambda x: x.id
    ) -> tuple[list, dict | None]:
        items = sorted(items, key=key)
        if start_id is not None:
            items = [x for x in items if key(x) >= start_id]
        page, rest = items[:limit], items[limit:]
        return page, ({"next_page_start_id": key(rest[0])} if rest else None)

    def org_access(self, org_id: str, user) -> tuple:
        store = self.sandbox.store
        org = store.organizations.get(int(org_id)) if org_id.isdigit() else None
        if org is None:
            raise HTTPError(404, "organization not found")
        m = store.member_index.get((org.id, user.id))
        if m is None or m.status != "active":
            raise HTTPError(403, "you are not a member of this organization")
        return org, m

    @staticmethod
    def user_json(u) -> dict:
        return {
            "id": u.id,
            "name": u.name,
            "email": u.email,
            "time_zone": u.time_zone,
            "status": u.status,
            "created_at": iso_ts(u.created),
            "updated_at": iso_ts(u.created),
        }

    def org_json(self, o) -> dict:
        return {
            "id": o.id,
            "name": o.name,
            "status": o.status,
            "created_at": iso_ts(o.created),
            "updated_at": iso_ts(o.created),
            "metadata": {},
            "invite_url": f"{self.sandbox.public_url}/organizations/invite/{o.id}",
        }

    @staticmethod
    def project_json(p) -> dict:
        return {
            "id": p.id,
            "name": p.name,
            "description": p.description,
            "status": p.status,
            "client_id": None,
            "billable": p.billable,
            "budget": None,
            "created_at": iso_ts(p.created),
            "updated_at": iso_ts(p.created),
            "metadata": {},
        }

    @route("GET", "/v2/users/me")
    def api_me(self):
        _, user = self.bearer()
        self.send_json(200, {"user": self.user_json(user)})

    @route("GET", "/v2/users/{user_id}")
    def api_user(self, user_id):
        _, me = self.bearer()
        store = self.sandbox.store
        other = store.users.get(int(user_id)) if user_id.isdigit() else None
        if other is None:
            raise HTTPError(404, "user not found")
        mine = {m.organization_id for m in store.memberships.values() if m.user_id == me.id}
        theirs = {m.organization_id for m in store.memberships.values() if m.user_id == other.id}
        if other.id != me.id and not (mine & theirs):
            raise HTTPError(403, "you do not share an organization with this user")
        self.send_json(200, {"user": self.user_json(other)})

    @route("GET", "/v2/organizations")
    def api_orgs(self):
        _, user = self.bearer()
        start, limit = self.paging()
        store = self.sandbox.store
        orgs = [
            store.organizations[m.organization_id]
            for m in store.memberships.values()
            if m.user_id == user.id and m.status == "active"
        ]
        page, pag = self.paged(orgs, start, limit)
        out = {"organizations": [self.org_json(o) for o in page]}
        if pag:
            out["pagination"] = pag
        self.send_json(200, out)

    @route("GET", "/v2/organizations/{org_id}/projects")
    def api_projects(self, org_id):
        _, user = self.bearer()
        start, limit = self.paging()
        org, _ = self.org_access(org_id, user)
        status = self.q("status") or "active"
        if status not in ("active", "archived", "all"):
            raise HTTPError(422, "status must be one of active, archived, all")
        projects = [
            p
            for p in self.sandbox.store.projects.values()
            if p.organization_id == org.id and (status == "all" or p.status == status)
        ]
        page, pag = self.paged(projects, start, limit)
        out = {"projects": [self.project_json(p) for p in page]}
        if pag:
            out["pagination"] = pag
        self.send_json(200, out)

    @route("GET", "/v2/organizations/{org_id}/members")
    def api_members(self, org_id):
        _, user = self.bearer()
        start, limit = self.paging()
        org, _ = self.org_access(org_id, user)
        store = self.sandbox.store
        members = [m for m in store.memberships.values() if m.organization_id == org.id]
        email, name = self.q("search[email]"), self.q("search[name]")
        if email:
            members = [m for m in members if store.users[m.user_id].email.lower() == email.lower()]
        if name:
            members = [m for m in members if name.lower() in store.users[m.user_id].name.lower()]
        page, pag = self.paged(members, start, limit)
        out = {"members": []}
        for m in page:
            out["members"].append(
                {
                    "id": m.id,
                    "user_id": m.user_id,
                    "membership_role": m.role,
                    "membership_status": m.status,
                    "effective_role": m.role,
                    "has_projects": True,
                    "last_client_activity": None,
                    "created_at": iso_ts(m.created),
                    "updated_at": iso_ts(m.created),
                }
            )
        if "users" in self.includes():
            out["users"] = [self.user_json(store.users[m.user_id]) for m in page]
        if pag:
            out["pagination"] = pag
        self.send_json(200, out)

    def _daily_response(self, org_id: int, me, member, *, project_ids=None, by_updated=False) -> None:
        start_id, limit = self.paging()
        user_ids = self.id_list("user_ids")
        pids = self.id_list("project_ids")
        if project_ids is not None:
            pids = project_ids if pids is None else frozenset(pids & project_ids)
        task_ids = self.id_list("task_ids")
        if by_updated:
            u0 = parse_time(self.q("updated[start]"), "updated[start]")
            u1 = parse_time(self.q("updated[stop]"), "updated[stop]")
            if u1 <= u0:
                raise HTTPError(422, "updated[stop] must be after updated[start]")
            if u1 - u0 > MAX_DAILY_RANGE_DAYS * 86400:
                raise HTTPError(422, f"updated range must not exceed {MAX_DAILY_RANGE_DAYS} days")
            ranges = {"updated_range": (u0, u1)}
        else:
            d0 = parse_date(self.q("date[start]"), "date[start]")
            d1 = parse_date(self.q("date[stop]"), "date[stop]")
            if d1 < d0:
                raise HTTPError(422, "date[stop] must not be before date[start]")
            if (d1 - d0).days + 1 > MAX_DAILY_RANGE_DAYS:
                raise HTTPError(422, f"date range must not exceed {MAX_DAILY_RANGE_DAYS} days")
            ranges = {"date_range": (date_to_ord(d0), date_to_ord(d1))}
        if member.role in ("user", "viewer"):  # plain members see their own time only
            user_ids = frozenset({me.id}) if user_ids is None else frozenset(user_ids & {me.id})
        store = self.sandbox.store
        with store.lock:
            idxs = store.query(org_id, user_ids=user_ids, project_ids=pids, task_ids=task_ids, **ranges)
            pos = 0
            if start_id is not None:
                import bisect

                pos = bisect.bisect_left(idxs, start_id - DA_BASE - 1)
            page = idxs[pos : pos + limit]
            rows = [store.row(i) for i in page]
            nxt = idxs[pos + limit] + DA_BASE + 1 if pos + limit < len(idxs) else None
        out = {"daily_activities": rows}
        inc = self.includes()
        if "users" in inc:
            out["users"] = [self.user_json(store.users[u]) for u in sorted({r["user_id"] for r in rows})]
        if "projects" in inc:
            out["projects"] = [
                self.project_json(store.projects[p]) for p in sorted({r["project_id"] for r in rows})
            ]
        if "tasks" in inc:
            out["tasks"] = [
                {
                    "id": t,
                    "summary": store.tasks[t].summary,
                    "project_id": store.tasks[t].project_id,
                    "status": "active",
                }
                for t in sorted({r["task_id"] for r in rows if r["task_id"]})
            ]
        if nxt is not None:
            out["pagination"] = {"next_page_start_id": nxt}
        self.send_json(200, out)

    @route("GET", "/v2/organizations/{org_id}/activities/daily")
    def api_daily(self, org_id):
        _, user = self.bearer()
        org, m = self.org_access(org_id, user)
        self._daily_response(org.id, user, m)

    @route("GET", "/v2/organizations/{org_id}/activities/daily/updates")
    def api_daily_updates(self, org_id):
        _, user = self.bearer()
        org, m = self.org_access(org_id, user)
        self._daily_response(org.id, user, m, by_updated=True)

    def _project_access(self, project_id: str, user):
        p = self.sandbox.store.projects.get(int(project_id)) if project_id.isdigit() else None
        if p is None:
            raise HTTPError(404, "project not found")
        _, m = self.org_access(str(p.organization_id), user)
        return p, m

    @route("GET", "/v2/projects/{project_id}/activities/daily")
    def api_project_daily(self, project_id):
        _, user = self.bearer()
        p, m = self._project_access(project_id, user)
        self._daily_response(p.organization_id, user, m, project_ids=frozenset({p.id}))

    @route("GET", "/v2/projects/{project_id}/activities/daily/updates")
    def api_project_daily_updates(self, project_id):
        _, user = self.bearer()
        p, m = self._project_access(project_id, user)
        self._daily_response(p.organization_id, user, m, project_ids=frozenset({p.id}), by_updated=True)

    @route("GET", "/v2/organizations/{org_id}/activities")
    def api_activities(self, org_id):
        """10-minute time slots, derived from daily activities: a row of T seconds on day D becomes
        ceil(T/600) consecutive slots starting at 08:00 UTC of D (rows of one user/day follow each other)."""
        _, user = self.bearer()
        org, m = self.org_access(org_id, user)
        start_id, limit = self.paging()
        t0 = parse_time(self.q("time_slot[start]"), "time_slot[start]")
        t1 = parse_time(self.q("time_slot[stop]"), "time_slot[stop]")
        if t1 <= t0:
            raise HTTPError(422, "time_slot[stop] must be after time_slot[start]")
        if t1 - t0 > MAX_SLOT_RANGE:
            raise HTTPError(422, "time_slot range must not exceed 7 days")
        user_ids, pids, tids = self.id_list("user_ids"), self.id_list("project_ids"), self.id_list("task_ids")
        if m.role in ("user", "viewer"):
            user_ids = frozenset({user.id}) if user_ids is None else frozenset(user_ids & {user.id})
        d0 = dt.datetime.fromtimestamp(t0, dt.UTC).date() - dt.timedelta(days=1)
        d1 = dt.datetime.fromtimestamp(t1, dt.UTC).date()
        store = self.sandbox.store
        slots = []
        with store.lock:
            idxs = store.query(
                org.id,
                date_range=(date_to_ord(d0), date_to_ord(d1)),
                user_ids=user_ids,
                project_ids=pids,
                task_ids=tids,
            )
            day_offset: dict[tuple[int, int], int] = {}
            c = store.cols
            for i in sorted(idxs, key=lambda i: (c["user"][i], c["date"][i], i)):
                key = (c["user"][i], c["date"][i])
                offset = day_offset.get(key, 0)
                tracked = c["tracked"][i]
                n = math.ceil(tracked / 600)
                day_offset[key] = offset + n
                base = (c["date"][i] * 86400) + 8 * 3600 + offset * 600
                ratio = (c["overall"][i] / tracked) if tracked else 0
                for k in range(n):
                    starts = base + k * 600
                    if not (t0 <= starts < t1):
                        continue
                    sid = (DA_BASE + i + 1) * 256 + k
                    if start_id is not None and sid < start_id:
                        continue
                    secs = min(600, tracked - k * 600)
                    slots.append((sid, i, starts, secs, ratio))
        slots.sort()
        page, rest = slots[:limit], slots[limit:]
        out = {"activities": []}
        for sid, i, starts, secs, ratio in page:
            c = store.cols
            overall = int(secs * ratio)
            out["activities"].append(
                {
                    "id": sid,
                    "date": iso_date(c["date"][i]),
                    "time_slot": iso_ts(starts),
                    "starts_at": iso_ts(starts),
                    "user_id": c["user"][i],
                    "project_id": c["project"][i],
                    "task_id": c["task"][i] or None,
                    "keyboard": overall // 2,
                    "mouse": overall,
                    "overall": overall,
                    "tracked": secs,
                    "billable": bool(c["billable"][i]),
                    "paid": False,
                    "immutable": False,
                    "time_type": "normal",
                    "timesheet_id": None,
                    "timesheet_locked": False,
                    "created_at": iso_ts(c["created"][i]),
                    "updated_at": iso_ts(c["updated"][i]),
                }
            )
        if rest:
            out["pagination"] = {"next_page_start_id": rest[0][0]}
        self.send_json(200, out)

    # =============================================================================================
    # Control API (only with --control)
    # =============================================================================================
    @route("GET", "/_sandbox/scenario")
    def c_scenario(self):
        self.send_json(200, self.sandbox.summary(limit=int(self.q("limit") or 50)))

    @route("POST", "/_sandbox/scenario")
    def c_load(self):
        body = self.json_body()
        try:
            if isinstance(body, dict) and set(body) == {"generate"}:
                summary = self.sandbox.load_scenario(generate=body["generate"])
            else:
                summary = self.sandbox.load_scenario(body)
        except scenario.ScenarioError as e:
            raise HTTPError(422, str(e)) from None
        self.send_json(200, summary)

    def _activity_fields(self, body: dict, partial: bool) -> dict:
        store = self.sandbox.store
        out = {}
        if "user" in body or "user_id" in body:
            ref = body.get("user_id", body.get("user"))
            u = store.users.get(ref) if isinstance(ref, int) else store.users_by_email.get(str(ref).lower())
            if u is None:
                raise HTTPError(422, f"unknown user {ref!r}")
            out["user"] = u.id
        if "project" in body or "project_id" in body:
            ref = body.get("project_id", body.get("project"))
            p = (
                store.projects.get(ref)
                if isinstance(ref, int)
                else next((p for p in store.projects.values() if p.name == ref), None)
            )
            if p is None:
                raise HTTPError(422, f"unknown project {ref!r}")
            out["project"] = p.id
            out["org"] = p.organization_id
        if "task_id" in body:
            out["task"] = int(body["task_id"] or 0)
        if "date" in body:
            try:
                out["date"] = date_to_ord(dt.date.fromisoformat(body["date"]))
            except (TypeError, ValueError):
                raise HTTPError(422, "date must be YYYY-MM-DD") from None
        if "hours" in body and "tracked" not in body:
            body["tracked"] = int(round(float(body["hours"]) * 3600))
        for k in (
            "tracked",
            "keyboard",
            "mouse",
            "overall",
            "input_tracked",
            "manual",
            "idle",
            "resumed",
            "billable",
        ):
            if k in body:
                if not isinstance(body[k], int) or body[k] < 0:
                    raise HTTPError(422, f"{k} must be a non-negative integer")
                out[k] = body[k]
        if not partial:
            for k in ("user", "project", "date", "tracked"):
                if k not in out:
                    raise HTTPError(422, f"{k} is required")
        return out

    @route("POST", "/_sandbox/daily_activities")
    def c_add_activity(self):
        body = self.json_body()
        v = self._activity_fields(body, partial=False)
        now = int(self.sandbox.now())
        tracked = v["tracked"]
        defaults = {
            "task": 0,
            "keyboard": tracked // 3,
            "mouse": tracked // 2,
            "overall": tracked // 2,
            "input_tracked": tracked,
            "manual": 0,
            "idle": 0,
            "resumed": 0,
            "billable": tracked,
            "created": now,
            "updated": now,
        }
        store = self.sandbox.store
        with store.lock:
            idx = store.add_extra_row({**defaults, **v})
            self.send_json(201, {"daily_activity": store.row(idx)})

    def _activity_index(self, activity_id: str) -> int:
        idx = self.sandbox.store.index_of(int(activity_id)) if activity_id.isdigit() else None
        if idx is None:
            raise HTTPError(404, "daily activity not found")
        return idx

    @route("GET", "/_sandbox/daily_activities/{activity_id}")
    def c_get_activity(self, activity_id):
        store = self.sandbox.store
        with store.lock:
            self.send_json(200, {"daily_activity": store.row(self._activity_index(activity_id))})

    @route("PATCH", "/_sandbox/daily_activities/{activity_id}")
    def c_edit_activity(self, activity_id):
        body = self.json_body()
        store = self.sandbox.store
        with store.lock:
            idx = self._activity_index(activity_id)
            changes = self._activity_fields(body, partial=True)
            if "org" in changes and changes["org"] != store.cols["org"][idx]:
                raise HTTPError(422, "cannot move a daily activity to another organization")
            changes.pop("org", None)
            store.update_row(idx, changes, int(self.sandbox.now()))
            self.send_json(200, {"daily_activity": store.row(idx)})

    c_put_activity = c_edit_activity
    route("PUT", "/_sandbox/daily_activities/{activity_id}")(c_put_activity)

    @route("DELETE", "/_sandbox/daily_activities/{activity_id}")
    def c_delete_activity(self, activity_id):
        store = self.sandbox.store
        with store.lock:
            store.delete_row(self._activity_index(activity_id))
        self.send_json(200, {"deleted": int(activity_id)})

    @route("POST", "/_sandbox/apps")
    def c_create_app(self):
        body = self.json_body()
        uris = body.get("redirect_uris") or []
        if isinstance(uris, str):
            uris = [u.strip() for u in uris.splitlines() if u.strip()]
        if not body.get("name") or not uris:
            raise HTTPError(422, "name and redirect_uris are required")
        app = self.sandbox.auth.create_app(body["name"], uris, body.get("homepage_url", ""), None)
        self.send_json(
            201,
            {
                "id": app.id,
                "name": app.name,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "redirect_uris": app.redirect_uris,
            },
        )

    def _user_by_email(self, body: dict):
        user = self.sandbox.store.users_by_email.get(str(body.get("email", "")).lower())
        if user is None:
            raise HTTPError(422, f"unknown user e-mail {body.get('email')!r}")
        return user

    @route("POST", "/_sandbox/personal_access_tokens")
    def c_create_pat(self):
        body = self.json_body()
        user = self._user_by_email(body)
        scope = body.get("scope") or "openid profile email hubstaff:read hubstaff:write"
        token = self.sandbox.auth.issue_refresh(
            user.id, None, scope, "pat", body.get("name") or "sandbox token"
        )
        rec = self.sandbox.auth.refresh[self.sandbox.auth.decode(token)["jti"]]
        self.send_json(
            201,
            {"refresh_token": token, "user_id": user.id, "scope": scope, "expires_at": iso_ts(rec.expires)},
        )

    @route("POST", "/_sandbox/tokens")
    def c_issue_tokens(self):
        """Issue an access/refresh pair directly (as after a consent), for tests that skip the browser."""
        body = self.json_body()
        user = self._user_by_email(body)
        client_id = body.get("client_id")
        if client_id and client_id not in self.sandbox.auth.apps:
            raise HTTPError(422, "unknown client_id")
        scope = body.get("scope") or "openid profile email hubstaff:read"
        self.send_json(
            201,
            self.sandbox.auth.issue_tokens(
                user, client_id, scope, "app" if client_id else "pat", body.get("nonce")
            ),
        )

    @route("GET", "/_sandbox/faults")
    def c_faults(self):
        self.send_json(200, self.sandbox.faults.describe())

    @route("POST", "/_sandbox/faults")
    def c_set_faults(self):
        body = self.json_body()
        sb, f = self.sandbox, self.sandbox.faults
        if not isinstance(body, dict):
            raise HTTPError(422, "body must be a JSON object")
        known = {
            "rate_limit",
            "rate_limit_window",
            "storm",
            "error_rate",
            "error_count",
            "error_status",
            "seed",
            "latency",
            "malformed_rate",
            "malformed_count",
            "expire_access_tokens",
            "revoke_refresh_tokens",
            "targets",
        }
        unknown = set(body) - known
        if unknown:
            raise HTTPError(422, f"unknown fault(s): {', '.join(sorted(unknown))}")
        with sb.lock:
            if "rate_limit" in body:
                f.rate_limit = body["rate_limit"]
                sb.windows.clear()
            if "rate_limit_window" in body:
                f.rate_limit_window = body["rate_limit_window"]
                sb.windows.clear()
            if "storm" in body:
                f.storm_count = int(body["storm"].get("count", 0))
                f.storm_retry_after = int(body["storm"].get("retry_after", 30))
            if "seed" in body:
                f.rng = random.Random(body["seed"])
            for k in ("error_rate", "latency", "malformed_rate"):
                if k in body:
                    setattr(f, k, float(body[k]))
            for k in ("error_count", "error_status", "malformed_count"):
                if k in body:
                    setattr(f, k, int(body[k]))
            if "targets" in body:
                f.targets = set(body["targets"])
        if body.get("expire_access_tokens"):
            sb.auth.expire_all_access()
        if body.get("revoke_refresh_tokens"):
            sb.auth.revoke_all_refresh()
        self.send_json(200, f.describe())

    @route("POST", "/_sandbox/faults/reset")
    def c_reset_faults(self):
        with self.sandbox.lock:
            self.sandbox.faults.reset()
            self.sandbox.windows.clear()
        self.send_json(200, self.sandbox.faults.describe())

    @route("GET", "/_sandbox/stats")
    def c_stats(self):
        sb = self.sandbox
        with sb.lock:
            routes = {k: {str(s): n for s, n in v.items()} for k, v in sorted(sb.stats.items())}
            total = sum(n for v in sb.stats.values() for n in v.values())
        self.send_json(200, {"routes": routes, "total": total})

    @route("POST", "/_sandbox/stats/reset")
    def c_reset_stats(self):
        with self.sandbox.lock:
            self.sandbox.stats.clear()
        self.send_json(200, {"routes": {}, "total": 0})

    @route("POST", "/_sandbox/clock")
    def c_clock(self):
        body = self.json_body()
        self.sandbox.clock.offset += float(body.get("advance", 0))
        self.send_json(200, {"offset": self.sandbox.clock.offset, "now": iso_ts(int(self.sandbox.now()))})


def redirect_uri_problem(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"Redirect URL {uri!r} must be a full URL."
    if parts.fragment:
        return f"Redirect URL {uri!r} must not contain a fragment."
    host = parts.hostname
    local = (
        host in ("localhost", "127.0.0.1", "[::1]", "::1")
        or host.endswith(".test")
        or host.endswith(".localhost")
    )
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
