"""Shape PlanData into what the report pages and the report CSV show: per week, per person, totals.

A year of 500 people is 26,500 person-weeks: they are judged in whole seconds (ints, `judge`) and turned
into hours (Decimals) only for totals, so that the report's cost per cell stays a few comparisons. Capacity
(PlanData.capacity: capacity's WeekFigures, kept in hundredths of an hour) is summed the same way, as ints.
"""

from dataclasses import dataclass, field, replace
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
    capacity: list | None = None  # WeekFigures per week
    time_off: dict = field(default_factory=dict)  # week index -> labels ("vacation 5 d")
    available: Decimal | None = None
    over: Decimal = Decimal(0)
    overallocated_weeks: int = 0
    underused_weeks: int = 0

    @property
    def weeks(self):
        """A WeekRow per week (hours as Decimals)."""
        rows = zip(
            self.weeks_of_period, self.statuses, self.planned_seconds, self.logged_seconds, strict=True
        )
        if self.capacity is None:
            return [
                WeekRow(monday, hours(planned), hours(logged), status)
                for monday, status, planned, logged in rows
            ]
        return [
            WeekRow(
                monday,
                hours(planned),
                hours(logged),
                status,
                available=week.available,
                time_off=week.time_off,
                over=week.over,
                overallocated=int(week.is_overallocated),
                underused=week.is_underused,
                notes=tuple(self.time_off.get(i, ())) + (("holiday",) if week.holidays else ()),
                away=bool(week.sums[1] or week.holidays),
            )
            for i, ((monday, status, planned, logged), week) in enumerate(
                zip(rows, self.capacity, strict=True)
            )
        ]

    @property
    def time_off_weeks(self):
        return len(self.time_off)

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
        summary = PersonSummary(
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
        if plan.capacity is not None:
            figures = plan.capacity[person_id]
            summary.capacity = figures
            summary.time_off = plan.time_off.get(person_id, {})
            available = over_hours = overallocated = underused = 0
            threshold = int(figures[0].underused_below * 100) if figures else 0
            for week in figures:  # is_underused, without its Decimal per week
                sums = week.sums
                available += sums[2]
                if sums[4]:
                    over_hours += sums[4]
                    overallocated += 1
                if sums[3] < sums[2] - threshold:
                    underused += 1
            summary.available, summary.over = hundredths_to_hours(available), hundredths_to_hours(over_hours)
            summary.overallocated_weeks, summary.underused_weeks = overallocated, underused
        summaries.append(summary)
    return summaries


def hundredths_to_hours(value):
    """Capacity's hundredths of an hour as hours (a Decimal)."""
    return Decimal(value) / 100


def weekly_rows(plan, today):
    """One WeekRow per week of the plan: everyone's planned and logged hours summed."""
    nothing = [0] * len(plan.weeks)
    planned = [sum(week) for week in zip(nothing, *plan.planned_seconds.values(), strict=True)]
    logged = [sum(week) for week in zip(nothing, *plan.logged_seconds.values(), strict=True)]
    rows = [
        WeekRow(monday, hours(p), hours(lg), judge(p, lg, monday + timedelta(days=6) < today))
        for monday, p, lg in zip(plan.weeks, planned, logged, strict=True)
    ]
    if plan.capacity is None:
        return rows
    available, time_off, over = [0] * len(rows), [0] * len(rows), [0] * len(rows)
    overallocated, underused = [0] * len(rows), [0] * len(rows)
    single = len(plan.capacity) == 1
    for figures in plan.capacity.values():
        for i, week in enumerate(figures):
            sums = week.sums
            available[i] += sums[2]
            time_off[i] += sums[1]
            if sums[4]:
                over[i] += sums[4]
                overallocated[i] += 1
            if single:
                underused[i] += week.is_underused
    away = [0] * len(rows)
    for by_week in plan.time_off.values():
        for i in by_week:
            away[i] += 1
    return [
        replace(
            row,
            available=hundredths_to_hours(available[i]),
            time_off=hundredths_to_hours(time_off[i]),
            over=hundredths_to_hours(over[i]),
            overallocated=overallocated[i],
            underused=bool(underused[i]) if single else False,
            notes=_week_notes(plan, i, away[i], single),
            # A team's week is hatched for a holiday only: someone of a large team is away most weeks.
            away=bool(plan.holidays.get(i)) or (single and bool(away[i])),
        )
        for i, row in enumerate(rows)
    ]


def _week_notes(plan, index, away, single):
    """What a week of the weekly table says of time off: the person's ("vacation 5 d"), or how many were away,
    and the holidays' names."""
    if single:
        notes = [label for labels in plan.time_off.values() for label in labels.get(index, ())]
    else:
        notes = [f"{away} {'person' if away == 1 else 'people'} away"] if away else []
    notes += [f"holiday: {name}" for name in plan.holidays.get(index, ())]
    return tuple(notes)


REPORT_CSV_HEADER = [
    "week_start",
    "week_end",
    "person",
    "planned_hours",
    "logged_hours",
    "difference_hours",
    "status",
    "available_hours",
    "time_off_hours",
    "time_off",
    "over_allocated_hours",
    "capacity",
]


def capacity_words(row):
    """A week's capacity in words, as the pages and the CSV say it: "over by 8.0 h", "under-used", or ""."""
    if row.overallocated:
        return f"over by {row.over:.1f} h"
    if row.underused:
        return "under-used"
    return ""


def report_csv_rows(plan, today):
    """Header and one row per person and week: the report's table, flattened (numbers stay numbers), with their
    capacity when the plan has it (`time_off` is what they were away for, `capacity` "over by 8.0 h" or
    "under-used")."""
    yield REPORT_CSV_HEADER if plan.capacity is not None else REPORT_CSV_HEADER[:7]
    for summary in person_summaries(plan, today):
        for row in summary.weeks:
            line = [
                row.monday.isoformat(),
                row.sunday.isoformat(),
                summary.name,
                round_hours(row.planned),
                round_hours(row.logged),
                round_hours(row.difference),
                row.status,
            ]
            if row.available is not None:
                line += [
                    round_hours(row.available),
                    round_hours(row.time_off),
                    "; ".join(row.notes),
                    round_hours(row.over),
                    capacity_words(row),
                ]
            yield line
