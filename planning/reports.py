"""Shape PlanData into what the report pages and the report CSV show: per week, per person, totals."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from .calculations import WeekRow, period_status, round_hours, totals, week_status


@dataclass
class PersonSummary:
    person_id: int
    name: str
    weeks: list  # WeekRow per week
    planned: Decimal
    logged: Decimal
    status: str

    @property
    def difference(self):
        return self.logged - self.planned

    @property
    def highlighted_weeks(self):
        return sum(1 for w in self.weeks if w.is_highlighted)

    @property
    def ratio(self):
        """Logged as a percentage of planned (None with nothing planned)."""
        return round(self.logged / self.planned * 100) if self.planned else None


def _by_person(values):
    grouped = defaultdict(dict)
    for (person_id, monday), value in values.items():
        grouped[person_id][monday] = value
    return grouped


def person_summaries(plan, today):
    """One PersonSummary per person in the plan, in name order; each a WeekRow for every week."""
    planned, logged = _by_person(plan.planned), _by_person(plan.logged)
    summaries = []
    for person_id, name in plan.people.items():
        rows = []
        for monday in plan.weeks:
            p = planned[person_id].get(monday, Decimal(0))
            lg = logged[person_id].get(monday, Decimal(0))
            rows.append(WeekRow(monday, p, lg, week_status(p, lg, monday + timedelta(days=6), today)))
        p_total, l_total = totals(rows)
        summaries.append(
            PersonSummary(person_id, name, rows, p_total, l_total, period_status(p_total, l_total))
        )
    return summaries


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
