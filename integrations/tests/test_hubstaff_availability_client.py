"""Time off, holidays and limits read from Hubstaff: the parameters as the reference spells them, paging, parsed
values, malformed answers (against mocked answers shaped like the documented ones), and the whole round trip
against the sandbox over HTTP."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from pytest_django import Settings
from responses import Call

from conftest import point_hubstaff_at
from hubstaff_sandbox.testing import DEMO_SCENARIO, SandboxClient, load_json, running_sandbox
from integrations.hubstaff import availability
from integrations.hubstaff.availability import LimitPeriod, MemberLimits, TimeOffDay
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import MalformedResponse, Rejected
from integrations.models import Installation
from integrations.services.installation import connect_with_personal_access_token
from people.models import Organization

from .conftest import API

ORG = f"{API}/organizations/10"
MARCH = datetime(2026, 3, 1, tzinfo=UTC)
APRIL = datetime(2026, 4, 1, tzinfo=UTC)


@pytest.fixture
def client(hubstaff_settings: Settings, installation: Installation) -> HubstaffClient:
    return HubstaffClient(installation, sleep=lambda seconds: None)


def query(call: Call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url or "").query)


def request_json(i: int, **fields: Any) -> dict[str, Any]:
    """A time off request as Hubstaff's TimeOffRequest: Bobby (Warsaw) off on 2 and 3 March."""
    return {
        "id": i,
        "user_id": 7,
        "time_off_policy_id": 3,
        "status": "approved",
        "all_day": True,
        "starts_at": "2026-03-01T23:00:00Z",
        "stops_at": "2026-03-03T23:00:00Z",
        "submitted_at": "2026-02-20T10:00:00Z",
        "approved_at": "2026-02-21T09:30:00Z",
        "denied_at": None,
        "paid": False,
        "amount_used": 57600,
        "message": "Skiing",
        "response": None,
        "created_by_id": 7,
        "approved_by_id": 1,
        "denied_by_id": None,
        "team_payment_detail_id": None,
        "team_payment_id": None,
        "time_off_request_days": [
            {
                "date": day,
                "amount_used": 28800,
                "starts_at": start,
                "stops_at": stop,
                "holiday": False,
                "paid": False,
            }
            for day, start, stop in [
                ("2026-03-02", "2026-03-01T23:00:00Z", "2026-03-02T23:00:00Z"),
                ("2026-03-03", "2026-03-02T23:00:00Z", "2026-03-03T23:00:00Z"),
            ]
        ],
        "created_at": "2026-02-20T10:00:00Z",
        "updated_at": "2026-02-21T09:30:00Z",
        **fields,
    }


def policy_json(i: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": i,
        "organization_id": 10,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "name": "Vacation",
        "created_by_id": 1,
        "auto_add_new_users": True,
        "allow_negative_balances": False,
        "requires_approval": True,
        "balance_rolls_over_annually": False,
        "paid": True,
        "status": "active",
        "policy_type": "list",
        "policy_config": {"starting_balance": 0.0},
        **fields,
    }


def holiday_json(i: int, day: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": i,
        "organization_id": 10,
        "name": "Easter Monday",
        "auto_add_new_users": True,
        "paid": True,
        "amount_used": 28800,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "date": day,
        **fields,
    }


def member_json(user_id: int, limits: object) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "membership_role": "user",
        "membership_status": "active",
        "effective_role": "project_user",
        "trackable": "true",
        "view_only": False,
        "last_client_activity": None,
        "metadata": {},
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "limits": limits,
    }


def period_json(i: int, start: str, stop: str | None, total: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": i,
        "user_id": 7,
        "limit_type": "expected_per_week",
        "start_date": start,
        "stop_date": stop,
        "start_time": f"{start}T00:00:00Z",
        "stop_time": None if stop is None else f"{stop}T23:59:59Z",
        "total": total,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        **fields,
    }


# --- time off requests ---------------------------------------------------------------------------------------


