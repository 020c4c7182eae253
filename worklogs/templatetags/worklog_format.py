from collections.abc import Iterable
from datetime import date
from typing import SupportsInt

from django import template
from django.utils.safestring import SafeString, mark_safe

from people.templatetags.display import bdi

from ..selectors import PersonTotal

register = template.Library()


@register.filter
def as_hours(seconds: SupportsInt | str) -> str:
    """Seconds as hours with two decimals: 27000 -> "7.50"."""
    try:
        return f"{int(seconds) / 3600:.2f}"
    except (TypeError, ValueError):
        return ""


@register.filter
def day(value: date | None) -> str:
    """A date as "05 Feb 2026": plain strftime, many times faster than |date in long tables (the site is English)."""
    return f"{value:%d %b %Y}" if value else ""


@register.filter
def weekday(value: date | None) -> str:
    """A date as "Thu 05 Feb 2026"."""
    return f"{value:%a %d %b %Y}" if value else ""


@register.simple_tag
def person_totals_rows(totals: Iterable[PersonTotal]) -> SafeString:
    """The rows of a project's per-person totals (200 people: written here, not by a template loop)."""
    rows = [
        f'<tr><td>{bdi(row["name"])}</td><td class="num">{row["logs"]}</td>'
        f'<td class="num">{as_hours(row["seconds"])}</td></tr>'
        for row in totals
    ]
    return mark_safe("".join(rows))  # noqa: S308 - names escaped above
