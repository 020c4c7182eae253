"""The sandbox's webhooks against contract.json "webhooks" (the Webhooks part of Hubstaff's Swagger document):
every call answers its documented status and needs its scope, the create body's required fields are required,
the answer names the documented fields, the verification POST and a delivery have the documented shape, and
the signature is the documented HMAC. A sandbox that drifts from the reference fails here."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import time
import uuid

import pytest
import requests

from hubstaff_sandbox import contract
from hubstaff_sandbox.testing import DEMO_SCENARIO, running_sandbox

from .helpers import Receiver

HOOKS = contract.load()["webhooks"]
ORG, PROJECT = 100001, 200001
WRITE = "openid profile email hubstaff:read hubstaff:write"
READ = "openid profile email hubstaff:read"


@pytest.fixture(scope="module")
def ctx():
    with running_sandbox(scenario=DEMO_SCENARIO, rate_limit=100000) as sb:
        receiver = Receiver()
        try:
            yield {
                "sb": sb,
                "receiver": receiver,
                "write": sb.issue_tokens("alice@acme.test", scope=WRITE)["access_token"],
                "read": sb.issue_tokens("alice@acme.test", scope=READ)["access_token"],
            }
        finally:
            receiver.server.shutdown()


def _call(ctx, call: str, token: str | None, body=None, headers=None, webhook_id: str = "x"):
    method, path = call.split(" ", 1)
    path = path.replace("{organization_id}", str(ORG)).replace("{project_id}", str(PROJECT))
    path = path.replace("{webhook_id}", webhook_id)
    h = dict(headers or {})
    if token:
        h["Authorization"] = f"Bearer {token}"
    return requests.request(method, ctx["sb"].url + path, json=body, headers=h, timeout=10)


def _create_body(ctx) -> dict:
    return {"events": ["*"], "target_url": ctx["receiver"].url}


def _verified_webhook(ctx) -> tuple[str, str]:
    """A new organization webhook, verified by the receiver: (id, secret)."""
    r = _call(ctx, "POST /v2/organizations/{organization_id}/webhooks", ctx["write"], _create_body(ctx))
    hook_id = r.json()["webhook"]["id"]
    sb = ctx["sb"]
    for _ in range(200):
        hook = next(h for h in sb.webhooks() if h["id"] == hook_id)
        if hook["status"] != "pending":
            return hook_id, hook["secret"]
        time.sleep(0.02)
    raise AssertionError("the webhook was never verified")


@pytest.mark.parametrize("call", [c for c in HOOKS["calls"] if HOOKS["calls"][c].get("body") == "create"])
def test_every_create_call_answers_201_with_the_documented_fields(ctx, call):
    r = _call(ctx, call, ctx["write"], _create_body(ctx))
    assert r.status_code == HOOKS["calls"][call]["status"], r.text
    body = r.json()
    assert set(body) == {HOOKS["answer"]["key"]}
    assert contract.check_fields(HOOKS["answer"]["fields"], body[HOOKS["answer"]["key"]], call) == []


@pytest.mark.parametrize("call", list(HOOKS["calls"]))
def test_every_call_needs_its_scope_and_a_token(ctx, call):
    needed = HOOKS["calls"][call]["scope"]
    hook_id, _ = _verified_webhook(ctx)
    without = _call(ctx, call, None, _create_body(ctx), webhook_id=hook_id)
    assert without.status_code == 401
    assert contract.check_definition("Error", without.json()) == []
    if needed == "hubstaff:write":
        r = _call(ctx, call, ctx["read"], _create_body(ctx), webhook_id=hook_id)
        assert r.status_code == 403, r.text
        assert contract.check_definition("Error", r.json()) == []


@pytest.mark.parametrize("missing", [n for n, f in HOOKS["create_body"]["fields"].items() if f["required"]])
def test_the_create_body_fields_are_required(ctx, missing):
    body = {k: v for k, v in _create_body(ctx).items() if k != missing}
    r = _call(ctx, "POST /v2/organizations/{organization_id}/webhooks", ctx["write"], body)
    assert r.status_code == 400
    assert contract.check_definition("Error", r.json()) == []
    assert missing in r.json()["error"]


def test_every_documented_event_may_be_subscribed(ctx):
    body = {"events": HOOKS["events"][1:], "target_url": ctx["receiver"].url}
    r = _call(ctx, "POST /v2/organizations/{organization_id}/webhooks", ctx["write"], body)
    assert r.status_code == 201 and r.json()["webhook"]["events"] == HOOKS["events"][1:]
    body["events"] = ["timer.pause"]
    assert (
        _call(ctx, "POST /v2/organizations/{organization_id}/webhooks", ctx["write"], body).status_code == 400
    )


def test_get_activate_and_delete_answer_their_documented_statuses(ctx):
    hook_id, secret = _verified_webhook(ctx)
    calls = HOOKS["calls"]
    got = _call(ctx, "GET /v2/webhooks/{webhook_id}", ctx["read"], webhook_id=hook_id)
    assert got.status_code == calls["GET /v2/webhooks/{webhook_id}"]["status"]
    assert contract.check_fields(HOOKS["answer"]["fields"], got.json()["webhook"], "get") == []
    assert isinstance(got.json()["webhook"]["id"], str)  # the reference types webhook_id as a string
    header = calls["POST /v2/webhooks/{webhook_id}/activate"]["header"]
    activated = _call(
        ctx,
        "POST /v2/webhooks/{webhook_id}/activate",
        ctx["write"],
        headers={header: secret},
        webhook_id=hook_id,
    )
    assert activated.status_code == calls["POST /v2/webhooks/{webhook_id}/activate"]["status"]
    deleted = _call(ctx, "DELETE /v2/webhooks/{webhook_id}", ctx["write"], webhook_id=hook_id)
    assert (
        deleted.status_code == calls["DELETE /v2/webhooks/{webhook_id}"]["status"] and deleted.content == b""
    )
    gone = _call(ctx, "GET /v2/webhooks/{webhook_id}", ctx["read"], webhook_id=hook_id)
    assert gone.status_code == 404 and contract.check_definition("Error", gone.json()) == []


def test_there_is_no_listing_and_no_update(ctx):
    hook_id, _ = _verified_webhook(ctx)
    headers = {"Authorization": f"Bearer {ctx['write']}"}
    listing = requests.get(f"{ctx['sb'].api_url}/organizations/{ORG}/webhooks", headers=headers, timeout=10)
    update = requests.patch(f"{ctx['sb'].api_url}/webhooks/{hook_id}", json={}, headers=headers, timeout=10)
    assert listing.status_code == 405 and update.status_code == 405


def test_the_verification_post_has_the_documented_shape(ctx):
    receiver = Receiver()
    try:
        body = {"events": ["*"], "target_url": receiver.url}
        _call(ctx, "POST /v2/organizations/{organization_id}/webhooks", ctx["write"], body)
        secret = receiver.secret()
        first = receiver.requests[0]
        spec = HOOKS["verification"]
        assert first["body"] == spec["body"].encode() and first["headers"][spec["header"]] == secret
    finally:
        receiver.server.shutdown()


def test_a_timer_start_delivery_has_the_documented_shape_and_signature(ctx):
    sb, receiver = ctx["sb"], Receiver()
    try:
        r = _call(
            ctx,
            "POST /v2/organizations/{organization_id}/webhooks",
            ctx["write"],
            {"events": ["timer.start"], "target_url": receiver.url},
        )
        hook_id = r.json()["webhook"]["id"]
        secret = receiver.secret()
        _call(
            ctx,
            "POST /v2/webhooks/{webhook_id}/activate",
            ctx["write"],
            None,
            {"X-Hook-Secret": secret},
            hook_id,
        )
        sb.start_timer("sam@acme.test", "Project A")
        sb.stop_timer("sam@acme.test", seconds=60)
        (delivered,) = receiver.wait(1)
    finally:
        receiver.server.shutdown()
    spec = HOOKS["delivery"]
    assert delivered["headers"]["Content-Type"] == spec["content_type"]
    envelope = json.loads(delivered["body"])
    assert contract.check_fields(spec["fields"], envelope, "delivery") == []
    assert str(uuid.UUID(envelope["id"])) == envelope["id"]
    example = spec["fields"]["created_at"]["example"]
    assert re.sub(r"\d", "0", envelope["created_at"]) == re.sub(r"\d", "0", example)
    dt.datetime.fromisoformat(envelope["created_at"])
    assert contract.check_fields(spec["timer_start_payload"], envelope["payload"], "payload") == []
    assert set(envelope["payload"]) == set(spec["timer_start_payload"])
    started = spec["timer_start_payload"]["tracking_started_at"]["example"]
    assert re.sub(r"\d", "0", envelope["payload"]["tracking_started_at"]) == re.sub(r"\d", "0", started)
    sig = spec["signature"]
    expected = hmac.new(secret.encode(), delivered["body"], hashlib.sha256).hexdigest()
    assert (sig["algorithm"], sig["encoding"]) == ("HMAC-SHA256", "hex")
    assert hmac.compare_digest(delivered["headers"][sig["header"]], expected)
