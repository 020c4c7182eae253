from decimal import Decimal
from html import escape

from django import template
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
def people_rows(people):
    """The rows of the report's people table, written here rather than by a template loop (500 people: 500 rows
    of seven cells). Only the name (isolated as `|bdi` does) and the link are text to escape: the rest are
    numbers and labels of ours."""
    rows = [
        f'<tr class="status-{p.status}"><td><a href="{escape(p.href)}">{bdi(p.name)}</a></td>'
        f'<td class="num">{hours(p.planned)}</td><td class="num">{hours(p.logged)}</td>'
        f'<td class="num">{signed_hours(p.difference)}</td>'
        f'<td class="num">{f"{p.ratio}%" if p.ratio is not None else "–"}</td>'
        f'<td class="num">{p.highlighted_weeks}</td><td>{status_badge(p.status)}</td></tr>'
        for p in people
    ]
    return mark_safe("\n".join(rows))  # noqa: S308 - escaped above
