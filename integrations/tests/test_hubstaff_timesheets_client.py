"""The timesheets listing (integrations/hubstaff/timesheets.py) against mocked Hubstaff answers shaped like the
reference's Timesheet, and once against the sandbox over real HTTP."""

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from responses import Call, matchers

from hubstaff_sandbox import contract
from hubstaff_sandbox.testing import DEMO_SCENARIO, SandboxClient
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import MalformedResponse, Refused, Rejected
from integrations.hubstaff.timesheets import Timesheet, timesheets
from integrations.models import Installation
from integrations.services.installation import connect_with_personal_access_token
from people.models import Organization

from .conftest import API

ORG = 10
URL = f"{API}/organizations/{ORG}/timesheets"
START, STOP = date(2026, 3, 2), date(2026, 3, 15)


def sheet(i: int, **fields: Any) -> dict[str, Any]:
    """A timesheet as Hubstaff's reference describes it (open, with the optional fields absent)."""
    return {
        "id": i,
        "paid": False,
        "user_id": 7,
        "organization_id": ORG,
        "status": "open",
        "keyboard": 30,
        "mouse": 40,
        "overall": 50,
        "tracked": 90,
        "input_tracked": 5400,
        "start_date": "2026-03-02",
        "stop_date": "2026-03-08",
        "locked": False,
        "created_at": "2026-03-03T00:10:00Z",
        "updated_at": "2026-03-09T08:15:00.512345Z",
        **fields,
    }


def query(call: Call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url or "").query)


@pytest.fixture
def client(installation: Installation, hubstaff_settings: Any) -> Iterator[HubstaffClient]:
    c = HubstaffClient(installation, sleep=lambda _seconds: None)
    yield c
    c.close()


@responses.activate
def test_the_dates_are_sent_as_the_reference_spells_them(client: HubstaffClient) -> None:
    responses.get(URL, json={"timesheets": []})
    assert list(timesheets(client, ORG, start=START, stop=STOP)) == []
    assert query(responses.calls[0]) == {
        "date[start]": ["2026-03-02"],
        "date[stop]": ["2026-03-15"],
        "page_limit": ["500"],
    }


@responses.activate
def test_approved_since_and_status_are_sent_when_asked(client: HubstaffClient) -> None:
    responses.get(URL, json={"timesheets": []})
    list(timesheets(client, ORG, start=START, stop=STOP, approved_since=date(2026, 3, 10), status="approved"))
    assert query(responses.calls[0]) == {
        "date[start]": ["2026-03-02"],
        "date[stop]": ["2026-03-15"],
        "approved[start]": ["2026-03-10"],
        "status": ["approved"],
        "page_limit": ["500"],
    }


@responses.activate
def test_every_page_is_read(client: HubstaffClient) -> None:
    responses.get(
        URL,
        json={"timesheets": [sheet(1), sheet(2)], "pagination": {"next_page_start_id": 3}},
        match=[matchers.query_param_matcher({**_dates(), "page_limit": "500"})],
    )
    responses.get(
        URL,
        json={"timesheets": [sheet(3)]},
        match=[matchers.query_param_matcher({**_dates(), "page_limit": "500", "page_start_id": "3"})],
    )
    assert [t.id for t in timesheets(client, ORG, start=START, stop=STOP)] == [1, 2, 3]
    assert len(responses.calls) == 2


def _dates() -> dict[str, str]:
    return {"date[start]": "2026-03-02", "date[stop]": "2026-03-15"}


@responses.activate
def test_a_timesheet_is_read_into_typed_fields(client: HubstaffClient) -> None:
    approved = sheet(
        5,
        status="approved",
        locked=True,
        submitted_on="2026-03-09",
        approved_on="2026-03-10",
        approved_by_id=1,
        tracked=2035,
    )
    responses.get(URL, json={"timesheets": [approved, sheet(6)]})
    first, second = timesheets(client, ORG, start=START, stop=STOP)
    assert first == Timesheet(
        id=5,
        user_id=7,
        status="approved",
        locked=True,
        start_date=date(2026, 3, 2),
        stop_date=date(2026, 3, 8),
        approved_on=date(2026, 3, 10),
        tracked_minutes=2035,
        updated_at=datetime(2026, 3, 9, 8, 15, 0, 512345, tzinfo=UTC),
    )
    assert first.is_approved and not second.is_approved
    assert second.approved_on is None and second.locked is False
    assert first.covers(date(2026, 3, 8)) and not first.covers(date(2026, 3, 9))


@responses.activate
def test_an_approval_given_as_a_time_counts_on_its_utc_day(client: HubstaffClient) -> None:
    late = sheet(
        1, status="approved", approved_on="2026-03-10T23:30:00-02:00", updated_at="2026-03-11T01:30:00"
    )
    responses.get(URL, json={"timesheets": [late, sheet(2, approved_on=None)]})
    first, second = timesheets(client, ORG, start=START, stop=STOP)
    assert first.approved_on == date(2026, 3, 11)
    assert first.updated_at == datetime(2026, 3, 11, 1, 30, tzinfo=UTC)  # no offset: UTC, as Hubstaff writes
    assert second.approved_on is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tracked": "90"}, "tracked"),
        ({"tracked": None}, "tracked"),
        ({"tracked": True}, "tracked"),
        ({"id": None}, "id"),
        ({"user_id": -1}, "user_id"),
        ({"status": ""}, "status"),
        ({"locked": "false"}, "locked"),
        ({"start_date": "2026-03-02T00:00:00Z"}, "start_date"),
        ({"stop_date": "8 March"}, "stop_date"),
        ({"approved_on": "yesterday"}, "approved_on"),
        ({"approved_on": 20260310}, "approved_on"),
        ({"updated_at": "2026-03-09"}, "updated_at"),
    ],
)
@responses.activate
def test_a_malformed_timesheet_is_refused(client: HubstaffClient, change: dict[str, Any], field: str) -> None:
    responses.get(URL, json={"timesheets": [sheet(1, **change)]})
    with pytest.raises(MalformedResponse, match=f"'{field}'"):
        list(timesheets(client, ORG, start=START, stop=STOP))


