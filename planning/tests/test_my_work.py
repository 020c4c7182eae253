from datetime import timedelta

from django.utils import timezone

from planning.calculations import week_start
from tests.factories import AssignmentFactory, PersonFactory, WorkLogFactory

from .conftest import HOUR


def test_my_work_shows_my_weeks_chart_with_my_hours_only(employee_client, org, project, employee):
    monday = week_start(timezone.localdate()) - timedelta(weeks=2)
    AssignmentFactory(
        project=project,
        person=employee,
        start_date=monday,
        end_date=monday + timedelta(days=4),
        hours_per_day=6,
    )
    WorkLogFactory(
        project=project, person=employee, date=monday + timedelta(days=1), duration_seconds=5 * HOUR
    )
    someone = PersonFactory(organization=org)
    WorkLogFactory(project=project, person=someone, date=monday, duration_seconds=9 * HOUR)

    response = employee_client.get("/acme/my-work/")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        'id="my-weeks"' in html
        and 'class="chart weekly-chart weekly-wide"' in html
        and 'class="chart weekly-chart weekly-phone"' in html
    )
    assert "planned 30.0 h, logged 5.0 h." in html
    assert f"Week of {monday:%d %b %Y}: planned 30.0 h, logged 5.0 h (under plan)" in html
    assert f"/acme/planning/people/{employee.pk}/" in html
    assert "My assignments" in html  # the page's own sections stay


def test_my_work_is_for_employees(manager_client):
    assert manager_client.get("/acme/my-work/").status_code == 403
