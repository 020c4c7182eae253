"""My work's chart: the signed-in person's planned and logged hours, over the period they pick.

My work is a page of `worklogs`, a lower app; it draws this chart through the `{% my_weeks %}` tag
(planning/templatetags/planning_charts.py), so worklogs never imports planning.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.utils import timezone

from capacity.availability import weeks_by_person
from capacity.models import TimeOff

from . import charts
from .calculations import totals, week_start
from .forms import PlanningFilterForm
from .reports import weekly_rows
from .selectors import plan_data


def my_weeks_context(request):
    """The chart and totals of the signed-in person, with the reports' period picker (a few queries).

    Without dates it opens on the person's most recent weeks with plans or logs; a bad period keeps that
    default chart and shows the form's errors.
    """
    today = timezone.localdate()
    me = request.tenant.person
    form = PlanningFilterForm(request.GET, tenant=request.tenant, today=today, with_person=False, person=me)
    if not form.is_valid():
        fallback = PlanningFilterForm({}, tenant=request.tenant, today=today, with_person=False, person=me)
        fallback.is_valid()
        filters = fallback.filters(person=me)
    else:
        filters = form.filters(person=me)
    plan = plan_data(request.tenant.scope, filters, request.tenant.organization)
    rows = weekly_rows(plan, today)
    planned_total, logged_total = totals(rows)
    return {
        **my_capacity(request, today),
        "request": request,
        "org": request.tenant.organization,
        "person": me,
        "form": form,
        "chart": charts.weekly_chart(rows, height=220),
        "weeks": rows,
        "planned_total": planned_total,
        "logged_total": logged_total,
        "filters": filters,
        "query": urlencode(filters.as_query()),
    }


# How far ahead My work lists the person's time off.
TIME_OFF_AHEAD = timedelta(weeks=26)


def my_capacity(request, today):
    """The signed-in person's availability this week and next (capacity's figures: working hours less time off and
    holidays, planned, free or over) and their time off from this week on, pending requests included and marked
    (six queries)."""
    me = request.tenant.person
    monday = week_start(today)
    weeks = weeks_by_person(request.tenant.organization, [me.pk], monday, monday + timedelta(days=13))[me.pk]
    time_off = list(
        request.tenant.scope(TimeOff)
        .filter(person=me, end_date__gte=monday, start_date__lte=today + TIME_OFF_AHEAD)
        .exclude(status=TimeOff.Status.DENIED)
        .order_by("start_date", "id")
    )
    return {
        "my_availability": list(zip(("This week", "Next week"), weeks, strict=False)),
        "my_time_off": time_off,
    }
