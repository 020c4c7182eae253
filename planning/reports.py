"""Shape PlanData into what the report pages and the report CSV show: per week, per person, totals.

A year of 500 people is 26,500 person-weeks: they are judged in whole seconds (ints, `judge`) and turned
into hours (Decimals) only for totals, so that the report's cost per cell stays a few comparisons.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from .calculations import Status, WeekRow, hours, judge, round_hours, week_statuses


@dataclass
class PersonSummary:
    person_id: int
    name: str
    weeks_of_period: list  # the Mondays
    statuses: list  # per week
    planned_seconds: list  # per week
    logged_seconds: list  # per week
    planned: Decimal
    logged: Decimal
    status: str
    highlighted_weeks: int
    href: str = ""  # their own report, with the same filters

    @property
    def weeks(self):
        """A WeekRow per week (hours as Decimals)."""
        return [
            WeekRow(monday, hours(planned), hours(logged), status)
            for monday, status, planned, logged in zip(
                self.weeks_of_period, self.statuses, self.planned_seconds, self.logged_seconds, strict=True
            )
        ]

    @property
    def difference(self):
        return self.logged - self.planned

    @property
    def ratio(self):
        """Logged as a percentage of planned (None with nothing planned)."""
        return round(self.logged / self.planned * 100) if self.planned else None


def person_summaries(plan, today):
    """One PersonSummary per person in the plan, in name order; each a cell for every week."""
    weeks = plan.weeks
    over = [monday + timedelta(days=6) < today for monday in weeks]
    nothing = [0] * len(weeks)
    planned, logged = plan.planned_seconds, plan.logged_seconds
    summaries = []
    for person_id, name in plan.people.items():
        p_row, l_row = planned.get(person_id, nothing), logged.get(person_id, nothing)
        statuses = week_statuses(p_row, l_row, over)
        p_total, l_total = hours(sum(p_row)), hours(sum(l_row))
        highlighted = sum(statuses.count(status) for status in Status.HIGHLIGHTED)
        summaries.append(
            PersonSummary(
                person_id,
                name,
                weeks,
                statuses,
                p_row,
                l_row,
                p_total,
                l_total,
                judge(p_total, l_total),
                highlighted,
            )
        )
    return summaries


def weekly_rows(plan, today):
    """One WeekRow per week of the plan: everyone's planned and logged hours summed."""
    nothing = [0] * len(plan.weeks)
    planned = [sum(week) for week in zip(nothing, *plan.planned_seconds.values(), strict=True)]
    logged = [sum(week) for week in zip(nothing, *plan.logged_seconds.values(), strict=True)]
    return [
        WeekRow(monday, hours(p), hours(lg), judge(p, lg, monday + timedelta(days=6) < today))
        for monday, p, lg in zip(plan.weeks, planned, logged, strict=True)
    ]


def report_csv_rows(plan, today):
    """Header and one row per person and week: the report's table, flattened (numbers stay numbers)."""
    yield ["week_start", "week_end", "person", "planned_hours", "logged_hours", "difference_hours", "status"]
    for summary in person_summaries(plan, today):
        for row in summary.weeks:
            yield [
                row.monday.isoformat(),
                row.sunday.isoformat(),
                summary.name,
                round_hours(row.planned),
                round_hours(row.logged),
                round_hours(row.difference),
                row.status,
            ]
