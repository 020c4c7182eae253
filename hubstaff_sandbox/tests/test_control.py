"""Control API (/_sandbox/), stats, logging hygiene and process lifecycle."""

import datetime as dt
import signal
import subprocess
import sys

import pytest
import requests

from hubstaff_sandbox.testing import DEMO_SCENARIO, PACKAGE_DIR, SandboxError, running_sandbox

from .helpers import REDIRECT, authorize, exchange


def test_control_api_is_off_without_flag():
    with running_sandbox(scenario=DEMO_SCENARIO, control=False) as sb:
        for method, path in (("GET", "stats"), ("POST", "faults"), ("POST", "apps"), ("GET", "scenario")):
            r = requests.request(method, f"{sb.url}/_sandbox/{path}", json={})
            assert r.status_code == 404 and r.json() == {"error": "not found"}
        # the rest still works
        assert requests.get(f"{sb.url}/.well-known/openid-configuration").status_code == 200


def test_load_and_generate_replace_the_data(fresh):
    summary = fresh.load(
        {
            "organizations": [{"name": "Tiny"}],
            "users": [{"name": "Tom Tiny", "email": "tom@tiny.test", "time_zone": "UTC"}],
            "memberships": [{"organization": "Tiny", "user": "tom@tiny.test", "role": "manager"}],
            "projects": [{"organization": "Tiny", "name": "Only"}],
            "daily_activities": [
                {"user": "tom@tiny.test", "project": "Only", "date": "2026-05-04", "hours": 2.5}
            ],
        }
    )
    assert summary["counts"] == {
        "organizations": 1,
        "users": 1,
        "projects": 1,
        "tasks": 0,
        "daily_activities": 1,
    }
    token = fresh.issue_tokens("tom@tiny.test")["access_token"]
    org = summary["organizations"][0]["id"]
    rows = fresh.api_get(
        f"/organizations/{org}/activities/daily",
        token,
        **{"date[start]": "2026-05-01", "date[stop]": "2026-05-31"},
    ).json()["daily_activities"]
    assert [(r["date"], r["tracked"], r["task_id"]) for r in rows] == [("2026-05-04", 9000, None)]
    # old users are gone (sign-in fails), and generated data replaces the scenario
    assert (
        requests.post(
            f"{fresh.url}/login", data={"email": "alice@acme.test", "password": "sandbox"}
        ).status_code
        == 401
    )
    gen = fresh.generate("users=5,projects=2,days=14,seed=3,end=2026-05-31")
    assert gen["counts"]["users"] == 5 and gen["counts"]["daily_activities"] > 0
    with pytest.raises(SandboxError, match="422"):
        fresh.load({"memberships": [{"user": "nobody@x.test"}]})
    with pytest.raises(SandboxError, match="422"):
        fresh.generate("users=abc")


def test_add_edit_delete_daily_activities(fresh):
    ids = fresh.ids()
    org = ids["orgs"]["Acme Hubstaff"]
    token = fresh.issue_tokens("alice@acme.test")["access_token"]
    fresh.advance_clock(0)
    path = f"/organizations/{org}/activities/daily"
    # within the last month: /daily/updates returns only the last month's activities
    today = dt.datetime.now(dt.UTC).date()
    day = [(today - dt.timedelta(days=n)).isoformat() for n in range(21)]
    window = {"date[start]": day[20], "date[stop]": day[1]}
    added = fresh.add_activity(user="sam@acme.test", project="Project B", date=day[19], tracked=3600)
    assert added["project_id"] == ids["projects"]["Project B"] and added["tracked"] == 3600
    rows = fresh.api_get(path, token, **window).json()["daily_activities"]
    assert [r["id"] for r in rows] == [added["id"]]
    edited = fresh.edit_activity(added["id"], tracked=5400)
    assert edited["tracked"] == 5400 and edited["updated_at"] >= added["updated_at"]
    # editing moves updated_at, so the updates endpoint reports it
    fresh.advance_clock(120)
    before = fresh.control(f"daily_activities/{added['id']}", method="GET")["daily_activity"]
    again = fresh.edit_activity(added["id"], date=day[18])
    assert again["updated_at"] > before["updated_at"] and again["date"] == day[18]
    upd = fresh.api_get(
        f"{path}/updates",
        token,
        **{"updated[start]": before["updated_at"], "updated[stop]": "2099-01-01T00:00:00Z"},
    )
    assert upd.status_code == 400  # range too long
    stop = again["updated_at"].replace("Z", "+00:00")
    stop = (dt.datetime.fromisoformat(stop) + dt.timedelta(seconds=1)).isoformat()
    upd = fresh.api_get(
        f"{path}/updates", token, **{"updated[start]": before["updated_at"], "updated[stop]": stop}
    )
    assert [r["id"] for r in upd.json()["daily_activities"]] == [added["id"]]
    # edit an existing scenario row's date into another month: it follows
    first = fresh.api_get(path, token, **{"date[start]": "2026-02-01", "date[stop]": "2026-02-01"}).json()
    row = first["daily_activities"][0]
    fresh.edit_activity(row["id"], date=day[10])
    moved = fresh.api_get(path, token, **window).json()["daily_activities"]
    assert row["id"] in [r["id"] for r in moved]
    gone = fresh.api_get(path, token, **{"date[start]": "2026-02-01", "date[stop]": "2026-02-01"}).json()
    assert row["id"] not in [r["id"] for r in gone["daily_activities"]]
    fresh.delete_activity(added["id"])
    assert added["id"] not in [
        r["id"] for r in fresh.api_get(path, token, **window).json()["daily_activities"]
    ]
    with pytest.raises(SandboxError, match="404"):
        fresh.delete_activity(added["id"])
    with pytest.raises(SandboxError, match="422"):
        fresh.add_activity(user="sam@acme.test", project="Project B", date=day[19])


