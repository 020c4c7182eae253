"""Control API, the rest: apps and tokens without a browser, injected faults, stats and the clock."""

from __future__ import annotations

import random

from .routing import HTTPError, route
from .store import iso_ts
from .webhooks import DeliveryFaults

READINGS = {
    "daily_floor": ("reject", "clamp", "empty"),
    "updates_reach": ("filter", "reject", "empty"),
    "edit_log": ("all", "manual"),
}
# Optional listings a fault can make refuse every request (a role that may not read them, a plan without them):
# the name a test gives -> the end of the routes' paths.
REFUSABLE = {"time_edit_logs": "/time_edit_logs", "daily_updates": "/activities/daily/updates"}
REFUSALS = {403: "You are not authorized to access this resource", 404: "Not found"}
# Faults of webhook deliveries (webhooks.DeliveryFaults): the key -> its type.
WEBHOOK_FAULTS = {
    "webhook_lost_rate": float,
    "webhook_lost_count": int,
    "webhook_repeat_rate": float,
    "webhook_repeat_count": int,
    "webhook_delay": float,
    "webhook_out_of_order": bool,
    "webhook_bad_signature_rate": float,
    "webhook_bad_signature_count": int,
}


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
        # Readings of limits the Swagger document states without saying how they are enforced
        # (docs/hubstaff.md, "Unknowns"): the default is the one we judge most likely.
        self.daily_floor = "reject"  # date[start] older than 3 years: reject (400) | clamp | empty
        self.updates_reach = "filter"  # /daily/updates older than a month: filter | reject (400) | empty
        # What the time edit log records: every change of time ("all"), or only changes of manual time
        # ("manual": Hubstaff documents the log as recording manual time changes; tracked time edited or
        # deleted then leaves no entry).
        self.edit_log = "all"
        self.refuse: dict[str, int] = {}  # REFUSABLE name -> the status its routes answer (403 or 404)

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
            "daily_floor": self.daily_floor,
            "updates_reach": self.updates_reach,
            "edit_log": self.edit_log,
            "refuse": dict(self.refuse),
        }

    def refusal(self, route: str | None) -> HTTPError | None:
        """The refusal a request of `route` ("GET /v2/...") meets, if a listing it reads is refused."""
        for name, status in self.refuse.items():
            if route and route.endswith(REFUSABLE[name]):
                return HTTPError(status, REFUSALS[status])
        return None


class FaultsMixin:
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
        self.send_json(200, {**self.sandbox.faults.describe(), **self.sandbox.webhooks.faults.describe()})

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
            "daily_floor",
            "updates_reach",
            "edit_log",
            "refuse",
            *WEBHOOK_FAULTS,
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
                sb.webhooks.rng = random.Random(body["seed"])
            self._set_webhook_faults(body)
            for k in ("error_rate", "latency", "malformed_rate"):
                if k in body:
                    setattr(f, k, float(body[k]))
            for k in ("error_count", "error_status", "malformed_count"):
                if k in body:
                    setattr(f, k, int(body[k]))
            if "targets" in body:
                f.targets = set(body["targets"])
            if "refuse" in body:
                refuse = body["refuse"] or {}
                if not isinstance(refuse, dict) or not all(
                    name in REFUSABLE and status in REFUSALS for name, status in refuse.items()
                ):
                    raise HTTPError(
                        422, f"refuse maps {', '.join(REFUSABLE)} to one of {', '.join(map(str, REFUSALS))}"
                    )
                f.refuse = dict(refuse)
            for key, allowed in READINGS.items():
                if key in body:
                    if body[key] not in allowed:
                        raise HTTPError(422, f"{key} must be one of {', '.join(allowed)}")
                    setattr(f, key, body[key])
        if body.get("expire_access_tokens"):
            sb.auth.expire_all_access()
        if body.get("revoke_refresh_tokens"):
            sb.auth.revoke_all_refresh()
        self.send_json(200, {**f.describe(), **sb.webhooks.faults.describe()})

    def _set_webhook_faults(self, body: dict) -> None:
        hub = self.sandbox.webhooks
        wf = hub.faults
        with hub.lock:
            for key, kind in WEBHOOK_FAULTS.items():
                if key not in body:
                    continue
                value = body[key]
                ok = (
                    isinstance(value, bool)
                    if kind is bool
                    else isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
                )
                if not ok or (key.endswith("_rate") and value > 1):
                    raise HTTPError(
                        422, f"{key} must be {'true or false' if kind is bool else 'a number >= 0'}"
                    )
                setattr(wf, key.removeprefix("webhook_"), kind(value))

    @route("POST", "/_sandbox/faults/reset")
    def c_reset_faults(self):
        with self.sandbox.webhooks.lock:
            self.sandbox.webhooks.faults = DeliveryFaults()
        with self.sandbox.lock:
            self.sandbox.faults.reset()
            self.sandbox.windows.clear()
        self.send_json(200, {**self.sandbox.faults.describe(), **self.sandbox.webhooks.faults.describe()})

    @route("GET", "/_sandbox/stats")
    def c_stats(self):
        sb = self.sandbox
        with sb.lock:
            routes = {k: {str(s): n for s, n in v.items()} for k, v in sorted(sb.stats.items())}
            total = sum(n for v in sb.stats.values() for n in v.values())
            params = {k: sorted(v) for k, v in sorted(sb.params.items())}
        self.send_json(200, {"routes": routes, "total": total, "params": params})

    @route("POST", "/_sandbox/stats/reset")
    def c_reset_stats(self):
        with self.sandbox.lock:
            self.sandbox.stats.clear()
            self.sandbox.params.clear()
        self.send_json(200, {"routes": {}, "total": 0, "params": {}})

    @route("POST", "/_sandbox/clock")
    def c_clock(self):
        body = self.json_body()
        self.sandbox.clock.offset += float(body.get("advance", 0))
        self.send_json(200, {"offset": self.sandbox.clock.offset, "now": iso_ts(int(self.sandbox.now()))})
