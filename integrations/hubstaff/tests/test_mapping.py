"""Hubstaff's JSON into the sync's inputs (hubstaff/mapping.py) and Hubstaff's limits in dates (windows.py)."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from integrations.hubstaff import mapping, rules
from integrations.hubstaff.windows import (
    daily_floor,
    organization_date,
    updates_reach,
    years_before,
)


def test_members_are_keyed_by_user_id_with_the_side_loaded_user_or_their_own() -> None:
    page = {
        "members": [
            {"user_id": 1, "membership_role": "owner", "membership_status": "active"},
            {
                "user_id": 2,
                "membership_role": "user",
                "user": {"id": 2, "name": "Own User", "email": "o@x.test"},
            },
            {"user_id": 3, "membership_role": "user", "removed_at": "2026-01-01T00:00:00Z"},
            {"membership_role": "user"},  # no user id: nobody to key it by
        ],
        "users": [{"id": 1, "name": "Side Loaded", "email": " s@x.test "}],
    }
    users = list(mapping.member_users(page))
    assert [(u["id"], u["name"], u["email"], u["removed"]) for u in users] == [
        (1, "Side Loaded", "s@x.test", False),
        (2, "Own User", "o@x.test", False),
        (3, "", None, True),
    ]


@pytest.mark.parametrize(
    "user",
    [{"id": 4, "name": "N"}, {"id": 4, "name": "N", "email": None}, {"id": 4, "name": "N", "email": "  "}],
)
def test_an_absent_null_or_blank_email_is_no_email(user: dict[str, Any]) -> None:
    assert mapping.hubstaff_user(user) == rules.HubstaffUser(4, "N", None)


def test_an_activity_counts_work_breaks_or_leaves_them_out() -> None:
    row = {"id": 9, "date": "2026-03-02", "user_id": 3, "project_id": 5, "tracked": 3600, "work_break": 600}
    assert mapping.activity(row) == (9, "2026-03-02", 3, 5, 3600)
    assert mapping.activity(row, count_work_breaks=False) == (9, "2026-03-02", 3, 5, 3000)
    assert mapping.activity({**row, "work_break": None}, count_work_breaks=False)[4] == 3600
    with pytest.raises(KeyError):
        mapping.activity({"id": 1, "user_id": 3, "project_id": 5})


def test_a_time_edit_log_entry_names_the_new_and_the_original_days_one_day_either_side() -> None:
    entry = {
        "starts_at": "2026-03-10T20:00:00Z",
        "stops_at": "2026-03-10T21:00:00Z",
        "original_starts_at": "2026-03-01T09:00:00Z",
        "original_stops_at": None,
    }
    # In UTC+13 the new time is on 11 March; the original stays on 1 March.
    days = mapping.edit_log_days(entry, "Pacific/Tongatapu")
    assert days == {date(2026, 3, d) for d in (10, 11, 12)} | {
        date(2026, 2, 28),
        date(2026, 3, 1),
        date(2026, 3, 2),
    }
    assert mapping.edit_log_days({"starts_at": "not a time"}, "UTC") == set()


@pytest.mark.parametrize(
    "entry, concerns",
    [
        ({"project_id": 5, "original_project_id": None}, True),
        ({"project_id": 7, "original_project_id": 5}, True),  # time moved away from a linked project
        ({"project_id": 7, "original_project_id": 8}, False),
        ({}, True),  # no project named: it may be any project's
    ],
)
def test_a_time_edit_log_entry_concerns_the_linked_projects_by_its_new_or_original_project(
    entry: dict[str, Any], concerns: bool
) -> None:
    assert mapping.edit_log_concerns(entry, {5, 6}) is concerns


def test_the_organization_time_zone_is_the_links_else_the_installing_accounts_else_utc() -> None:
    assert (
        mapping.organization_time_zone("Pacific/Honolulu", {"time_zone": "Europe/Warsaw"})
        == "Pacific/Honolulu"
    )
    assert mapping.organization_time_zone("", {"time_zone": "Europe/Warsaw"}) == "Europe/Warsaw"
    assert mapping.organization_time_zone("", {}) == mapping.organization_time_zone("", None) == "UTC"


@pytest.mark.parametrize(
    "time_zone, expected",
    [
        ("Pacific/Tongatapu", date(2026, 3, 11)),
        ("Pacific/Honolulu", date(2026, 3, 10)),
        ("UTC", date(2026, 3, 10)),
    ],
)
def test_the_organizations_day(time_zone: str, expected: date) -> None:
    assert organization_date(datetime(2026, 3, 10, 14, 0, tzinfo=UTC), time_zone) == expected


def test_an_unknown_time_zone_is_utc() -> None:
    assert organization_date(datetime(2026, 3, 10, 23, 0, tzinfo=UTC), "Mars/Olympus") == date(2026, 3, 10)


def test_the_floor_is_three_years_back_plus_a_days_margin() -> None:
    assert daily_floor(date(2026, 11, 30)) == date(2023, 12, 1)
    assert years_before(date(2028, 2, 29), 3) == date(2025, 2, 28)


def test_updates_are_relied_on_for_27_days() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert updates_reach(now) == now - timedelta(days=27)
