"""The sandbox's timesheets against contract.d/timesheets.json (the timesheets part of Hubstaff's Swagger document):
every answer holds to the Timesheet definition in every state a timesheet can be in, errors have Hubstaff's
statuses and body, and the parameters sent (by these tests and by the product's client) are the declared ones."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import requests

from hubstaff_sandbox import contract
from hubstaff_sandbox.testing import PACKAGE_DIR, running_sandbox
from hubstaff_sandbox.timesheets import act

from .rules_scenario import rules_scenario

PATH = "/v2/organizations/{organization_id}/timesheets"
PART = PACKAGE_DIR / "contract.d" / "timesheets.json"
CLIENT = PACKAGE_DIR.parent / "integrations" / "hubstaff" / "timesheets.py"
# The Timesheet definition's "required" list in Hubstaff's reference.
REFERENCE_REQUIRED = {
    "id",
    "paid",
    "user_id",
    "organization_id",
    "status",
    "keyboard",
    "mouse",
    "overall",
    "tracked",
    "input_tracked",
    "start_date",
    "stop_date",
    "locked",
    "created_at",
    "updated_at",
}


@pytest.fixture(scope="module")
def rules():
    """The rules scenario with a timesheet in each status: Umar's approved, Nina's submitted, Rita's denied (she
    left since), one reopened after approval, and the rest open."""
    today = dt.datetime.now(dt.UTC).date()
    with running_sandbox(scenario=rules_scenario(today)) as sb:
        ids = sb.ids()
        org = ids["orgs"]["Rules Org"]
        three_days_ago = (today - dt.timedelta(days=3)).isoformat()
        act(sb, org, "approve", "umar@rules.test", three_days_ago, by="olivia@rules.test")
        act(sb, org, "submit", "Nina Noemail", three_days_ago)
        act(sb, org, "deny", "rita@rules.test", three_days_ago)
        act(sb, org, "approve", "olivia@rules.test", three_days_ago)
        act(sb, org, "reopen", "olivia@rules.test", three_days_ago)
        token = sb.issue_tokens("olivia@rules.test")["access_token"]
        yield {"sb": sb, "ids": ids, "org": org, "token": token, "today": today}


def _params(today: dt.date) -> list[dict]:
    """Every declared parameter, alone and together, with small pages."""
    week = (today - dt.timedelta(days=7)).isoformat()
    return [
        {"page_limit": 2},
        {"date[start]": week, "date[stop]": today.isoformat(), "page_limit": 1},
        {"date[start]": week, "include": "users"},
        {"date[stop]": today.isoformat(), "include[]": "users", "status": "approved"},
        {"approved[start]": week, "status": "approved", "page_limit": 1, "page_start_id": 0},
        {"status": "submitted"},
        {"status": "denied"},
        {"status": "open", "include": "users"},
    ]


def _pages(rules, params: dict) -> list[dict]:
    sb, path, bodies, params = rules["sb"], f"/organizations/{rules['org']}/timesheets", [], dict(params)
    while True:
        r = sb.api_get(path, rules["token"], **params)
        assert r.status_code == 200, (params, r.text)
        bodies.append(r.json())
        nxt = bodies[-1].get("pagination", {}).get("next_page_start_id")
        if nxt is None:
            return bodies
        params["page_start_id"] = nxt


def test_every_answer_holds_to_the_contract(rules):
    for params in _params(rules["today"]):
        bodies = _pages(rules, params)
        for body in bodies:
            assert contract.check_response(PATH, body) == [], params
        assert [t for b in bodies for t in b["timesheets"]], f"{params}: nothing to check"


def test_answers_carry_only_the_reference_fields(rules):
    fields = set(contract.load()["definitions"]["Timesheet"]["fields"])
    for body in _pages(rules, {}):
        for sheet in body["timesheets"]:
            assert set(sheet) <= fields
            assert set(sheet) >= REFERENCE_REQUIRED


def test_the_scenario_exercises_every_status_and_optional_field(rules):
    items = [t for b in _pages(rules, {}) for t in b["timesheets"]]
    assert {t["status"] for t in items} == {"open", "submitted", "approved", "denied"}
    approved = next(t for t in items if t["status"] == "approved")
    assert {"approved_on", "approved_by_id", "locked"} <= set(approved) and approved["locked"] is True
    assert any("submitted_on" in t for t in items)
    reopened = next(t for t in items if t["user_id"] == rules["ids"]["users"]["olivia@rules.test"])
    assert reopened["status"] == "open" and "approved_on" not in reopened


@pytest.mark.parametrize(
    "params",
    [{"date[start]": "2026-02-30"}, {"approved[start]": "never"}, {"status": "paid"}, {"page_limit": "many"}],
)
def test_invalid_parameters_hold_to_the_contract(rules, params):
    r = rules["sb"].api_get(f"/organizations/{rules['org']}/timesheets", rules["token"], **params)
    assert r.status_code == 400
    assert contract.check_error(PATH, 400, r.json()) == []


def test_refusals_hold_to_the_contract(rules):
    sb, token = rules["sb"], rules["token"]
    answers = {
        401: requests.get(f"{sb.api_url}/organizations/{rules['org']}/timesheets", timeout=30),
        403: sb.api_get(f"/organizations/{rules['ids']['orgs']['Lapsed Org']}/timesheets", token),
        404: sb.api_get("/organizations/1/timesheets", token),
    }
    sb.fault(storm={"count": 1, "retry_after": 7})
    try:
        answers[429] = sb.api_get(f"/organizations/{rules['org']}/timesheets", token)
    finally:
        sb.reset_faults()
    for status, r in answers.items():
        assert r.status_code == status, r.text
        assert contract.check_error(PATH, status, r.json()) == [], r.text
    assert answers[403].json()["error"] == "API access is only for organizations on an active plan"
    assert answers[429].headers["Retry-After"] == "7"


def test_these_tests_send_only_declared_parameters(rules):
    sb = rules["sb"]
    sb.reset_stats()
    for params in _params(rules["today"]):
        _pages(rules, params)
    assert contract.undeclared_params(sb.stats()) == {}


def test_the_contract_follows_the_reference():
    ep = contract.endpoint(PATH)
    assert not any(spec["required"] for spec in ep["query"].values())  # the reference requires no filter
    assert ep["query"]["status"]["enum"] == ["open", "submitted", "approved", "denied"]
    assert ep["query"]["date[start]"]["format"] == ep["query"]["approved[start]"]["format"] == "date"
    fields = contract.load()["definitions"]["Timesheet"]["fields"]
    assert {name for name, spec in fields.items() if spec["required"]} == REFERENCE_REQUIRED
    assert fields["approved_on"]["format"] == "date"
    assert ep["errors"] == [400, 401, 403, 404, 429]


def test_the_checks_catch_drift():
    sheet = {
        "id": 1,
        "paid": False,
        "user_id": 2,
        "organization_id": 3,
        "status": "approved",
        "keyboard": 10,
        "mouse": 20,
        "overall": 30,
        "tracked": 90,
        "input_tracked": 5400,
        "start_date": "2026-03-02",
        "stop_date": "2026-03-08",
        "approved_on": "2026-03-10",
        "approved_by_id": 4,
        "locked": True,
        "created_at": "2026-03-03T00:10:00Z",
        "updated_at": "2026-03-10T09:00:00Z",
    }
    assert contract.check_response(PATH, {"timesheets": [sheet]}) == []
    assert contract.check_response(PATH, {"timesheets": [{**sheet, "approved_on": None}]}) == []
    assert contract.check_response(PATH, {"timesheets": [{**sheet, "approved_on": "2026-03-10T09:00:00Z"}]})
    assert contract.check_response(PATH, {"timesheets": [{**sheet, "tracked": "90"}]})
    assert contract.check_response(PATH, {"timesheets": [{k: v for k, v in sheet.items() if k != "paid"}]})
    assert contract.check_response(PATH, {"timesheets": [sheet], "projects": []})


def test_the_client_sends_only_declared_parameters():
    """The product's timesheets client: each bracketed name it could send is in this part's "client_requests",
    and each listed name is declared (contract.json's own check reads contract.json's list only)."""
    listed = json.loads(PART.read_text(encoding="utf-8"))["client_requests"][PATH]
    assert [p for p in listed if not contract.is_declared(PATH, p)] == []
    if not CLIENT.is_file():
        pytest.skip("the product's Hubstaff client is not here")
    found = set(re.findall(r"""["']([a-z_]+\[[a-z_]*\])["']""", CLIENT.read_text(encoding="utf-8")))
    assert found and found <= set(listed)