@responses.activate
def test_time_off_requests_are_asked_by_start_and_users_and_parsed(client: HubstaffClient) -> None:
    responses.get(f"{ORG}/time_off_requests", json={"time_off_requests": [request_json(1)]})

    [request] = availability.time_off_requests(
        client, 10, starts_from=MARCH, starts_until=APRIL, user_ids=[7, 8]
    )

    assert query(responses.calls[0]) == {
        "starts_at[start]": ["2026-03-01T00:00:00Z"],
        "starts_at[stop]": ["2026-04-01T00:00:00Z"],
        "user_ids[]": ["7", "8"],
        "page_limit": ["500"],
    }
    assert request.is_approved and request.all_day
    assert (request.id, request.user_id, request.policy_id, request.status) == (1, 7, 3, "approved")
    assert request.starts_at == datetime(2026, 3, 1, 23, tzinfo=UTC)
    assert request.approved_at == datetime(2026, 2, 21, 9, 30, tzinfo=UTC) and request.denied_at is None
    assert request.amount_used_seconds == 16 * 3600 and request.paid is False
    assert request.days == (
        TimeOffDay(date(2026, 3, 2), 28800, holiday=False),
        TimeOffDay(date(2026, 3, 3), 28800, holiday=False),
    )


@responses.activate
def test_time_off_requests_follow_the_pages(client: HubstaffClient) -> None:
    responses.get(
        f"{ORG}/time_off_requests",
        json={
            "time_off_requests": [request_json(1), request_json(2)],
            "pagination": {"next_page_start_id": 3},
        },
    )
    responses.get(
        f"{ORG}/time_off_requests", json={"time_off_requests": [request_json(3, status="submitted")]}
    )

    found = list(availability.time_off_requests(client, 10, starts_from=MARCH, starts_until=APRIL))

    assert [(r.id, r.is_approved) for r in found] == [(1, True), (2, True), (3, False)]
    assert query(responses.calls[1])["page_start_id"] == ["3"]
    assert "user_ids[]" not in query(responses.calls[0])


@responses.activate
def test_a_request_without_a_breakdown_has_no_days_and_a_single_day_object_is_one_day(
    client: HubstaffClient,
) -> None:
    one_day = request_json(2)["time_off_request_days"][0]
    responses.get(
        f"{ORG}/time_off_requests",
        json={
            "time_off_requests": [
                {k: v for k, v in request_json(1).items() if k != "time_off_request_days"},
                request_json(2, time_off_request_days=one_day),
            ]
        },
    )
    first, second = availability.time_off_requests(client, 10, starts_from=MARCH, starts_until=APRIL)
    assert first.days == () and [d.date for d in second.days] == [date(2026, 3, 2)]


@pytest.mark.parametrize(
    "broken",
    [
        {"status": None},
        {"all_day": "yes"},
        {"starts_at": "2026-03-01"},
        {"approved_at": "yesterday"},
        {"amount_used": "57600"},
        {"time_off_request_days": [{"date": "2026-03-02"}]},
        {"time_off_request_days": "2026-03-02"},
    ],
)
@responses.activate
def test_a_malformed_request_makes_the_listing_malformed(
    client: HubstaffClient, broken: dict[str, Any]
) -> None:
    responses.get(f"{ORG}/time_off_requests", json={"time_off_requests": [request_json(1, **broken)]})
    with pytest.raises(MalformedResponse, match=f"time off request without a valid '{next(iter(broken))}"):
        list(availability.time_off_requests(client, 10, starts_from=MARCH, starts_until=APRIL))


@responses.activate
def test_an_answer_without_the_list_is_malformed(client: HubstaffClient) -> None:
    responses.get(f"{ORG}/time_off_requests", json={"time_off_request": []})
    with pytest.raises(MalformedResponse, match="has no 'time_off_requests' list"):
        list(availability.time_off_requests(client, 10, starts_from=MARCH, starts_until=APRIL))


def test_an_empty_window_is_a_mistake_of_the_caller(client: HubstaffClient) -> None:
    with pytest.raises(ValueError):
        list(availability.time_off_requests(client, 10, starts_from=APRIL, starts_until=MARCH))


@responses.activate
def test_hubstaffs_refusal_of_the_parameters_is_raised_as_rejected(client: HubstaffClient) -> None:
    responses.get(
        f"{ORG}/time_off_requests",
        status=400,
        json={"code": "invalid_params", "error": "starts_at[start] is invalid", "error_code": 11000},
    )
    with pytest.raises(Rejected):
        list(availability.time_off_requests(client, 10, starts_from=MARCH, starts_until=APRIL))


# --- policies and holidays -----------------------------------------------------------------------------------


