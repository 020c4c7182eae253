from decimal import Decimal
from html import escape

from django import template
from django.utils.html import format_html
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


@register.filter
def status_badge(status):
    """The status as a badge (planning/_status_badge.html, as a filter: a table of 500 people includes it 500
    times)."""
    css = _BADGE_CLASSES.get(status)
    return format_html('<span class="badge {}">{}</span>', css, Status.LABELS[status]) if css else ""


@register.simple_tag
def people_rows(people):
    """The rows of the report's people table (a year of 500 people: 500 rows of seven cells, written here at a
    fraction of what a template loop costs). Only the name (isolated as `|bdi` does) and the link are text to
    escape: the rest are numbers and labels of ours."""
    rows = [
        f'<tr class="status-{p.status}"><td><a href="{escape(p.href)}">{bdi(p.name)}</a></td>'
        f'<td class="num">{hours(p.planned)}</td><td class="num">{hours(p.logged)}</td>'
        f'<td class="num">{signed_hours(p.difference)}</td>'
        f'<td class="num">{f"{p.ratio}%" if p.ratio is not None else "–"}</td>'
        f'<td class="num">{p.highlighted_weeks}</td><td>{status_badge(p.status)}</td></tr>'
        for p in people
    ]
    return mark_safe("\n".join(rows))  # noqa: S308 - escaped above
