"""Hubstaff's rules that the sandbox once left out, one test each (each failed on the sandbox before them):
400 errors with Hubstaff's body, the inactive plan, members who left, users without an e-mail, the
organization's day, work breaks, the 3-year floor, the one-month reach of /daily/updates, the time edit log,
member JSON without an id."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hubstaff_sandbox.testing import EDGE_SCENARIO, running_sandbox

from .rules_scenario import rules_scenario

# the rules organization's day (Europe/Warsaw): the floor and the reach are counted from it
TODAY = dt.datetime.now(ZoneInfo("Europe/Warsaw")).date()


def days_ago(n: int) -> str:
    return (TODAY - dt.timedelta(days=n)).isoformat()


@pytest.fixture
def sb():
    with running_sandbox(scenario=rules_scenario(TODAY)) as sandbox:
        sandbox.ctx = {
            "ids": sandbox.ids(),
            "token": sandbox.issue_tokens("olivia@rules.test")["access_token"],
        }
        sandbox.ctx["org"] = sandbox.ctx["ids"]["orgs"]["Rules Org"]
        yield sandbox


def daily(sb, start: str, stop: str, path: str | None = None, **params):
    path = path or f"/organizations/{sb.ctx['org']}/activities/daily"
    return sb.api_get(path, sb.ctx["token"], **{"date[start]": start, "date[stop]": stop}, **params)


def updates(sb, start: str, **params):
    path = f"/organizations/{sb.ctx['org']}/activities/daily/updates"
    return sb.api_get(path, sb.ctx["token"], **{"updated[start]": start}, **params)


def test_bad_parameters_are_400_with_hubstaffs_error_body(sb):
    r = daily(sb, "2026-02-30", "2026-03-01")
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"code", "error", "error_code"}
    assert isinstance(body["code"], str) and "date[start]" in body["error"]
    assert 11000 <= body["error_code"] <= 11999
    missing = sb.api_get("/organizations/1/projects", sb.ctx["token"])
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_an_organization_without_an_active_plan_answers_403(sb):
    lapsed = sb.ctx["ids"]["orgs"]["Lapsed Org"]
    for path in (f"/organizations/{lapsed}/projects", f"/organizations/{lapsed}/members"):
        r = sb.api_get(path, sb.ctx["token"])
        assert r.status_code == 403
        assert r.json()["error"] == "API access is only for organizations on an active plan"
    assert daily(sb, days_ago(3), days_ago(0), f"/organizations/{lapsed}/activities/daily").status_code == 403
    assert sb.api_get("/users/me", sb.ctx["token"]).status_code == 200
    sb.edit_org(lapsed, inactive_plan=False)
    assert sb.api_get(f"/organizations/{lapsed}/projects", sb.ctx["token"]).status_code == 200
    sb.edit_org(sb.ctx["org"], inactive_plan=True)
    assert sb.api_get(f"/organizations/{sb.ctx['org']}/projects", sb.ctx["token"]).status_code == 403


def test_members_who_left_are_listed_only_with_include_removed(sb):
    path = f"/organizations/{sb.ctx['org']}/members"
    rita = sb.ctx["ids"]["users"]["rita@rules.test"]
    current = sb.api_get(path, sb.ctx["token"], include="users").json()
    assert rita not in {m["user_id"] for m in current["members"]}
    assert rita not in {u["id"] for u in current["users"]}
    everyone = sb.api_get(path, sb.ctx["token"], include="users", include_removed="true").json()
    gone = [m for m in everyone["members"] if m["user_id"] == rita]
    assert len(gone) == 1 and gone[0]["removed_at"].startswith(days_ago(1))
    assert all("removed_at" not in m for m in everyone["members"] if m["user_id"] != rita)
    assert sb.api_get(path, sb.ctx["token"], include_removed="perhaps").status_code == 400
    # their time stays in the daily activities
    rows = daily(sb, days_ago(7), days_ago(0)).json()["daily_activities"]
    assert rita in {r["user_id"] for r in rows}
    # and they lose access themselves; a member removed later disappears the same way
    rita_token = sb.issue_tokens("rita@rules.test")["access_token"]
    assert sb.api_get(f"/organizations/{sb.ctx['org']}/projects", rita_token).status_code == 403
    sb.remove_member(sb.ctx["org"], "umar@rules.test")
    after = sb.api_get(path, sb.ctx["token"]).json()["members"]
    assert sb.ctx["ids"]["users"]["umar@rules.test"] not in {m["user_id"] for m in after}


def test_member_json_has_no_id(sb):
    members = sb.api_get(f"/organizations/{sb.ctx['org']}/members", sb.ctx["token"]).json()["members"]
    assert members and all("id" not in m for m in members)
    roles = {m["membership_role"] for m in members}
    assert roles <= {"owner", "manager", "user"}  # a project viewer is a "user" of the organization
    assert {m["effective_role"] for m in members} >= {"organization_owner", "project_viewer"}


def test_a_user_without_a_visible_email_has_no_email_key(sb):
    nina = sb.ctx["ids"]["users"]["Nina Noemail"]
    users = sb.api_get(f"/organizations/{sb.ctx['org']}/members", sb.ctx["token"], include="users").json()
    entry = next(u for u in users["users"] if u["id"] == nina)
    assert "email" not in entry and entry["name"] == "Nina Noemail"
    rows = daily(sb, days_ago(7), days_ago(0), include="users").json()
    assert "email" not in next(u for u in rows["users"] if u["id"] == nina)


@pytest.mark.parametrize(
    "time_zone, expected",
    [("Pacific/Tongatapu", ["2026-03-02", "2026-03-02"]), ("Pacific/Honolulu", ["2026-03-01", "2026-03-01"])],
)
def test_daily_date_is_the_organizations_day_of_the_start(time_zone, expected):
    scenario = rules_scenario(TODAY, time_zone=time_zone)
    with running_sandbox(scenario=scenario) as sb:
        org = sb.ids()["orgs"]["Rules Org"]
        token = sb.issue_tokens("olivia@rules.test")["access_token"]
        a = sb.add_activity(
            user="umar@rules.test", project="Build", starts_at="2026-03-01T12:30:00Z", tracked=60
        )
        b = sb.add_activity(
            user="umar@rules.test", project="Build", starts_at="2026-03-01T20:00:00Z", tracked=60
        )
        assert [a["date"], b["date"]] == expected
        rows = sb.api_get(
            f"/organizations/{org}/activities/daily",
            token,
            **{"date[start]": "2026-03-01", "date[stop]": "2026-03-02"},
        ).json()["daily_activities"]
        assert sorted(r["date"] for r in rows) == expected
        # the floor and "today" follow the organization's day too: its today is never refused
        org_today = dt.datetime.now(ZoneInfo(time_zone)).date().isoformat()
        assert (
            sb.api_get(
                f"/organizations/{org}/activities/daily",
                token,
                **{"date[start]": org_today, "date[stop]": org_today},
            ).status_code
            == 200
        )


def test_work_breaks_are_a_subset_of_tracked_on_work_break_projects(sb):
    projects = sb.api_get(f"/organizations/{sb.ctx['org']}/projects", sb.ctx["token"]).json()["projects"]
    kinds = {p["name"]: p["type"] for p in projects}
    assert kinds == {"Build": "project", "Break": "work_break"}
    rows = daily(sb, days_ago(7), days_ago(0)).json()["daily_activities"]
    brk = sb.ctx["ids"]["projects"]["Break"]
    assert all("work_break" in r for r in rows)
    assert [(r["work_break"], r["tracked"]) for r in rows if r["project_id"] == brk] == [(1800, 1800)]
    assert all(r["work_break"] == 0 for r in rows if r["project_id"] != brk)


def test_daily_dates_older_than_three_years_are_refused(sb):
    floor = TODAY.replace(year=TODAY.year - 3) if not (TODAY.month == 2 and TODAY.day == 29) else None
    floor = floor or TODAY.replace(year=TODAY.year - 3, day=28)
    before = (floor - dt.timedelta(days=1)).isoformat()
    r = daily(sb, before, (floor + dt.timedelta(days=5)).isoformat())
    assert r.status_code == 400 and "3 years" in r.json()["error"]
    assert daily(sb, floor.isoformat(), (floor + dt.timedelta(days=5)).isoformat()).status_code == 200
    # the other readings, for the product's tests: clamp (older days left out) or an empty answer
    old = sb.add_activity(user="umar@rules.test", project="Build", date=floor.isoformat(), tracked=60)
    sb.fault(daily_floor="clamp")
    rows = daily(sb, before, floor.isoformat()).json()["daily_activities"]
    assert [r["id"] for r in rows] == [old["id"]]
    sb.fault(daily_floor="empty")
    assert daily(sb, before, floor.isoformat()).json()["daily_activities"] == []
    sb.reset_faults()
    log = sb.api_get(
        f"/organizations/{sb.ctx['org']}/time_edit_logs",
        sb.ctx["token"],
        **{"created[start]": f"{before}T00:00:00Z", "created[stop]": f"{floor.isoformat()}T12:00:00Z"},
    )
    assert log.status_code == 400


def test_daily_updates_return_only_the_last_months_activities(sb):
    old_day = days_ago(45)
    row = sb.add_activity(user="umar@rules.test", project="Build", date=old_day, tracked=3600)
    sb.edit_activity(row["id"], tracked=7200)  # edited now, but its day is older than a month
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    changed = updates(sb, since).json()["daily_activities"]
    assert changed and row["id"] not in {r["id"] for r in changed}  # "filter": left out silently
    assert all(r["date"] >= days_ago(31) for r in changed)
    assert daily(sb, old_day, old_day).json()["daily_activities"][0]["tracked"] == 7200
    # updated[stop] is optional (now); an updated range of more than 31 days is refused
    long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert updates(sb, long_ago).status_code == 400
    # the other readings, for the product's tests
    sb.fault(updates_reach="reject")
    month_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=32)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert updates(sb, month_ago, **{"updated[stop]": since}).status_code == 400
    assert updates(sb, since).status_code == 200
    sb.fault(updates_reach="empty")
    assert updates(sb, month_ago, **{"updated[stop]": since}).json()["daily_activities"] == []
    sb.reset_faults()


def test_time_edit_log_records_edits_moves_and_deletions(sb):
    org, token = sb.ctx["org"], sb.ctx["token"]
    ids = sb.ctx["ids"]
    rows = daily(sb, days_ago(3), days_ago(3)).json()["daily_activities"]
    umar_build = next(r for r in rows if r["user_id"] == ids["users"]["umar@rules.test"] and r["task_id"])
    nina_row = next(r for r in rows if r["user_id"] == ids["users"]["Nina Noemail"])
    old_day = sb.add_activity(user="umar@rules.test", project="Build", date=days_ago(40), tracked=3600)
    assert sb.time_edit_logs() == []  # tracked time (no manual seconds) is not an edit
    sb.edit_activity(umar_build["id"], tracked=umar_build["tracked"] - 600)
    sb.edit_activity(old_day["id"], date=days_ago(41), project="Break")
    sb.delete_activity(nina_row["id"])
    sb.add_activity(user="umar@rules.test", project="Build", date=days_ago(0), tracked=900, manual=900)
    start = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    stop = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = sb.api_get(
        f"/organizations/{org}/time_edit_logs", token, **{"created[start]": start, "created[stop]": stop}
    ).json()
    shorten, move, delete, add = body["time_edit_logs"]
    assert (shorten["action"], shorten["deleted_duration"], shorten["added_duration"]) == ("edit", 600, 0)
    assert (
        shorten["original_stops_at"] > shorten["stops_at"]
        and shorten["starts_at"] == shorten["original_starts_at"]
    )
    assert move["action"] == "edit" and move["original_starts_at"][:10] == days_ago(40)
    assert move["starts_at"][:10] == days_ago(41)
    assert (move["original_project_id"], move["project_id"]) == (
        ids["projects"]["Build"],
        ids["projects"]["Break"],
    )
    assert (move["added_duration"], move["deleted_duration"]) == (3600, 3600)
    assert delete["action"] == "delete" and delete["deleted_duration"] == nina_row["tracked"]
    assert delete["user_id"] == ids["users"]["Nina Noemail"] and delete["original_starts_at"][
        :10
    ] == days_ago(3)
    assert add["action"] == "add" and add["added_duration"] == 900
    assert {e["blame_user_id"] for e in body["time_edit_logs"]} == {ids["users"]["olivia@rules.test"]}
    # filters: a project filter matches the original project too; the range is at most 31 days
    build = sb.api_get(
        f"/projects/{ids['projects']['Build']}/time_edit_logs",
        token,
        **{"created[start]": start, "created[stop]": stop},
    ).json()["time_edit_logs"]
    assert move["id"] in {e["id"] for e in build}
    too_long = {"created[start]": days_ago(40) + "T00:00:00Z", "created[stop]": stop}
    assert sb.api_get(f"/organizations/{org}/time_edit_logs", token, **too_long).status_code == 400
    assert (
        sb.api_get(f"/organizations/{org}/time_edit_logs", token, **{"created[start]": start}).status_code
        == 400
    )


def test_the_edge_case_scenario_file():
    with running_sandbox(scenario=EDGE_SCENARIO) as sb:
        ids = sb.ids()
        org, token = ids["orgs"]["Edge Hubstaff"], sb.issue_tokens("olivia@edge.test")["access_token"]
        window = {"date[start]": "2026-03-01", "date[stop]": "2026-03-31", "include": "users"}
        body = sb.api_get(f"/organizations/{org}/activities/daily", token, **window).json()
        umar = ids["users"]["umar@edge.test"]
        assert sorted(r["date"] for r in body["daily_activities"] if r["user_id"] == umar) == [
            "2026-03-02",  # 20:00 UTC on 1 March is 09:00 on 2 March in UTC+13
            "2026-03-02",
            "2026-03-03",
        ]
        assert any("email" not in u for u in body["users"])
        members = sb.api_get(f"/organizations/{org}/members", token).json()["members"]
        assert ids["users"]["rita@edge.test"] not in {m["user_id"] for m in members}
        lapsed = ids["orgs"]["Lapsed Hubstaff"]
        assert sb.api_get(f"/organizations/{lapsed}/projects", token).status_code == 403
