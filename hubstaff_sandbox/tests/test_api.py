"""API v2 over real HTTP against the demo scenario."""

import datetime as dt

import pytest
import requests

from hubstaff_sandbox.testing import HINT_SCENARIO, load_json, running_sandbox

from .helpers import bearer

DAILY_FIELDS = {
    "id",
    "date",
    "user_id",
    "project_id",
    "task_id",
    "tracked",
    "keyboard",
    "mouse",
    "overall",
    "input_tracked",
    "manual",
    "idle",
    "resumed",
    "billable",
    "work_break",
    "created_at",
    "updated_at",
}


@pytest.fixture(scope="module")
def ctx(demo):
    ids = demo.ids()
    token = demo.issue_tokens("alice@acme.test")["access_token"]
    return {"ids": ids, "token": token, "org": ids["orgs"]["Acme Hubstaff"], "sb": demo}


def get(ctx, path, token=None, **params):
    return requests.get(ctx["sb"].api_url + path, params=params, headers=bearer(token or ctx["token"]))


def all_daily(ctx, path, token=None, **params):
    rows, pages = [], 0
    while True:
        body = get(ctx, path, token, **params).json()
        pages += 1
        rows += body["daily_activities"]
        nxt = body.get("pagination", {}).get("next_page_start_id")
        if not nxt:
            return rows, pages
        params["page_start_id"] = nxt


def test_users_me_and_user(ctx):
    me = get(ctx, "/users/me").json()["user"]
    assert set(me) == {
        "id",
        "name",
        "first_name",
        "last_name",
        "email",
        "time_zone",
        "ip_address",
        "status",
        "created_at",
        "updated_at",
    }
    assert (me["name"], me["email"], me["time_zone"]) == ("Alice Admin", "alice@acme.test", "Europe/Warsaw")
    bobby_id = ctx["ids"]["users"]["bobby@acme.test"]
    assert get(ctx, f"/users/{bobby_id}").json()["user"]["name"] == "Bobby Brown"
    r = get(ctx, "/users/999")
    assert r.status_code == 404
    assert r.json() == {"code": "not_found", "error": "Could not find record", "error_code": 12000}


def test_organizations_and_projects(ctx):
    orgs = get(ctx, "/organizations").json()
    assert "pagination" not in orgs
    org = orgs["organizations"][0]
    assert org["name"] == "Acme Hubstaff"
    assert set(org) >= {"id", "name", "status", "created_at", "updated_at", "metadata", "invite_url"}
    projects = get(ctx, f"/organizations/{ctx['org']}/projects").json()["projects"]
    assert [p["name"] for p in projects] == ["Project A", "Project B"]
    assert set(projects[0]) >= {
        "id",
        "name",
        "description",
        "status",
        "client_id",
        "billable",
        "budget",
        "created_at",
        "updated_at",
        "metadata",
    }
    assert get(ctx, f"/organizations/{ctx['org']}/projects", status="archived").json()["projects"] == []
    assert get(ctx, f"/organizations/{ctx['org']}/projects", status="bogus").status_code == 400
    page = get(ctx, f"/organizations/{ctx['org']}/projects", page_limit=1).json()
    assert len(page["projects"]) == 1 and page["pagination"]["next_page_start_id"] == projects[1]["id"]
    page2 = get(
        ctx,
        f"/organizations/{ctx['org']}/projects",
        page_limit=1,
        page_start_id=page["pagination"]["next_page_start_id"],
    ).json()
    assert page2["projects"][0]["name"] == "Project B" and "pagination" not in page2


def test_members_with_users(ctx):
    r = get(ctx, f"/organizations/{ctx['org']}/members", include="users").json()
    assert {m["membership_role"] for m in r["members"]} == {"owner", "user"}
    assert set(r["members"][0]) >= {"user_id", "membership_role", "membership_status"}
    assert {u["email"] for u in r["users"]} == {
        "alice@acme.test",
        "bobby@acme.test",
        "sam@acme.test",
        "dana@elsewhere.test",
    }
    r2 = requests.get(
        f"{ctx['sb'].api_url}/organizations/{ctx['org']}/members?include[]=users",
        headers=bearer(ctx["token"]),
    ).json()
    assert len(r2["users"]) == 4
    assert "users" not in get(ctx, f"/organizations/{ctx['org']}/members").json()
    paged = get(ctx, f"/organizations/{ctx['org']}/members", page_limit=3).json()
    assert len(paged["members"]) == 3 and "next_page_start_id" in paged["pagination"]


