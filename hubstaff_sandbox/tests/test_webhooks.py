"""Webhooks of the sandbox as Hubstaff's reference describes them: subscription (write scope), the
verification POST, activation, signed deliveries of tracked time, the "on request" activity events, and the
delivery faults a receiver must survive (lost, repeated, delayed, out of order, wrong signature)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
import requests

from hubstaff_sandbox.testing import DEMO_SCENARIO, SandboxError, running_sandbox

from .helpers import Receiver

WRITE_SCOPE = "openid profile email hubstaff:read hubstaff:write"
ORG = 100001  # Acme Hubstaff of the demo scenario
PROJECT_A = 200001


@pytest.fixture(scope="module")
def sb():
    with running_sandbox(scenario=DEMO_SCENARIO, rate_limit=100000) as sandbox:
        yield sandbox


@pytest.fixture
def hs(sb):
    yield sb
    sb.reset_faults()
    sb.reset_webhooks()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def _auth(token: str, **extra) -> dict:
    return {"Authorization": f"Bearer {token}", **extra}


def _token(sb, email: str = "alice@acme.test", scope: str = WRITE_SCOPE) -> str:
    return sb.issue_tokens(email, scope=scope)["access_token"]


def _subscribe(sb, receiver, events=("*",), path=f"/organizations/{ORG}/webhooks", token=None) -> dict:
    token = token or _token(sb)
    r = requests.post(
        sb.api_url + path,
        json={"events": list(events), "target_url": receiver.url},
        headers=_auth(token),
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return r.json()["webhook"]


def _active(sb, receiver, events=("*",)) -> tuple[dict, str]:
    """An active organization webhook and its secret."""
    hook = _subscribe(sb, receiver, events)
    secret = receiver.secret()
    r = requests.post(
        f"{sb.api_url}/webhooks/{hook['id']}/activate",
        headers=_auth(_token(sb), **{"X-Hook-Secret": secret}),
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return hook, secret


def _signed(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- subscription, verification, activation -----------------------------------------------------


def test_subscribing_needs_the_write_scope(hs, receiver):
    read_only = _token(hs, scope="openid profile email hubstaff:read")
    r = requests.post(
        f"{hs.api_url}/organizations/{ORG}/webhooks",
        json={"events": ["timer.stop"], "target_url": receiver.url},
        headers=_auth(read_only),
        timeout=10,
    )
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden" and "hubstaff:write" in r.json()["error"]
    assert hs.webhooks() == []
    assert receiver.requests == []


def test_the_verification_post_arrives_with_the_secret_and_an_empty_body(hs, receiver):
    hook = _subscribe(hs, receiver, ["timer.stop"])
    assert hook["status"] == "pending" and hook["events"] == ["timer.stop"] and "secret" not in hook
    secret = receiver.secret()
    assert len(secret) >= 32 and receiver.requests[0]["body"] == b""
    assert hs.webhooks()[0]["secret"] == secret
    deadline = time.monotonic() + 5
    while hs.webhooks()[0]["status"] != "verified" and time.monotonic() < deadline:
        time.sleep(0.02)
    r = requests.get(f"{hs.api_url}/webhooks/{hook['id']}", headers=_auth(_token(hs)), timeout=10)
    assert r.status_code == 200 and r.json()["webhook"]["status"] == "verified"


def test_activation_is_refused_without_the_echoed_secret(hs, receiver):
    hook = _subscribe(hs, receiver)
    secret = receiver.secret()
    url = f"{hs.api_url}/webhooks/{hook['id']}/activate"
    token = _token(hs)
    assert requests.post(url, headers=_auth(token), timeout=10).status_code == 400
    wrong = requests.post(url, headers=_auth(token, **{"X-Hook-Secret": "0" * 64}), timeout=10)
    assert wrong.status_code == 400
    hs.track("bobby@acme.test", "Project A", 600)
    time.sleep(0.5)
    assert receiver.events() == []  # not active: nothing delivered
    right = requests.post(url, headers=_auth(token, **{"X-Hook-Secret": secret}), timeout=10)
    assert right.status_code == 201 and right.json()["webhook"]["status"] == "active"


def test_a_target_that_does_not_echo_the_secret_cannot_be_activated(hs):
    silent = Receiver(echo=False)
    try:
        hook = _subscribe(hs, silent)
        secret = silent.secret()
        deadline = time.monotonic() + 5
        while hs.webhooks()[0]["status"] == "pending" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert hs.webhooks()[0]["status"] == "failed"
        r = requests.post(
            f"{hs.api_url}/webhooks/{hook['id']}/activate",
            headers=_auth(_token(hs), **{"X-Hook-Secret": secret}),
            timeout=10,
        )
        assert r.status_code == 400 and "not verified" in r.json()["error"]
    finally:
        silent.server.shutdown()


def test_webhooks_are_seen_and_deleted_only_within_their_organization(hs, receiver):
    hook, _ = _active(hs, receiver)
    outsider = _token(hs, "dana@elsewhere.test")
    hs.remove_member(ORG, "dana@elsewhere.test")  # from now on outside the organization
    url = f"{hs.api_url}/webhooks/{hook['id']}"
    assert requests.get(url, headers=_auth(outsider), timeout=10).status_code == 404
    assert requests.delete(url, headers=_auth(outsider), timeout=10).status_code == 404
    member = _token(hs, "bobby@acme.test", scope="openid hubstaff:read")
    assert requests.get(url, headers=_auth(member), timeout=10).status_code == 200
    assert requests.delete(url, headers=_auth(member), timeout=10).status_code == 403  # read scope
    r = requests.delete(url, headers=_auth(_token(hs)), timeout=10)
    assert r.status_code == 204
    assert requests.get(url, headers=_auth(_token(hs)), timeout=10).status_code == 404
    hs.track("bobby@acme.test", "Project A", 600)
    time.sleep(0.5)
    assert receiver.events() == []


def test_a_plain_member_may_not_subscribe_the_organization(hs, receiver):
    r = requests.post(
        f"{hs.api_url}/organizations/{ORG}/webhooks",
        json={"events": ["*"], "target_url": receiver.url},
        headers=_auth(_token(hs, "bobby@acme.test")),
        timeout=10,
    )
    assert r.status_code == 403


# --- deliveries ---------------------------------------------------------------------------------


def test_a_stopped_timer_is_delivered_signed_and_its_time_is_in_the_daily_activities(hs, receiver):
    _, secret = _active(hs, receiver, ["timer.stop"])
    token = _token(hs)
    hs.start_timer("alice@acme.test", "Project A")
    stopped = hs.stop_timer("alice@acme.test", seconds=1800)
    events = receiver.wait(1)
    assert len(events) == 1
    body, headers = events[0]["body"], events[0]["headers"]
    assert hmac.compare_digest(headers["X-Hook-Signature"], _signed(body, secret))
    delivery = json.loads(body)
    assert delivery["event"] == "timer.stop" and len(delivery["id"]) == 36
    assert delivery["payload"]["user_id"] == 300001 and delivery["payload"]["project_id"] == PROJECT_A
    assert delivery["payload"]["project_name"] == "Project A"
    day = stopped["daily_activity"]["date"]
    rows = hs.api_get(
        f"/organizations/{ORG}/activities/daily", token, **{"date[start]": day, "date[stop]": day}
    ).json()["daily_activities"]
    assert [r["tracked"] for r in rows if r["user_id"] == 300001 and r["project_id"] == PROJECT_A] == [1800]
    updates = hs.api_get(
        f"/organizations/{ORG}/activities/daily/updates",
        token,
        **{"updated[start]": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 120))},
    ).json()["daily_activities"]
    assert stopped["daily_activity"]["id"] in [r["id"] for r in updates]
    hs.track("alice@acme.test", "Project A", 600)  # the same day's row grows
    rows = hs.api_get(
        f"/organizations/{ORG}/activities/daily", token, **{"date[start]": day, "date[stop]": day}
    ).json()["daily_activities"]
    assert [r["tracked"] for r in rows if r["user_id"] == 300001 and r["project_id"] == PROJECT_A] == [2400]


def test_deliveries_follow_the_events_list(hs, receiver):
    _active(hs, receiver, ["timer.start"])
    hs.track("sam@acme.test", "Project B", 60)
    hs.create_project(ORG, "Project C")
    events = receiver.wait(1)
    time.sleep(0.3)
    assert [json.loads(e["body"])["event"] for e in receiver.events()] == ["timer.start"]
    payload = json.loads(events[0]["body"])["payload"]
    assert set(payload) == {
        "organization_id",
        "project_id",
        "project_name",
        "task_id",
        "task_summary",
        "user_id",
        "user_name",
        "tracking_started_at",
    }


def test_project_creation_and_breaks_are_delivered(hs, receiver):
    _active(hs, receiver, ["project.create", "work_break.create"])
    made = hs.create_project(ORG, "Break time", type="work_break")["project"]
    hs.start_timer("sam@acme.test", made["id"])
    events = [json.loads(e["body"]) for e in receiver.wait(2)]
    assert [e["event"] for e in events] == ["project.create", "work_break.create"]
    assert events[0]["payload"]["project_id"] == made["id"]
    hs.stop_timer("sam@acme.test", seconds=300)


def test_activity_events_only_when_switched_on_for_the_organization(hs, receiver):
    _active(hs, receiver, ["*"])
    hs.track("bobby@acme.test", "Project B", 120)
    receiver.wait(2)
    time.sleep(0.3)
    assert [json.loads(e["body"])["event"] for e in receiver.events()] == ["timer.start", "timer.stop"]
    hs.enable_activity_events(ORG)
    hs.track("bobby@acme.test", "Project B", 120)
    events = [json.loads(e["body"])["event"] for e in receiver.wait(5)]
    assert events[2:] == ["timer.start", "timer.stop", "activity.update"]


# --- faults -------------------------------------------------------------------------------------


def test_lost_deliveries_are_never_sent(hs, receiver):
    _active(hs, receiver, ["timer.stop"])
    hs.fault(webhook_lost_count=2)
    for _ in range(3):
        hs.track("sam@acme.test", "Project A", 60)
    made = hs.wait_for_deliveries(3)
    assert [d["fault"] for d in made] == ["lost", "lost", ""]
    assert len(receiver.wait(1)) == 1


def test_a_lost_rate_loses_that_fraction(hs, receiver):
    _active(hs, receiver, ["timer.stop"])
    hs.fault(webhook_lost_rate=0.5, seed=3)
    for _ in range(20):
        hs.track("sam@acme.test", "Project A", 60)
    made = hs.wait_for_deliveries(20)
    lost = sum(d["fault"] == "lost" for d in made)
    assert 4 <= lost <= 16
    assert len(receiver.wait(20 - lost)) == 20 - lost


def test_repeated_deliveries_carry_the_same_id_and_signature(hs, receiver):
    _, secret = _active(hs, receiver, ["timer.stop"])
    hs.fault(webhook_repeat_count=1)
    hs.track("sam@acme.test", "Project A", 60)
    first, second = receiver.wait(2)
    assert first["body"] == second["body"]
    assert (
        first["headers"]["X-Hook-Signature"]
        == second["headers"]["X-Hook-Signature"]
        == _signed(first["body"], secret)
    )


def test_delayed_deliveries_arrive_late(hs, receiver):
    _active(hs, receiver, ["timer.stop"])
    hs.fault(webhook_delay=1.5)
    started = time.monotonic()
    hs.track("sam@acme.test", "Project A", 60)
    time.sleep(0.5)
    assert receiver.events() == []
    assert len(receiver.wait(1)) == 1
    assert time.monotonic() - started >= 1.4


def test_out_of_order_deliveries_arrive_later_event_first(hs, receiver):
    _active(hs, receiver, ["timer.start", "timer.stop"])
    hs.fault(webhook_out_of_order=True)
    hs.start_timer("sam@acme.test", "Project A")
    hs.stop_timer("sam@acme.test", seconds=60)
    events = [json.loads(e["body"])["event"] for e in receiver.wait(2)]
    assert events == ["timer.stop", "timer.start"]


def test_a_wrong_signature_does_not_verify_with_the_secret(hs, receiver):
    _, secret = _active(hs, receiver, ["timer.stop"])
    hs.fault(webhook_bad_signature_count=1)
    hs.track("sam@acme.test", "Project A", 60)
    hs.track("sam@acme.test", "Project A", 60)
    bad, good = receiver.wait(2)
    assert bad["headers"]["X-Hook-Signature"] != _signed(bad["body"], secret)
    assert len(bad["headers"]["X-Hook-Signature"]) == 64
    assert good["headers"]["X-Hook-Signature"] == _signed(good["body"], secret)
    assert [d["fault"] for d in hs.wait_for_deliveries(2)] == ["bad_signature", ""]


def test_project_and_personal_webhooks_receive_only_their_own_events(hs, receiver):
    project_hook = _subscribe(hs, receiver, ["timer.stop"], path=f"/projects/{PROJECT_A}/webhooks")
    personal = Receiver()
    try:
        token = _token(hs, "sam@acme.test")
        mine = _subscribe(hs, personal, ["timer.stop"], path="/users/me/webhooks", token=token)
        for hook, target, who in (
            (project_hook, receiver, "alice@acme.test"),
            (mine, personal, "sam@acme.test"),
        ):
            r = requests.post(
                f"{hs.api_url}/webhooks/{hook['id']}/activate",
                headers=_auth(_token(hs, who), **{"X-Hook-Secret": target.secret()}),
                timeout=10,
            )
            assert r.status_code == 201, r.text
        hs.track("bobby@acme.test", "Project B", 60)  # neither Project A nor Sam
        hs.track("sam@acme.test", "Project B", 60)  # Sam's, not Project A
        hs.track("bobby@acme.test", "Project A", 60)  # Project A's, not Sam's
        hs.wait_for_deliveries(2)
        time.sleep(0.3)
        project_events = [json.loads(e["body"])["payload"] for e in receiver.events()]
        personal_events = [json.loads(e["body"])["payload"] for e in personal.events()]
        assert [(p["user_id"], p["project_id"]) for p in project_events] == [(300002, PROJECT_A)]
        assert [(p["user_id"], p["project_id"]) for p in personal_events] == [(300003, 200002)]
        # Sam's own webhook is Sam's: the organization's owner does not see it
        r = requests.get(f"{hs.api_url}/webhooks/{mine['id']}", headers=_auth(_token(hs)), timeout=10)
        assert r.status_code == 404
    finally:
        personal.server.shutdown()


def test_a_timer_stopped_without_a_start_tracks_the_given_seconds(hs):
    answer = hs.stop_timer("sam@acme.test", "Project B", seconds=900)
    assert answer["tracked"] == 900 and answer["daily_activity"]["project_id"] == 200002
    with pytest.raises(SandboxError):
        hs.stop_timer("sam@acme.test")  # nothing running, no seconds
