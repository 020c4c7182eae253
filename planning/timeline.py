"""The project timeline's geometry: assignment bars per person over the calendar, hours logged per week on them.

Numbers in, shapes out, for templates/planning/charts/timeline.html, as in charts.py (whose number formats it
shares); the weekly columns are drawn here as strings, as the people matrix's cells are.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.html import escape
from django.utils.safestring import mark_safe

from people.text import clean_text

from .calculations import label_stride, nice_ceiling, week_start
from .charts import fmt, hours_text

MAX_TIMELINE_WEEKS = 156
# The plot, without the names (HTML beside it, see templates/planning/charts/timeline.html): it sits in the project
# page's main column, narrower than a report page, and keeps this size in pixels on a phone.
TIMELINE_WIDTH = 640
# Each row has two lanes, so that an assignment never hides the hours logged: the assignments' bars at the top, the
# weekly columns of hours logged below them, with the hours written above each column when a week is wide enough.
BAR_TOP, BAR_H = 3, 10
NUMBERS_LANE = 14  # between the bars and the columns, when the numbers are written
MIN_WEEK_FOR_NUMBERS = 16


@dataclass
class TimelineRow:
    person_id: int
    name: str
    assignments: list = field(default_factory=list)


def timeline_range(project, assignments, logged, today):
    """The weeks the timeline shows: the project's dates, widened to its assignments and logs, at most 3 years.

    Returns (first Monday, last Sunday, clipped?).
    """
    starts = [project.start_date] + [a.start_date for a in assignments] + [monday for _, monday in logged]
    ends = [project.end_date or max(today, project.start_date)] + [a.end_date for a in assignments]
    ends += [monday + timedelta(days=6) for _, monday in logged]
    first = week_start(min(starts))
    last = week_start(max(ends)) + timedelta(days=6)
    limit = first + timedelta(weeks=MAX_TIMELINE_WEEKS) - timedelta(days=1)
    return first, min(last, limit), last > limit


def timeline_rows(assignments, logged, names):
    """A row per person: their assignments, in name order; people who logged time with no assignment last."""
    rows = {}
    for a in assignments:
        rows.setdefault(
            a.person_id, TimelineRow(a.person_id, clean_text(a.person.full_name))
        ).assignments.append(a)
    ordered = list(rows.values())
    extra = sorted({pid for pid, _ in logged} - set(rows), key=lambda pid: (names.get(pid, ""), pid))
    ordered += [TimelineRow(pid, clean_text(names.get(pid, ""))) for pid in extra]
    return ordered


@dataclass(frozen=True)
class _TimelineScale:
    """Where a day stands on the timeline: the plot runs from `label_w` to `width - right` over first..last."""

    first: date
    last: date
    width: int
    label_w: int = 0
    right: int = 4

    @property
    def plot_w(self):
        return self.width - self.label_w - self.right

    @property
    def days(self):
        return (self.last - self.first).days + 1

    @property
    def week_w(self):
        return 7 / self.days * self.plot_w

    def x(self, day):
        return self.label_w + (day - self.first).days / self.days * self.plot_w

    def clamp(self, day):
        return min(max(day, self.first), self.last + timedelta(days=1))

    def shows(self, day):
        return self.first <= day <= self.last


ASSIGNMENT_KINDS = {
    "trimmed": "created by sync, trimmed to work logs",
    "sync": "created by sync",
    "manual": "manual",
}
TIMELINE_HEADER_H, TIMELINE_TOTAL_H = 58, 34


def timeline_chart(
    rows, logged, first, last, today, width=TIMELINE_WIDTH, row_height=52, link_for=None, time_off=None
):
    """Assignment bars per person over the calendar, with each person's logged hours per week in a lane below them.

    The header (months, today, total logged per week) is drawn apart so that it stays visible while the people
    scroll; the names are returned as data for an HTML list beside the plot. `link_for(person_id)`: the address
    a name links to. `time_off`: {person_id: [(start, end, hours a day or None, kind label)]}, their approved time
    off, drawn hatched in the bars' lane and named in a tooltip (and in words where the span is wide enough).
    """
    scale = _TimelineScale(first, last, width)
    per_person_max = max([float(v) for v in logged.values()] + [40.0])
    totals = _weekly_totals(logged)
    total_max = nice_ceiling(max(list(totals.values()) + [1]))
    logged_by_person = _logged_by_person(logged, scale)
    weeks = _WeekColumns(scale, logged_by_person, per_person_max, row_height)
    people = [
        _timeline_person(row, index * row_height, row_height, scale, weeks, logged_by_person, link_for)
        for index, row in enumerate(rows)
    ]
    for index, (row, person) in enumerate(zip(rows, people, strict=True)):
        person["away"] = _time_off_spans(
            row, index * row_height, scale, (time_off or {}).get(row.person_id, ())
        )
    return {
        "width": width,
        "plot_right": fmt(width - scale.right),
        "header_h": TIMELINE_HEADER_H,
        "total_max": f"{total_max:g}",
        "height": max(len(people) * row_height, row_height),
        "ticks": _month_ticks(scale),
        "total_bars": _total_bars(totals, total_max, scale),
        "people": people,
        "today_x": fmt(scale.x(today)) if scale.shows(today) else None,
        "per_person_max": f"{per_person_max:.0f}",
        "numbers": weeks.numbers,
        "time_off": any(person["away"] for person in people),
    }


def _weekly_totals(logged):
    """Hours logged per week by everyone: {monday: hours}."""
    totals = {}
    for (_, monday), value in logged.items():
        totals[monday] = totals.get(monday, 0) + float(value)
    return totals


def _logged_by_person(logged, scale):
    """Each person's shown weeks, grouped once: rows x weeks, not rows x all logged weeks of everyone."""
    by_person = {}
    for (pid, monday), value in logged.items():
        if scale.shows(monday):
            by_person.setdefault(pid, []).append((monday, value))
    return by_person


