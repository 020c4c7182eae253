"""The sandbox against contract.json (Hubstaff's Swagger document, in our format).

Every answer of every endpoint the product's client calls validates; every query parameter the client sends
is declared; undeclared parameters are ignored as Hubstaff's (Grape) API ignores them; errors have
Hubstaff's statuses and body. A sandbox that drifts from the contract fails here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import requests

from hubstaff_sandbox import contract
from hubstaff_sandbox.testing import PACKAGE_DIR, running_sandbox

from .rules_scenario import rules_scenario

CLIENT_DIR = PACKAGE_DIR.parent / "integrations" / "hubstaff"
ORG = "/v2/organizations/{organization_id}"
PROJECT = "/v2/projects/{project_id}"


@pytest.fixture(scope="module")
def rules():
    today = dt.datetime.now(dt.UTC).date()
    with running_sandbox(scenario=rules_scenario(today)) as sb:
        ids = sb.ids()
        org, build = ids["orgs"]["Rules Org"], ids["projects"]["Build"]
        token = sb.issue_tokens("olivia@rules.test")["access_token"]
        rows = sb.api_get(
            f"/organizations/{org}/activities/daily",
            token,
            **{"date[start]": (today - dt.timedelta(days=7)).isoformat(), "date[stop]": today.isoformat()},
        ).json()["daily_activities"]
        # edits through the control API fill the time edit log: a move, a change of task, a deletion
        sb.edit_activity(rows[0]["id"], date=(today - dt.timedelta(days=5)).isoformat())
        sb.edit_activity(rows[1]["id"], task_id=None, tracked=rows[1]["tracked"] + 600)
        sb.delete_activity(rows[-1]["id"])
        sb.add_activity(
            user="umar@rules.test", project="Build", date=today.isoformat(), tracked=900, manual=900
        )
        yield {"sb": sb, "ids": ids, "org": org, "project": build, "token": token, "today": today}


def _fill(template: str, ctx) -> str:
    return template.replace("{organization_id}", str(ctx["org"])).replace("{project_id}", str(ctx["project"]))


def _client_like_params(path: str, today: dt.date) -> list[dict]:
    """The parameters the product's client sends to ``path`` (contract.json "client_requests"), with values,
    and the variants it may send (side-loads, include_removed), each with a small page to exercise paging."""
    week = (today - dt.timedelta(days=7)).isoformat()
    now = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    page = {"page_limit": 2}
    by_path = {
        ORG + "/projects": [{"status": "all", **page}, {}],
        ORG + "/members": [
            {"include[]": "users", "include_removed": "true", **page},
            {"include": "users"},
            {},
        ],
        ORG + "/activities/daily": [
            {"date[start]": week, "date[stop]": today.isoformat(), **page},
            {"date[start]": week, "date[stop]": today.isoformat(), "include": "users,projects,tasks"},
        ],
        ORG + "/activities/daily/updates": [
            {"updated[start]": f"{week}T00:00:00Z", "updated[stop]": now, **page},
            {"updated[start]": f"{week}T00:00:00Z", "include[]": ["users", "projects", "tasks"]},
        ],
        ORG + "/time_edit_logs": [{"created[start]": f"{week}T00:00:00Z", "created[stop]": now, **page}],
    }
    for suffix in ("/activities/daily", "/activities/daily/updates", "/time_edit_logs"):
        by_path[PROJECT + suffix] = by_path[ORG + suffix]
    return by_path.get(path, [page])


def _all_pages(sb, path: str, token: str, params: dict) -> list[dict]:
    bodies = []
    params = dict(params)
    while True:
        r = sb.api_get(path, token, **params)
        assert r.status_code == 200, (path, params, r.text)
        bodies.append(r.json())
        nxt = bodies[-1].get("pagination", {}).get("next_page_start_id")
        if nxt is None:
            return bodies
        params["page_start_id"] = nxt


# The rules scenario has no time off, holidays or limits: their answers are checked with data of their own
# (test_availability_contract.py).
CHECKED_ELSEWHERE = set(json.loads((contract.CONTRACT_PARTS / "availability.json").read_text())["endpoints"])


@pytest.mark.parametrize("path", [p for p in contract.load()["endpoints"] if p not in CHECKED_ELSEWHERE])
def test_every_answer_holds_to_the_contract(rules, path):
    key = contract.endpoint(path)["response"]["key"]
    for params in _client_like_params(path, rules["today"]):
        bodies = _all_pages(rules["sb"], _fill(path, rules)[3:], rules["token"], params)
        for body in bodies:
            assert contract.check_response(path, body) == [], params
        items = [x for b in bodies for x in (b[key] if isinstance(b[key], list) else [b[key]])]
        assert items, f"{path} {params}: nothing to check"


def test_the_scenario_exercises_every_optional_shape(rules):
    sb, token, org = rules["sb"], rules["token"], rules["org"]
    body = sb.api_get(f"/organizations/{org}/members", token, include_removed="true", include="users").json()
    assert any("removed_at" in m for m in body["members"])
    assert any("email" not in u for u in body["users"])
    projects = sb.api_get(f"/organizations/{org}/projects", token, status="all").json()["projects"]
    assert {p["type"] for p in projects} == {"project", "work_break"}
    actions = {e["action"] for e in sb.time_edit_logs()}
    assert actions == {"add", "edit", "delete"}


def _bad_request(path: str) -> dict:
    if "time_edit_logs" in path:
        return {"created[start]": "not a time", "created[stop]": "2026-01-01T00:00:00Z"}
    if path.endswith("/updates"):
        return {"updated[start]": "not a time"}
    if path.endswith("/daily"):
        return {"date[start]": "2026-02-30", "date[stop]": "2026-03-01"}
    return {"page_limit": "many"}


@pytest.mark.parametrize("path", list(contract.load()["endpoints"]))
def test_every_error_holds_to_the_contract(rules, path):
    sb, token = rules["sb"], rules["token"]
    url = _fill(path, rules)[3:]
    answers = {
        400: sb.api_get(url, token, **_bad_request(path)),
        401: requests.get(sb.api_url + url, timeout=30),
    }
    if "{" in path:
        missing = path.replace("{organization_id}", "1").replace("{project_id}", "1")[3:]
        answers[404] = sb.api_get(missing, token)
        lapsed = path.replace("{organization_id}", str(rules["ids"]["orgs"]["Lapsed Org"]))
        lapsed = lapsed.replace("{project_id}", str(rules["ids"]["projects"]["Lapsed"]))
        answers[403] = sb.api_get(lapsed[3:], token, **_client_like_params(path, rules["today"])[0])
    sb.fault(storm={"count": 1, "retry_after": 7})
    try:
        answers[429] = sb.api_get(url, token)
    finally:
        sb.reset_faults()
    for status, r in answers.items():
        if path in ("/v2/users/me",) and status == 400:
            continue  # nothing to get wrong: undeclared parameters are ignored
        assert r.status_code == status, (status, r.text)
        assert contract.check_error(path, status, r.json()) == [], r.text
    if 403 in answers:
        assert answers[403].json()["error"] == "API access is only for organizations on an active plan"
    assert answers[429].headers["Retry-After"] == "7"


def test_every_parameter_the_client_sends_is_declared():
    requests_by_path = {k: v for k, v in contract.load()["client_requests"].items() if k.startswith("/")}
    for path, params in requests_by_path.items():
        undeclared = [p for p in params if not contract.is_declared(path, p)]
        assert undeclared == [], path


def test_the_client_sends_no_bracketed_parameter_the_contract_does_not_list():
    """A scan of the product's Hubstaff client: every ``name[...]`` literal it could send is listed in
    "client_requests" (so the check above covers it). Skipped where the product is not beside the sandbox."""
    if not CLIENT_DIR.is_dir():
        pytest.skip("the product's Hubstaff client is not here")
    listed = {p for k, v in contract.load()["client_requests"].items() if k.startswith("/") for p in v}
    listed |= {contract.declared_name(p) + "[]" for p in listed}
    found = set()
    for source in CLIENT_DIR.rglob("*.py"):
        if "tests" in source.parts:
            continue
        found |= set(re.findall(r"""["']([a-z_]+\[[a-z_]*\])["']""", source.read_text(encoding="utf-8")))
        # f"{name}[]" of id filters: the names passed as keyword arguments
        if re.search(r"""\{name\}\[\]""", source.read_text(encoding="utf-8")):
            found |= {f"{n}[]" for n in re.findall(r"\b(\w+_ids)=", source.read_text(encoding="utf-8"))}
    assert found - listed == set()


def test_undeclared_parameters_are_ignored(rules):
    sb, token, org, today = rules["sb"], rules["token"], rules["org"], rules["today"]
    path = f"/organizations/{org}/activities/daily"
    params = {"date[start]": (today - dt.timedelta(days=7)).isoformat(), "date[stop]": today.isoformat()}
    plain = sb.api_get(path, token, **params)
    sb.reset_stats()
    noisy = sb.api_get(path, token, **params, sort="desc", bogus="1", **{"date[middle]": "x", "user_id": "1"})
    assert noisy.status_code == plain.status_code == 200
    assert noisy.json() == plain.json()
    assert contract.undeclared_params(sb.stats()) == {
        "GET /v2/organizations/{id}/activities/daily": ["bogus", "date[middle]", "sort", "user_id"]
    }


def test_discovery_keys_and_tokens_hold_to_the_contract(rules):
    sb = rules["sb"]
    oauth = contract.load()["oauth"]
    discovery = requests.get(sb.url + oauth["discovery"]["path"], timeout=30).json()
    assert contract.check_fields(oauth["discovery"]["fields"], discovery, "discovery") == []
    assert discovery["authorization_endpoint"].endswith("/authorizations/new")
    assert discovery["token_endpoint"].endswith("/access_tokens")
    jwks = requests.get(discovery["jwks_uri"], timeout=30).json()
    assert contract.check_fields(oauth["jwks"]["fields"], jwks, "jwks") == []
    pat = sb.create_pat("olivia@rules.test")
    form = {"grant_type": "refresh_token", "refresh_token": pat}
    r = requests.post(discovery["token_endpoint"], data=form, timeout=30)
    assert r.status_code == 200
    assert contract.check_fields(oauth["token_response"]["fields"], r.json(), "token") == []
    again = requests.post(discovery["token_endpoint"], data=form, timeout=30)  # spent: rotated
    assert again.status_code in oauth["token_error"]["statuses"]
    assert contract.check_fields(oauth["token_error"]["fields"], again.json(), "token error") == []


def test_the_checks_catch_drift():
    """The checker itself: a missing required field, a wrong type, a null, an undeclared status."""
    row = {
        "id": 1,
        "date": "2026-01-01",
        "user_id": 2,
        "project_id": 3,
        "task_id": None,
        "keyboard": 0,
        "mouse": 0,
        "overall": 0,
        "tracked": 60,
        "input_tracked": 60,
        "manual": 0,
        "idle": 0,
        "resumed": 0,
        "billable": 60,
        "work_break": 0,
        "created_at": "2026-01-02T00:10:00Z",
        "updated_at": "2026-01-02T00:10:00Z",
    }
    path = ORG + "/activities/daily"
    assert contract.check_response(path, {"daily_activities": [row]}) == []
    assert contract.check_response(path, {"daily_activities": [{**row, "tracked": "60"}]}) != []
    assert contract.check_response(path, {"daily_activities": [{**row, "user_id": None}]}) != []
    assert contract.check_response(path, {"daily_activities": [{**row, "date": "yesterday"}]}) != []
    no_break = {k: v for k, v in row.items() if k != "work_break"}
    assert contract.check_response(path, {"daily_activities": [no_break]}) != []
    assert contract.check_response(path, {"daily_activities": [row], "surprise": []}) != []
    assert contract.check_error(path, 422, {"error": "Unprocessable"}) != []
    member = {"id": 1, "user_id": 1, "membership_role": "user"}
    assert contract.check_definition("OrganizationMember", member) != []
    assert Path(contract.CONTRACT_FILE).is_file()