def test_daily_activities_demo_story(ctx):
    ids = ctx["ids"]
    bobby, sam, dana = (ids["users"][e] for e in ("bobby@acme.test", "sam@acme.test", "dana@elsewhere.test"))
    a, b = ids["projects"]["Project A"], ids["projects"]["Project B"]
    rows = []
    for start, stop in (
        ("2026-02-01", "2026-03-03"),
        ("2026-03-04", "2026-04-03"),
        ("2026-04-04", "2026-04-30"),
    ):
        got, _ = all_daily(
            ctx,
            f"/organizations/{ctx['org']}/activities/daily",
            **{"date[start]": start, "date[stop]": stop, "page_limit": 500},
        )
        rows += got
    assert set(rows[0]) == DAILY_FIELDS
    bobby_a = sorted({r["date"] for r in rows if r["user_id"] == bobby and r["project_id"] == a})
    assert bobby_a[0] == "2026-02-01" and bobby_a[-1] == "2026-03-19"
    assert all(dt.date.fromisoformat(d).weekday() < 5 for d in bobby_a[1:])
    assert any(r["user_id"] == bobby and r["project_id"] == b for r in rows)
    sam_months = {r["date"][:7] for r in rows if r["user_id"] == sam}
    assert sam_months == {"2026-02", "2026-03", "2026-04"}
    assert {r["date"][:7] for r in rows if r["user_id"] == dana} == {"2026-03"}
    per_day = {}
    for r in rows:
        per_day.setdefault((r["user_id"], r["date"]), set()).add(r["task_id"])
    assert any(len(t) > 1 for (u, _), t in per_day.items() if u == bobby)  # several tasks some days
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)


def test_daily_filters_and_pagination(ctx):
    ids, path = ctx["ids"], f"/organizations/{ctx['org']}/activities/daily"
    rng = {"date[start]": "2026-02-01", "date[stop]": "2026-02-28"}
    everything, _ = all_daily(ctx, path, **rng, page_limit=500)
    small, pages = all_daily(ctx, path, **rng, page_limit=7)
    assert small == everything and pages == -(-len(everything) // 7)
    # page_start_id is inclusive, and the last page has no pagination key
    first = get(ctx, path, **rng, page_limit=5).json()
    nxt = first["pagination"]["next_page_start_id"]
    second = get(ctx, path, **rng, page_limit=5, page_start_id=nxt).json()
    assert second["daily_activities"][0]["id"] == nxt
    last = get(ctx, path, **rng, page_limit=500).json()
    assert "pagination" not in last
    # stop is inclusive
    one_day = get(ctx, path, **{"date[start]": "2026-03-19", "date[stop]": "2026-03-19"}).json()[
        "daily_activities"
    ]
    assert one_day and {r["date"] for r in one_day} == {"2026-03-19"}
    bobby, sam = ids["users"]["bobby@acme.test"], ids["users"]["sam@acme.test"]
    a, b = ids["projects"]["Project A"], ids["projects"]["Project B"]
    url = f"{ctx['sb'].api_url}{path}?date[start]=2026-02-01&date[stop]=2026-02-28&page_limit=500"
    repeated = requests.get(
        url + f"&user_ids[]={bobby}&user_ids[]={sam}", headers=bearer(ctx["token"])
    ).json()
    comma = requests.get(url + f"&user_ids={bobby},{sam}", headers=bearer(ctx["token"])).json()
    assert repeated == comma and {r["user_id"] for r in comma["daily_activities"]} == {bobby, sam}
    only_b = requests.get(url + f"&project_ids[]={b}", headers=bearer(ctx["token"])).json()[
        "daily_activities"
    ]
    assert only_b and {r["project_id"] for r in only_b} == {b}
    both = requests.get(url + f"&project_ids[]={a}&project_ids[]={b}", headers=bearer(ctx["token"])).json()
    assert len(both["daily_activities"]) == len(everything)
    task = everything[0]["task_id"]
    by_task = requests.get(url + f"&task_ids[]={task}", headers=bearer(ctx["token"])).json()[
        "daily_activities"
    ]
    assert by_task and {r["task_id"] for r in by_task} == {task}
    inc = get(ctx, path, **rng, include="users,projects,tasks", page_limit=10).json()
    assert {"users", "projects", "tasks"} <= set(inc)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"date[start]": "2026-01-01", "date[stop]": "2026-02-01"}, "31 days"),
        ({"date[start]": "2026-02-01", "date[stop]": "2026-02-28", "page_limit": 501}, "page_limit"),
        ({"date[start]": "2026-02-01", "date[stop]": "2026-02-28", "page_limit": 0}, "page_limit"),
        ({"date[start]": "2026-02-01", "date[stop]": "2026-02-28", "page_limit": "x"}, "page_limit"),
        ({"date[start]": "2026-02-01", "date[stop]": "2026-02-28", "page_start_id": "x"}, "page_start_id"),
        ({"date[start]": "2026-02-30", "date[stop]": "2026-03-01"}, "date[start]"),
        ({"date[start]": "2026-03-01", "date[stop]": "2026-02-01"}, "date[stop]"),
        ({"date[stop]": "2026-03-01"}, "date[start]"),
        ({"date[start]": "2026-02-01", "date[stop]": "2026-02-02", "user_ids": "a,b"}, "user_ids"),
    ],
)
def test_daily_bad_parameters_are_400(ctx, params, message):
    r = get(ctx, f"/organizations/{ctx['org']}/activities/daily", **params)
    assert r.status_code == 400
    assert message in r.json()["error"]