def _month_ticks(scale):
    """Months along the top, thinned to about one label per 60 units; the year on the first label and where it
    changes."""
    months = []
    month = date(scale.first.year, scale.first.month, 1)
    while month <= scale.last:
        if month >= scale.first:
            months.append(month)
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    stride = label_stride(len(months), max(scale.plot_w // 60, 1))
    ticks, labelled_year = [], None
    for i, m in enumerate(months):
        # No label cut off at the right edge.
        labelled = i % stride == 0 and scale.x(m) <= scale.width - scale.right - 48
        label = f"{m:%b %Y}" if m.year != labelled_year else f"{m:%b}"
        if labelled:
            labelled_year = m.year
        ticks.append({"x": fmt(scale.x(m)), "label": label, "labelled": labelled})
    return ticks


def _total_bars(totals, total_max, scale):
    """The header's bars: hours logged per week by everyone."""
    bars = []
    for monday, value in sorted(totals.items()):
        if scale.shows(monday):
            h = value / total_max * TIMELINE_TOTAL_H
            bars.append(
                {
                    "x": fmt(scale.x(monday) + scale.week_w * 0.1),
                    "w": fmt(max(scale.week_w * 0.8, 0.5)),
                    "y": fmt(TIMELINE_HEADER_H - 2 - h),
                    "h": fmt(h),
                    "title": f"Week of {monday:%d %b %Y}: {hours_text(value)} logged in total",
                }
            )
    return bars


class _WeekColumns:
    """Shared by every row: where each logged week's column stands, its label, its width, its scale and its lane."""

    def __init__(self, scale, logged_by_person, per_person_max, row_height):
        self.at = {
            monday: (
                fmt(scale.x(monday) + scale.week_w * 0.2),
                f"{monday:%d %b %Y}",
                fmt(scale.x(monday) + scale.week_w / 2),
            )
            for monday in {monday for weeks in logged_by_person.values() for monday, _ in weeks}
        }
        self.width = fmt(max(scale.week_w * 0.6, 0.5))
        self.per_person_max = per_person_max
        self.numbers = scale.week_w >= MIN_WEEK_FOR_NUMBERS
        lane_top = BAR_TOP + BAR_H + 3 + (NUMBERS_LANE if self.numbers else 0)
        self.lane_bottom = row_height - 3
        self.lane_h = self.lane_bottom - lane_top


def _assignment_bars(row, top, row_height, scale):
    """A person's assignments as bars, clipped to the shown weeks."""
    bars = []
    for a in row.assignments:
        start, end = scale.clamp(a.start_date), scale.clamp(a.end_date + timedelta(days=1))
        if end <= start:
            continue
        kind = "trimmed" if a.trimmed else ("sync" if a.origin == "sync" else "manual")
        period = f"{a.start_date:%d %b %Y} – {a.end_date:%d %b %Y}"
        bars.append(
            {
                "x": fmt(scale.x(start)),
                "w": fmt(max(scale.x(end) - scale.x(start), 1)),
                "y": fmt(top + BAR_TOP),
                "h": fmt(BAR_H),
                "kind": kind,
                "title": f"{row.name}: {period}, {a.hours_per_day} h/day ({ASSIGNMENT_KINDS[kind]})",
            }
        )
    return bars


# Words fit in a time off span at least this wide (units of the plot).
MIN_SPAN_FOR_WORDS = 44


def _time_off_spans(row, top, scale, spans):
    """A person's time off as hatched spans over the bars' lane, each with its words in a tooltip ("Sam: vacation,
    09 Feb – 13 Feb 2026") and written in the span where it is wide enough."""
    drawn = []
    for start, end, hours_per_day, kind in spans:
        left, right = scale.clamp(start), scale.clamp(end + timedelta(days=1))
        if right <= left:
            continue
        x, w = scale.x(left), max(scale.x(right) - scale.x(left), 2)
        some = f", {hours_per_day.normalize():f} h a day" if hours_per_day is not None else ""
        drawn.append(
            {
                "x": fmt(x),
                "w": fmt(w),
                "y": fmt(top + 1),
                "h": fmt(BAR_H + 4),
                "text_x": fmt(x + w / 2),
                "text_y": fmt(top + BAR_TOP + BAR_H - 1),
                "words": kind if w >= MIN_SPAN_FOR_WORDS else "",
                "title": f"{row.name}: {kind}{some}, {start:%d %b} – {end:%d %b %Y}",
            }
        )
    return drawn


def _assigned_on(row, monday):
    """Whether one of the row's assignments covers a day of the week starting on `monday`."""
    sunday = monday + timedelta(days=6)
    return any(a.start_date <= sunday and a.end_date >= monday for a in row.assignments)


def _logged_columns(row, top, weeks, person_weeks):
    """A person's hours logged per week, as columns in the lane under their assignment bars; a week logged with
    no assignment of theirs is marked "outside"."""
    columns = []
    name = escape(row.name)
    for monday, value in sorted(person_weeks):
        h = float(value) / weeks.per_person_max * weeks.lane_h
        week_x, week_label, middle = weeks.at[monday]
        outside = not _assigned_on(row, monday)
        columns.append(
            {
                "x": week_x,
                "w": weeks.width,
                "y": f"{top + weeks.lane_bottom - h:.1f}",
                "h": f"{h:.1f}",
                "middle": middle,
                "text_y": f"{top + weeks.lane_bottom - h - 3:.1f}",
                "hours": f"{float(value):.0f}",
                "outside": outside,
                "title": f"{name}, week of {week_label}: {float(value):.1f} h logged"
                + (" (no assignment that week)" if outside else ""),
            }
        )
    return columns


def _columns_svg(columns, numbers):
    """Drawn here rather than in a template loop: a big project has thousands of weekly columns."""
    return mark_safe(  # noqa: S308 - numbers, and the name escaped in _logged_columns
        "".join(
            f'<g class="week-logged"><title>{c["title"]}</title>'
            f'<rect class="logged-week{" outside" if c["outside"] else ""}" x="{c["x"]}" y="{c["y"]}" '
            f'width="{c["w"]}" height="{c["h"]}"></rect>'
            + (
                f'<text x="{c["middle"]}" y="{c["text_y"]}" text-anchor="middle">{c["hours"]}</text>'
                if numbers
                else ""
            )
            + "</g>"
            for c in columns
        )
    )


def _timeline_person(row, top, row_height, scale, weeks, logged_by_person, link_for):
    """One person's row of the timeline: the name and total (for the list beside the plot), the assignment bars,
    the weekly logged columns."""
    person_weeks = logged_by_person.get(row.person_id, ())
    columns = _logged_columns(row, top, weeks, person_weeks)
    return {
        "columns_svg": _columns_svg(columns, weeks.numbers),
        "y": fmt(top),
        "h": row_height,
        "name": row.name,
        "full_name": row.name,
        "href": link_for(row.person_id) if link_for else "",
        "logged_total": sum((float(value) for _, value in person_weeks), 0.0),
        "unassigned": not row.assignments,
        "bars": _assignment_bars(row, top, row_height, scale),
        "columns": columns,
        "line_y": fmt(top + row_height),
    }
