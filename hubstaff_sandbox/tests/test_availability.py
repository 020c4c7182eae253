"""Time off requests and policies, holidays and limits over real HTTP: what the control API makes, API v2 lists,
with its filters, paging and errors (the readings are in hubstaff_sandbox/availability.py)."""

from __future__ import annotations

import pytest
import requests

from hubstaff_sandbox.testing import DEMO_SCENARIO, SandboxError, load_json, running_sandbox

DEMO = load_json(DEMO_SCENARIO)


@pytest.fixture(scope="module")
def own():
    """A sandbox of this module's own: its tests change data and the organization's plan."""
    with running_sandbox(scenario=DEMO_SCENARIO, rate_limit=100000) as sandbox:
        yield sandbox


@pytest.fixture
def ctx(own):
    own.load(DEMO)  # a scenario load also empties time off, holidays and limits
    own.reset_faults()
    ids = own.ids()
    return {
        "sb": own,
        "org": ids["orgs"]["Acme Hubstaff"],
        "users": ids["users"],
        "owner": own.issue_tokens("alice@acme.test")["access_token"],
        "bobby": own.issue_tokens("bobby@acme.test")["access_token"],
    }


# The control calls, as testing.SandboxClient would make them.
def add_policy(sb, org, name, **fields):
    return sb.control("time_off_policies", {"organization": org, "name": name, **fields})["time_off_policy"]


def add_time_off(sb, user, policy_id, **fields):
    body = {"user": user, "time_off_policy_id": policy_id, **fields}
    return sb.control("time_off_requests", body)["time_off_request"]


def get(ctx, path, token=None, **params):
    return ctx["sb"].api_get(f"/organizations/{ctx['org']}{path}", token or ctx["owner"], **params)


def listed(ctx, path, key, token=None, **params):
    r = get(ctx, path, token, **params)
    assert r.status_code == 200, r.text
    return r.json()[key]


def requests_listed(ctx, token=None, **params):
    return listed(ctx, "/time_off_requests", "time_off_requests", token, **params)


# --- time off requests ---------------------------------------------------------------------------------------


def test_an_all_day_request_runs_from_midnight_to_midnight_in_the_users_time_zone(ctx):
    vacation = add_policy(ctx["sb"], ctx["org"], "Vacation")
    made = add_time_off(
        ctx["sb"], "bobby@acme.test", vacation["id"], start_date="2026-03-02", stop_date="2026-03-03"
    )
    [r] = requests_listed(ctx)
    assert r == made
    assert (r["status"], r["all_day"], r["time_off_policy_id"]) == ("submitted", True, vacation["id"])
    # Bobby is in Warsaw (UTC+1 in March): his 2 March starts on 1 March in UTC
    assert (r["starts_at"], r["stops_at"]) == ("2026-03-01T23:00:00Z", "2026-03-03T23:00:00Z")
    assert [d["date"] for d in r["time_off_request_days"]] == ["2026-03-02", "2026-03-03"]
    assert r["amount_used"] == 2 * 8 * 3600
    assert (r["approved_at"], r["denied_at"], r["paid"]) == (None, None, False)


def test_a_request_with_times_uses_the_seconds_of_each_day_it_covers(ctx):
    sick = add_policy(ctx["sb"], ctx["org"], "Sick leave", paid=False)
    r = add_time_off(
        ctx["sb"],
        "sam@acme.test",
        sick["id"],
        all_day=False,
        starts_at="2026-03-02T13:00:00Z",
        stops_at="2026-03-02T17:30:00Z",
    )
    assert (r["all_day"], r["amount_used"]) == (False, 4 * 3600 + 1800)
    assert [(d["date"], d["amount_used"]) for d in r["time_off_request_days"]] == [("2026-03-02", 16200)]


def test_a_policy_without_approval_approves_its_requests_at_once(ctx):
    wfh = add_policy(ctx["sb"], ctx["org"], "Errands", requires_approval=False)
    r = add_time_off(ctx["sb"], "bobby@acme.test", wfh["id"], start_date="2026-03-05", stop_date="2026-03-05")
    assert r["status"] == "approved" and r["approved_at"] is not None


