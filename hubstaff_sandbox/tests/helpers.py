"""Helpers that drive the sandbox's pages like a browser would, with requests; and a tiny webhook target."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests

REDIRECT = "http://localhost:8000/hubstaff/callback"
READ_SCOPE = "openid profile email hubstaff:read"


def hidden_fields(html: str) -> dict:
    return {
        unescape(n): unescape(v)
        for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', html)
    }


def sign_in(base: str, email: str, password: str = "sandbox", next_url: str = "/apps") -> requests.Session:
    s = requests.Session()
    r = s.post(
        f"{base}/login", data={"email": email, "password": password, "next": next_url}, allow_redirects=False
    )
    assert r.status_code == 302, r.text
    return s


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(
    base: str,
    client_id: str,
    email: str = "alice@acme.test",
    *,
    decision: str = "allow",
    redirect_uri: str = REDIRECT,
    scope: str = READ_SCOPE,
    state: str = "st4te",
    nonce: str = "n0nce",
    challenge: str | None = None,
) -> dict:
    """Run the authorization request through sign-in and consent; return the callback's query params."""
    s = requests.Session()
    params = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "nonce": nonce,
    }
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    r = s.get(f"{base}/authorizations/new", params=params, allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"].startswith("/login"), (r.status_code, r.text)
    next_url = parse_qs(urlsplit(r.headers["Location"]).query)["next"][0]
    r = s.post(
        f"{base}/login", data={"email": email, "password": "sandbox", "next": next_url}, allow_redirects=False
    )
    assert r.status_code == 302
    r = s.get(base + r.headers["Location"], allow_redirects=False)
    assert r.status_code == 200 and "wants to access your Hubstaff account" in r.text, r.text
    form = hidden_fields(r.text)
    form["decision"] = decision
    r = s.post(f"{base}/authorizations", data=form, allow_redirects=False)
    assert r.status_code == 302
    location = r.headers["Location"]
    assert location.startswith(redirect_uri)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(
    base: str,
    app: dict,
    code: str,
    *,
    verifier: str | None = None,
    redirect_uri: str = REDIRECT,
    basic: bool = True,
) -> requests.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier:
        data["code_verifier"] = verifier
    if basic:
        return requests.post(
            f"{base}/access_tokens", data=data, auth=(app["client_id"], app["client_secret"])
        )
    data.update(client_id=app["client_id"], client_secret=app["client_secret"])
    return requests.post(f"{base}/access_tokens", data=data)


def refresh(base: str, refresh_token: str, app: dict | None = None) -> requests.Response:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    auth = (app["client_id"], app["client_secret"]) if app else None
    return requests.post(f"{base}/access_tokens", data=data, auth=auth)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class Receiver:
    """A tiny webhook target: records every POST; echoes X-Hook-Secret unless told not to."""

    def __init__(self, echo: bool = True) -> None:
        self.echo = echo
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append({"headers": dict(self.headers.items()), "body": body})
                self.send_response(200)
                secret = self.headers.get("X-Hook-Secret")
                if secret and receiver.echo:
                    self.send_header("X-Hook-Secret", secret)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/key"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["body"]]

    def wait(self, count: int, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.events()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.events()

    def secret(self, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for r in self.requests:
                    if "X-Hook-Secret" in r["headers"]:
                        return r["headers"]["X-Hook-Secret"]
            time.sleep(0.02)
        raise AssertionError("no verification POST arrived")
