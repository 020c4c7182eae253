"""The sandbox's developer site: sign-in, OAuth apps and personal access tokens (docs/hubstaff.md, "Pages")."""

from __future__ import annotations

from urllib.parse import urlsplit

from . import pages
from .routing import route
from .store import iso_ts

COOKIE = "hubstaff_sandbox_session"
PASSWORD = "sandbox"


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


class DevSiteMixin:
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