def test_approve_deny_and_approve_again_keep_the_times_of_earlier_decisions(ctx):
    sb = ctx["sb"]
    vacation = add_policy(sb, ctx["org"], "Vacation")
    r = add_time_off(sb, "bobby@acme.test", vacation["id"], start_date="2026-03-02", stop_date="2026-03-06")
    approved = sb.control(f"time_off_requests/{r['id']}/approve")["time_off_request"]
    assert approved["status"] == "approved" and approved["approved_by_id"] == ctx["users"]["alice@acme.test"]
    sb.advance_clock(60)
    denied = sb.control(f"time_off_requests/{r['id']}/deny", {"response": "Release week"})["time_off_request"]
    assert (denied["status"], denied["response"]) == ("denied", "Release week")
    assert denied["approved_at"] == approved["approved_at"]  # the earlier approval stays printed
    sb.advance_clock(60)
    again = sb.control(f"time_off_requests/{r['id']}/approve")["time_off_request"]
    assert again["status"] == "approved" and again["denied_at"] == denied["denied_at"]
    assert again["approved_at"] > approved["approved_at"]
    [listed_now] = requests_listed(ctx)
    assert listed_now == again


def test_decisions_the_status_endpoint_does_not_allow_are_refused(ctx):
    sb = ctx["sb"]
    vacation = add_policy(sb, ctx["org"], "Vacation")
    r = add_time_off(sb, "bobby@acme.test", vacation["id"], start_date="2026-03-02", stop_date="2026-03-02")
    with pytest.raises(SandboxError, match="422.*response"):
        sb.control(f"time_off_requests/{r['id']}/deny")  # a reason is required
    sb.control(f"time_off_requests/{r['id']}/approve")
    with pytest.raises(SandboxError, match="422"):
        sb.control(f"time_off_requests/{r['id']}/approve")
    paid = add_time_off(
        sb, "sam@acme.test", vacation["id"], start_date="2026-03-02", stop_date="2026-03-02", paid=True
    )
    with pytest.raises(SandboxError, match="422.*paid"):
        sb.control(f"time_off_requests/{paid['id']}/approve")
    with pytest.raises(SandboxError, match="404"):
        sb.control("time_off_requests/999999/approve")


def test_a_deleted_request_disappears_from_the_listing_even_approved(ctx):
    sb = ctx["sb"]
    vacation = add_policy(sb, ctx["org"], "Vacation")
    kept = add_time_off(sb, "sam@acme.test", vacation["id"], start_date="2026-03-02", stop_date="2026-03-02")
    gone = add_time_off(
        sb, "bobby@acme.test", vacation["id"], start_date="2026-03-02", stop_date="2026-03-02"
    )
    sb.control(f"time_off_requests/{gone['id']}/approve")
    sb.control(f"time_off_requests/{gone['id']}", method="DELETE")
    assert [r["id"] for r in requests_listed(ctx)] == [kept["id"]]
    approved_window = {"approved_at[start]": "2000-01-01T00:00:00Z"}
    assert requests_listed(ctx, **approved_window) == []
    with pytest.raises(SandboxError, match="404"):
        sb.control(f"time_off_requests/{gone['id']}", method="DELETE")


def test_requests_are_filtered_by_start_user_approval_and_creation(ctx):
    sb = ctx["sb"]
    vacation = add_policy(sb, ctx["org"], "Vacation")
    early = add_time_off(
        sb, "bobby@acme.test", vacation["id"], start_date="2026-02-27", stop_date="2026-03-04"
    )
    march = add_time_off(
        sb, "bobby@acme.test", vacation["id"], start_date="2026-03-10", stop_date="2026-03-10"
    )
    sams = add_time_off(sb, "sam@acme.test", vacation["id"], start_date="2026-03-11", stop_date="2026-03-11")
    window = {"starts_at[start]": "2026-03-01T00:00:00Z", "starts_at[stop]": "2026-04-01T00:00:00Z"}
    # a request that began before the window and runs into it is not listed
    assert [r["id"] for r in requests_listed(ctx, **window)] == [march["id"], sams["id"]]
    assert [r["id"] for r in requests_listed(ctx, **window, user_ids=str(ctx["users"]["sam@acme.test"]))] == [
        sams["id"]
    ]
    by_rack = {"user_ids[]": [ctx["users"]["bobby@acme.test"]]}
    assert [r["id"] for r in requests_listed(ctx, **by_rack)] == [early["id"], march["id"]]
    # the start is inclusive, the stop exclusive
    up_to_march = {"starts_at[start]": early["starts_at"], "starts_at[stop]": march["starts_at"]}
    assert [r["id"] for r in requests_listed(ctx, **up_to_march)] == [early["id"]]
    sb.advance_clock(3600)
    approved = sb.control(f"time_off_requests/{march['id']}/approve")["time_off_request"]
    since_approval = {"approved_at[start]": approved["approved_at"]}
    assert [r["id"] for r in requests_listed(ctx, **since_approval)] == [march["id"]]
    before = {"created[stop]": approved["approved_at"]}
    assert len(requests_listed(ctx, **before)) == 3
    assert requests_listed(ctx, **{"created[start]": approved["approved_at"]}) == []