@responses.activate
def test_a_missing_field_is_refused(client: HubstaffClient) -> None:
    item = sheet(1)
    del item["tracked"]
    responses.get(URL, json={"timesheets": [item]})
    with pytest.raises(MalformedResponse, match="'tracked'"):
        list(timesheets(client, ORG, start=START, stop=STOP))


@pytest.mark.parametrize(
    "body", [{"timesheets": [["not", "an", "object"]]}, {"timesheet": []}, {"timesheets": {}}]
)
@responses.activate
def test_an_answer_of_another_shape_is_refused(client: HubstaffClient, body: dict[str, Any]) -> None:
    responses.get(URL, json=body)
    with pytest.raises(MalformedResponse):
        list(timesheets(client, ORG, start=START, stop=STOP))


@responses.activate
def test_refusals_are_raised_as_the_client_raises_them(client: HubstaffClient) -> None:
    responses.get(
        URL,
        status=403,
        json={"code": "inactive_plan", "error": "API access is only for organizations on an active plan"},
    )
    with pytest.raises(Refused, match="active plan"):
        list(timesheets(client, ORG, start=START, stop=STOP))
    responses.replace(
        responses.GET, URL, status=400, json={"code": "invalid_params", "error": "status is invalid"}
    )
    with pytest.raises(Rejected, match="status is invalid"):
        list(timesheets(client, ORG, start=START, stop=STOP))


@responses.activate
def test_a_question_hubstaff_would_refuse_is_not_sent(client: HubstaffClient) -> None:
    with pytest.raises(ValueError, match="status"):
        list(timesheets(client, ORG, start=START, stop=STOP, status="paid"))
    with pytest.raises(ValueError, match="before"):
        list(timesheets(client, ORG, start=date(2026, 3, 15), stop=date(2026, 3, 2)))
    assert len(responses.calls) == 0


def act(hs: SandboxClient, organization_id: int, action: str, user: str, day: str) -> dict[str, Any]:
    """Submit, approve, deny or reopen at the sandbox (a control call: Hubstaff's API has none)."""
    body = {"user": user, "date": day}
    sheet: dict[str, Any] = hs.control(f"organizations/{organization_id}/timesheets/{action}", body)[
        "timesheet"
    ]
    return sheet


@pytest.fixture
def demo_sandbox(hubstaff_sandbox: SandboxClient) -> Iterator[SandboxClient]:
    """The shared sandbox's demo data, loaded again afterwards (which forgets the timesheets acted on)."""
    yield hubstaff_sandbox
    hubstaff_sandbox.load(json.loads(DEMO_SCENARIO.read_text()))


@pytest.mark.sandbox
def test_approved_timesheets_from_the_sandbox(org: Organization, demo_sandbox: SandboxClient) -> None:
    """Bobby's week of 2 February approved at the sandbox: the client reads it approved, with the week's tracked
    minutes of the demo rows, and sends only parameters Hubstaff's reference declares."""
    hs = demo_sandbox
    hubstaff_org = hs.ids()["orgs"]["Acme Hubstaff"]
    act(hs, hubstaff_org, "submit", "bobby@acme.test", "2026-02-04")
    approved = act(hs, hubstaff_org, "approve", "bobby@acme.test", "2026-02-04")
    installation = connect_with_personal_access_token(org, hs.create_pat("alice@acme.test"))
    client = HubstaffClient(installation)
    hs.reset_stats()
    try:
        february = list(timesheets(client, hubstaff_org, start=date(2026, 2, 2), stop=date(2026, 2, 15)))
        since = date.fromisoformat(approved["approved_on"])
        only_approved = list(
            timesheets(
                client, hubstaff_org, start=date(2026, 1, 1), stop=date(2026, 3, 31), approved_since=since
            )
        )
    finally:
        client.close()
    bobby = hs.ids()["users"]["bobby@acme.test"]
    week = [t for t in february if t.user_id == bobby and t.covers(date(2026, 2, 4))]
    assert len(week) == 1 and week[0].is_approved and week[0].locked
    assert (week[0].start_date, week[0].stop_date) == (date(2026, 2, 2), date(2026, 2, 8))
    assert (
        week[0].tracked_minutes == _demo_seconds("bobby@acme.test", date(2026, 2, 2), date(2026, 2, 8)) // 60
    )
    assert [t.is_approved for t in february if t != week[0]] == [False] * (len(february) - 1)
    assert {t.start_date for t in february} == {date(2026, 2, 2), date(2026, 2, 9)}
    assert only_approved == week
    assert week[0].updated_at > datetime.now(UTC) - timedelta(minutes=5)
    assert contract.undeclared_params(hs.stats()) == {}


def _demo_seconds(email: str, start: date, stop: date) -> int:
    rows = json.loads(DEMO_SCENARIO.read_text())["daily_activities"]
    return sum(
        r["tracked"] for r in rows if r["user"] == email and start <= date.fromisoformat(r["date"]) <= stop
    )
