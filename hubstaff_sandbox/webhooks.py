"""Hubstaff's webhooks in the sandbox: subscriptions, the verification POST, and signed deliveries sent by a
background sender thread, with delivery faults (lost, repeated, delayed, out of order, wrong signature).

Hubstaff's reference (the "Webhooks" part of its Swagger document; docs/hubstaff.md "Webhooks in the sandbox")
gives the calls, the verification handshake, the payload of ``timer.start`` and the signature; where it is
silent (the webhook's JSON, its statuses, retries, ordering, other payloads) the choices here are ours and
lean to the worst reading a receiver must survive: no retry of a failed delivery, no ordering promise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import hmac
import itertools
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

# The events of the reference's table; "*" subscribes to all of them.
EVENTS = (
    "timer.start",
    "timer.stop",
    "project.create",
    "client.create",
    "task.create",
    "task.assign",
    "task.unassign",
    "schedule.create",
    "schedule.update",
    "schedule.delete",
    "shift.ontime",
    "shift.early",
    "shift.late",
    "shift.abandoned",
    "shift.missed",
    "work_break.create",
    "activity.create",
    "activity.update",
    "activity.delete",
    "idle_time.start",
    "billing.occupied_seats",
)
# Enabled by Hubstaff per customer "on request": made only for organizations switched on (control API).
ON_REQUEST = ("activity.create", "activity.update", "activity.delete")
SEND_TIMEOUT = 5.0  # seconds a target may take to answer one POST
HELD_FLUSH = 2.0  # seconds an out-of-order delivery waits for a later one to overtake it


def sign(secret: str, body: bytes) -> str:
    """``X-Hook-Signature``: the hex HMAC-SHA256 of the raw body keyed by the secret (the reference's code)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def hook_time(epoch: float) -> str:
    """``created_at`` of a delivery as the reference prints it: UTC, microseconds, no zone suffix."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def tracking_time(epoch: float) -> str:
    """``tracking_started_at`` as the reference prints it: UTC, milliseconds, ``Z``."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Webhook:
    id: str
    kind: str  # "organization", "project" or "user": the path it was created on
    organization_id: int | None  # None for a user's own webhook (it follows the user everywhere)
    project_id: int | None
    user_id: int  # the creator; for "user" webhooks also the one whose events it receives
    events: list[str]
    target_url: str
    secret: str
    created: float
    # pending (verification not answered yet) -> verified (echoed) -> active; or failed (not echoed)
    status: str = "pending"
    updated: float = 0.0

    def public(self) -> dict:
        """The webhook as GET /v2/webhooks/{id} answers: the reference names id, status, events and target URL;
        the owner fields and times are ours. The secret is never shown."""
        out: dict = {
            "id": self.id,
            "status": self.status,
            "events": list(self.events),
            "target_url": self.target_url,
            "created_at": tracking_time(self.created)[:-5] + "Z",
            "updated_at": tracking_time(self.updated or self.created)[:-5] + "Z",
        }
        if self.kind == "organization":
            out["organization_id"] = self.organization_id
        elif self.kind == "project":
            out["project_id"] = self.project_id
        else:
            out["user_id"] = self.user_id
        return out

    def wants(self, event: dict) -> bool:
        if self.status != "active" or not ("*" in self.events or event["event"] in self.events):
            return False
        p = event["payload"]
        if self.kind == "organization":
            return p.get("organization_id") == self.organization_id
        if self.kind == "project":
            return p.get("project_id") == self.project_id
        return p.get("user_id") == self.user_id


@dataclass
class DeliveryFaults:
    """Faults of deliveries (keys ``webhook_*`` of POST /_sandbox/faults; docs/hubstaff.md)."""

    lost_rate: float = 0.0
    lost_count: int = 0
    repeat_rate: float = 0.0
    repeat_count: int = 0
    delay: float = 0.0
    out_of_order: bool = False
    bad_signature_rate: float = 0.0
    bad_signature_count: int = 0

    def describe(self) -> dict:
        return {f"webhook_{k}": v for k, v in self.__dict__.items()}


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    kind: str = field(compare=False)  # "verify" or "deliver"
    webhook_id: str = field(compare=False)
    body: bytes = field(compare=False, default=b"")
    event: dict = field(compare=False, default_factory=dict)
    fault: str = field(compare=False, default="")


class WebhookHub:
    """Webhooks of every organization, the queue of POSTs to their targets, and the record of those made.

    ``emit`` is called by whatever changes Hubstaff's data (control API); the sender thread does every POST,
    so a slow or dead target never holds up an API answer.
    """

    def __init__(self, rng, now) -> None:
        self.now = now  # the sandbox's clock (times in webhooks and deliveries); waits are in real seconds
        self.lock = threading.Condition()
        self.webhooks: dict[str, Webhook] = {}
        self.faults = DeliveryFaults()
        self.rng = rng
        self.activity_orgs: set[int] = set()  # organizations with the "on request" activity.* events
        self.deliveries: list[dict] = []  # every POST made (verifications and deliveries), oldest first
        self._queue: list[_Job] = []
        self._seq = itertools.count(1)
        self._held: _Job | None = None
        self._busy = 0
        threading.Thread(target=self._run, name="webhook-sender", daemon=True).start()

    # --- subscriptions ---------------------------------------------------------------------------
    def create(self, **fields) -> Webhook:
        now = self.now()
        hook = Webhook(id=str(uuid.uuid4()), secret=secrets.token_hex(32), created=now, updated=now, **fields)
        with self.lock:
            self.webhooks[hook.id] = hook
            self._push(_Job(time.time(), next(self._seq), "verify", hook.id))
        return hook

    def activate(self, hook: Webhook, echoed: str) -> bool:
        with self.lock:
            if hook.status not in ("verified", "active") or not hmac.compare_digest(
                echoed.encode(), hook.secret.encode()
            ):
                return False
            hook.status, hook.updated = "active", self.now()
            return True

    def delete(self, hook_id: str) -> None:
        with self.lock:
            self.webhooks.pop(hook_id, None)

    def clear(self) -> None:
        with self.lock:
            self.webhooks.clear()
            self._queue.clear()
            self._held = None
            self.activity_orgs.clear()

    # --- events ----------------------------------------------------------------------------------
    def emit(self, event: str, payload: dict) -> int:
        """Queue ``event`` for every active webhook that wants it; returns how many deliveries were queued.
        ``activity.*`` events of an organization not switched on are not made at all."""
        if event in ON_REQUEST and payload.get("organization_id") not in self.activity_orgs:
            return 0
        now = time.time()
        envelope = {
            "id": str(uuid.uuid4()),
            "event": event,
            "created_at": hook_time(self.now()),
            "payload": payload,
        }
        body = json.dumps(envelope, separators=(",", ":")).encode()
        n = 0
        with self.lock:
            f = self.faults
            for hook in list(self.webhooks.values()):
                if not hook.wants(envelope):
                    continue
                n += 1
                if self._take(f, "lost"):
                    self.deliveries.append(self._record(hook.id, envelope, "lost", None, ""))
                    continue
                fault = "bad_signature" if self._take(f, "bad_signature") else ""
                job = _Job(now + f.delay, next(self._seq), "deliver", hook.id, body, envelope, fault)
                if self._take(f, "repeat"):
                    again = _Job(
                        now + f.delay + 0.2, next(self._seq), "deliver", hook.id, body, envelope, fault
                    )
                    again.fault = (fault + ",repeat").lstrip(",")
                    self._push(again)
                if f.out_of_order:
                    job = self._swap(job)
                if job is not None:
                    self._push(job)
        return n

    def _take(self, f: DeliveryFaults, name: str) -> bool:
        count = getattr(f, f"{name}_count")
        if count > 0:
            setattr(f, f"{name}_count", count - 1)
            return True
        rate = getattr(f, f"{name}_rate")
        return bool(rate) and self.rng.random() < rate

    def _swap(self, job: _Job) -> _Job | None:
        """Out of order: each delivery waits for the next one, which is sent first; a delivery nobody
        overtakes goes out after HELD_FLUSH seconds."""
        held, self._held = self._held, None
        if held is None:
            self._held = job
            job.due += HELD_FLUSH
            job.fault = (job.fault + ",out_of_order").lstrip(",")
            self._push(job)
            return None
        held.due = job.due + 0.05  # right after the later one
        heapq.heapify(self._queue)
        return job

    # --- the sender ------------------------------------------------------------------------------
    def _push(self, job: _Job) -> None:
        heapq.heappush(self._queue, job)
        self.lock.notify_all()

    def pending(self) -> int:
        with self.lock:
            return len(self._queue) + self._busy

    def _run(self) -> None:
        while True:
            with self.lock:
                while not self._queue or self._queue[0].due > time.time():
                    self.lock.wait(None if not self._queue else max(0.0, self._queue[0].due - time.time()))
                job = heapq.heappop(self._queue)
                if self._held is job:
                    self._held = None
                hook = self.webhooks.get(job.webhook_id)
                self._busy += 1
            try:
                if hook is not None:
                    self._verify(hook) if job.kind == "verify" else self._deliver(hook, job)
            finally:
                with self.lock:
                    self._busy -= 1
                    self.lock.notify_all()

    def _post(self, url: str, body: bytes, headers: dict) -> tuple[int | None, dict, str]:
        req = urllib.request.Request(url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=SEND_TIMEOUT) as r:  # noqa: S310 - the target's URL
                return r.status, dict(r.headers.items()), ""
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers.items()), ""
        except (OSError, ValueError) as e:
            return None, {}, repr(e)

    def _verify(self, hook: Webhook) -> None:
        status, headers, error = self._post(
            hook.target_url, b"", {"X-Hook-Secret": hook.secret, "Content-Length": "0"}
        )
        echoed = {k.lower(): v for k, v in headers.items()}.get("x-hook-secret", "")
        ok = status == 200 and hmac.compare_digest(echoed.encode(), hook.secret.encode())
        with self.lock:
            if hook.status == "pending":
                hook.status, hook.updated = ("verified" if ok else "failed"), self.now()
            self.deliveries.append(
                {**self._record(hook.id, None, "", status, error), "echoed": bool(ok), "kind": "verify"}
            )

    def _deliver(self, hook: Webhook, job: _Job) -> None:
        key = hook.secret if "bad_signature" not in job.fault else secrets.token_hex(32)
        headers = {"Content-Type": "application/json", "X-Hook-Signature": sign(key, job.body)}
        status, _, error = self._post(hook.target_url, job.body, headers)
        with self.lock:
            self.deliveries.append(self._record(hook.id, job.event, job.fault, status, error))

    def _record(
        self, hook_id: str, envelope: dict | None, fault: str, status: int | None, error: str
    ) -> dict:
        return {
            "kind": "deliver",
            "webhook_id": hook_id,
            "event_id": envelope["id"] if envelope else None,
            "event": envelope["event"] if envelope else None,
            "fault": fault,
            "status": status,
            "error": error,
            "at": hook_time(self.now()),
        }