def test_requests_page_in_id_order_and_side_load_users_and_policies(ctx):
    sb = ctx["sb"]
    vacation = add_policy(sb, ctx["org"], "Vacation")
    made = [
        add_time_off(
            sb,
            "bobby@acme.test",
            vacation["id"],
            start_date=f"2026-03-{day:02d}",
            stop_date=f"2026-03-{day:02d}",
        )
        for day in range(2, 7)
    ]
    seen, params = [], {"page_limit": 2, "include": "users,time_off_policies"}
    while True:
        body = get(ctx, "/time_off_requests", **params).json()
        seen += [r["id"] for r in body["time_off_requests"]]
        assert [u["email"] for u in body["users"]] == ["bobby@acme.test"]
        assert [p["name"] for p in body["time_off_policies"]] == ["Vacation"]
        if "pagination" not in body:
            break
        params["page_start_id"] = body["pagination"]["next_page_start_id"]
    assert seen == [r["id"] for r in made]


def test_plain_members_see_only_their_own_requests(ctx):
    sb = ctx["sb"]
    vacation = add_policy(sb, ctx["org"], "Vacation")
    bobbys = add_time_off(
        sb, "bobby@acme.test", vacation["id"], start_date="2026-03-02", stop_date="2026-03-02"
    )
    add_time_off(sb, "sam@acme.test", vacation["id"], start_date="2026-03-02", stop_date="2026-03-02")
    assert [r["id"] for r in requests_listed(ctx, ctx["bobby"])] == [bobbys["id"]]
    assert len(requests_listed(ctx)) == 2


@pytest.mark.parametrize(
    "params",
    [
        {"starts_at[start]": "soon"},
        {"approved_at[stop]": "2026-13-01T00:00:00Z"},
        {"created[start]": "2026-03-02T00:00:00Z", "created[stop]": "2026-03-01T00:00:00Z"},
        {"user_ids": "bobby"},
        {"page_limit": "0"},
    ],
)
def test_bad_request_filters_are_400_invalid_parameters(ctx, params):
    r = get(ctx, "/time_off_requests", **params)
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_params"


# --- policies ------------------------------------------------------------------------------------------------


def test_policies_are_listed_by_status_active_by_default(ctx):
    sb = ctx["sb"]
    vacation = add_policy(sb, ctx["org"], "Vacation", requires_approval=True, paid=True)
    old = add_policy(sb, ctx["org"], "Old sick leave", paid=False)
    sb.control(f"time_off_policies/{old['id']}", {"status": "archived"}, method="PATCH")
    assert [p["name"] for p in listed(ctx, "/time_off_policies", "time_off_policies")] == ["Vacation"]
    archived = listed(ctx, "/time_off_policies", "time_off_policies", status="archived")
    assert [(p["name"], p["status"], p["paid"]) for p in archived] == [("Old sick leave", "archived", False)]
    every = listed(ctx, "/time_off_policies", "time_off_policies", status="all")
    assert [p["id"] for p in every] == [vacation["id"], old["id"]]
    assert every[0]["requires_approval"] is True
    assert get(ctx, "/time_off_policies", status="deleted").status_code == 400


# --- holidays ------------------------------------------------------------------------------------------------


