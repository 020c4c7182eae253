"""The numbers behind the planning views: weeks, working days, planned and logged hours.

Pure functions over plain values (dates, Decimals, tuples): no ORM, no request, so each rule is tested on its own.
A week runs Monday to Sunday and is named by its Monday. Planned time counts working days only (Monday to
Friday): an assignment of 8 h/day from Wednesday to the next Tuesday plans 3 days in the first week (24 h) and
2 days in the second (16 h). Logged time counts every day a work log has, weekends included.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

WORKING_DAYS_PER_WEEK = 5
SECONDS_PER_HOUR = Decimal(3600)
# Logged time more than this far from the plan, either way, is highlighted.
TOLERANCE = Decimal("0.10")


class Status:
    """How a week's logged hours compare with its plan."""

    NONE = "none"  # nothing planned, nothing logged
    OK = "ok"  # within the tolerance
    OVER = "over"  # more than the tolerance above the plan
    UNDER = "under"  # more than the tolerance below the plan, in a week that is over
    UNPLANNED = "unplanned"  # logged with nothing planned
    IN_PROGRESS = "in_progress"  # this week, so far below the plan: not judged yet

    LABELS = {
        NONE: "",
        OK: "on plan",
        OVER: "over plan",
        UNDER: "under plan",
        UNPLANNED: "unplanned",
        IN_PROGRESS: "week in progress",
    }
    HIGHLIGHTED = frozenset({OVER, UNDER, UNPLANNED})


@dataclass(frozen=True)
class PlannedStretch:
    """What the plan needs of an assignment: whose it is, when, and how many hours a working day."""

    person_id: int
    start: date
    end: date
    hours_per_day: Decimal


def week_start(day):
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def weeks_of_period(start, end):
    """The Mondays of every week that touches start..end, in order (empty if end is before start)."""
    if end < start:
        return []
    first, last = week_start(start), week_start(end)
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def last_weeks(today, count=12):
    """The `count` weeks up to and including this week: (Monday of the first, Sunday of this week)."""
    this_week = week_start(today)
    return this_week - timedelta(weeks=count - 1), this_week + timedelta(days=6)


def opening_period(today, *, first, last, last_logged=None, project_span=None, weeks=12, max_weeks=157):
    """The (start, end) a report opens on when it is given no dates: where the logged time is, when there is any.

    `first` and `last` are the earliest and latest days with a plan or a work log (None when there are none),
    `last_logged` the latest day with a work log. A plan alone must not choose the weeks while time is logged
    elsewhere: right after a sync of February, a plan running to September opened the report on July to
    September and showed "Logged 0.0 h".

    For a project (`project_span` = its start and end, the end None when open-ended): its own period joined with
    the span of its plans and logs, at most `max_weeks` (then the most recent ones, up to today or its last log,
    and never weeks that leave out every log). Otherwise, the first that applies:

    1. the `weeks` weeks up to this week, when time is logged in them (or later);
    2. the `weeks` weeks up to the latest work log, moved later (as far as the latest plan or log allows) when
       nothing was planned or logged in their first weeks: not mostly empty weeks before anything began;
    3. with no logs at all: the weeks up to the most recent day with a plan that is not in the future, or the
       first `weeks` weeks of plans that are all in the future;
    4. with nothing at all: the weeks up to this week.
    """
    if project_span is not None:
        start = min(d for d in (project_span[0], first) if d is not None)
        end = max(d for d in (project_span[1], last, project_span[0]) if d is not None)
        if project_span[1] is None and last is None:
            end = max(end, today)
        end = min(end, max(today, last or start))
        if last_logged is not None and last_logged < week_start(end) - timedelta(weeks=max_weeks - 1):
            end = last_logged  # a long project's latest weeks have no logs: end on the last one instead
        return max(start, week_start(end) - timedelta(weeks=max_weeks - 1)), end
    this_period = last_weeks(today, weeks)
    if last_logged is not None:
        if last_logged >= this_period[0]:
            return this_period
        start, end = last_weeks(last_logged, weeks)
        if first is not None and week_start(first) > start:
            latest = max(d for d in (last, last_logged) if d is not None)
            start = max(start, min(week_start(first), week_start(latest) - timedelta(weeks=weeks - 1)))
            end = min(start + timedelta(weeks=weeks, days=-1), this_period[1])
        return start, end
    if first is None:
        return this_period
    if first > today:
        return week_start(first), week_start(first) + timedelta(weeks=weeks, days=-1)
    return last_weeks(min(last, today), weeks)


def working_days_between(start, end):
    """Monday-to-Friday days in start..end, both included (0 if end is before start)."""
    if end < start:
        return 0
    days = (end - start).days + 1
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * WORKING_DAYS_PER_WEEK
    weekday = start.weekday()
    for offset in range(rest):
        if (weekday + offset) % 7 < WORKING_DAYS_PER_WEEK:
            count += 1
    return count


def working_days_in_week(stretch_start, stretch_end, monday):
    """Working days of the stretch start..end that fall in the week starting on `monday`."""
    return working_days_between(max(stretch_start, monday), min(stretch_end, monday + timedelta(days=6)))


