"""Fault injection and the rate limit, over real HTTP."""

import time

import pytest
import requests

from hubstaff_sandbox.testing import DEMO_SCENARIO, running_sandbox

from .helpers import REDIRECT, refresh


@pytest.fixture
def tok(hs):
    app = hs.create_app("Faulty", [REDIRECT])
    return {
        "app": app,
        "token": hs.issue_tokens("alice@acme.test", client_id=app["client_id"])["access_token"],
    }


def me(hs, token):
    return hs.api_get("/users/me", token)


def test_rate_limit_per_application_with_retry_after(hs, tok):
    hs.fault(rate_limit=3)
    assert [me(hs, tok["token"]).status_code for _ in range(3)] == [200, 200, 200]
    r = me(hs, tok["token"])
    assert r.status_code == 429 and r.json()["error"]
    assert 3500 <= int(r.headers["Retry-After"]) <= 3600
    # another application (client id) has its own budget
    other = hs.create_app("Other", [REDIRECT])
    assert (
        me(hs, hs.issue_tokens("alice@acme.test", client_id=other["client_id"])["access_token"]).status_code
        == 200
    )
    # a short window resets
    hs.fault(rate_limit=1, rate_limit_window=1)
    assert me(hs, tok["token"]).status_code == 200
    r = me(hs, tok["token"])
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    time.sleep(1.05)
    assert me(hs, tok["token"]).status_code == 200
    hs.reset_faults()
    assert me(hs, tok["token"]).status_code == 200


def test_rate_limit_command_line_option():
    with running_sandbox(scenario=DEMO_SCENARIO, rate_limit=2) as sb:
        token = sb.issue_tokens("alice@acme.test")["access_token"]
        assert [sb.api_get("/users/me", token).status_code for _ in range(3)] == [200, 200, 429]


def test_429_storm(hs, tok):
    hs.fault(storm={"count": 2, "retry_after": 7})
    for _ in range(2):
        r = me(hs, tok["token"])
        assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    assert me(hs, tok["token"]).status_code == 200


def test_5xx_by_count_and_by_seeded_fraction(hs, tok):
    hs.fault(error_count=2, error_status=503)
    assert [me(hs, tok["token"]).status_code for _ in range(3)] == [503, 503, 200]

    def run():
        hs.fault(error_rate=0.5, seed=42, error_status=500)
        return [me(hs, tok["token"]).status_code for _ in range(40)]

    first, second = run(), run()
    assert first == second  # the seed makes the pattern repeatable
    assert 5 < first.count(500) < 35 and first.count(200) + first.count(500) == 40
    hs.reset_faults()
    assert all(me(hs, tok["token"]).status_code == 200 for _ in range(10))


def test_faults_can_target_the_token_endpoint(hs, tok):
    pat = hs.create_pat("alice@acme.test")
    hs.fault(error_count=1, targets=["token"])
    assert me(hs, tok["token"]).status_code == 200  # API untouched
    r = refresh(hs.url, pat)
    assert r.status_code == 500
    assert refresh(hs.url, pat).status_code == 200  # the failed call did not spend the token


def test_latency(hs, tok):
    hs.fault(latency=0.3)
    t0 = time.perf_counter()
    assert me(hs, tok["token"]).status_code == 200
    assert time.perf_counter() - t0 >= 0.3
    hs.fault(latency=0)
    t0 = time.perf_counter()
    me(hs, tok["token"])
    assert time.perf_counter() - t0 < 0.3


def test_malformed_bodies(hs, tok):
    hs.fault(malformed_count=1)
    r = me(hs, tok["token"])
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()
    assert me(hs, tok["token"]).json()["user"]
    hs.fault(malformed_rate=1.0)
    with pytest.raises(ValueError):
        me(hs, tok["token"]).json()


def test_expire_all_access_tokens(hs, tok):
    pat = hs.create_pat("alice@acme.test")
    assert me(hs, tok["token"]).status_code == 200
    hs.fault(expire_access_tokens=True)
    r = me(hs, tok["token"])
    assert r.status_code == 401 and "expired" in r.json()["error"]
    fresh_token = refresh(hs.url, pat).json()["access_token"]  # refreshing still works
    assert me(hs, fresh_token).status_code == 200


def test_revoke_all_refresh_tokens(hs, tok):
    pat = hs.create_pat("alice@acme.test")
    hs.fault(revoke_refresh_tokens=True)
    r = refresh(hs.url, pat)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert me(hs, tok["token"]).status_code == 200  # access tokens keep working until they expire


def test_faults_reset_and_validation(hs, tok):
    hs.fault(latency=0.1, error_rate=0.2, rate_limit=1, malformed_rate=0.5)
    state = hs.reset_faults()
    assert state["latency"] == 0 and state["error_rate"] == 0 and state["rate_limit"] is None
    r = requests.post(f"{hs.url}/_sandbox/faults", json={"nonsense": 1})
    assert r.status_code == 422
    assert requests.get(f"{hs.url}/_sandbox/faults").json()["targets"] == ["api"]
