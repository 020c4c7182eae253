"""The week-at-a-time capacity figures are capacity's own, day by day."""

import random
from datetime import date, timedelta
from decimal import Decimal

from capacity.availability import Calendar, Span, person_weeks
from planning.calculations import weeks_of_period
from planning.capacity_weeks import WeekCache, capacity_weeks

EIGHT = (Decimal(8),) * 5 + (Decimal(0),) * 2
PART_TIME = (Decimal(4),) * 3 + (Decimal(0),) * 4


def _random_calendar(rng, start, holidays):
    def span(hours):
        first = start + timedelta(days=rng.randint(0, 120))
        return Span(first, first + timedelta(days=rng.randint(0, 40)), hours)

    return Calendar(
        default_week=EIGHT,
        patterns=sorted(
            (start + timedelta(days=rng.randint(0, 120)), PART_TIME) for _ in range(rng.randint(0, 2))
        ),
        time_off=[span(rng.choice([None, Decimal("2.5")])) for _ in range(rng.randint(0, 3))],
        holidays=holidays,
        assignments=[span(Decimal(rng.choice([2, 4, 8]))) for _ in range(rng.randint(0, 3))],
    )


def test_weeks_match_capacitys_day_by_day_arithmetic():
    rng = random.Random(7)
    start, end = date(2026, 1, 5), date(2026, 6, 28)
    weeks = weeks_of_period(start, end)
    cache = WeekCache()
    # Holidays are the organization's: the same for everyone sharing the cache.
    holidays = frozenset(start + timedelta(days=rng.randint(0, 150)) for _ in range(6))
    for _ in range(200):
        calendar = _random_calendar(rng, start - timedelta(days=20), holidays)
        fast = capacity_weeks(calendar, weeks, start, end, Decimal(4), cache)
        slow = person_weeks(calendar, start, end, Decimal(4))
        # Read by position: weeks alike share their figures.
        assert [(w.sums, w.holidays, w.is_underused) for w in fast] == [
            (w.sums, w.holidays, w.is_underused) for w in slow
        ]


def test_a_period_cut_mid_week_counts_only_its_days():
    calendar = Calendar(
        default_week=EIGHT, assignments=[Span(date(2026, 1, 1), date(2026, 3, 1), Decimal(8))]
    )
    start, end = date(2026, 1, 7), date(2026, 1, 20)
    fast = capacity_weeks(calendar, weeks_of_period(start, end), start, end, Decimal(0), WeekCache())
    assert [w.available for w in fast] == [24, 40, 16]


def test_people_whose_days_change_alike_share_their_weeks_and_no_one_else_does():
    start, end = date(2026, 1, 5), date(2026, 3, 29)
    weeks = weeks_of_period(start, end)
    holidays = frozenset({date(2026, 1, 6)})
    plan = [Span(start, end, Decimal(8))]
    ann = Calendar(
        EIGHT, time_off=[Span(date(2026, 2, 2), date(2026, 2, 6), None)], holidays=holidays, assignments=plan
    )
    bob = Calendar(
        EIGHT, time_off=[Span(date(2026, 2, 2), date(2026, 2, 6), None)], holidays=holidays, assignments=plan
    )
    # The same week off, but some hours a day of it: not Ann's weeks.
    cem = Calendar(
        EIGHT,
        time_off=[Span(date(2026, 2, 2), date(2026, 2, 6), Decimal(4))],
        holidays=holidays,
        assignments=plan,
    )
    cache = WeekCache()
    figures = {
        name: capacity_weeks(calendar, weeks, start, end, Decimal(0), cache)
        for name, calendar in (("ann", ann), ("bob", bob), ("cem", cem))
    }
    for name, calendar in (("ann", ann), ("bob", bob), ("cem", cem)):
        assert [w.available for w in figures[name]] == [
            w.available for w in person_weeks(calendar, start, end)
        ]
    assert figures["bob"] is figures["ann"]
    assert [w.available for w in figures["cem"]][4] == 20  # 4 h a day of the week off
