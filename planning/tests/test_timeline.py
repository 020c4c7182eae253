"""Geometry of the project timeline, without the database."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from planning import timeline


@dataclass
class FakePerson:
    full_name: str


@dataclass
class FakeAssignment:
    person_id: int
    person: FakePerson
    start_date: date
    end_date: date
    hours_per_day: Decimal = Decimal(8)
    origin: str = "manual"
    trimmed: bool = False


@dataclass
class FakeProject:
    start_date: date
    end_date: date | None


def test_timeline_range_covers_project_assignments_and_logs_in_whole_weeks():
    project = FakeProject(date(2026, 2, 4), date(2026, 3, 4))
    a = FakeAssignment(1, FakePerson("Eve"), date(2026, 1, 20), date(2026, 2, 10))
    logged = {(2, date(2026, 3, 16)): Decimal(1)}
    assert timeline.timeline_range(project, [a], logged, today=date(2026, 2, 1)) == (
        date(2026, 1, 19),
        date(2026, 3, 22),
        False,
    )


def test_timeline_range_of_an_open_ended_project_runs_to_today():
    first, last, clipped = timeline.timeline_range(
        FakeProject(date(2026, 1, 1), None), [], {}, today=date(2026, 6, 10)
    )
    assert (first, last, clipped) == (date(2025, 12, 29), date(2026, 6, 14), False)


def test_timeline_bars_are_placed_on_the_calendar_and_told_apart():
    first, last = date(2026, 1, 5), date(2026, 2, 1)  # four weeks, 28 days
    eve = FakePerson("Eve")
    assignments = [
        FakeAssignment(1, eve, date(2026, 1, 5), date(2026, 1, 18)),
        FakeAssignment(1, eve, date(2026, 1, 19), date(2026, 2, 1), origin="sync", trimmed=True),
    ]
    logged = {(1, date(2026, 1, 12)): Decimal(20), (9, date(2026, 1, 19)): Decimal(40)}
    rows_ = timeline.timeline_rows(assignments, logged, {9: "Lou"})
    assert [(r.name, len(r.assignments)) for r in rows_] == [("Eve", 2), ("Lou", 0)]
    chart = timeline.timeline_chart(rows_, logged, first, last, today=date(2026, 1, 21), width=960)
    plot_w = 960 - 4  # the names are beside the plot, not in it
    eve_row, lou_row = chart["people"]
    assert [b["kind"] for b in eve_row["bars"]] == ["manual", "trimmed"]
    assert eve_row["bars"][0]["x"] == "0.0" and eve_row["bars"][0]["w"] == f"{plot_w / 2:.1f}"
    assert lou_row["unassigned"] and len(lou_row["columns"]) == 1
    # Eve's 20 h are half the row's scale (40 h); Lou's 40 h fill it.
    assert float(eve_row["columns"][0]["h"]) * 2 == float(lou_row["columns"][0]["h"])
    assert chart["today_x"] == f"{16 / 28 * plot_w:.1f}"
    assert (eve_row["logged_total"], lou_row["logged_total"]) == (20, 40)


def test_logged_hours_are_drawn_in_their_own_lane_never_under_an_assignment_bar():
    first, last = date(2026, 1, 5), date(2026, 2, 1)
    eve = FakePerson("Eve")
    assignments = [FakeAssignment(1, eve, date(2026, 1, 5), date(2026, 1, 18))]
    logged = {(1, date(2026, 1, 12)): Decimal(40), (1, date(2026, 1, 26)): Decimal(8)}
    rows_ = timeline.timeline_rows(assignments, logged, {})
    chart = timeline.timeline_chart(rows_, logged, first, last, today=date(2026, 1, 21))
    (eve_row,) = chart["people"]
    bar = eve_row["bars"][0]
    bar_bottom = float(bar["y"]) + float(bar["h"])
    for column in eve_row["columns"]:
        assert float(column["y"]) > bar_bottom, "a column starts below the bar"
        assert float(column["text_y"]) - 10 > bar_bottom, "its number too"
        assert float(column["y"]) + float(column["h"]) <= 52
    # A full week (40 h, the scale) reaches the top of the lane; four weeks leave room for the numbers.
    assert chart["numbers"] and ">40</text>" in eve_row["columns_svg"]
    # The week of 26 Jan has no assignment of Eve's: marked as such.
    assert [c["outside"] for c in eve_row["columns"]] == [False, True]
    assert 'class="logged-week outside"' in eve_row["columns_svg"]


def test_long_timelines_leave_out_the_numbers_rather_than_squeeze_them():
    first = date(2024, 1, 1)
    last = first + timedelta(weeks=52) - timedelta(days=1)
    logged = {(1, first): Decimal(10)}
    rows_ = timeline.timeline_rows([], logged, {1: "Lou"})
    chart = timeline.timeline_chart(rows_, logged, first, last, today=date(2030, 1, 1))
    assert not chart["numbers"] and "</text>" not in chart["people"][0]["columns_svg"]


def test_timeline_months_thin_their_labels_over_three_years():
    first = date(2024, 1, 1)
    last = first + timedelta(weeks=156) - timedelta(days=1)
    chart = timeline.timeline_chart([], {}, first, last, today=date(2030, 1, 1))
    labelled = [t for t in chart["ticks"] if t["labelled"]]
    assert len(chart["ticks"]) == 36 and len(labelled) <= 13
    assert chart["today_x"] is None
