"""Time off, holidays and limits against contract.d/availability.json (Hubstaff's Swagger document, in our format):
every answer, every page, every side-load and every error of the four listings holds to it, and so do the
limits the members listing shows with ``include_limits=true``."""

from __future__ import annotations

import json
import re

import pytest
import requests

from hubstaff_sandbox import contract
from hubstaff_sandbox.testing import DEMO_SCENARIO, PACKAGE_DIR, running_sandbox

ORG = "/v2/organizations/{organization_id}"
PART = PACKAGE_DIR / "contract.d" / "availability.json"
PATHS = list(json.loads(PART.read_text(encoding="utf-8"))["endpoints"])
# What the product's client sends to each listing (client_requests), with values, and the side-loads.
PARAMS = {
    ORG + "/time_off_requests": [
        {
            "starts_at[start]": "2026-01-01T00:00:00Z",
            "starts_at[stop]": "2027-01-01T00:00:00Z",
            "page_limit": 2,
        },
        {"include[]": ["users", "time_off_policies"], "approved_at[start]": "2000-01-01T00:00:00Z"},
        {"include": "users,time_off_policies", "created[start]": "2000-01-01T00:00:00Z"},
    ],
    ORG + "/time_off_policies": [{"status": "all", "page_limit": 2}, {}],
    ORG + "/holidays": [{"date[start]": "2026-01-01", "date[stop]": "2026-12-31", "page_limit": 2}, {}],
    ORG + "/limit_histories": [
        {"date[start]": "2026-01-01", "page_limit": 2},
        {"limit_type": "expected_per_week", "user_ids[]": ["{bobby}"]},
    ],
}


@pytest.fixture(scope="module")
def filled():
    """The demo organization with every shape: archived and unpaid policies, submitted, approved and denied
    requests (all day and with times), paid and unpaid holidays, limits set, changed and cleared."""
    with running_sandbox(scenario=DEMO_SCENARIO, rate_limit=100000) as sb:
        ids = sb.ids()
        org, bobby = ids["orgs"]["Acme Hubstaff"], ids["users"]["bobby@acme.test"]
        policy = {"organization": org}
        vacation = sb.control("time_off_policies", {**policy, "name": "Vacation"})["time_off_policy"]
        sick = sb.control("time_off_policies", {**policy, "name": "Sick", "paid": False})["time_off_policy"]
        sb.control(f"time_off_policies/{sick['id']}", {"status": "archived"}, method="PATCH")
        sb.control("time_off_policies", {**policy, "name": "Errands", "requires_approval": False})
        made = []
        for user, day in [("bobby@acme.test", "2026-03-02"), ("sam@acme.test", "2026-03-03")] * 2:
            body = {"user": user, "time_off_policy_id": vacation["id"], "start_date": day, "stop_date": day}
            made.append(sb.control("time_off_requests", body)["time_off_request"])
        sb.control(
            "time_off_requests",
            {
                "user": "sam@acme.test",
                "time_off_policy_id": sick["id"],
                "all_day": False,
                "starts_at": "2026-03-04T08:00:00Z",
                "stops_at": "2026-03-04T12:00:00Z",
            },
        )
        sb.control(f"time_off_requests/{made[0]['id']}/approve")
        sb.control(f"time_off_requests/{made[1]['id']}/deny", {"response": "Busy week"})
        for name, day, paid in [("Easter Monday", "2026-04-06", True), ("Team day", "2026-06-01", False)] * 2:
            sb.control("holidays", {**policy, "name": name, "date": day, "paid": paid})
        limits = f"organizations/{org}/members/bobby@acme.test/limits"
        sb.control(limits, {"expected_per_week": 40, "daily_limit": 8, "since": "2026-01-05"}, method="PATCH")
        sb.control(
            limits, {"expected_per_week": 32.5, "daily_limit": None, "since": "2026-03-02"}, method="PATCH"
        )
        sb.control(f"organizations/{org}/members/sam@acme.test/limits", {"weekly_limit": 20}, method="PATCH")
        token = sb.issue_tokens("alice@acme.test")["access_token"]
        yield {"sb": sb, "org": org, "bobby": bobby, "token": token}


def _url(path: str, ctx) -> str:
    return path.replace("{organization_id}", str(ctx["org"]))[3:]


def _values(params: dict, ctx) -> dict:
    return {
        k: [str(ctx["bobby"]) if x == "{bobby}" else x for x in v] if isinstance(v, list) else v
        for k, v in params.items()
    }


def _all_pages(ctx, path: str, params: dict) -> list[dict]:
    bodies, params = [], dict(params)
    while True:
        r = ctx["sb"].api_get(_url(path, ctx), ctx["token"], **params)
        assert r.status_code == 200, (path, params, r.text)
        bodies.append(r.json())
        nxt = bodies[-1].get("pagination", {}).get("next_page_start_id")
        if nxt is None:
            return bodies
        params["page_start_id"] = nxt