@responses.activate
def test_policies_of_every_status_are_read_by_default(client: HubstaffClient) -> None:
    responses.get(
        f"{ORG}/time_off_policies",
        json={
            "time_off_policies": [policy_json(1), policy_json(2, name="Sick", paid=False, status="archived")]
        },
    )
    policies = list(availability.time_off_policies(client, 10))
    assert query(responses.calls[0]) == {"status": ["all"], "page_limit": ["500"]}
    assert [(p.name, p.paid, p.status, p.requires_approval) for p in policies] == [
        ("Vacation", True, "active", True),
        ("Sick", False, "archived", True),
    ]
    with pytest.raises(ValueError):
        list(availability.time_off_policies(client, 10, status="deleted"))


@responses.activate
def test_a_policy_without_its_paid_flag_is_malformed(client: HubstaffClient) -> None:
    broken = {k: v for k, v in policy_json(1).items() if k != "paid"}
    responses.get(f"{ORG}/time_off_policies", json={"time_off_policies": [broken]})
    with pytest.raises(MalformedResponse, match="time off policy without a valid 'paid'"):
        list(availability.time_off_policies(client, 10))


@responses.activate
def test_holidays_are_asked_by_date_both_included(client: HubstaffClient) -> None:
    unpaid = {
        k: v
        for k, v in holiday_json(2, "2026-06-01", name="Team day", paid=False).items()
        if k != "amount_used"
    }
    responses.get(
        f"{ORG}/holidays",
        json={"holidays": [holiday_json(1, "2026-04-06")], "pagination": {"next_page_start_id": 2}},
    )
    responses.get(f"{ORG}/holidays", json={"holidays": [unpaid]})

    found = list(availability.holidays(client, 10, start=date(2026, 1, 1), stop=date(2026, 12, 31)))

    assert query(responses.calls[0]) == {
        "date[start]": ["2026-01-01"],
        "date[stop]": ["2026-12-31"],
        "page_limit": ["500"],
    }
    assert [(h.date, h.name, h.paid, h.amount_used_seconds) for h in found] == [
        (date(2026, 4, 6), "Easter Monday", True, 28800),
        (date(2026, 6, 1), "Team day", False, None),
    ]


@responses.activate
def test_a_holiday_with_a_time_for_a_date_is_malformed(client: HubstaffClient) -> None:
    responses.get(f"{ORG}/holidays", json={"holidays": [holiday_json(1, "2026-04-06T00:00:00Z")]})
    with pytest.raises(MalformedResponse, match="holiday without a valid 'date'"):
        list(availability.holidays(client, 10, start=date(2026, 1, 1), stop=date(2026, 12, 31)))


# --- limits --------------------------------------------------------------------------------------------------


@responses.activate
def test_member_limits_are_hours_as_decimals(client: HubstaffClient) -> None:
    limits = {"limits_by_shifts": False, "weekly_limit": 45, "daily_limit": None, "expected_per_week": 37.5}
    responses.get(
        f"{ORG}/members", json={"members": [member_json(7, limits), member_json(8, None), member_json(9, {})]}
    )

    found = list(availability.member_limits(client, 10))

    assert query(responses.calls[0]) == {
        "include_limits": ["true"],
        "include_removed": ["true"],
        "page_limit": ["500"],
    }
    assert found == [
        MemberLimits(7, expected_per_week=Decimal("37.5"), weekly_limit=Decimal("45"), daily_limit=None),
        MemberLimits(8, expected_per_week=None, weekly_limit=None, daily_limit=None),
        MemberLimits(9, expected_per_week=None, weekly_limit=None, daily_limit=None),
    ]


@pytest.mark.parametrize("limits", [{"expected_per_week": "lots"}, {"expected_per_week": True}, [40]])
@responses.activate
def test_malformed_limits_make_the_members_malformed(client: HubstaffClient, limits: object) -> None:
    responses.get(f"{ORG}/members", json={"members": [member_json(7, limits)]})
    with pytest.raises(MalformedResponse, match="member without a valid"):
        list(availability.member_limits(client, 10))