def planned_seconds_by_person(stretches, weeks):
    """{person_id: [planned seconds in each of `weeks`]} (consecutive Mondays), from the assignments' stretches.

    Each stretch is walked only over the weeks it overlaps, so the cost follows the plan, not the calendar; only
    its first and last weeks need their working days counted. Seconds are exact integers (hours a day have two
    decimals: 36 s).
    """
    rows = {}
    if not weeks:
        return rows
    first, count = weeks[0], len(weeks)
    for stretch in stretches:
        first_week = (week_start(stretch.start) - first).days // 7
        last_week = (week_start(stretch.end) - first).days // 7
        begin, finish = max(first_week, 0), min(last_week, count - 1)
        if begin > finish:
            continue
        per_day = int(Decimal(stretch.hours_per_day) * SECONDS_PER_HOUR)
        row = rows.get(stretch.person_id)
        if row is None:
            row = rows[stretch.person_id] = [0] * count
        for i in range(begin, finish + 1):
            if first_week < i < last_week:
                row[i] += WORKING_DAYS_PER_WEEK * per_day
            else:
                row[i] += working_days_in_week(stretch.start, stretch.end, weeks[i]) * per_day
    return rows


def by_week(rows, weeks):
    """{(person_id, monday): value} of the non-zero values of {person_id: [value per week]}."""
    return {
        (person_id, weeks[i]): value
        for person_id, row in rows.items()
        for i, value in enumerate(row)
        if value
    }


def planned_hours_per_week(stretches, weeks):
    """{(person_id, monday): planned hours} over `weeks` (sorted Mondays); weeks with nothing planned left out."""
    planned = by_week(planned_seconds_by_person(stretches, weeks), weeks)
    return {key: hours(seconds) for key, seconds in planned.items()}


def hours(seconds):
    """Seconds as hours, exactly (a Decimal)."""
    return Decimal(seconds) / SECONDS_PER_HOUR


def logged_hours_per_week(rows):
    """{(person_id, monday): logged hours} from (person_id, day, seconds) rows.

    The day may be any day of the week (the database already truncates to Mondays; a raw date works too).
    """
    logged = defaultdict(Decimal)
    for person_id, day, seconds in rows:
        logged[(person_id, week_start(day))] += hours(seconds or 0)
    return dict(logged)


# The tolerance as whole-number ratios: seconds (ints) compare exactly, and hours (Decimals) as they would
# against planned * 1.10: logged > planned * 11 / 10 is over.
_OVER = (1 + TOLERANCE).as_integer_ratio()
_UNDER = (1 - TOLERANCE).as_integer_ratio()


def judge(planned, logged, week_over=True):
    """The one rule of logged time against its plan (see Status): a week's, or a whole period's totals.

    `planned` and `logged` are both seconds (ints) or both hours (Decimals); a week not over yet (`week_over`
    False) below its plan is in progress, not under.
    """
    if not planned:
        return Status.UNPLANNED if logged else Status.NONE
    if logged * _OVER[1] > planned * _OVER[0]:
        return Status.OVER
    if logged * _UNDER[1] < planned * _UNDER[0]:
        return Status.UNDER if week_over else Status.IN_PROGRESS
    return Status.OK


def week_status(planned, logged, week_end, today):
    """judge of the week ending on `week_end` (a Sunday), as seen on `today`."""
    return judge(planned, logged, week_end < today)


def week_statuses(planned, logged, weeks_over):
    """judge of each week of a row: planned and logged seconds and whether the week is over, as lists."""
    return [judge(p, lg, over) for p, lg, over in zip(planned, logged, weeks_over, strict=True)]


def round_hours(value):
    """Hours to two decimals, for tables and CSV."""
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class WeekRow:
    """A week's planned and logged hours and how they compare; with capacity, the hours available (working hours
    less time off and holidays), the time off taken, the hours planned beyond what is available (`over`, in
    `overallocated` people's weeks: 1 or 0 for one person), whether it is under-used, and what people were away
    for (`notes`: "vacation 5 d", holidays' names)."""

    monday: date
    planned: Decimal
    logged: Decimal
    status: str
    available: Decimal | None = None
    time_off: Decimal = Decimal(0)
    over: Decimal = Decimal(0)
    overallocated: int = 0
    underused: bool = False
    notes: tuple = ()
    away: bool = False  # the person's time off or a holiday (for a team: a holiday), drawn hatched

    @property
    def sunday(self):
        return self.monday + timedelta(days=6)

    @property
    def difference(self):
        return self.logged - self.planned

    @property
    def status_label(self):
        return Status.LABELS[self.status]

    @property
    def is_highlighted(self):
        return self.status in Status.HIGHLIGHTED


def week_rows(weeks, planned, logged, today, person_id=None):
    """One WeekRow per week: the totals of one person (person_id) or of everyone (None)."""
    planned_total, logged_total = defaultdict(Decimal), defaultdict(Decimal)
    for (pid, monday), value in planned.items():
        if person_id is None or pid == person_id:
            planned_total[monday] += value
    for (pid, monday), value in logged.items():
        if person_id is None or pid == person_id:
            logged_total[monday] += value
    return [
        WeekRow(
            monday,
            planned_total[monday],
            logged_total[monday],
            week_status(planned_total[monday], logged_total[monday], monday + timedelta(days=6), today),
        )
        for monday in weeks
    ]


def totals(rows):
    """(planned, logged) summed over WeekRows."""
    return sum((r.planned for r in rows), Decimal(0)), sum((r.logged for r in rows), Decimal(0))


def label_stride(count, max_labels):
    """Label every n-th of `count` ticks so that at most `max_labels` labels show (n >= 1)."""
    if count <= max_labels or max_labels < 1:
        return 1
    return -(-count // max_labels)


def nice_ceiling(value):
    """A round axis maximum at or above value: 1, 2, 2.5, 5 times a power of ten (at least 1)."""
    value = float(value)
    if value <= 1:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10.0 * magnitude
