"""Geometry of the server-rendered SVG charts: numbers in, shapes out, for templates/planning/charts/*.

No ORM and no HTML here: each function turns the calculations' values into positions (as strings with one
decimal, so that templates never localize a float), classes and tooltips. Every chart has a fixed viewBox
width and scales to its container; long periods thin their labels, many people scroll (see app.css). The
weekly chart and the people matrix are here; the project timeline is in timeline.py.
"""

from django.utils.html import escape
from django.utils.safestring import mark_safe

from people.text import clean_text

from .calculations import Status, label_stride, nice_ceiling

CHART_WIDTH = 960
# The weekly chart drawn again for a phone, whose labels would be a third of their size in the 960-unit drawing.
PHONE_CHART_WIDTH = 360


def fmt(value):
    return f"{float(value):.1f}"


def hours_text(value):
    return f"{float(value):.1f} h"


def _capacity_note(row):
    """A week's capacity for a tooltip: "; available 32.0 h; away: vacation 5 d; over-allocated: over by 8.0 h"."""
    if row.available is None:
        return ""
    note = f"; available {hours_text(row.available)}"
    if row.notes:
        note += f"; away: {', '.join(row.notes)}"
    if row.overallocated:
        who = "" if row.overallocated == 1 else f" ({row.overallocated} people)"
        note += f"; over-allocated{who}: over by {hours_text(row.over)}"
    elif row.underused:
        note += "; under-used"
    return note


def _status_note(row):
    """A week's status for a tooltip, e.g. " (Under-logged)"; nothing for a status without a label."""
    label = Status.LABELS[row.status]
    return f" ({label})" if label else ""


# -- Weekly planned vs logged -------------------------------------------------------------------------------


