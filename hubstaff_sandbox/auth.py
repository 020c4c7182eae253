"""OAuth apps, sessions, authorization codes, JWT access/refresh/id tokens and the signing key."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

SUPPORTED_SCOPES = ("openid", "profile", "email", "hubstaff:read", "hubstaff:write")
PAT_LIFETIME = 90 * 86400  # personal access tokens: 90 days (Hubstaff's documented lifetime)
APP_REFRESH_LIFETIME = 90 * 86400
CODE_LIFETIME = 600  # authorization codes: 10 minutes, single use


class Clock:
    """Wall clock plus an offset that tests can advance (POST /_sandbox/clock)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset


@dataclass
class App:
    id: int
    name: str
    homepage_url: str
    redirect_uris: list[str]
    client_id: str
    client_secret: str
    owner_id: int | None
    created: int


@dataclass
class RefreshRecord:
    jti: str
    user_id: int
    client_id: str | None  # None: personal access token lineage
    scope: str
    expires: int
    kind: str  # "app" or "pat"
    name: str = ""
    created: int = 0
    spent: bool = False


@dataclass
class AuthState:
    clock: Clock
    issuer: str
    access_ttl: int
    lock: threading.RLock = field(default_factory=threading.RLock)
    apps: dict[str, App] = field(default_factory=dict)  # by client_id
    sessions: dict[str, int] = field(default_factory=dict)  # session cookie -> user id
    codes: dict[str, dict] = field(default_factory=dict)
    refresh: dict[str, RefreshRecord] = field(default_factory=dict)
    # access tokens of an older generation are treated as expired (fault "expire access tokens")
    access_generation: int = 0
    _verified: dict[str, dict] = field(default_factory=dict)
    _next_app: int = 1

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.public_key = self.key.public_key()
        nums = self.public_key.public_numbers()
        self.jwk = {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": _b64(nums.n.to_bytes((nums.n.bit_length() + 7) // 8, "big")),
            "e": _b64(nums.e.to_bytes((nums.e.bit_length() + 7) // 8, "big")),
        }

    # --- apps ------------------------------------------------------------------------------------
    def create_app(
        self, name: str, redirect_uris: list[str], homepage_url: str = "", owner_id: int | None = None
    ) -> App:
        with self.lock:
            app = App(
                self._next_app,
                name,
                homepage_url,
                list(redirect_uris),
                secrets.token_urlsafe(24),
                secrets.token_urlsafe(48),
                owner_id,
                int(self.clock.now()),
            )
            self._next_app += 1
            self.apps[app.client_id] = app
            return app

    def app_by_id(self, app_id: int) -> App | None:
        return next((a for a in self.apps.values() if a.id == app_id), None)

    def check_client(self, client_id: str | None, client_secret: str | None) -> App | None:
        app = self.apps.get(client_id or "")
        if app is None or not secrets.compare_digest(app.client_secret, client_secret or ""):
            return None
        return app

    # --- sessions --------------------------------------------------------------------------------
    def new_session(self, user_id: int) -> str:
        sid = secrets.token_urlsafe(32)
        with self.lock:
            self.sessions[sid] = user_id
        return sid

    def csrf_for(self, sid: str) -> str:
        return hashlib.sha256(("csrf:" + sid).encode()).hexdigest()[:32]

    # --- codes -----------------------------------------------------------------------------------
    def new_code(self, **data) -> str:
        code = secrets.token_urlsafe(32)
        data["expires"] = self.clock.now() + CODE_LIFETIME
        with self.lock:
            self.codes[code] = data
        return code

    def take_code(self, code: str) -> dict | None:
        """Single use: the code is removed whether or not the exchange succeeds."""
        with self.lock:
            data = self.codes.pop(code or "", None)
        if data is None or data["expires"] < self.clock.now():
            return None
        return data

    # --- tokens ----------------------------------------------------------------------------------
    def _sign(self, claims: dict) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def issue_refresh(
        self,
        user_id: int,
        client_id: str | None,
        scope: str,
        kind: str,
        name: str = "",
        lifetime: int | None = None,
    ) -> str:
        now = int(self.clock.now())
        jti = secrets.token_urlsafe(24)
        exp = now + (lifetime or (PAT_LIFETIME if kind == "pat" else APP_REFRESH_LIFETIME))
        rec = RefreshRecord(jti, user_id, client_id, scope, exp, kind, name, now)
        with self.lock:
            self.refresh[jti] = rec
        claims = {
            "iss": self.issuer,
            "sub": str(user_id),
            "iat": now,
            "exp": exp,
            "jti": jti,
            "scope": scope,
            "typ": "refresh",
        }
        if client_id:
            claims["aud"] = client_id
        return self._sign(claims)

    def issue_tokens(
        self,
        user,
        client_id: str | None,
        scope: str,
        kind: str = "app",
        nonce: str | None = None,
        pat_name: str = "",
        with_id_token: bool = True,
    ) -> dict:
        now = int(self.clock.now())
        access_claims = {
            "iss": self.issuer,
            "sub": str(user.id),
            "iat": now,
            "exp": now + self.access_ttl,
            "jti": secrets.token_urlsafe(16),
            "scope": scope,
            "typ": "access",
            "client_id": client_id or f"pat:{user.id}",
            "gen": self.access_generation,
        }
        if client_id:
            access_claims["aud"] = client_id
        body = {
            "access_token": self._sign(access_claims),
            "refresh_token": self.issue_refresh(user.id, client_id, scope, kind, pat_name),
            "token_type": "bearer",
            "expires_in": self.access_ttl,
            "scope": scope,
        }
        if with_id_token and "openid" in scope.split():
            id_claims = {
                "iss": self.issuer,
                "sub": str(user.id),
                "aud": client_id or f"pat:{user.id}",
                "iat": now,
                "exp": now + self.access_ttl,
                "auth_time": now,
            }
            if nonce:
                id_claims["nonce"] = nonce
            if "email" in scope.split() and user.email:
                id_claims.update(email=user.email, email_verified=True)
            if "profile" in scope.split():
                id_claims.update(name=user.name, zoneinfo=user.time_zone)
            body["id_token"] = self._sign(id_claims)
        return body

    def decode(self, token: str) -> dict | None:
        try:
            return jwt.decode(
                token,
                self.public_key,
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"verify_exp": False, "verify_aud": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError:
            return None

    def verify_access(self, token: str) -> tuple[dict | None, str]:
        """Claims of a valid access token, or (None, reason)."""
        claims = self._verified.get(token)
        if claims is None:
            claims = self.decode(token)
            if claims is None or claims.get("typ") != "access":
                return None, "invalid token"
            if len(self._verified) > 10_000:
                self._verified.clear()
            self._verified[token] = claims
        now = self.clock.now()
        if claims["exp"] <= now or claims.get("gen", 0) != self.access_generation:
            return None, "token expired"
        return claims, ""

    def find_refresh(self, token: str) -> RefreshRecord | None:
        """The record of a refresh token, without spending it (None for a token this server did not sign)."""
        claims = self.decode(token or "")
        if claims is None or claims.get("typ") != "refresh":
            return None
        return self.refresh.get(claims["jti"])

    def use_refresh(self, token: str) -> tuple[RefreshRecord | None, str]:
        """Spend a refresh token (rotation). Returns its record, or (None, reason)."""
        claims = self.decode(token or "")
        if claims is None or claims.get("typ") != "refresh":
            return None, "invalid refresh token"
        with self.lock:
            rec = self.refresh.get(claims["jti"])
            if rec is None:
                return None, "refresh token revoked"
            if rec.spent:
                return None, "refresh token already used"
            if rec.expires <= self.clock.now():
                return None, "refresh token expired"
            rec.spent = True
            return rec, ""

    def expire_all_access(self) -> None:
        self.access_generation += 1
        self._verified.clear()

    def revoke_all_refresh(self) -> None:
        with self.lock:
            self.refresh.clear()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def pkce_s256(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode()).digest())