@responses.activate
def test_limit_histories_are_asked_by_start_user_and_type(client: HubstaffClient) -> None:
    responses.get(
        f"{ORG}/limit_histories",
        json={
            "limit_histories": [period_json(1, "2026-01-05", "2026-03-01", 144000)],
            "pagination": {"next_page_start_id": 2},
        },
    )
    responses.get(
        f"{ORG}/limit_histories", json={"limit_histories": [period_json(2, "2026-03-02", None, 115200)]}
    )

    found = list(
        availability.limit_histories(
            client, 10, since=date(2026, 1, 1), user_ids=[7], limit_type="expected_per_week"
        )
    )

    assert query(responses.calls[0]) == {
        "date[start]": ["2026-01-01"],
        "user_ids[]": ["7"],
        "limit_type": ["expected_per_week"],
        "page_limit": ["500"],
    }
    assert found == [
        LimitPeriod(1, 7, "expected_per_week", date(2026, 1, 5), date(2026, 3, 1), 40 * 3600),
        LimitPeriod(2, 7, "expected_per_week", date(2026, 3, 2), None, 32 * 3600),
    ]
    assert found[1].covers(date(2030, 1, 1)) and not found[0].covers(date(2026, 3, 2))


@responses.activate
def test_a_limit_period_without_its_total_is_malformed(client: HubstaffClient) -> None:
    broken = {k: v for k, v in period_json(1, "2026-01-05", None, 0).items() if k != "total"}
    responses.get(f"{ORG}/limit_histories", json={"limit_histories": [broken]})
    with pytest.raises(MalformedResponse, match="limit history without a valid 'total'"):
        list(availability.limit_histories(client, 10))
    assert query(responses.calls[0]) == {"page_limit": ["500"]}


def test_an_unknown_limit_type_is_a_mistake_of_the_caller(client: HubstaffClient) -> None:
    with pytest.raises(ValueError):
        list(availability.limit_histories(client, 10, limit_type="monthly"))


# --- against the sandbox -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hs() -> Iterator[SandboxClient]:
    with running_sandbox(scenario=DEMO_SCENARIO) as sandbox:
        yield sandbox


@pytest.mark.django_db
def test_the_sandboxs_time_off_holidays_and_limits_read_back(
    org: Organization, hs: SandboxClient, settings: Settings
) -> None:
    point_hubstaff_at(settings, hs)
    hs.load(load_json(DEMO_SCENARIO))
    ids = hs.ids()
    acme, bobby = ids["orgs"]["Acme Hubstaff"], ids["users"]["bobby@acme.test"]
    vacation = hs.control("time_off_policies", {"organization": acme, "name": "Vacation"})["time_off_policy"]
    made = [
        hs.control(
            "time_off_requests",
            {
                "user": "bobby@acme.test",
                "time_off_policy_id": vacation["id"],
                "start_date": day,
                "stop_date": day,
            },
        )["time_off_request"]
        for day in ("2026-03-02", "2026-03-09", "2026-05-04")
    ]
    hs.control(f"time_off_requests/{made[0]['id']}/approve")
    hs.control(f"time_off_requests/{made[1]['id']}", method="DELETE")
    hs.control("holidays", {"organization": acme, "name": "Easter Monday", "date": "2026-04-06"})
    limits = f"organizations/{acme}/members/bobby@acme.test/limits"
    hs.control(limits, {"expected_per_week": 40, "since": "2026-01-05"}, method="PATCH")
    hs.control(limits, {"expected_per_week": 32.5, "since": "2026-03-02"}, method="PATCH")
    client = HubstaffClient(connect_with_personal_access_token(org, hs.create_pat("alice@acme.test")))

    requests_ = list(availability.time_off_requests(client, acme, starts_from=MARCH, starts_until=APRIL))
    policies = list(availability.time_off_policies(client, acme))
    found_holidays = list(availability.holidays(client, acme, start=date(2026, 4, 1), stop=date(2026, 4, 30)))
    expected = {m.user_id: m.expected_per_week for m in availability.member_limits(client, acme)}
    history = list(availability.limit_histories(client, acme, user_ids=[bobby]))

    # Bobby's 2 March in Warsaw began at 23:00 UTC on 1 March: inside the window; the deleted one is gone
    assert [(r.id, r.status, [d.date for d in r.days]) for r in requests_] == [
        (made[0]["id"], "approved", [date(2026, 3, 2)])
    ]
    assert [(p.id, p.name, p.paid) for p in policies] == [(vacation["id"], "Vacation", True)]
    assert [(h.date, h.amount_used_seconds) for h in found_holidays] == [(date(2026, 4, 6), 28800)]
    assert expected[bobby] == Decimal("32.5") and expected[ids["users"]["sam@acme.test"]] is None
    assert [(p.start_date, p.stop_date, p.total_seconds) for p in history] == [
        (date(2026, 1, 5), date(2026, 3, 1), 40 * 3600),
        (date(2026, 3, 2), None, 32 * 3600 + 1800),
    ]