def weekly_chart(rows, width=CHART_WIDTH, height=260, with_phone=True):
    """Bars per week: planned (light, wide) behind logged (narrow, coloured by how it compares).

    With `with_phone`, the chart also carries its drawing for a phone ("phone": a narrow viewBox, fewer labels)
    that the stylesheet shows instead below 600 px.
    """
    left, right, top, bottom = 48, 12, 14, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(rows), 1)
    slot = plot_w / n
    available = [float(r.available) for r in rows if r.available is not None]
    y_max = nice_ceiling(
        max([float(r.planned) for r in rows] + [float(r.logged) for r in rows] + available + [1])
    )

    def y(value):
        return top + plot_h - float(value) / y_max * plot_h

    grid = []
    for i in range(5):
        value = y_max * i / 4
        grid.append({"y": fmt(y(value)), "label": f"{value:g}", "label_y": fmt(y(value) + 4)})
    stride = label_stride(len(rows), max(plot_w // 64, 1))
    weeks = []
    for i, row in enumerate(rows):
        x = left + i * slot
        planned_h = float(row.planned) / y_max * plot_h
        logged_h = float(row.logged) / y_max * plot_h
        weeks.append(
            {
                "slot_x": fmt(x),
                "slot_w": fmt(slot),
                "planned_x": fmt(x + slot * 0.12),
                "planned_w": fmt(slot * 0.76),
                "planned_right": fmt(x + slot * 0.88),
                "planned_y": fmt(top + plot_h - planned_h),
                "planned_h": fmt(planned_h),
                "logged_x": fmt(x + slot * 0.3),
                "logged_w": fmt(slot * 0.4),
                "logged_y": fmt(top + plot_h - logged_h),
                "logged_h": fmt(logged_h),
                "status": row.status,
                # Highlighted weeks also get a strip under the axis: an under-logged week may have no bar.
                "flagged": row.status in Status.HIGHLIGHTED,
                "title": f"Week of {row.monday:%d %b %Y}: "
                f"planned {hours_text(row.planned)}, logged {hours_text(row.logged)}{_status_note(row)}"
                + _capacity_note(row),
                # Capacity: a line at the hours available, the week hatched when someone was away, a red
                # triangle over an over-allocated week (all named in the title too).
                "available_y": fmt(y(row.available)) if row.available is not None else None,
                "away": row.away,
                "over": bool(row.overallocated),
                "over_points": f"{fmt(x + slot / 2 - 5)},{fmt(top)} {fmt(x + slot / 2 + 5)},{fmt(top)} "
                f"{fmt(x + slot / 2)},{fmt(top + 8)}",
                "label": f"{row.monday:%d %b}" if i % stride == 0 else "",
                "label_x": fmt(x + slot / 2),
            }
        )
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": fmt(width - right),
        "baseline": fmt(top + plot_h),
        "label_y": fmt(height - 8),
        "strip_y": fmt(top + plot_h + 2),
        "grid": grid,
        "weeks": weeks,
        "y_max": y_max,
        "capacity": bool(available),
        "top": top,
        "plot_h": fmt(plot_h),
        "phone": weekly_chart(rows, PHONE_CHART_WIDTH, 240, with_phone=False) if with_phone else None,
    }


# -- People by week (heat map) ------------------------------------------------------------------------------


# Beyond this many cells, cells lose their tooltips (each more than twice a rectangle's size); the person's
# report, linked from the row's name, has every number.
MATRIX_TOOLTIPS_MAX_CELLS = 10_000


# The matrix's cells: its people's names are HTML beside it (templates/planning/charts/people_matrix.html).
MATRIX_WIDTH = 780


def people_matrix(weeks, cells_by_person, names, link_for=None, width=MATRIX_WIDTH, row_height=20):
    """One row per person, one cell per week, coloured by Status; the names as a list beside the cells.

    weeks: the Mondays; cells_by_person: {person_id: (statuses, planned seconds, logged seconds)}, three lists
    with a value per week, in display order, optionally followed by capacity (their WeekFigures per week) and
    their time off ({week index: labels}): then a week with time off or a holiday is hatched, an over-allocated
    one carries a red corner and an under-used one a ring, each named in the tooltip; names: {person_id: name}.
    The rows and the names are written here as strings: a year of 500 people is 26,500 cells, too many for a
    template loop. The names are HTML, not SVG text, so that on a phone they stay put (sticky) while the cells,
    drawn at full size, scroll sideways under them.
    """
    cell = width / max(len(weeks), 1)
    tooltips = len(weeks) * len(cells_by_person) <= MATRIX_TOOLTIPS_MAX_CELLS
    cells = _MatrixCells(weeks, cell, row_height)
    people, rows, labels = [], [], []
    for index, (person_id, (statuses, planned_row, logged_row, *capacity)) in enumerate(
        cells_by_person.items()
    ):
        name = clean_text(names.get(person_id, ""))
        short = name if len(name) <= 24 else name[:23] + "…"
        href = link_for(person_id) if link_for else ""
        figures, time_off = (capacity + [None, {}])[:2] if capacity else (None, {})
        if tooltips:
            svg = cells.detailed_row(escape(name), statuses, planned_row, logged_row, figures, time_off)
        else:
            svg = cells.bare_row(statuses, figures)
        top = fmt(index * row_height)
        rows.append(f'<g class="matrix-row" transform="translate(0 {top})">{svg}</g>')
        labels.append(_row_label(name, href))
        people.append({"top": top, "name": short, "full_name": name, "href": href, "cells_svg": svg})
    return {
        "width": width,
        "capacity": any(len(cells) > 3 and cells[3] is not None for cells in cells_by_person.values()),
        "tooltips": tooltips,
        "height": max(len(people) * row_height, row_height),
        "header": _matrix_header(weeks, cell, width),
        "people": people,
        # Numbers, labels of ours, and names escaped (escape above and in _row_label).
        "rows_svg": mark_safe("\n".join(rows)),  # noqa: S308
        "names_html": mark_safe("".join(labels)),  # noqa: S308
    }


def _matrix_header(weeks, cell, width):
    """The week labels above the cells, thinned to about one per 56 units."""
    stride = label_stride(len(weeks), max(int(width // 56), 1))
    return [
        {"x": fmt(i * cell + cell / 2), "label": f"{monday:%d %b}"}
        for i, monday in enumerate(weeks)
        if i % stride == 0
    ]


class _MatrixCells:
    """What every row shares: where each week's cell stands, its label, and the cell drawn whole for each status."""

    def __init__(self, weeks, cell, row_height):
        self.columns = [
            (fmt(i * cell + 1), fmt(i * cell + cell / 2), f"{monday:%d %b %Y}")
            for i, monday in enumerate(weeks)
        ]
        self.cell_w, self.cell_h = fmt(max(cell - 2, 1)), fmt(row_height - 2)
        self.text_y = fmt(row_height / 2 + 4)
        self.show_numbers = cell >= 34
        self.bare = {
            status: [
                f'<rect class="{status}" x="{x}" y="1" width="{self.cell_w}" height="{self.cell_h}"/>'
                for x, _, _ in self.columns
            ]
            for status in Status.LABELS
        }
        self.bare_marks: dict = {}  # (week index, away, over) -> the marks drawn over a bare cell

    def bare_row(self, statuses, figures=None):
        """A row of coloured rectangles, without tooltips: for charts of too many cells; the capacity marks only
        where a week has one."""
        bare = self.bare
        cells = "".join([bare[status][i] for i, status in enumerate(statuses)])
        if figures is None:
            return cells
        marks = self.bare_marks
        drawn = []
        for i, week in enumerate(figures):
            sums = week.sums
            away, over = bool(sums[1] or week.holidays), bool(sums[4])
            if away or over:
                key = (i, away, over)
                mark = marks.get(key)
                if mark is None:
                    mark = marks[key] = self._marks(i, week)
                drawn.append(mark)
        return cells + "".join(drawn)

    def detailed_row(self, safe_name, statuses, planned_row, logged_row, figures=None, time_off=None):
        """A row of cells with their tooltips and, where wide enough, the hours logged; `safe_name` is escaped."""
        cells = zip(statuses, planned_row, logged_row, strict=True)
        return "".join(
            self._detailed(
                safe_name,
                status,
                i,
                planned,
                logged,
                figures[i] if figures else None,
                (time_off or {}).get(i),
            )
            for i, (status, planned, logged) in enumerate(cells)
        )

    def _marks(self, i, week, underused=False):
        """A week's capacity drawn over its cell: hatched for time off or a holiday, a red corner when
        over-allocated, a ring when under-used (shapes, so that they read without their colours)."""
        x = float(self.columns[i][0])
        w, h = float(self.cell_w), float(self.cell_h)
        marks = []
        if week.sums[1] or week.holidays:
            marks.append(
                f'<rect class="away" x="{fmt(x)}" y="1" width="{self.cell_w}" height="{self.cell_h}"/>'
            )
        if week.sums[4]:
            corner = min(w, h) * 0.55
            marks.append(
                f'<path class="overallocated" d="M{fmt(x + w - corner)} 1H{fmt(x + w)}V{fmt(1 + corner)}Z"/>'
            )
        elif underused and week.is_underused:
            radius = min(w, h) * 0.16
            marks.append(
                f'<circle class="underused" cx="{fmt(x + radius + 1.5)}" cy="{fmt(1 + h - radius - 1.5)}" '
                f'r="{fmt(radius)}"/>'
            )
        return "".join(marks)

    def _detailed(self, name, status, i, planned, logged, week=None, time_off=None):
        x, text_x, label = self.columns[i]
        title = f"{name}, week of {label}: planned {planned / 3600:.1f} h, logged {logged / 3600:.1f} h" + (
            f" ({Status.LABELS[status]})" if Status.LABELS[status] else ""
        )
        marks = ""
        if week is not None:
            title += f"; available {week.available:.1f} h"
            away = list(time_off or ())
            if week.holidays:
                away.append("holiday" if week.holidays == 1 else f"{week.holidays} holidays")
            if away:
                title += f"; away: {escape(', '.join(away))}"
            if week.sums[4]:
                title += f"; over-allocated: over by {week.over:.1f} h"
            elif week.is_underused:
                title += f"; under-used: {week.free:.1f} h free"
            marks = self._marks(i, week, underused=True)
        text = (
            f'<text x="{text_x}" y="{self.text_y}" text-anchor="middle">{logged / 3600:.0f}</text>'
            if self.show_numbers and (logged or planned)
            else ""
        )
        return (
            f'<g class="cell {status}"><title>{title}</title><rect x="{x}" y="1" width="{self.cell_w}" '
            f'height="{self.cell_h}" rx="2"></rect>{marks}{text}</g>'
        )


def _row_label(name, href):
    """The row's name as a list item, linked to the person's page when there is one; the whole name stays in the
    text (the stylesheet cuts it with an ellipsis) and in a tooltip."""
    # Escaped here rather than by format_html, which parses its format string again for each row.
    safe = escape(name)
    if href:
        return f'<li><a href="{escape(href)}" title="{safe}">{safe}</a></li>'
    return f'<li><span title="{safe}">{safe}</span></li>'
