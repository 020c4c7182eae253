"""Planning's charts for pages of lower apps (My work), which include them without importing planning."""

from django import template

from planning.my_weeks import my_weeks_context

register = template.Library()


@register.inclusion_tag("planning/my_weeks.html", takes_context=True)
def my_weeks(context):
    return my_weeks_context(context["request"])
