"""HubstaffClient against mocked Hubstaff answers shaped like the documented ones (docs/hubstaff.md)."""

import json
import os
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.utils import timezone
from pytest_django import Settings
from requests import PreparedRequest
from responses import Call

from integrations.hubstaff import transport
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import (
    HubstaffError,
    MalformedResponse,
    RateLimited,
    Refused,
    Rejected,
    TransientHubstaffError,
)
from integrations.hubstaff.windows import date_windows
from integrations.models import Installation

from .conftest import API

pytestmark = pytest.mark.usefixtures("hubstaff_settings")


class Sleeps(list[float]):
    """An injected `sleep` that records instead of sleeping; the clock the client reads moves on by as much."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    clock = Sleeps()
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(seconds=sum(clock)))
    return clock


@pytest.fixture
def client(installation: Installation, sleeps: Sleeps) -> HubstaffClient:
    return HubstaffClient(installation, sleep=sleeps)


def query(call: Call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url or "").query)


def org_json(i: int) -> dict[str, Any]:
    return {
        "id": i,
        "name": f"Org {i}",
        "status": "active",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "metadata": {},
        "invite_url": f"https://app.hubstaff.com/i/{i}",
    }


def activity(
    i: int, day: str, user_id: int = 7, project_id: int = 100, tracked: int = 3600
) -> dict[str, Any]:
    return {
        "id": i,
        "date": day,
        "user_id": user_id,
        "project_id": project_id,
        "task_id": None,
        "tracked": tracked,
        "keyboard": 100,
        "mouse": 200,
        "overall": 300,
        "input_tracked": tracked,
        "manual": 0,
        "idle": 0,
        "resumed": 0,
        "billable": tracked,
        "created_at": "2026-02-03T17:00:04.712558Z",
        "updated_at": "2026-02-03T17:00:04.712558Z",
    }


@responses.activate
def test_me_returns_the_user(client: HubstaffClient) -> None:
    responses.get(
        f"{API}/users/me",
        json={
            "user": {
                "id": 1,
                "name": "Alice Admin",
                "email": "alice@acme.test",
                "time_zone": "Europe/Warsaw",
                "status": "active",
            }
        },
    )
    assert client.me()["email"] == "alice@acme.test"
    assert responses.calls[0].request.headers["Authorization"] == "Bearer access-token-aaa"
    assert client.requests_made == 1


@responses.activate
def test_every_request_has_a_timeout(client: HubstaffClient, settings: Settings) -> None:
    responses.get(f"{API}/users/me", json={"user": {"id": 1}})
    client.me()
    assert responses.calls[0].request.req_kwargs["timeout"]  # type: ignore[attr-defined]  # set by responses == settings.HUBSTAFF_REQUEST_TIMEOUT


@responses.activate
def test_organizations_follow_pagination_at_the_maximum_page_limit(client: HubstaffClient) -> None:
    responses.get(
        f"{API}/organizations",
        json={"organizations": [org_json(1), org_json(2)], "pagination": {"next_page_start_id": 3}},
    )
    responses.get(f"{API}/organizations", json={"organizations": [org_json(3)]})

    names = [o["name"] for o in client.organizations()]

    assert names == ["Org 1", "Org 2", "Org 3"]
    assert query(responses.calls[0]) == {"page_limit": ["500"]}
    assert query(responses.calls[1]) == {"page_limit": ["500"], "page_start_id": ["3"]}


@responses.activate
def test_listing_is_a_generator_that_fetches_pages_lazily(client: HubstaffClient) -> None:
    responses.get(
        f"{API}/organizations", json={"organizations": [org_json(1)], "pagination": {"next_page_start_id": 2}}
    )
    responses.get(f"{API}/organizations", json={"organizations": [org_json(2)]})
    organizations = client.organizations()
    assert next(organizations)["id"] == 1
    assert len(responses.calls) == 1


@responses.activate
def test_projects_ask_for_every_status(client: HubstaffClient) -> None:
    responses.get(
        f"{API}/organizations/10/projects",
        json={
            "projects": [
                {
                    "id": 100,
                    "name": "Project A",
                    "description": "",
                    "status": "active",
                    "client_id": None,
                    "billable": True,
                    "budget": None,
                    "created_at": "2026-01-01T00:00:00Z",
                    "updated_at": "2026-01-01T00:00:00Z",
                    "metadata": {},
                },
            ]
        },
    )
    assert [p["name"] for p in client.projects(10)] == ["Project A"]
    assert query(responses.calls[0])["status"] == ["all"]


@responses.activate
def test_members_are_users_joined_with_their_membership(client: HubstaffClient) -> None:
    responses.get(
        f"{API}/organizations/10/members",
        json={
            "members": [
                {"user_id": 7, "membership_role": "user", "membership_status": "active"},
                {"user_id": 8, "membership_role": "owner", "membership_status": "active"},
                {
                    "user_id": 9,
                    "membership_role": "user",
                    "membership_status": "removed",
                    "removed_at": "2026-03-15T12:00:00Z",
                },
            ],
            "users": [
                {
                    "id": 7,
                    "name": "Bobby Brown",
                    "email": "bobby@acme.test",
                    "time_zone": "Europe/Warsaw",
                    "status": "active",
                },
                {
                    "id": 8,
                    "name": "Alice Admin",
                    "email": "alice@acme.test",
                    "time_zone": "Europe/Warsaw",
                    "status": "active",
                },
                {"id": 9, "name": "Rita Leaver", "time_zone": "UTC", "status": "active"},
            ],
        },
    )
    members = list(client.members(10))
    assert [(m["id"], m["email"], m["membership_role"], m["removed"]) for m in members] == [
        (7, "bobby@acme.test", "user", False),
        (8, "alice@acme.test", "owner", False),
        (9, None, "user", True),
    ]
    # Members who left are asked for: their past time stays theirs.
    assert query(responses.calls[0])["include[]"] == ["users"]
    assert query(responses.calls[0])["include_removed"] == ["true"]


@responses.activate
def test_time_edit_log_pages_ask_by_creation_time_in_31_day_windows(client: HubstaffClient) -> None:
    since = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    responses.get(
        f"{API}/organizations/10/time_edit_logs",
        json={"time_edit_logs": [{"id": 1, "starts_at": "2026-01-02T09:00:00Z"}]},
    )
    pages = list(
        client.time_edit_log_pages(10, since=since, until=since + timedelta(days=40), project_ids=[5])
    )
    assert pages == [[{"id": 1, "starts_at": "2026-01-02T09:00:00Z"}]] * 2
    first, second = (query(call) for call in responses.calls)
    assert (first["created[start]"], first["created[stop]"]) == (
        ["2026-01-01T08:00:00Z"],
        ["2026-02-01T08:00:00Z"],
    )
    assert (second["created[start]"], second["created[stop]"]) == (
        ["2026-02-01T08:00:00Z"],
        ["2026-02-10T08:00:00Z"],
    )
    assert first["project_ids[]"] == ["5"]


def test_date_windows_cover_the_range_within_31_days() -> None:
    windows = list(date_windows(date(2026, 1, 1), date(2026, 3, 15)))
    assert windows == [
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 3, 3)),
        (date(2026, 3, 4), date(2026, 3, 15)),
    ]
    assert list(date_windows(date(2026, 1, 1), date(2026, 1, 1))) == [(date(2026, 1, 1), date(2026, 1, 1))]
    assert list(date_windows(date(2026, 1, 2), date(2026, 1, 1))) == []


@responses.activate
def test_daily_activities_are_asked_window_by_window_and_paged(client: HubstaffClient) -> None:
    url = f"{API}/organizations/10/activities/daily"
    responses.get(
        url, json={"daily_activities": [activity(1, "2026-01-05")], "pagination": {"next_page_start_id": 2}}
    )
    responses.get(url, json={"daily_activities": [activity(2, "2026-01-30")]})
    responses.get(url, json={"daily_activities": [activity(3, "2026-02-10")]})

    windows = date_windows(date(2026, 1, 1), date(2026, 2, 20))
    pages = [
        rows
        for _, rows in client.daily_activity_window_pages(10, windows, project_ids=[100, 101], user_ids=[7])
        if rows is not None
    ]

    assert [[row["id"] for row in page] for page in pages] == [[1], [2], [3]]
    first, second, third = (query(c) for c in responses.calls)
    assert first["date[start]"] == ["2026-01-01"] and first["date[stop]"] == ["2026-01-31"]
    assert (
        first["project_ids[]"] == ["100", "101"]
        and first["user_ids[]"] == ["7"]
        and first["page_limit"] == ["500"]
    )
    assert second["page_start_id"] == ["2"] and second["date[start]"] == ["2026-01-01"]
    assert third["date[start]"] == ["2026-02-01"] and third["date[stop]"] == ["2026-02-20"]
    assert "page_start_id" not in third


def paged_windows(url: str, pages_per_window: int, *, fail: dict[tuple[str, int], int] | None = None) -> None:
    """A callback answering daily activities by window and page: window k's page p holds activity k*100+p.

    `fail`: {(window start, page): status} answers that status instead, once.
    """
    failing = dict(fail or {})

    def answer(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        params = parse_qs(urlsplit(request.url or "").query)
        start = params["date[start]"][0]
        window = int(start[5:7])  # the month: the test's windows start on the 1st of months 1, 2, 3, ...
        page = int(params.get("page_start_id", ["0"])[0]) % 100
        status = failing.pop((start, page), None)
        if status is not None:
            return status, {}, '{"error": "failed on purpose"}'
        rows = [activity(window * 100 + page, start)]
        body: dict[str, Any] = {"daily_activities": rows}
        if page + 1 < pages_per_window:
            body["pagination"] = {"next_page_start_id": window * 100 + page + 1}
        return 200, {}, json.dumps(body)

    responses.add_callback(responses.GET, url, callback=answer)


MONTHS = [(date(2026, m, 1), date(2026, m, 28)) for m in (1, 2, 3, 4)]


@responses.activate
@pytest.mark.parametrize("streams", [1, 2, 3])
def test_windows_fetched_at_once_give_every_page_once_with_the_same_requests(
    installation: Installation, sleeps: Sleeps, streams: int
) -> None:
    url = f"{API}/organizations/10/activities/daily"
    paged_windows(url, pages_per_window=3)
    client = HubstaffClient(installation, sleep=sleeps, prefetch=True)
    try:
        got = list(client.daily_activity_window_pages(10, MONTHS, project_ids=[100], streams=streams))
    finally:
        client.close()

    rows: dict[tuple[date, date], list[dict[str, Any]]] = {window: [] for window in MONTHS}
    complete: set[tuple[date, date]] = set()
    for window, page in got:
        assert window not in complete, "a page came after its window was said complete"
        if page is None:
            assert [r["id"] for r in rows[window]] == [window[0].month * 100 + p for p in range(3)]
            complete.add(window)
        else:
            rows[window].extend(page)
    assert complete == set(MONTHS), "every window is reported complete"
    assert len(responses.calls) == client.requests_made == 12  # 4 windows x 3 pages: nothing asked twice
    assert all(query(call)["project_ids[]"] == ["100"] for call in responses.calls)
    windows_in_order = [window[0].month for window, page in got if page is not None]
    if streams == 1:
        assert windows_in_order == sorted(windows_in_order), "one stream: one window after the other"
    else:
        assert windows_in_order[:streams] == list(range(1, streams + 1)), (
            "the first pages come from as many windows as streams"
        )


@responses.activate
def test_without_prefetch_windows_come_one_after_the_other(client: HubstaffClient) -> None:
    paged_windows(f"{API}/organizations/10/activities/daily", pages_per_window=2)
    got = [
        (window[0].month, page and page[0]["id"])
        for window, page in client.daily_activity_window_pages(10, MONTHS[:2], streams=2)
    ]
    assert got == [(1, 100), (1, 101), (1, None), (2, 200), (2, 201), (2, None)]


@responses.activate
def test_a_5xx_of_a_page_sent_ahead_is_retried_in_order(installation: Installation, sleeps: Sleeps) -> None:
    url = f"{API}/organizations/10/activities/daily"
    paged_windows(url, pages_per_window=2, fail={("2026-02-01", 1): 503})
    client = HubstaffClient(installation, sleep=sleeps, prefetch=True)
    try:
        got = [
            (w[0].month, p[0]["id"])
            for w, p in client.daily_activity_window_pages(10, MONTHS[:2], streams=2)
            if p
        ]
    finally:
        client.close()
    assert got == [(1, 100), (2, 200), (1, 101), (2, 201)]  # interleaved, the retried page in its place
    assert client.requests_made == 5 and len(sleeps) == 1


@responses.activate
def test_a_refusal_of_a_page_sent_ahead_is_raised_here_and_nothing_is_left_running(
    installation: Installation, sleeps: Sleeps
) -> None:
    url = f"{API}/organizations/10/activities/daily"
    paged_windows(url, pages_per_window=3, fail={("2026-02-01", 1): 403})
    client = HubstaffClient(installation, sleep=sleeps, prefetch=True)
    with pytest.raises(HubstaffError, match="refused"):
        for _ in client.daily_activity_window_pages(10, MONTHS, streams=2):
            pass
    assert client._pending == {}, (
        "the other window's page sent ahead is waited for and dropped by the listing itself"
    )
    client.close()
    assert client._executor is None
    assert not [t for t in threading.enumerate() if t.name.startswith("hubstaff-prefetch")]


@responses.activate
def test_daily_activity_update_pages_use_the_updated_range_in_windows(client: HubstaffClient) -> None:
    url = f"{API}/organizations/10/activities/daily/updates"
    responses.get(url, json={"daily_activities": [activity(1, "2026-01-05")]})
    responses.get(url, json={"daily_activities": []})
    since = datetime(2026, 1, 1, 6, 0, 0, 250000, tzinfo=UTC)
    until = datetime(2026, 2, 10, 6, 0, 0, 500000, tzinfo=UTC)

    pages = list(client.daily_activity_update_pages(10, since=since, until=until, project_ids=[100]))

    assert [[row["id"] for row in page] for page in pages] == [[1]]  # empty pages are not yielded
    first, second = (query(c) for c in responses.calls)
    assert first["updated[start]"] == ["2026-01-01T06:00:00Z"] and first["updated[stop]"] == [
        "2026-02-01T06:00:00Z"
    ]
    assert second["updated[start]"] == ["2026-02-01T06:00:00Z"] and second["updated[stop]"] == [
        "2026-02-10T06:00:01Z"
    ]
    assert first["project_ids[]"] == ["100"]


@responses.activate
def test_429_waits_retry_after_records_it_and_retries(
    client: HubstaffClient, sleeps: Sleeps, installation: Installation
) -> None:
    responses.get(
        f"{API}/users/me", status=429, headers={"Retry-After": "30"}, json={"error": "rate limit exceeded"}
    )
    responses.get(f"{API}/users/me", json={"user": {"id": 1}})
    before = timezone.now()

    assert client.me() == {"id": 1}

    assert sleeps == [30.0]  # Hubstaff's word, nothing more: the request budget's window ends then too
    assert client.requests_made == 2
    until = Installation.objects.get(pk=installation.pk).rate_limited_until
    assert until is not None and timedelta(seconds=29) < until - before <= timedelta(seconds=31)


@responses.activate
def test_429_longer_than_we_wait_raises_rate_limited(
    client: HubstaffClient, sleeps: Sleeps, installation: Installation
) -> None:
    responses.get(
        f"{API}/users/me", status=429, headers={"Retry-After": "900"}, json={"error": "rate limit exceeded"}
    )

    with pytest.raises(RateLimited) as caught:
        client.me()

    assert caught.value.retry_after == 900
    assert "900 seconds" in str(caught.value)
    assert sleeps == []
    until = Installation.objects.get(pk=installation.pk).rate_limited_until
    assert until is not None and until > timezone.now() + timedelta(seconds=800)


@responses.activate
def test_a_rate_limit_recorded_by_another_worker_is_waited_for_before_sending(
    client: HubstaffClient, sleeps: Sleeps, installation: Installation
) -> None:
    Installation.objects.filter(pk=installation.pk).update(
        rate_limited_until=timezone.now() + timedelta(seconds=20)
    )
    responses.get(f"{API}/users/me", json={"user": {"id": 1}})

    client.me()

    assert len(sleeps) == 1 and 15 < sleeps[0] <= 20


@responses.activate
def test_a_long_rate_limit_recorded_by_another_worker_raises_without_sending(
    client: HubstaffClient, sleeps: Sleeps, installation: Installation
) -> None:
    Installation.objects.filter(pk=installation.pk).update(
        rate_limited_until=timezone.now() + timedelta(minutes=30)
    )

    with pytest.raises(RateLimited):
        client.me()

    assert len(responses.calls) == 0 and client.requests_made == 0


@responses.activate
def test_5xx_is_retried_with_growing_jittered_backoff(client: HubstaffClient, sleeps: Sleeps) -> None:
    responses.get(f"{API}/users/me", status=503, json={"error": "unavailable"})
    responses.get(f"{API}/users/me", status=502, body="<html>Bad gateway</html>")
    responses.get(f"{API}/users/me", json={"user": {"id": 1}})

    assert client.me() == {"id": 1}

    assert client.requests_made == 3
    assert len(sleeps) == 2
    assert 1.0 <= sleeps[0] <= 2.0 and 2.0 <= sleeps[1] <= 4.0


@responses.activate
def test_persistent_5xx_gives_up_after_the_retry_bound(
    client: HubstaffClient, sleeps: Sleeps, settings: Settings
) -> None:
    responses.get(f"{API}/users/me", status=500, json={"error": "internal server error"})

    with pytest.raises(TransientHubstaffError) as caught:
        client.me()

    assert client.requests_made == settings.HUBSTAFF_MAX_RETRIES + 1
    assert len(sleeps) == settings.HUBSTAFF_MAX_RETRIES
    assert "500" in str(caught.value)


@responses.activate
def test_timeouts_are_retried_then_reported(
    client: HubstaffClient, sleeps: Sleeps, settings: Settings
) -> None:
    responses.get(f"{API}/users/me", body=requests.exceptions.ReadTimeout("slow"))

    with pytest.raises(TransientHubstaffError) as caught:
        client.me()

    assert client.requests_made == settings.HUBSTAFF_MAX_RETRIES + 1
    assert "did not answer in time" in str(caught.value)


@responses.activate
def test_a_timeout_then_success(client: HubstaffClient, sleeps: Sleeps) -> None:
    responses.get(f"{API}/users/me", body=requests.exceptions.ConnectTimeout("slow"))
    responses.get(f"{API}/users/me", json={"user": {"id": 1}})
    assert client.me() == {"id": 1}
    assert len(sleeps) == 1


@responses.activate
def test_body_that_is_not_json_is_malformed(client: HubstaffClient) -> None:
    responses.get(
        f"{API}/organizations", body='{"organizations": [{"id": 1, "na', content_type="application/json"
    )
    with pytest.raises(MalformedResponse) as caught:
        list(client.organizations())
    assert "not valid JSON" in str(caught.value)


@responses.activate
def test_body_without_the_expected_key_is_malformed(client: HubstaffClient) -> None:
    responses.get(f"{API}/organizations/10/projects", json={"items": []})
    with pytest.raises(MalformedResponse):
        list(client.projects(10))


@responses.activate
def test_paging_that_does_not_advance_is_malformed(client: HubstaffClient) -> None:
    responses.get(
        f"{API}/organizations", json={"organizations": [org_json(1)], "pagination": {"next_page_start_id": 1}}
    )
    with pytest.raises(MalformedResponse):
        list(client.organizations())


@responses.activate
def test_403_is_a_clear_error_without_retry(client: HubstaffClient, sleeps: Sleeps) -> None:
    responses.get(
        f"{API}/organizations/10/members",
        status=403,
        json={"error": "you are not a member of this organization"},
    )
    with pytest.raises(HubstaffError) as caught:
        list(client.members(10))
    assert (
        str(caught.value)
        == "Hubstaff refused access (GET /organizations/10/members): you are not a member of this organization."
    )
    assert client.requests_made == 1 and sleeps == []


@responses.activate
def test_400_is_rejected_with_hubstaffs_error_text(client: HubstaffClient, sleeps: Sleeps) -> None:
    responses.get(
        f"{API}/organizations/10/activities/daily",
        status=400,
        json={"code": "invalid_params", "error": "date range must not exceed 31 days", "error_code": 11000},
    )
    with pytest.raises(Rejected) as caught:
        list(client.daily_activity_window_pages(10, [(date(2026, 1, 1), date(2026, 1, 2))]))
    assert str(caught.value) == (
        "Hubstaff rejected the request (GET /organizations/10/activities/daily): date range must not exceed 31 days."
    )
    assert client.requests_made == 1 and sleeps == []


@responses.activate
def test_an_inactive_plan_is_refused_and_the_tokens_are_left_alone(
    client: HubstaffClient, installation: Installation
) -> None:
    responses.get(
        f"{API}/organizations/10/members",
        status=403,
        json={
            "code": "inactive_plan",
            "error": "API access is only for organizations on an active plan",
            "error_code": 10004,
        },
    )
    with pytest.raises(Refused, match="API access is only for organizations on an active plan"):
        list(client.members(10))
    installation.refresh_from_db()
    assert (
        installation.status == Installation.Status.INSTALLED
        and installation.refresh_token == "refresh-token-rrr"
    )


@responses.activate
def test_a_plain_requests_session_can_be_injected(installation: Installation, sleeps: Sleeps) -> None:
    responses.get(f"{API}/users/me", json={"user": {"id": 1}})
    with requests.Session() as session:
        client = HubstaffClient(installation, session=session, sleep=sleeps)
        assert client.me() == {"id": 1}
    assert responses.calls[0].request.headers["Authorization"] == "Bearer access-token-aaa"


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8001/v2", True),
        ("http://localhost:8001", True),
        ("http://[::1]:8001", True),
        ("http://hubstaff.test", True),
        ("https://127.0.0.1:8001", False),
        ("https://api.hubstaff.com/v2", False),
        ("http://api.hubstaff.com/v2", False),
        ("", False),
    ],
)
def test_plain_http_is_allowed_only_to_this_machine(url: str, local: bool) -> None:
    assert transport.is_local_plain_http(url) is local


def test_plain_http_is_allowed_when_the_settings_point_at_a_local_sandbox(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    settings.HUBSTAFF_API_URL = "https://api.hubstaff.com/v2"
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
    settings.HUBSTAFF_API_URL = "http://127.0.0.1:8001/v2"
    assert os.environ["OAUTHLIB_INSECURE_TRANSPORT"] == "1"
