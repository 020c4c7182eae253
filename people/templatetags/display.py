"""Filters for showing what people and Hubstaff wrote (a built-in of every template: settings.TEMPLATES).

`{{ name|bdi }}` isolates the text in `<bdi>` so that right-to-left text, or a leftover bidi character, cannot
reorder what follows it on the line; `{{ name|plain }}` is for places where an element cannot go (a `<title>`,
an attribute, an `<option>`, SVG text): there the text is only cleaned. Both drop control characters and bidi
overrides (people.text.clean_text), also from stored rows that did not go through it.
"""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from people.text import clean_text

register = template.Library()


@register.filter
def bdi(value: object) -> str:
    if value is None or value == "":
        return ""
    return mark_safe(f"<bdi>{conditional_escape(clean_text(value, multiline=True))}</bdi>")  # noqa: S308 - escaped


@register.filter
def bdi_email(value: object) -> str:
    """An e-mail address as `bdi`, which may wrap on a narrow screen before its "@" and after its dots (the
    address's own word boundaries) rather than letter by letter."""
    if value is None or value == "":
        return ""
    escaped = str(conditional_escape(clean_text(value)))
    breakable = escaped.replace("@", "<wbr>@").replace(".", ".<wbr>")
    return mark_safe(f"<bdi>{breakable}</bdi>")  # noqa: S308 - escaped before the <wbr> are added


@register.filter
def plain(value: object) -> str:
    if value is None:
        return ""
    return clean_text(value)
