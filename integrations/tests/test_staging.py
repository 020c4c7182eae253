"""The sync's staging: what a fetch kept, by window, read back as the rules' rows; in memory, then in a file."""

from datetime import date
from typing import Any

import pytest

from integrations.hubstaff.errors import MalformedResponse
from integrations.hubstaff.rules import DailyActivity
from integrations.services import staging as staging_module
from integrations.services.staging import Staging

JANUARY = (date(2026, 1, 1), date(2026, 1, 31))
FEBRUARY = (date(2026, 2, 1), date(2026, 3, 3))


def row(i: int, day: str, user_id: int = 7, project_id: int = 100, tracked: int = 3600) -> dict[str, Any]:
    return {
        "id": i,
        "date": day,
        "user_id": user_id,
        "project_id": project_id,
        "task_id": None,
        "tracked": tracked,
    }


def test_rows_come_back_by_window_as_fetched_keeping_only_the_wanted_projects() -> None:
    with Staging() as staging:
        assert staging.add(JANUARY, [row(1, "2026-01-05"), row(2, "2026-01-06", project_id=999)], {100}) == 1
        assert staging.add(FEBRUARY, [row(3, "2026-02-10", user_id=8, tracked=60)], {100}) == 1
        assert staging.add(JANUARY, [row(4, "2026-01-05"), row(1, "2026-01-05", tracked=30)], {100}) == 2
        assert staging.rows == 4
        assert staging.activities(JANUARY) == [
            DailyActivity(1, date(2026, 1, 5), 7, 100, 3600),
            DailyActivity(4, date(2026, 1, 5), 7, 100, 3600),
            DailyActivity(1, date(2026, 1, 5), 7, 100, 30),  # repeated ids are kept: the rules decide
        ]
        assert staging.activities(FEBRUARY) == [DailyActivity(3, date(2026, 2, 10), 8, 100, 60)]
        assert staging.activities((date(2026, 4, 1), date(2026, 4, 30))) == []


def test_a_batch_of_dates_reads_only_its_days_of_the_window() -> None:
    with Staging() as staging:
        staging.add(JANUARY, [row(n, f"2026-01-{n:02d}") for n in range(1, 32)], {100})
        first = staging.activities(JANUARY, date(2026, 1, 1), date(2026, 1, 16))
        second = staging.activities(JANUARY, date(2026, 1, 17), date(2026, 1, 31))
    assert [a.date.day for a in first] == list(range(1, 17))
    assert [a.date.day for a in second] == list(range(17, 32))


def test_a_missing_or_null_tracked_counts_zero_and_a_row_without_project_is_dropped() -> None:
    with Staging() as staging:
        staging.add(
            JANUARY,
            [{**row(1, "2026-01-02"), "tracked": None}, {**row(2, "2026-01-02"), "project_id": None}],
            {100},
        )
        assert staging.activities(JANUARY) == [DailyActivity(1, date(2026, 1, 2), 7, 100, 0)]


def test_past_its_memory_the_staging_goes_to_a_temporary_file_and_reads_back_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(staging_module, "IN_MEMORY_BYTES", 1024)
    monkeypatch.setattr(staging_module, "BUFFER_ROWS", 10)
    pages = [[row(p * 100 + n, f"2026-01-{1 + n % 28:02d}", user_id=n) for n in range(50)] for p in range(20)]
    with Staging() as staging:
        for page in pages:
            staging.add(JANUARY, page, {100})
        assert vars(staging._file)["_rolled"], "1,000 rows of 40 bytes must have gone to the file"
        got = staging.activities(JANUARY)
    assert got == [
        DailyActivity(r["id"], date.fromisoformat(r["date"]), r["user_id"], r["project_id"], r["tracked"])
        for page in pages
        for r in page
    ]
    assert staging.closed


@pytest.mark.parametrize(
    "bad",
    [
        {"id": 2**63},
        {"id": None},
        {"date": "2026-13-01"},
        {"date": None},
        {"user_id": "seven"},
        {"tracked": "1h"},
    ],
    ids=[
        "id too large",
        "no id",
        "impossible date",
        "no date",
        "user id not a number",
        "tracked not a number",
    ],
)
def test_a_row_not_as_documented_is_a_malformed_answer_and_nothing_of_its_page_is_kept(
    bad: dict[str, Any],
) -> None:
    with Staging() as staging:
        staging.add(JANUARY, [row(1, "2026-01-01")], {100})
        with pytest.raises(MalformedResponse, match="not as documented"):
            staging.add(JANUARY, [row(2, "2026-01-02"), {**row(3, "2026-01-03"), **bad}], {100})
        assert staging.activities(JANUARY) == [DailyActivity(1, date(2026, 1, 1), 7, 100, 3600)]
        assert staging.rows == 1
