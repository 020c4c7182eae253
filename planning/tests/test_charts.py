"""Geometry of the SVG charts, without the database."""

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


def test_weeks_of_period_and_chart_agree_on_the_number_of_bars():
    weeks = weeks_of_period(date(2026, 1, 1), date(2026, 12, 31))
    assert (
        len(charts.weekly_chart([WeekRow(w, Decimal(0), Decimal(0), "none") for w in weeks])["weeks"]) == 53
    )