def test_create_app_and_tokens(hs):
    app = hs.create_app("Direct", [REDIRECT, "https://x.example/cb"])
    assert set(app) >= {"client_id", "client_secret", "redirect_uris", "id"}
    q = authorize(hs.url, app["client_id"], redirect_uri="https://x.example/cb")
    assert exchange(hs.url, app, q["code"], redirect_uri="https://x.example/cb").status_code == 200
    with pytest.raises(SandboxError, match="422"):
        hs.create_app("", [])
    with pytest.raises(SandboxError, match="422"):
        hs.create_pat("ghost@nowhere.test")
    tokens = hs.issue_tokens("bobby@acme.test", client_id=app["client_id"])
    assert hs.api_get("/users/me", tokens["access_token"]).json()["user"]["email"] == "bobby@acme.test"


def test_stats_count_requests_per_route_and_status(fresh):
    fresh.reset_stats()
    token = fresh.issue_tokens("alice@acme.test")["access_token"]
    org = fresh.ids()["orgs"]["Acme Hubstaff"]
    for _ in range(3):
        fresh.api_get(
            f"/organizations/{org}/activities/daily",
            token,
            **{"date[start]": "2026-02-01", "date[stop]": "2026-02-02"},
        )
    fresh.api_get(
        f"/organizations/{org}/activities/daily", token, **{"date[start]": "bad", "date[stop]": "x"}
    )
    fresh.api_get("/users/me", "bad")
    requests.get(f"{fresh.url}/.well-known/openid-configuration")
    stats = fresh.stats()
    routes = stats["routes"]
    assert routes["GET /v2/organizations/{id}/activities/daily"] == {"200": 3, "400": 1}
    assert routes["GET /v2/users/me"] == {"401": 1}
    assert routes["GET /.well-known/openid-configuration"] == {"200": 1}
    assert stats["total"] == 6
    assert fresh.reset_stats()["total"] == 0 and fresh.stats()["total"] == 0


def test_log_lines_never_contain_tokens(tmp_path):
    log = tmp_path / "log.txt"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hubstaff_sandbox",
                "--port",
                "0",
                "--control",
                "--scenario",
                str(DEMO_SCENARIO),
            ],
            stdout=subprocess.PIPE,
            stderr=fh,
            text=True,
            cwd=str(PACKAGE_DIR.parent),
        )
        try:
            url = proc.stdout.readline().split("listening on ", 1)[1].split()[0]
            app = requests.post(
                f"{url}/_sandbox/apps", json={"name": "L", "redirect_uris": [REDIRECT]}
            ).json()
            q = authorize(url, app["client_id"])
            tokens = exchange(url, app, q["code"]).json()
            requests.get(
                f"{url}/v2/users/me?access_token={tokens['access_token']}",
                headers={"Authorization": "Bearer " + tokens["access_token"]},
            )
        finally:
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=10) == 0  # clean exit on SIGINT
    text = log.read_text()
    assert '"GET /v2/users/me" 200' in text
    for secret in (tokens["access_token"], tokens["refresh_token"], app["client_secret"], q["code"]):
        assert secret not in text


def test_sigterm_exits_cleanly():
    with running_sandbox() as sb:
        proc = sb.process
    assert proc.returncode == 0
