"""Long tables of the project page, written in Python: a project of 200 people has 200 assignment rows, too
many for a template loop that looks up, localizes and escapes each value."""

from django import template
from django.utils.safestring import mark_safe

from people.templatetags.display import bdi

register = template.Library()


def _origin(assignment):
    if assignment.origin == "sync":
        return f'<span class="badge sync">sync{", trimmed" if assignment.trimmed else ""}</span>'
    return '<span class="badge">manual</span>'


@register.simple_tag
def assignment_rows(assignments):
    """The rows of the project page's assignments table (names isolated and escaped by `bdi`; the rest are ours)."""
    rows = [
        f"<tr>\n            <td>{bdi(a.person.full_name)}</td>\n"
        f"            <td>{a.start_date:%d %b %Y}</td>\n            <td>{a.end_date:%d %b %Y}</td>\n"
        f'            <td class="num">{a.hours_per_day}</td>\n            <td>{_origin(a)}</td>\n'
        f'            <td class="actions"><a href="assignments/{a.pk}/edit/">Edit</a></td>\n          </tr>'
        for a in assignments
    ]
    return mark_safe("\n".join(rows))  # noqa: S308 - names escaped above
