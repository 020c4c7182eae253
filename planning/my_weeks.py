"""My work's chart: the signed-in person's planned and logged hours over the last weeks.

My work is a page of `worklogs`, a lower app; it draws this chart through the `{% my_weeks %}` tag
(planning/templatetags/planning_charts.py), so worklogs never imports planning.
"""

from django.utils import timezone

from . import charts
from .calculations import last_weeks, totals
from .reports import weekly_rows
from .selectors import Filters, plan_data


def my_weeks_context(request, weeks=12):
    """The chart and totals of the last `weeks` weeks for the signed-in person (three queries)."""
    today = timezone.localdate()
    start, end = last_weeks(today, weeks)
    filters = Filters(start=start, end=end, person=request.tenant.person)
    plan = plan_data(request.tenant.scope, filters)
    rows = weekly_rows(plan, today)
    planned_total, logged_total = totals(rows)
    return {
        "org": request.tenant.organization,
        "person": request.tenant.person,
        "chart": charts.weekly_chart(rows, height=220),
        "planned_total": planned_total,
        "logged_total": logged_total,
        "filters": filters,
    }