def test_31_day_range_is_allowed(ctx):
    r = get(
        ctx,
        f"/organizations/{ctx['org']}/activities/daily",
        **{"date[start]": "2026-03-01", "date[stop]": "2026-03-31"},
    )
    assert r.status_code == 200


def test_auth_errors(ctx):
    path = f"/organizations/{ctx['org']}/projects"
    r = requests.get(ctx["sb"].api_url + path)
    assert r.status_code == 401 and "error" in r.json()
    assert get(ctx, path, token="not-a-jwt").status_code == 401
    no_scope = ctx["sb"].issue_tokens("alice@acme.test", scope="openid email")["access_token"]
    r = get(ctx, path, token=no_scope)
    assert r.status_code == 403 and "hubstaff:read" in r.json()["error"]
    assert get(ctx, "/organizations/1/projects").status_code == 404
    assert (
        get(
            ctx,
            "/organizations/1/activities/daily",
            **{"date[start]": "2026-02-01", "date[stop]": "2026-02-02"},
        ).status_code
        == 404
    )
    assert get(ctx, "/projects/1/activities/daily").status_code == 404
    assert get(ctx, "/nothing/here").status_code == 404


def test_non_member_gets_403():
    scenario = load_json(HINT_SCENARIO)
    scenario["organizations"].append({"name": "Other Org"})
    scenario["users"].append({"name": "Olga Other", "email": "olga@other.test"})
    scenario["memberships"].append({"organization": "Other Org", "user": "olga@other.test", "role": "owner"})
    scenario["projects"].append({"organization": "Other Org", "name": "Secret"})
    with running_sandbox(scenario=scenario) as sb:
        ids = sb.ids()
        token = sb.issue_tokens("alice@acme.test")["access_token"]
        other, secret = ids["orgs"]["Other Org"], ids["projects"]["Secret"]
        for path in (
            f"/organizations/{other}/projects",
            f"/organizations/{other}/members",
            f"/organizations/{other}/activities/daily?date[start]=2026-02-01&date[stop]=2026-02-02",
            f"/projects/{secret}/activities/daily?date[start]=2026-02-01&date[stop]=2026-02-02",
            f"/users/{ids['users']['olga@other.test']}",
        ):
            r = requests.get(sb.api_url + path, headers=bearer(token))
            assert r.status_code == 403, path
            assert "error" in r.json()
        assert [o["name"] for o in sb.api_get("/organizations", token).json()["organizations"]] == [
            "Acme Hubstaff"
        ]
        # the hint story: Bobby on Project A only on 2026-02-01 and 2026-03-19
        org = ids["orgs"]["Acme Hubstaff"]
        dates = set()
        for start, stop in (("2026-02-01", "2026-03-03"), ("2026-03-04", "2026-04-03")):
            body = sb.api_get(
                f"/organizations/{org}/activities/daily", token, **{"date[start]": start, "date[stop]": stop}
            ).json()
            dates |= {r["date"] for r in body["daily_activities"]}
        assert dates == {"2026-02-01", "2026-03-19"}


def test_plain_member_sees_own_time_only(ctx):
    token = ctx["sb"].issue_tokens("sam@acme.test")["access_token"]
    rows = get(
        ctx,
        f"/organizations/{ctx['org']}/activities/daily",
        token,
        **{"date[start]": "2026-02-01", "date[stop]": "2026-03-01"},
    ).json()["daily_activities"]
    assert rows and {r["user_id"] for r in rows} == {ctx["ids"]["users"]["sam@acme.test"]}


def test_project_daily_activities(ctx):
    b = ctx["ids"]["projects"]["Project B"]
    rows, _ = all_daily(
        ctx, f"/projects/{b}/activities/daily", **{"date[start]": "2026-03-01", "date[stop]": "2026-03-31"}
    )
    assert rows and {r["project_id"] for r in rows} == {b}
    assert {r["date"] for r in rows} >= {"2026-03-23", "2026-03-24", "2026-03-26"}
    r = get(
        ctx, f"/projects/{b}/activities/daily", **{"date[start]": "2026-01-01", "date[stop]": "2026-03-01"}
    )
    assert r.status_code == 400


