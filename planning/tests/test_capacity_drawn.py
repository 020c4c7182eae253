"""Capacity drawn where people are planned: time off on the project timeline, availability on a person's weekly
chart, and an Employee's own availability and time off on My work."""

from datetime import date, timedelta

from django.utils import timezone

from capacity.models import Holiday, Source, TimeOff
from planning.calculations import week_start
from tests.factories import AssignmentFactory, PersonFactory

from .test_project_timeline import timeline

PERIOD = {"date_from": "2026-02-02", "date_to": "2026-02-22"}


def _time_off(person, start, end, **fields):
    return TimeOff.objects.create(
        organization=person.organization, person=person, start_date=start, end_date=end, **fields
    )


def test_the_project_timeline_draws_time_off_on_the_persons_row_with_its_words(
    manager_client, org, other_org, project, employee
):
    project.start_date, project.end_date = date(2026, 1, 5), date(2026, 3, 27)
    project.save()
    AssignmentFactory(
        project=project, person=employee, start_date=date(2026, 1, 5), end_date=date(2026, 3, 27)
    )
    _time_off(employee, date(2026, 2, 9), date(2026, 2, 20), kind=TimeOff.Kind.VACATION)
    _time_off(employee, date(2026, 3, 2), date(2026, 3, 2), kind=TimeOff.Kind.SICK, hours_per_day=4)
    _time_off(
        employee, date(2026, 3, 9), date(2026, 3, 13), kind=TimeOff.Kind.OTHER, status=TimeOff.Status.PENDING
    )
    gina = PersonFactory(organization=other_org, full_name="Gina Globex")
    _time_off(gina, date(2026, 2, 9), date(2026, 2, 20))

    html = timeline(manager_client.get(f"/acme/planning/projects/{project.pk}/timeline/"))
    assert html.count('<g class="time-off">') == 2  # a pending request is not drawn
    assert "<title>Eve Employee: vacation, 09 Feb – 20 Feb 2026</title>" in html
    assert ">vacation</text>" in html  # two weeks are wide enough for the word
    assert "<title>Eve Employee: sick leave, 4 h a day, 02 Mar – 02 Mar 2026</title>" in html
    assert 'fill="url(#timeline-away)"' in html and "Time off (approved), over the assignments" in html
    assert "Gina" not in html


def test_a_timeline_without_time_off_has_no_time_off_legend(manager_client, project, employee):
    AssignmentFactory(project=project, person=employee)
    html = timeline(manager_client.get(f"/acme/planning/projects/{project.pk}/timeline/"))
    assert "time-off" not in html and "Time off (approved)" not in html


def test_a_persons_weekly_chart_marks_availability_time_off_and_over_allocation(
    manager_client, org, project, employee
):
    AssignmentFactory(
        project=project,
        person=employee,
        start_date=date(2026, 2, 2),
        end_date=date(2026, 2, 20),
        hours_per_day=10,
    )
    _time_off(employee, date(2026, 2, 9), date(2026, 2, 13))
    Holiday.objects.create(organization=org, date=date(2026, 2, 18), name="Founders' day")
    html = manager_client.get(f"/acme/people/{employee.pk}/", PERIOD).content.decode()
    assert (
        "Week of 02 Feb 2026: planned 50.0 h, logged 0.0 h (under plan); available 40.0 h; "
        "over-allocated: over by 10.0 h" in html
    )
    assert "Week of 09 Feb 2026: planned 0.0 h, logged 0.0 h; available 0.0 h; away: vacation 5 d" in html
    assert "away: holiday" in html
    assert 'class="available"' in html and 'class="overallocated"' in html and 'class="away"' in html
    assert "Hours available (working hours less time off and holidays)" in html


def test_my_work_shows_my_availability_this_week_and_next_and_my_time_off(
    employee_client, org, project, employee
):
    monday = week_start(timezone.localdate())
    AssignmentFactory(
        project=project,
        person=employee,
        start_date=monday,
        end_date=monday + timedelta(days=11),
        hours_per_day=10,
    )
    _time_off(employee, monday + timedelta(days=7), monday + timedelta(days=8), kind=TimeOff.Kind.VACATION)
    _time_off(
        employee,
        monday + timedelta(days=21),
        monday + timedelta(days=21),
        kind=TimeOff.Kind.SICK,
        status=TimeOff.Status.PENDING,
        hours_per_day=3,
    )
    _time_off(
        employee, monday + timedelta(days=28), monday + timedelta(days=28), status=TimeOff.Status.DENIED
    )
    _time_off(employee, monday + timedelta(days=35), monday + timedelta(days=35), source=Source.HUBSTAFF)
    someone = PersonFactory(organization=org)
    _time_off(someone, monday, monday + timedelta(days=4))

    html = employee_client.get("/acme/my-work/").content.decode()
    assert "My availability" in html
    this_week = html[html.index('data-testid="my-availability-1"') :]
    assert "available <strong>40.0 h</strong> of 40.0 h · planned 50.0 h" in this_week.split("</li>")[0]
    assert "⚠ Over-allocated: over by 10.0 h" in this_week.split("</li>")[0]
    next_week = html[html.index('data-testid="my-availability-2"') :].split("</li>")[0]
    assert "available <strong>24.0 h</strong> of 40.0 h · planned 30.0 h · time off 16.0 h" in next_week
    assert "⚠ Over-allocated: over by 6.0 h" in next_week  # 10 h planned on each of the three days left
    time_off = html[html.index('class="my-time-off"') :].split("</ul>")[0]
    assert time_off.count("<li>") == 3  # the denied request is not listed, nor anyone else's
    assert "Vacation" in time_off and "whole days" in time_off
    assert "Sick leave" in time_off and "3.0 h a day" in time_off and "pending approval" in time_off
    assert "from Hubstaff" in time_off
