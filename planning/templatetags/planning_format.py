from decimal import Decimal

from django import template

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
