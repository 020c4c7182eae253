"""OpenID Connect and OAuth 2.0 of the sandbox's account server: discovery, keys, the consent page, the
token endpoint and userinfo (docs/hubstaff.md, "OAuth / OIDC behaviour")."""

from __future__ import annotations

import base64
from urllib.parse import unquote, urlencode

from . import pages
from .auth import SUPPORTED_SCOPES, pkce_s256
from .routing import HTTPError, route


class OAuthMixin:
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
        held = auth.find_refresh(f.get("refresh_token") or "") if grant == "refresh_token" else None
        app = None
        # A personal access token belongs to a user, not to an app, so its refresh authenticates no client:
        # whatever client credentials come with it (none, the placeholder "PAT" / "PAT" that an OpenID client
        # library needs a value for, as in hubstaff_sandbox/tests/node, or a registered app's, right or wrong)
        # are not looked at. Every other request that sends credentials must send a registered app's.
        if held is None or held.kind != "pat":
            cid, secret, given = self._client_credentials()
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
            # an app's refresh token needs that app's own credentials (checked before the token is spent)
            if held is not None and held.kind == "app" and (app is None or app.client_id != held.client_id):
                self._token_error(
                    401, "invalid_client", "client authentication failed for this refresh token"
                )
            rec, reason = auth.use_refresh(f.get("refresh_token") or "")
            if rec is None:
                self._token_error(400, "invalid_grant", reason)
            user = store.users.get(rec.user_id)
            if user is None:
                self._token_error(400, "invalid_grant", "user no longer exists")
            # A personal token's record has no client id, so its rotated tokens stay a personal lineage. Its
            # refresh signs no one in to an app and answers without an ID token: there is no client an ID
            # token's audience could name, and an OpenID client checks any ID token's audience against the
            # client id it sent, the placeholder included (hubstaff_sandbox/tests/node).
            body = auth.issue_tokens(
                user, rec.client_id, rec.scope, rec.kind, pat_name=rec.name, with_id_token=rec.kind == "app"
            )
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
