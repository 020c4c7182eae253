"""Geometry of the SVG charts, without the database."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from planning import charts
from planning.calculations import WeekRow, weeks_of_period

MON = date(2026, 2, 2)


def rows(n, planned=40, logged=30, status="under"):
    return [WeekRow(MON + timedelta(weeks=i), Decimal(planned), Decimal(logged), status) for i in range(n)]


def test_weekly_chart_scales_bars_to_a_round_maximum():
    chart = charts.weekly_chart(rows(2, planned=40, logged=30), width=960, height=260)
    assert chart["y_max"] == 50
    week = chart["weeks"][0]
    plot_h = 260 - 14 - 30
    assert week["planned_h"] == f"{40 / 50 * plot_h:.1f}" and week["logged_h"] == f"{30 / 50 * plot_h:.1f}"
    assert week["status"] == "under"
    assert "planned 40.0 h, logged 30.0 h (under plan)" in week["title"]
    assert [g["label"] for g in chart["grid"]] == ["0", "12.5", "25", "37.5", "50"]


def test_weekly_chart_of_a_year_thins_its_labels_and_fits_its_width():
    chart = charts.weekly_chart(rows(53))
    labels = [w["label"] for w in chart["weeks"] if w["label"]]
    assert 1 < len(labels) <= 14
    last = chart["weeks"][-1]
    assert float(last["slot_x"]) + float(last["slot_w"]) <= 960 - 12 + 0.1


def test_weekly_chart_with_nothing_has_a_flat_axis():
    chart = charts.weekly_chart(rows(3, planned=0, logged=0, status="none"))
    assert chart["y_max"] == 1 and all(w["logged_h"] == "0.0" for w in chart["weeks"])


def mondays(n):
    return [MON + timedelta(weeks=i) for i in range(n)]


def cells(n, planned=40, logged=30, status="under"):
    return [status] * n, [planned * 3600] * n, [logged * 3600] * n


def test_people_matrix_shows_numbers_only_when_cells_are_wide_enough():
    narrow = charts.people_matrix(mondays(52), {1: cells(52)}, {1: "Eve"})
    wide = charts.people_matrix(mondays(12), {1: cells(12)}, {1: "Eve"})
    assert "</text>" not in narrow["people"][0]["cells_svg"]
    assert 'text-anchor="middle">30</text>' in wide["people"][0]["cells_svg"]
    assert len(narrow["header"]) <= 14


def test_people_matrix_cells_say_their_numbers_until_there_are_too_many():
    few = charts.people_matrix(mondays(2), {1: cells(2)}, {1: "Eve & Co"})
    assert few["people"][0]["cells_svg"].count('<g class="cell under">') == 2
    assert (
        "<title>Eve &amp; Co, week of 02 Feb 2026: planned 40.0 h, logged 30.0 h (under plan)</title>"
        in (few["people"][0]["cells_svg"])
    )
    people = charts.MATRIX_TOOLTIPS_MAX_CELLS // 52 + 1
    many = charts.people_matrix(mondays(52), {pid: cells(52) for pid in range(people)}, {})
    row = many["people"][0]["cells_svg"]
    assert row.count('<rect class="under"') == 52 and "<title>" not in row


def test_people_matrix_grows_one_row_per_person_and_shortens_long_names():
    matrix = charts.people_matrix(
        mondays(12),
        {pid: cells(12) for pid in range(50)},
        dict.fromkeys(range(50), "A very long name indeed, too long"),
        link_for=lambda pid: f"/p/{pid}/",
    )
    assert matrix["height"] == 50 * 20
    assert matrix["people"][49]["top"] == f"{49 * 20:.1f}"
    assert matrix["people"][49]["href"] == "/p/49/"
    assert matrix["people"][0]["name"].endswith("…") and len(matrix["people"][0]["name"]) == 24


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
    assert charts.timeline_range(project, [a], logged, today=date(2026, 2, 1)) == (
        date(2026, 1, 19),
        date(2026, 3, 22),
        False,
    )


def test_timeline_range_of_an_open_ended_project_runs_to_today():
    first, last, clipped = charts.timeline_range(
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
    rows_ = charts.timeline_rows(assignments, logged, {9: "Lou"})
    assert [(r.name, len(r.assignments)) for r in rows_] == [("Eve", 2), ("Lou", 0)]
    chart = charts.timeline_chart(rows_, logged, first, last, today=date(2026, 1, 21), width=960)
    plot_w = 960 - 180 - 8
    eve_row, lou_row = chart["people"]
    assert [b["kind"] for b in eve_row["bars"]] == ["manual", "trimmed"]
    assert eve_row["bars"][0]["x"] == "180.0" and eve_row["bars"][0]["w"] == f"{plot_w / 2:.1f}"
    assert lou_row["unassigned"] and len(lou_row["columns"]) == 1
    # Eve's 20 h are half the row's scale (40 h); Lou's 40 h fill it.
    assert float(eve_row["columns"][0]["h"]) * 2 == float(lou_row["columns"][0]["h"])
    assert chart["today_x"] == f"{180 + 16 / 28 * plot_w:.1f}"


def test_timeline_months_thin_their_labels_over_three_years():
    first = date(2024, 1, 1)
    last = first + timedelta(weeks=156) - timedelta(days=1)
    chart = charts.timeline_chart([], {}, first, last, today=date(2030, 1, 1))
    labelled = [t for t in chart["ticks"] if t["labelled"]]
    assert len(chart["ticks"]) == 36 and len(labelled) <= 13
    assert chart["today_x"] is None


def test_weeks_of_period_and_chart_agree_on_the_number_of_bars():
    weeks = weeks_of_period(date(2026, 1, 1), date(2026, 12, 31))
    assert (
        len(charts.weekly_chart([WeekRow(w, Decimal(0), Decimal(0), "none") for w in weeks])["weeks"]) == 53
    )
