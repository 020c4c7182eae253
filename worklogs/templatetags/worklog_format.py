from django import template

register = template.Library()


@register.filter
def as_hours(seconds):
    """Seconds as hours with two decimals: 27000 -> "7.50"."""
    try:
        return f"{int(seconds) / 3600:.2f}"
    except (TypeError, ValueError):
        return ""
