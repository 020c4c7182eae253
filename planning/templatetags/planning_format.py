from datetime import timedelta
from decimal import Decimal
from html import escape

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.safestring import mark_safe

from people.templatetags.display import bdi
from planning.calculations import Status

register = template.Library()


@register.filter
def hours(value):
    """Hours with one decimal and thousands separated: Decimal("1237.5") -> "1,237.5"."""
    try:
        return f"{Decimal(value):,.1f}"
    except (TypeError, ValueError, ArithmeticError):
        return ""


@register.filter
def add_days(day, days):
    """The date `days` later (a week's Sunday from its Monday)."""
    return day + timedelta(days=int(days))


@register.filter
def signed_hours(value):
    """A difference in hours with its sign: "+2.5", "-4.0", "0.0"."""
    try:
        value = Decimal(value)
    except (TypeError, ValueError, ArithmeticError):
        return ""
    return f"{value:+,.1f}" if value else "0.0"


@register.filter
def status_label(status):
    return Status.LABELS.get(status, "")


_BADGE_CLASSES = {
    Status.OVER: "danger",
    Status.UNPLANNED: "danger",
    Status.UNDER: "warn",
    Status.OK: "ok",
    Status.IN_PROGRESS: "muted",
}


# Each status's badge, written once (a table of 500 people shows 500).
_BADGES = {
    status: mark_safe(f'<span class="badge {css}">{escape(Status.LABELS[status])}</span>')  # noqa: S308
    for status, css in _BADGE_CLASSES.items()
}


@register.filter
def status_badge(status):
    """The status as a badge."""
    return _BADGES.get(status, "")


@register.simple_tag
def capacity_note(week):
    """A week's capacity in words, with a mark that is not colour alone: "Over-allocated: over by 8.0 h" (two
    people's, for a team's week), "Under-used", and what people were away for ("vacation 5 d", holidays)."""
    parts = []
    if week.overallocated:
        who = "" if week.overallocated == 1 else f"{week.overallocated} people, "
        parts.append(
            f'<span class="badge danger over-allocated">⚠ Over-allocated: {who}over by {hours(week.over)} h</span>'
        )
    elif week.underused:
        parts.append('<span class="badge warn under-used">Under-used</span>')
    parts += [f'<span class="badge away">{escape(note)}</span>' for note in week.notes]
    return mark_safe(" ".join(parts))  # noqa: S308 - escaped above


@register.simple_tag
def people_rows(people):
    """The rows of the report's people table, written here rather than by a template loop (500 people: 500 rows
    of seven cells). Only the name (isolated as `|bdi` does) and the link are text to escape: the rest are
    numbers and labels of ours."""
    rows = [
        f'<tr class="status-{p.status}"><td><a href="{escape(p.href)}">{bdi(p.name)}</a></td>'
        + (f'<td class="num">{hours(p.available)}</td>' if p.available is not None else "")
        + f'<td class="num">{hours(p.planned)}</td><td class="num">{hours(p.logged)}</td>'
        f'<td class="num">{signed_hours(p.difference)}</td>'
        f'<td class="num">{f"{p.ratio}%" if p.ratio is not None else "–"}</td>'
        f'<td class="num">{p.highlighted_weeks}</td><td>{status_badge(p.status)}</td>'
        + (f'<td class="capacity-cell">{_capacity_summary(p)}</td>' if p.available is not None else "")
        + "</tr>"
        for p in people
    ]
    return mark_safe("\n".join(rows))  # noqa: S308 - escaped above


def _capacity_summary(person):
    """A person's capacity over the period, in words: over-allocated weeks and hours, under-used weeks, weeks away."""
    parts = []
    if person.overallocated_weeks:
        weeks = person.overallocated_weeks
        parts.append(
            f'<span class="badge danger over-allocated">⚠ Over-allocated {weeks} week{"s" if weeks != 1 else ""}, '
            f"over by {hours(person.over)} h</span>"
        )
    if person.underused_weeks:
        weeks = person.underused_weeks
        parts.append(
            f'<span class="badge warn under-used">Under-used {weeks} week{"s" if weeks != 1 else ""}</span>'
        )
    if person.time_off_weeks:
        weeks = person.time_off_weeks
        parts.append(f'<span class="badge away">Time off in {weeks} week{"s" if weeks != 1 else ""}</span>')
    return " ".join(parts)


@register.simple_tag
def week_rows(weeks):
    """The rows of a week table (`_week_table.html`), written here rather than by a template loop: a year is 53
    rows of seven cells, each a handful of template lookups. Dates, numbers and labels are ours; the notes are
    escaped by `capacity_note`."""
    capacity = bool(weeks) and weeks[0].available is not None
    rows = []
    for w in weeks:
        note = available = capacity_cell = inline = ""
        if capacity:
            note = capacity_note(w)
            available = f'<td class="num">{hours(w.available)}</td>'
            capacity_cell = f'<td class="capacity-cell">{note}</td>'
            if w.notes or w.overallocated or w.underused:
                inline = f'<div class="capacity-inline">{note}</div>'
        rows.append(
            f'\n    <tr class="status-{escape(w.status)}">\n'
            f'      <td><span class="nowrap">{date_filter(w.monday, "d M Y")}</span> – '
            f'<span class="nowrap">{date_filter(w.sunday, "d M")}</span>{inline}</td>\n'
            f"      {available}\n"
            f'      <td class="num">{hours(w.planned)}</td>\n'
            f'      <td class="num">{hours(w.logged)}</td>\n'
            f'      <td class="num">{signed_hours(w.difference)}</td>\n'
            f"      <td>{status_badge(w.status)}\n</td>\n"  # as the badge's template, ending its line
            f"      {capacity_cell}\n"
            "    </tr>\n  "
        )
    return mark_safe("".join(rows))  # noqa: S308 - escaped above