def test_holidays_are_listed_by_date_both_ends_inclusive(ctx):
    sb = ctx["sb"]
    for day, name in [
        ("2026-01-01", "New Year"),
        ("2026-04-06", "Easter Monday"),
        ("2026-05-01", "Labour Day"),
    ]:
        sb.control("holidays", {"organization": ctx["org"], "name": name, "date": day})
    spring = listed(ctx, "/holidays", "holidays", **{"date[start]": "2026-04-06", "date[stop]": "2026-05-01"})
    assert [(h["date"], h["name"], h["amount_used"]) for h in spring] == [
        ("2026-04-06", "Easter Monday", 28800),
        ("2026-05-01", "Labour Day", 28800),
    ]
    assert len(listed(ctx, "/holidays", "holidays")) == 3
    assert (
        get(ctx, "/holidays", **{"date[start]": "2026-05-02", "date[stop]": "2026-05-01"}).status_code == 400
    )
    assert get(ctx, "/holidays", **{"date[start]": "1 May"}).status_code == 400


def test_an_unpaid_holiday_has_no_amount_and_a_deleted_one_is_gone(ctx):
    sb = ctx["sb"]
    unpaid = sb.control(
        "holidays", {"organization": "Acme Hubstaff", "name": "Team day", "date": "2026-06-01", "paid": False}
    )
    [h] = listed(ctx, "/holidays", "holidays")
    assert h == unpaid["holiday"] and "amount_used" not in h and h["paid"] is False
    sb.control(f"holidays/{h['id']}", method="DELETE")
    assert listed(ctx, "/holidays", "holidays") == []


def test_a_request_marks_its_days_on_holidays(ctx):
    sb = ctx["sb"]
    sb.control("holidays", {"organization": ctx["org"], "name": "Easter Monday", "date": "2026-04-06"})
    vacation = add_policy(sb, ctx["org"], "Vacation")
    r = add_time_off(
        sb,
        "bobby@acme.test",
        vacation["id"],
        start_date="2026-04-03",
        stop_date="2026-04-07",
        exclude_weekends=True,
    )
    assert [(d["date"], d["holiday"]) for d in r["time_off_request_days"]] == [
        ("2026-04-03", False),
        ("2026-04-06", True),
        ("2026-04-07", False),
    ]


# --- limits --------------------------------------------------------------------------------------------------


def set_limits(ctx, user, **limits):
    return ctx["sb"].control(f"organizations/{ctx['org']}/members/{user}/limits", limits, method="PATCH")


def test_members_show_their_limits_only_with_include_limits(ctx):
    set_limits(ctx, "bobby@acme.test", expected_per_week=40, weekly_limit=45.5, since="2026-01-05")
    members = listed(ctx, "/members", "members", include_limits="true")
    by_user = {m["user_id"]: m["limits"] for m in members}
    bobby = by_user[ctx["users"]["bobby@acme.test"]]
    assert (bobby["expected_per_week"], bobby["weekly_limit"], bobby["daily_limit"]) == (40, 45.5, None)
    assert by_user[ctx["users"]["sam@acme.test"]]["expected_per_week"] is None
    assert all("limits" not in m for m in listed(ctx, "/members", "members"))
    assert get(ctx, "/members", include_limits="maybe").status_code == 400


def test_each_change_of_a_limit_closes_the_period_in_force(ctx):
    bobby = ctx["users"]["bobby@acme.test"]
    set_limits(ctx, "bobby@acme.test", expected_per_week=40, daily_limit=8, since="2026-01-05")
    set_limits(ctx, "bobby@acme.test", expected_per_week=32, since="2026-03-02")
    set_limits(ctx, "sam@acme.test", expected_per_week=20, since="2026-02-01")
    history = listed(
        ctx, "/limit_histories", "limit_histories", user_ids=str(bobby), limit_type="expected_per_week"
    )
    assert [(h["start_date"], h["stop_date"], h["total"]) for h in history] == [
        ("2026-01-05", "2026-03-01", 40 * 3600),
        ("2026-03-02", None, 32 * 3600),
    ]
    assert history[0]["start_time"] == "2026-01-05T00:00:00Z"  # the organization's midnight (UTC here)
    assert history[0]["stop_time"] == "2026-03-02T00:00:00Z" and history[1]["stop_time"] is None
    daily = listed(ctx, "/limit_histories", "limit_histories", limit_type="daily")
    assert [(h["user_id"], h["total"]) for h in daily] == [(bobby, 8 * 3600)]
    # date[start] lists periods starting on or after it: the one in force on 2026-02-15 is left out
    since = listed(ctx, "/limit_histories", "limit_histories", **{"date[start]": "2026-02-15"})
    assert [(h["user_id"], h["start_date"]) for h in since] == [(bobby, "2026-03-02")]
    mine = listed(ctx, "/limit_histories", "limit_histories", ctx["bobby"])
    assert {h["user_id"] for h in mine} == {bobby}
    assert get(ctx, "/limit_histories", limit_type="monthly").status_code == 400


