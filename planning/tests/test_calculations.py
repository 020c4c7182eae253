"""The numbers behind the charts, without the database."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from planning.calculations import (
    PlannedStretch,
    Status,
    hours,
    judge,
    label_stride,
    last_weeks,
    logged_hours_per_week,
    nice_ceiling,
    planned_hours_per_week,
    totals,
    week_rows,
    week_start,
    week_status,
    week_statuses,
    weeks_of_period,
    working_days_between,
    working_days_in_week,
)

MON = date(2026, 2, 2)  # a Monday


def test_week_start_is_the_monday():
    assert week_start(date(2026, 2, 2)) == MON
    assert week_start(date(2026, 2, 4)) == MON
    assert week_start(date(2026, 2, 8)) == MON  # Sunday belongs to the week before it
    assert week_start(date(2026, 2, 9)) == date(2026, 2, 9)


def test_weeks_of_period_cover_every_touched_week():
    assert weeks_of_period(date(2026, 2, 4), date(2026, 2, 16)) == [MON, date(2026, 2, 9), date(2026, 2, 16)]
    assert weeks_of_period(MON, MON) == [MON]
    assert weeks_of_period(date(2026, 2, 9), MON) == []


def test_weeks_of_a_year_across_new_year():
    weeks = weeks_of_period(date(2025, 12, 29), date(2026, 12, 27))
    assert len(weeks) == 52 and weeks[0] == date(2025, 12, 29) and weeks[-1] == date(2026, 12, 21)


def test_last_weeks_ends_with_this_week():
    start, end = last_weeks(date(2026, 3, 18), 12)  # a Wednesday
    assert (start, end) == (date(2025, 12, 29), date(2026, 3, 22))
    assert len(weeks_of_period(start, end)) == 12


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (MON, date(2026, 2, 8), 5),  # Mon..Sun
        (date(2026, 2, 7), date(2026, 2, 8), 0),  # a weekend
        (date(2026, 2, 6), date(2026, 2, 9), 2),  # Fri..Mon
        (MON, date(2026, 2, 15), 10),  # two full weeks
        (MON, date(2026, 3, 1), 20),
        (date(2026, 2, 4), date(2026, 2, 4), 1),
        (date(2026, 2, 5), date(2026, 2, 4), 0),  # end before start
    ],
)
def test_working_days_between(start, end, expected):
    assert working_days_between(start, end) == expected


def test_working_days_between_matches_counting_day_by_day():
    start = date(2026, 1, 1)
    for length in range(40):
        for shift in range(7):
            a = start + timedelta(days=shift)
            b = a + timedelta(days=length)
            slow = sum(1 for n in range(length + 1) if (a + timedelta(days=n)).weekday() < 5)
            assert working_days_between(a, b) == slow, (a, b)


def test_working_days_of_an_assignment_within_a_week():
    # Wednesday to next Tuesday: 3 days in the first week, 2 in the second, none in the third.
    start, end = date(2026, 2, 4), date(2026, 2, 10)
    assert working_days_in_week(start, end, MON) == 3
    assert working_days_in_week(start, end, date(2026, 2, 9)) == 2
    assert working_days_in_week(start, end, date(2026, 2, 16)) == 0
    assert working_days_in_week(start, end, date(2026, 1, 26)) == 0


def test_planned_hours_per_week_per_person():
    stretches = [
        PlannedStretch(1, date(2026, 2, 4), date(2026, 2, 10), Decimal("8")),
        PlannedStretch(1, MON, date(2026, 2, 20), Decimal("2.5")),  # a second project the same weeks
        PlannedStretch(2, date(2026, 2, 7), date(2026, 2, 8), Decimal("8")),  # weekend only: nothing
    ]
    weeks = weeks_of_period(MON, date(2026, 2, 22))
    assert planned_hours_per_week(stretches, weeks) == {
        (1, MON): Decimal("24") + Decimal("12.5"),
        (1, date(2026, 2, 9)): Decimal("16") + Decimal("12.5"),
        (1, date(2026, 2, 16)): Decimal("12.5"),
    }


def test_planned_hours_only_within_the_weeks_asked():
    long = [PlannedStretch(7, date(2020, 1, 1), date(2030, 12, 31), Decimal("6"))]
    weeks = weeks_of_period(MON, date(2026, 2, 15))
    assert planned_hours_per_week(long, weeks) == {(7, MON): Decimal(30), (7, date(2026, 2, 9)): Decimal(30)}
    assert planned_hours_per_week(long, []) == {}


def test_planned_hours_count_whole_weeks_of_the_period_but_only_days_of_the_assignment():
    stretches = [PlannedStretch(1, date(2026, 2, 5), date(2026, 2, 5), Decimal("7.5"))]
    assert planned_hours_per_week(stretches, [MON]) == {(1, MON): Decimal("7.5")}


def test_logged_hours_per_week_sums_seconds_by_person_and_week():
    rows = [
        (1, date(2026, 2, 2), 3600),
        (1, date(2026, 2, 8), 1800),  # Sunday: same week
        (1, date(2026, 2, 9), 7200),
        (2, date(2026, 2, 3), 900),
    ]
    assert logged_hours_per_week(rows) == {
        (1, MON): Decimal("1.5"),
        (1, date(2026, 2, 9)): Decimal(2),
        (2, MON): Decimal("0.25"),
    }


@pytest.mark.parametrize(
    "planned, logged, status",
    [
        (0, 0, Status.NONE),
        (0, 3, Status.UNPLANNED),
        (40, 40, Status.OK),
        (40, 44, Status.OK),  # exactly 10% over is not highlighted
        (40, "44.01", Status.OVER),
        (40, 36, Status.OK),
        (40, "35.99", Status.UNDER),
        (40, 0, Status.UNDER),
    ],
)
def test_week_status_highlights_more_than_ten_percent_off(planned, logged, status):
    assert (
        week_status(Decimal(planned), Decimal(logged), week_end=date(2026, 2, 8), today=date(2026, 3, 1))
        == status
    )


@pytest.mark.parametrize("week_over", [True, False])
def test_week_statuses_in_seconds_give_the_verdicts_of_week_status(week_over):
    """The report judges its many weeks in whole seconds: the same verdicts as week_status in hours, at the edges
    of the tolerance too (44 h of 40 is on plan, one second more is over)."""
    planned = [0, 0, 40, 40, 40, 40, 40, 40, 40, 40, 7.5]
    logged = [0, 3, 40, 44, 44 + 1 / 3600, 36, 36 - 1 / 3600, 0, 8, 50, 6.75]
    planned_s = [round(h * 3600) for h in planned]
    logged_s = [round(h * 3600) for h in logged]
    today = date(2026, 3, 1) if week_over else date(2026, 2, 3)
    expected = [
        week_status(hours(p), hours(lg), week_end=date(2026, 2, 8), today=today)
        for p, lg in zip(planned_s, logged_s, strict=True)
    ]
    assert week_statuses(planned_s, logged_s, [week_over] * len(planned)) == expected
    assert [judge(p, lg, week_over) for p, lg in zip(planned_s, logged_s, strict=True)] == expected


def test_this_week_is_not_under_until_it_is_over_but_may_be_over():
    sunday = date(2026, 2, 8)
    assert week_status(Decimal(40), Decimal(8), week_end=sunday, today=date(2026, 2, 3)) == Status.IN_PROGRESS
    assert week_status(Decimal(40), Decimal(50), week_end=sunday, today=date(2026, 2, 3)) == Status.OVER
    assert week_status(Decimal(40), Decimal(8), week_end=sunday, today=date(2026, 2, 9)) == Status.UNDER


def test_week_rows_for_everyone_and_for_one_person():
    weeks = [MON, date(2026, 2, 9)]
    planned = {(1, MON): Decimal(40), (2, MON): Decimal(20), (1, date(2026, 2, 9)): Decimal(40)}
    logged = {(1, MON): Decimal(40), (2, MON): Decimal(30), (3, date(2026, 2, 9)): Decimal(5)}
    everyone = week_rows(weeks, planned, logged, today=date(2026, 3, 1))
    assert [(r.planned, r.logged, r.status) for r in everyone] == [
        (Decimal(60), Decimal(70), Status.OVER),
        (Decimal(40), Decimal(5), Status.UNDER),
    ]
    one = week_rows(weeks, planned, logged, today=date(2026, 3, 1), person_id=2)
    assert [(r.planned, r.logged, r.status) for r in one] == [
        (Decimal(20), Decimal(30), Status.OVER),
        (0, 0, Status.NONE),
    ]
    assert totals(everyone) == (Decimal(100), Decimal(75))
    assert everyone[0].difference == Decimal(10)


@pytest.mark.parametrize(
    "count, max_labels, stride", [(12, 15, 1), (52, 13, 4), (53, 13, 5), (156, 14, 12), (0, 10, 1)]
)
def test_labels_thin_out_on_long_periods(count, max_labels, stride):
    assert label_stride(count, max_labels) == stride
    assert len(range(0, count, stride)) <= max(max_labels, 1) or count == 0


@pytest.mark.parametrize(
    "value, ceiling", [(0, 1), (0.4, 1), (7, 10), (37.5, 50), (40, 50), (120, 200), (2400, 2500), (10, 10)]
)
def test_axis_ceiling_is_round(value, ceiling):
    assert nice_ceiling(value) == ceiling
