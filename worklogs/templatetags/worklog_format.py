from django import template

register = template.Library()


@register.filter
def as_hours(seconds):
    """Seconds as hours with two decimals: 27000 -> "7.50"."""
    try:
        return f"{int(seconds) / 3600:.2f}"
    except (TypeError, ValueError):
        return ""


@register.filter
def day(value):
    """A date as "05 Feb 2026": plain strftime, many times faster than |date in long tables (the site is English)."""
    return f"{value:%d %b %Y}" if value else ""


@register.filter
def weekday(value):
    """A date as "Thu 05 Feb 2026"."""
    return f"{value:%a %d %b %Y}" if value else ""