def test_clearing_a_limit_ends_its_period_without_a_new_one(ctx):
    set_limits(ctx, "sam@acme.test", expected_per_week=20, since="2026-02-02")
    set_limits(ctx, "sam@acme.test", expected_per_week=None, since="2026-03-02")
    [h] = listed(ctx, "/limit_histories", "limit_histories")
    assert (h["start_date"], h["stop_date"]) == ("2026-02-02", "2026-03-01")
    members = listed(ctx, "/members", "members", include_limits="1")
    sam = next(m for m in members if m["user_id"] == ctx["users"]["sam@acme.test"])
    assert sam["limits"]["expected_per_week"] is None
    with pytest.raises(SandboxError, match="422"):
        set_limits(ctx, "sam@acme.test", expected_per_week=-1)


def test_limit_histories_page(ctx):
    for week in range(1, 6):
        set_limits(ctx, "bobby@acme.test", expected_per_week=30 + week, since=f"2026-02-0{week + 1}")
    first = get(ctx, "/limit_histories", page_limit=3).json()
    assert len(first["limit_histories"]) == 3
    rest = get(ctx, "/limit_histories", page_start_id=first["pagination"]["next_page_start_id"]).json()
    assert [h["total"] // 3600 for h in first["limit_histories"] + rest["limit_histories"]] == [
        31,
        32,
        33,
        34,
        35,
    ]


# --- errors as every listing ---------------------------------------------------------------------------------

PATHS = ["/time_off_requests", "/time_off_policies", "/holidays", "/limit_histories"]


@pytest.mark.parametrize("path", PATHS)
def test_errors_are_hubstaffs(ctx, path):
    sb = ctx["sb"]
    assert requests.get(f"{sb.api_url}/organizations/{ctx['org']}{path}", timeout=30).status_code == 401
    assert sb.api_get(f"/organizations/999{path}", ctx["owner"]).status_code == 404
    sb.fault(storm={"count": 1, "retry_after": 3})
    limited = get(ctx, path)
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "3")
    sb.edit_org(ctx["org"], inactive_plan=True)
    lapsed = get(ctx, path)
    assert lapsed.status_code == 403
    assert lapsed.json()["error"] == "API access is only for organizations on an active plan"


def test_control_calls_refuse_what_does_not_fit(ctx):
    sb = ctx["sb"]
    vacation = add_policy(sb, ctx["org"], "Vacation")
    with pytest.raises(SandboxError, match="422"):
        add_time_off(sb, "bobby@acme.test", vacation["id"], start_date="2026-03-03", stop_date="2026-03-02")
    with pytest.raises(SandboxError, match="422"):
        add_time_off(sb, "nobody@acme.test", vacation["id"], start_date="2026-03-02", stop_date="2026-03-02")
    with pytest.raises(SandboxError, match="404"):
        add_time_off(sb, "bobby@acme.test", 999999, start_date="2026-03-02", stop_date="2026-03-02")
    with pytest.raises(SandboxError, match="422"):
        sb.control("holidays", {"organization": ctx["org"], "name": "Someday", "date": "soon"})


def test_a_change_dated_before_the_period_in_force_is_refused_and_changes_nothing(ctx):
    set_limits(ctx, "bobby@acme.test", expected_per_week=40, since="2026-03-02")
    with pytest.raises(SandboxError, match="422.*already changed"):
        set_limits(ctx, "bobby@acme.test", daily_limit=8, expected_per_week=30, since="2026-03-02")
    history = listed(ctx, "/limit_histories", "limit_histories")
    assert [(h["limit_type"], h["start_date"], h["stop_date"]) for h in history] == [
        ("expected_per_week", "2026-03-02", None)
    ]
