"""Timesheets over real HTTP: pay periods, tracked minutes from the daily rows, filters, paging, the approval
life through the control API, errors and the rate limit."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import requests

from hubstaff_sandbox.testing import DEMO_SCENARIO, running_sandbox
from hubstaff_sandbox.timesheets import act, all_timesheets, set_pay_period

MONDAY = dt.date(2026, 3, 2)


def day(n: int) -> str:
    return (MONDAY + dt.timedelta(days=n)).isoformat()


SCENARIO = {
    "organizations": [
        {"name": "Sheets Org", "time_zone": "Europe/Warsaw"},
        {"name": "Lapsed Org", "inactive_plan": True},
    ],
    "users": [
        {"name": "Olga Owner", "email": "olga@sheets.test"},
        {"name": "Mira Manager", "email": "mira@sheets.test"},
        {"name": "Umar User", "email": "umar@sheets.test"},
        {"name": "Rita Removed", "email": "rita@sheets.test"},
        {"name": "Nora Outsider", "email": "nora@elsewhere.test"},
    ],
    "memberships": [
        {"organization": "Sheets Org", "user": "olga@sheets.test", "role": "owner"},
        {"organization": "Sheets Org", "user": "mira@sheets.test", "role": "manager"},
        {"organization": "Sheets Org", "user": "umar@sheets.test", "role": "user"},
        {
            "organization": "Sheets Org",
            "user": "rita@sheets.test",
            "role": "user",
            "removed_at": f"{day(10)}T12:00:00Z",
        },
        {"organization": "Lapsed Org", "user": "olga@sheets.test", "role": "owner"},
    ],
    "projects": [
        {"organization": "Sheets Org", "name": "Build"},
        {"organization": "Sheets Org", "name": "Break", "type": "work_break"},
        {"organization": "Lapsed Org", "name": "Lapsed"},
    ],
    "daily_activities": [
        # week of MONDAY: 3630 + 1799 seconds (a break included) = 90 minutes
        {"user": "umar@sheets.test", "project": "Build", "date": day(0), "tracked": 3630},
        {"user": "umar@sheets.test", "project": "Break", "date": day(1), "tracked": 1799},
        # the week after: Umar 120 minutes, Rita (who left since) 10 minutes
        {"user": "umar@sheets.test", "project": "Build", "date": day(7), "tracked": 7200},
        {"user": "rita@sheets.test", "project": "Build", "date": day(8), "tracked": 600},
        # the third week: 59 seconds are no whole minute
        {"user": "umar@sheets.test", "project": "Build", "date": day(20), "tracked": 59},
        {
            "user": "olga@sheets.test",
            "project": "Lapsed",
            "organization": "Lapsed Org",
            "date": day(0),
            "hours": 1,
        },
    ],
}


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(scenario=SCENARIO, rate_limit=100000) as sb:
        yield sb


@pytest.fixture
def ctx(sandbox):
    """The scenario loaded afresh (timesheets start unacted), no faults, and a new token of the owner."""
    sandbox.load(SCENARIO)
    sandbox.reset_faults()
    ids = sandbox.ids()
    yield {
        "sb": sandbox,
        "org": ids["orgs"]["Sheets Org"],
        "lapsed": ids["orgs"]["Lapsed Org"],
        "users": ids["users"],
        "token": sandbox.issue_tokens("olga@sheets.test")["access_token"],
    }
    sandbox.reset_faults()


def listing(ctx, token=None, **params) -> requests.Response:
    return ctx["sb"].api_get(f"/organizations/{ctx['org']}/timesheets", token or ctx["token"], **params)


def sheets(ctx, **params) -> list[dict]:
    r = listing(ctx, **params)
    assert r.status_code == 200, r.text
    return r.json()["timesheets"]


def summary(items: list[dict], users: dict) -> list[tuple[str, str, str, int]]:
    emails = {v: k for k, v in users.items()}
    return [(emails[t["user_id"]], t["start_date"], t["stop_date"], t["tracked"]) for t in items]


def test_one_timesheet_per_user_and_week_with_tracked_minutes(ctx):
    items = sheets(ctx)
    assert summary(items, ctx["users"]) == [
        ("umar@sheets.test", day(0), day(6), 90),
        ("umar@sheets.test", day(7), day(13), 120),
        ("rita@sheets.test", day(7), day(13), 10),
        ("umar@sheets.test", day(14), day(20), 0),
    ]
    first = items[0]
    assert (first["status"], first["locked"], first["paid"]) == ("open", False, False)
    assert first["organization_id"] == ctx["org"]
    assert first["input_tracked"] > 0 and 0 <= first["overall"] <= 100
    for absent in ("submitted_on", "approved_on", "approved_by_id", "team_payment_id", "team_invoice_id"):
        assert absent not in first
    assert [t["id"] for t in items] == sorted(t["id"] for t in items)
    assert sheets(ctx) == items  # ids stay


def test_tracked_minutes_follow_time_added_and_deleted(ctx):
    sb = ctx["sb"]
    before = sheets(ctx, **{"date[start]": day(7), "date[stop]": day(7)})
    umar = next(t for t in before if t["user_id"] == ctx["users"]["umar@sheets.test"])
    sb.advance_clock(60)
    row = sb.add_activity(user="umar@sheets.test", project="Build", date=day(9), tracked=1800)
    after = sheets(ctx, **{"date[start]": day(7), "date[stop]": day(7)})
    grown = next(t for t in after if t["id"] == umar["id"])
    assert grown["tracked"] == 150
    assert grown["updated_at"] > umar["updated_at"]
    sb.delete_activity(row["id"])
    assert next(t for t in sheets(ctx) if t["id"] == umar["id"])["tracked"] == 120


def test_time_changed_after_approval_changes_an_approved_timesheet(ctx):
    """Nothing stops time of an approved period from changing: the timesheet stays approved and answers the
    new sum (a reader may not take approved minutes as final)."""
    sb = ctx["sb"]
    approved = act(sb, ctx["org"], "approve", "umar@sheets.test", day(0))
    sb.advance_clock(60)
    sb.add_activity(user="umar@sheets.test", project="Build", date=day(2), tracked=600)
    now = next(t for t in sheets(ctx) if t["id"] == approved["id"])
    assert (now["status"], now["locked"], now["tracked"]) == ("approved", True, 100)
    assert now["approved_on"] == approved["approved_on"] and now["updated_at"] > approved["updated_at"]


def test_time_in_a_new_week_makes_a_new_timesheet(ctx):
    ctx["sb"].add_activity(user="mira@sheets.test", project="Build", date=day(30), tracked=600)
    new = sheets(ctx, **{"date[start]": day(30)})
    assert summary(new, ctx["users"]) == [("mira@sheets.test", day(28), day(34), 10)]


def test_biweekly_pay_periods_start_on_the_anchor_day(ctx):
    setting = set_pay_period(ctx["sb"], ctx["org"], "biweekly", starts_on=day(7))
    assert setting == {
        "organization_id": ctx["org"],
        "user_id": None,
        "pay_period": "biweekly",
        "starts_on": day(7),
    }
    assert summary(sheets(ctx), ctx["users"]) == [
        ("umar@sheets.test", day(-7), day(6), 90),
        ("umar@sheets.test", day(7), day(20), 120),
        ("rita@sheets.test", day(7), day(20), 10),
    ]


def test_a_member_may_have_a_pay_period_of_their_own(ctx):
    set_pay_period(ctx["sb"], ctx["org"], "biweekly", user="umar@sheets.test")
    got = summary(sheets(ctx), ctx["users"])
    # the default anchor is a Monday; Umar's two-week periods hold two of the organization's weeks
    assert ("rita@sheets.test", day(7), day(13), 10) in got
    assert sum(1 for g in got if g[0] == "umar@sheets.test") == 2
    assert sum(g[3] for g in got if g[0] == "umar@sheets.test") == 210


def test_weekly_periods_may_start_on_another_day(ctx):
    set_pay_period(ctx["sb"], ctx["org"], "weekly", starts_on=day(-1))  # Sundays
    assert summary(sheets(ctx), ctx["users"])[:2] == [
        ("umar@sheets.test", day(-1), day(5), 90),
        ("umar@sheets.test", day(6), day(12), 120),
    ]


def test_pay_periods_cannot_change_once_timesheets_were_acted_on(ctx):
    act(ctx["sb"], ctx["org"], "submit", "umar@sheets.test", day(0))
    r = ctx["sb"].session.put(
        f"{ctx['sb'].url}/_sandbox/organizations/{ctx['org']}/pay_period", json={"pay_period": "biweekly"}
    )
    assert r.status_code == 422 and "acted on" in r.json()["error"]


def test_dates_select_the_periods_they_overlap(ctx):
    users = ctx["users"]
    midweek = sheets(ctx, **{"date[start]": day(9), "date[stop]": day(10)})
    assert summary(midweek, users) == [
        ("umar@sheets.test", day(7), day(13), 120),
        ("rita@sheets.test", day(7), day(13), 10),
    ]
    assert len(sheets(ctx, **{"date[start]": day(6), "date[stop]": day(7)})) == 3  # a Sunday and a Monday
    assert len(sheets(ctx, **{"date[start]": day(14)})) == 1
    assert len(sheets(ctx, **{"date[stop]": day(6)})) == 1
    assert sheets(ctx, **{"date[start]": day(40), "date[stop]": day(50)}) == []
    assert len(sheets(ctx)) == 4  # no dates: every timesheet (the reference requires none)


def test_the_approval_life(ctx):
    sb, org = ctx["sb"], ctx["org"]
    umar, olga, mira = (ctx["users"][e] for e in ("umar@sheets.test", "olga@sheets.test", "mira@sheets.test"))
    opened = sheets(ctx)[0]
    sb.advance_clock(1)
    submitted = act(sb, org, "submit", umar, day(3))
    assert submitted["id"] == opened["id"]
    assert submitted["status"] == "submitted" and not submitted["locked"]
    today = submitted["submitted_on"]
    assert submitted["updated_at"] > opened["updated_at"]
    assert submitted["created_at"] == opened["created_at"]
    sb.advance_clock(1)
    approved = act(sb, org, "approve", "umar@sheets.test", day(0), by="mira@sheets.test")
    assert approved["status"] == "approved" and approved["locked"] is True
    assert (approved["approved_on"], approved["approved_by_id"], approved["submitted_on"]) == (
        today,
        mira,
        today,
    )
    assert approved["updated_at"] > submitted["updated_at"]
    assert sheets(ctx)[0] == approved
    sb.advance_clock(1)
    reopened = act(sb, org, "reopen", umar, day(6))
    assert reopened["status"] == "open" and reopened["locked"] is False
    assert not {"submitted_on", "approved_on", "approved_by_id"} & set(reopened)
    assert reopened["updated_at"] > approved["updated_at"]
    # a manager may approve a timesheet nobody submitted; by default the owner approves
    direct = act(sb, org, "approve", umar, day(0))
    assert direct["approved_by_id"] == olga and "submitted_on" not in direct
    act(sb, org, "reopen", umar, day(0))
    denied = act(sb, org, "deny", umar, day(0))
    assert denied["status"] == "denied" and not denied["locked"] and "approved_on" not in denied
    assert act(sb, org, "submit", umar, day(0))["status"] == "submitted"  # sent again after a denial


@pytest.mark.parametrize(
    ("steps", "refused"),
    [
        ([], "reopen"),
        (["submit"], "submit"),
        (["approve"], "approve"),
        (["approve"], "submit"),
        (["deny"], "deny"),
    ],
)
def test_actions_out_of_turn_are_refused(ctx, steps, refused):
    sb = ctx["sb"]
    for step in steps:
        act(sb, ctx["org"], step, "umar@sheets.test", day(0))
    r = sb.session.post(
        f"{sb.url}/_sandbox/organizations/{ctx['org']}/timesheets/{refused}",
        json={"user": "umar@sheets.test", "date": day(0)},
    )
    assert r.status_code == 422 and "cannot" in r.json()["error"]


def test_acting_on_a_period_without_time_makes_a_timesheet(ctx):
    sheet = act(ctx["sb"], ctx["org"], "submit", "mira@sheets.test", day(3))
    assert (sheet["tracked"], sheet["start_date"], sheet["status"]) == (0, day(0), "submitted")
    assert sheet in sheets(ctx, **{"date[start]": day(0), "date[stop]": day(0)})


def test_approved_start_selects_timesheets_approved_that_utc_day_or_later(ctx):
    sb, org = ctx["sb"], ctx["org"]
    first = act(sb, org, "approve", "umar@sheets.test", day(0))
    sb.advance_clock(2 * 86400)
    second = act(sb, org, "approve", "rita@sheets.test", day(7))
    token = sb.issue_tokens("olga@sheets.test")["access_token"]  # the old one expired with the clock
    on = dt.date.fromisoformat(first["approved_on"])
    assert [t["id"] for t in sheets(ctx | {"token": token}, **{"approved[start]": on.isoformat()})] == [
        first["id"],
        second["id"],
    ]
    later = (on + dt.timedelta(days=1)).isoformat()
    assert [t["id"] for t in sheets(ctx | {"token": token}, **{"approved[start]": later})] == [second["id"]]
    act(sb, org, "reopen", "rita@sheets.test", day(7))
    assert sheets(ctx | {"token": token}, **{"approved[start]": later}) == []


def test_status_filter(ctx):
    sb, org = ctx["sb"], ctx["org"]
    act(sb, org, "submit", "umar@sheets.test", day(7))
    act(sb, org, "deny", "rita@sheets.test", day(7))
    assert {t["status"] for t in sheets(ctx, status="open")} == {"open"}
    assert len(sheets(ctx, status="open")) == 2
    assert [t["user_id"] for t in sheets(ctx, status="submitted")] == [ctx["users"]["umar@sheets.test"]]
    assert [t["user_id"] for t in sheets(ctx, status="denied")] == [ctx["users"]["rita@sheets.test"]]
    assert sheets(ctx, status="approved") == []


def test_paging_walks_every_timesheet_once(ctx):
    seen, params, pages = [], {"page_limit": 1}, 0
    while True:
        body = listing(ctx, **params).json()
        pages += 1
        seen += body["timesheets"]
        nxt = body.get("pagination", {}).get("next_page_start_id")
        if nxt is None:
            break
        params["page_start_id"] = nxt
    assert pages == 4 and seen == sheets(ctx)
    assert "pagination" not in listing(ctx, page_limit=4).json()


def test_users_are_side_loaded_on_request(ctx):
    body = listing(ctx, include="users", **{"date[start]": day(7), "date[stop]": day(7)}).json()
    assert sorted(u["email"] for u in body["users"]) == ["rita@sheets.test", "umar@sheets.test"]
    assert "users" not in listing(ctx).json()
    assert len(listing(ctx, **{"include[]": "users"}).json()["users"]) == 2


def test_plain_members_see_their_own_timesheets_only(ctx):
    token = ctx["sb"].issue_tokens("umar@sheets.test")["access_token"]
    mine = sheets(ctx | {"token": token})
    assert {t["user_id"] for t in mine} == {ctx["users"]["umar@sheets.test"]} and len(mine) == 3
    manager = ctx["sb"].issue_tokens("mira@sheets.test")["access_token"]
    assert len(sheets(ctx | {"token": manager})) == 4


def test_a_new_scenario_starts_with_no_acted_timesheets(ctx):
    sb = ctx["sb"]
    set_pay_period(sb, ctx["org"], "biweekly")
    act(sb, ctx["org"], "approve", "umar@sheets.test", day(0))
    sb.load(SCENARIO)
    org = sb.ids()["orgs"]["Sheets Org"]
    assert {t["status"] for t in all_timesheets(sb, org)} == {"open"}
    assert len(all_timesheets(sb, org)) == 4  # weekly again


@pytest.mark.parametrize(
    "params",
    [
        {"date[start]": "2026-02-30"},
        {"date[stop]": "soon"},
        {"date[start]": day(7), "date[stop]": day(6)},
        {"approved[start]": "yesterday"},
        {"date[start]": ""},
        {"status": "paid"},
        {"status": ""},
        {"page_limit": "many"},
        {"page_limit": 0},
    ],
)
def test_invalid_parameters_answer_400(ctx, params):
    r = listing(ctx, **params)
    assert r.status_code == 400
    assert r.json()["code"] and r.json()["error"]


def test_refusals(ctx):
    sb = ctx["sb"]
    r = requests.get(f"{sb.api_url}/organizations/{ctx['org']}/timesheets", timeout=10)
    assert r.status_code == 401
    lapsed = sb.api_get(f"/organizations/{ctx['lapsed']}/timesheets", ctx["token"])
    assert lapsed.status_code == 403
    assert lapsed.json()["error"] == "API access is only for organizations on an active plan"
    outsider = sb.issue_tokens("nora@elsewhere.test")["access_token"]
    assert listing(ctx, outsider).status_code == 403
    assert sb.api_get("/organizations/1/timesheets", ctx["token"]).status_code == 404
    assert sb.api_get("/organizations/x/timesheets", ctx["token"]).status_code == 404


def test_the_rate_limit_paces_a_paged_read(ctx):
    """429 with Retry-After once the application's budget is spent; waiting that long and going on from the
    page that was refused reads every timesheet once."""
    sb = ctx["sb"]
    sb.fault(rate_limit=2, rate_limit_window=1)
    seen, params, refused = [], {"page_limit": 1}, 0
    while True:
        r = listing(ctx, **params)
        if r.status_code == 429:
            refused += 1
            assert r.json()["error"] and r.headers["Retry-After"] == "1"
            time.sleep(float(r.headers["Retry-After"]) + 0.05)
            continue
        body = r.json()
        seen += body["timesheets"]
        if "pagination" not in body:
            break
        params["page_start_id"] = body["pagination"]["next_page_start_id"]
    assert refused >= 1
    sb.reset_faults()
    assert seen == sheets(ctx)


def test_a_429_storm_is_answered_like_every_listing(ctx):
    ctx["sb"].fault(storm={"count": 1, "retry_after": 7})
    r = listing(ctx)
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    assert listing(ctx).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "timesheets/publish", {"user": "umar@sheets.test", "date": day(0)}, 404),
        ("POST", "timesheets/submit", {"user": "nora@elsewhere.test", "date": day(0)}, 422),
        ("POST", "timesheets/submit", {"user": "nobody@sheets.test", "date": day(0)}, 422),
        ("POST", "timesheets/submit", {"user": "umar@sheets.test", "date": "Monday"}, 422),
        (
            "POST",
            "timesheets/approve",
            {"user": "umar@sheets.test", "date": day(0), "by": "nora@elsewhere.test"},
            422,
        ),
        ("PUT", "pay_period", {"pay_period": "monthly"}, 422),
        ("PUT", "pay_period", {"pay_period": "weekly", "starts_on": "Monday"}, 422),
        ("PUT", "pay_period", {"pay_period": "weekly", "user": "nora@elsewhere.test"}, 422),
    ],
)
def test_control_calls_refuse_what_they_cannot_do(ctx, method, path, body, status):
    sb = ctx["sb"]
    r = sb.session.request(
        method, f"{sb.url}/_sandbox/organizations/{ctx['org']}/{path}", json=body, timeout=10
    )
    assert r.status_code == status and r.json()["error"]


def test_control_calls_name_an_organization_that_exists(ctx):
    sb = ctx["sb"]
    assert sb.session.get(f"{sb.url}/_sandbox/organizations/1/timesheets", timeout=10).status_code == 404
    r = sb.session.put(
        f"{sb.url}/_sandbox/organizations/1/pay_period", json={"pay_period": "weekly"}, timeout=10
    )
    assert r.status_code == 404


def test_control_calls_are_off_without_control():
    with running_sandbox(scenario=DEMO_SCENARIO, control=False) as sb:
        r = sb.session.post(f"{sb.url}/_sandbox/organizations/100001/timesheets/approve", json={}, timeout=10)
        assert r.status_code == 404