@pytest.fixture(scope="module")
def recent():
    """Demo people and projects with rows of the last days (/daily/updates and time slots reach back a month
    and six months); each row is created and updated 00:10 UTC the day after its date."""
    scenario = load_json(HINT_SCENARIO)
    today = dt.datetime.now(dt.UTC).date()
    days = [today - dt.timedelta(days=n) for n in (4, 3, 2)]
    scenario["daily_activities"] = [
        {"user": "bobby@acme.test", "project": "Project A", "date": d.isoformat(), "hours": 3} for d in days
    ] + [{"user": "bobby@acme.test", "project": "Project B", "date": days[1].isoformat(), "hours": 1}]
    with running_sandbox(scenario=scenario) as sb:
        ids = sb.ids()
        yield {
            "ids": ids,
            "token": sb.issue_tokens("alice@acme.test")["access_token"],
            "org": ids["orgs"]["Acme Hubstaff"],
            "sb": sb,
            "days": [d.isoformat() for d in days],
        }


def test_daily_activities_by_updated_time(recent):
    ctx, days = recent, recent["days"]
    path = f"/organizations/{ctx['org']}/activities/daily/updates"
    after = {d: (dt.date.fromisoformat(d) + dt.timedelta(days=1)).isoformat() for d in days}
    window = {"updated[start]": f"{days[0]}T00:00:00Z", "updated[stop]": f"{after[days[0]]}T00:10:00Z"}
    rows, _ = all_daily(ctx, path, **window)
    assert rows == []  # stop exclusive: the row updated exactly at the stop is left out
    window["updated[stop]"] = f"{after[days[0]]}T00:10:01Z"
    rows, _ = all_daily(ctx, path, **window)
    assert {r["date"] for r in rows} == {days[0]}
    rows, _ = all_daily(ctx, path, **{"updated[start]": f"{days[0]}T00:00:00Z"})  # stop is optional
    assert {r["date"] for r in rows} == set(days)
    long_range = {"updated[start]": "2026-01-01T00:00:00Z", "updated[stop]": "2026-03-01T00:00:00Z"}
    assert get(ctx, path, **long_range).status_code == 400
    bad = {"updated[start]": "yesterday", "updated[stop]": "2026-03-01T00:00:00Z"}
    assert get(ctx, path, **bad).status_code == 400
    b = ctx["ids"]["projects"]["Project B"]
    rows = get(
        ctx, f"/projects/{b}/activities/daily/updates", **{"updated[start]": f"{days[0]}T00:00:00Z"}
    ).json()["daily_activities"]
    assert [(r["project_id"], r["date"]) for r in rows] == [(b, days[1])]


def test_activities_time_slots(recent):
    ctx, day = recent, recent["days"][1]
    path = f"/organizations/{ctx['org']}/activities"
    params = {"time_slot[start]": f"{day}T00:00:00Z", "time_slot[stop]": f"{day}T23:59:59Z"}
    slots = []
    while True:
        body = get(ctx, path, **params, page_limit=50).json()
        slots += body["activities"]
        if "pagination" not in body:
            break
        params["page_start_id"] = body["pagination"]["next_page_start_id"]
    assert slots and set(slots[0]) >= {
        "id",
        "date",
        "time_slot",
        "starts_at",
        "user_id",
        "project_id",
        "task_id",
        "keyboard",
        "mouse",
        "overall",
        "tracked",
        "billable",
        "paid",
        "immutable",
        "time_type",
        "timesheet_id",
        "timesheet_locked",
        "created_at",
        "updated_at",
    }
    assert all(s["tracked"] <= 600 for s in slots)
    daily = get(
        ctx,
        f"/organizations/{ctx['org']}/activities/daily",
        **{"date[start]": day, "date[stop]": day},
    ).json()
    assert sum(s["tracked"] for s in slots) == sum(r["tracked"] for r in daily["daily_activities"])
    assert [s["id"] for s in slots] == sorted(s["id"] for s in slots)
    week = {"time_slot[start]": f"{day}T00:00:00Z", "time_slot[stop]": f"{recent['days'][0]}T00:00:00Z"}
    assert get(ctx, path, **week).status_code == 400  # stop before start
    r = get(
        ctx, path, **{"time_slot[start]": "2026-02-01T00:00:00Z", "time_slot[stop]": "2026-02-20T00:00:00Z"}
    )
    assert r.status_code == 400