@pytest.mark.parametrize("path", PATHS)
def test_every_answer_holds_to_the_contract(filled, path):
    key = contract.endpoint(path)["response"]["key"]
    for params in PARAMS[path]:
        bodies = _all_pages(filled, path, _values(params, filled))
        assert len(bodies) > 1 or "page_limit" not in params, "paging not exercised"
        for body in bodies:
            assert contract.check_response(path, body) == [], params
        assert [x for b in bodies for x in b[key]], f"{path} {params}: nothing to check"


def test_every_day_of_a_request_holds_to_the_contract(filled):
    path = ORG + "/time_off_requests"
    [body] = _all_pages(filled, path, {})
    days = [d for r in body["time_off_requests"] for d in r["time_off_request_days"]]
    assert days
    for i, day in enumerate(days):
        assert contract.check_definition("TimeOffRequestDay", day, f"day[{i}]") == []


def test_the_members_limits_hold_to_the_contract(filled):
    path = ORG + "/members"
    bodies = _all_pages(
        filled, path, {"include_limits": "true", "include_removed": "true", "include[]": "users"}
    )
    members = [m for b in bodies for m in b["members"]]
    for body in bodies:
        assert contract.check_response(path, body) == []
    for m in members:
        assert (
            contract.check_definition("OrganizationMemberLimits", m["limits"], f"limits of {m['user_id']}")
            == []
        )
    assert {m["limits"]["expected_per_week"] for m in members} == {32.5, None}


def test_every_shape_the_readings_allow_is_exercised(filled):
    """The optional and nullable shapes appear in the answers the checks above validated."""
    sb, token, org = filled["sb"], filled["token"], filled["org"]
    requests_ = sb.api_get(f"/organizations/{org}/time_off_requests", token).json()["time_off_requests"]
    assert {r["status"] for r in requests_} == {"submitted", "approved", "denied"}
    assert {r["all_day"] for r in requests_} == {True, False}
    holidays = sb.api_get(f"/organizations/{org}/holidays", token).json()["holidays"]
    assert {"amount_used" in h for h in holidays} == {True, False}
    history = sb.api_get(f"/organizations/{org}/limit_histories", token).json()["limit_histories"]
    assert {h["stop_date"] is None for h in history} == {True, False}


def test_the_client_sends_only_declared_parameters():
    """The parameters listed for the product's client in the part's client_requests are all declared."""
    listed = json.loads(PART.read_text(encoding="utf-8"))["client_requests"]
    for path, params in listed.items():
        if path.startswith("/"):
            assert [p for p in params if not contract.is_declared(path, p)] == [], path


def test_the_client_sends_no_bracketed_parameter_the_part_does_not_list():
    """A scan of the product's client of these listings: every ``name[...]`` literal is in client_requests."""
    source = PACKAGE_DIR.parent / "integrations" / "hubstaff" / "availability.py"
    if not source.is_file():
        pytest.skip("the product's Hubstaff client is not here")
    listed = {p for v in json.loads(PART.read_text(encoding="utf-8"))["client_requests"].values() for p in v}
    found = set(re.findall(r"""["']([a-z_]+\[[a-z_]*\])["']""", source.read_text(encoding="utf-8")))
    assert found and found - listed == set()


def _bad_request(path: str) -> dict:
    if path.endswith("/holidays"):
        return {"date[start]": "2026-02-30"}
    if path.endswith("/limit_histories"):
        return {"limit_type": "monthly"}
    if path.endswith("/time_off_requests"):
        return {"starts_at[start]": "not a time"}
    return {"status": "deleted"}


@pytest.mark.parametrize("path", PATHS)
def test_every_error_holds_to_the_contract(filled, path):
    sb, token, url = filled["sb"], filled["token"], _url(path, filled)
    answers = {
        400: sb.api_get(url, token, **_bad_request(path)),
        401: requests.get(sb.api_url + url, timeout=30),
        404: sb.api_get(_url(path, {"org": 1}), token),
    }
    sb.fault(storm={"count": 1, "retry_after": 7})
    try:
        answers[429] = sb.api_get(url, token)
    finally:
        sb.reset_faults()
    sb.edit_org(filled["org"], inactive_plan=True)
    try:
        answers[403] = sb.api_get(url, token)
    finally:
        sb.edit_org(filled["org"], inactive_plan=False)
    for status, r in answers.items():
        assert r.status_code == status, (status, r.text)
        assert contract.check_error(path, status, r.json()) == [], r.text
    assert answers[403].json()["error"] == "API access is only for organizations on an active plan"
    assert answers[429].headers["Retry-After"] == "7"
