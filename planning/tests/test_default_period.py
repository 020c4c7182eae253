"""The period a report opens on without dates: where the plans and the synced time are, not blindly the last
12 weeks (right after syncing February's work in November, "Logged 0.0 h" told the manager nothing)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from planning.calculations import opening_period, week_start
from tests.factories import AssignmentFactory, ProjectFactory, WorkLogFactory

from .conftest import HOUR

TODAY = date(2026, 11, 25)  # a Wednesday


def test_a_project_opens_on_its_own_period_joined_with_its_plans_and_logs():
    span = (date(2026, 1, 1), date(2026, 9, 22))
    assert opening_period(TODAY, first=date(2026, 2, 3), last=date(2026, 4, 28), project_span=span) == span
    # A log before the project's start widens the period to it.
    assert opening_period(TODAY, first=date(2025, 12, 1), last=date(2026, 4, 28), project_span=span) == (
        date(2025, 12, 1),
        date(2026, 9, 22),
    )


def test_an_open_ended_project_runs_to_its_last_log_or_today():
    span = (date(2026, 1, 1), None)
    assert opening_period(TODAY, first=None, last=None, project_span=span) == (date(2026, 1, 1), TODAY)
    assert opening_period(TODAY, first=date(2026, 1, 5), last=date(2026, 4, 1), project_span=span) == (
        date(2026, 1, 1),
        date(2026, 4, 1),
    )


def test_a_project_longer_than_the_limit_keeps_its_most_recent_weeks_up_to_today():
    span = (date(2020, 1, 1), date(2030, 12, 31))
    start, end = opening_period(TODAY, first=None, last=None, project_span=span, max_weeks=10)
    assert end == TODAY and start == week_start(TODAY) - timedelta(weeks=9)


def test_a_person_opens_on_the_most_recent_weeks_with_plans_or_logs():
    start, end = opening_period(TODAY, first=date(2026, 2, 2), last=date(2026, 4, 28))
    assert week_start(end) == date(2026, 4, 27) and start == date(2026, 2, 9)  # the 12 weeks up to 28 Apr
    # A plan that runs on past today: the weeks up to this week.
    assert week_start(opening_period(TODAY, first=date(2026, 2, 2), last=date(2027, 1, 1))[1]) == week_start(
        TODAY
    )


def test_only_future_plans_open_on_their_first_weeks_and_nothing_on_the_last_weeks():
    first = date(2027, 1, 6)
    assert opening_period(TODAY, first=first, last=date(2027, 6, 1)) == (
        date(2027, 1, 4),
        date(2027, 3, 28),
    )
    assert opening_period(TODAY, first=None, last=None)[1] == week_start(TODAY) + timedelta(days=6)


def test_the_report_of_a_project_opens_on_the_projects_period(manager_client, org):
    project = ProjectFactory(organization=org, start_date=date(2025, 3, 3), end_date=date(2025, 6, 27))
    WorkLogFactory(project=project, date=date(2025, 4, 8), duration_seconds=3 * HOUR)
    response = manager_client.get("/acme/planning/report/", {"project": project.pk})
    assert response.status_code == 200
    filters = response.context["filters"]
    assert (filters.start, filters.end) == (date(2025, 3, 3), date(2025, 6, 29))
    assert response.context["logged_total"] == 3
    html = response.content.decode()
    assert 'value="2025-03-03"' in html and 'value="2025-06-27"' in html  # the inputs show the period


def test_the_timelines_link_leads_to_the_synced_time(manager_client, org):
    project = ProjectFactory(organization=org, start_date=date(2025, 2, 1), end_date=date(2025, 4, 30))
    WorkLogFactory(
        project=project, date=date(2025, 3, 4), duration_seconds=5 * HOUR, source="hubstaff", source_key="k1"
    )
    html = manager_client.get(f"/acme/planning/projects/{project.pk}/timeline/").content.decode()
    link = f"/acme/planning/report/?project={project.pk}"
    assert f'href="{link}"' in html
    assert manager_client.get(link).context["logged_total"] == 5


def test_the_organization_report_opens_on_the_most_recent_weeks_with_time(manager_client, org, employee):
    WorkLogFactory(project__organization=org, person=employee, date=date(2025, 5, 6), duration_seconds=HOUR)
    response = manager_client.get("/acme/planning/report/")
    weeks = response.context["weeks"]
    assert len(weeks) == 12 and weeks[-1].monday == date(2025, 5, 5)
    assert response.context["logged_total"] == 1


def test_a_persons_report_opens_on_their_own_recent_weeks(manager_client, org, employee):
    AssignmentFactory(
        project__organization=org, person=employee, start_date=date(2025, 1, 6), end_date=date(2025, 2, 28)
    )
    response = manager_client.get(f"/acme/planning/people/{employee.pk}/")
    assert response.context["weeks"][-1].monday == date(2025, 2, 24)
    assert response.context["planned_total"] > 0


def test_my_weeks_open_on_my_synced_time_and_offer_the_period_picker(employee_client, org, employee):
    project = ProjectFactory(organization=org, start_date=date(2025, 2, 1), end_date=date(2025, 4, 30))
    WorkLogFactory(project=project, person=employee, date=date(2025, 4, 15), duration_seconds=7 * HOUR)
    html = employee_client.get("/acme/my-work/").content.decode()
    assert "logged 7.0 h." in html
    assert 'name="date_from" value="2025-01-27"' in html and 'name="date_to" value="2025-04-20"' in html
    assert f"/acme/planning/people/{employee.pk}/?date_from=2025-01-27&amp;date_to=2025-04-20" in html

    picked = employee_client.get("/acme/my-work/", {"date_from": "2025-04-14", "date_to": "2025-04-20"})
    assert "14 Apr 2025 – 20 Apr 2025: planned 0.0 h, logged 7.0 h." in picked.content.decode()


def test_my_weeks_with_a_bad_period_say_so_and_keep_the_default_chart(employee_client, employee):
    response = employee_client.get("/acme/my-work/", {"date_from": "2026-03-01", "date_to": "2026-02-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "The end of the period cannot be before its start." in html
    assert f"{week_start(timezone.localdate()) + timedelta(days=6):%d %b %Y}: planned" in html


# -- Where the logged time is -------------------------------------------------------------------------------
# The seed's shape: a plan of 1 Jan - 22 Sep 2026, its time synced in February, the report read in December.
SEED_TODAY = date(2026, 12, 2)
SEED_PLAN = {"first": date(2026, 1, 1), "last": date(2026, 9, 22)}


def test_a_plan_running_to_september_does_not_open_on_july_when_the_time_was_logged_in_february():
    start, end = opening_period(SEED_TODAY, **SEED_PLAN, last_logged=date(2026, 2, 27))
    # 12 weeks from the plan's first week (29 Dec), which hold every log up to 27 Feb.
    assert (start, end) == (date(2025, 12, 29), date(2026, 3, 22))


def test_the_weeks_up_to_the_latest_log_when_plans_and_logs_began_long_before():
    start, end = opening_period(
        SEED_TODAY, first=date(2024, 1, 1), last=date(2026, 9, 22), last_logged=date(2026, 2, 27)
    )
    assert (start, end) == (date(2025, 12, 8), date(2026, 3, 1))
    # Nothing after the logs: the weeks up to the latest log, even when the first came late in them.
    assert opening_period(
        SEED_TODAY, first=date(2026, 2, 20), last=date(2026, 2, 27), last_logged=date(2026, 2, 27)
    ) == (
        date(2025, 12, 8),
        date(2026, 3, 1),
    )


def test_time_logged_in_the_last_weeks_opens_on_the_weeks_up_to_today():
    this_week = (week_start(SEED_TODAY) - timedelta(weeks=11), week_start(SEED_TODAY) + timedelta(days=6))
    assert opening_period(SEED_TODAY, **SEED_PLAN, last_logged=date(2026, 11, 3)) == this_week
    # The oldest day of the period counts; the day before it does not.
    assert opening_period(SEED_TODAY, **SEED_PLAN, last_logged=this_week[0]) == this_week
    before = opening_period(SEED_TODAY, **SEED_PLAN, last_logged=this_week[0] - timedelta(days=1))
    assert before[1] == this_week[0] - timedelta(days=1)
    # A log dated after today (a time zone ahead) still means "now".
    assert opening_period(SEED_TODAY, **SEED_PLAN, last_logged=date(2026, 12, 9)) == this_week


def test_without_logs_the_plans_still_choose_the_period():
    assert week_start(opening_period(SEED_TODAY, **SEED_PLAN, last_logged=None)[1]) == date(2026, 9, 21)


def test_a_long_project_whose_recent_years_have_no_logs_ends_on_its_last_log():
    span = (date(2020, 1, 1), date(2030, 12, 31))
    start, end = opening_period(
        SEED_TODAY,
        first=date(2020, 1, 1),
        last=date(2030, 12, 31),
        last_logged=date(2021, 5, 4),
        project_span=span,
    )
    assert end == date(2021, 5, 4) and start == date(2020, 1, 1)
    # Plans to 2030 and logs until June 2026: the three years up to that last log, not 2028-2030.
    recent = opening_period(
        SEED_TODAY,
        first=date(2020, 1, 1),
        last=date(2030, 12, 31),
        last_logged=date(2026, 6, 1),
        project_span=span,
    )
    assert recent == (week_start(date(2026, 6, 1)) - timedelta(weeks=156), date(2026, 6, 1))


@pytest.fixture
def seed_in_december(monkeypatch, org, employee):
    """Project A planned 1 Jan - 22 Sep 2026 for Eve at 8 h/day, 30 h synced in February; today is 2 Dec 2026."""
    monkeypatch.setattr(timezone, "localdate", lambda *args: SEED_TODAY)
    project = ProjectFactory(organization=org, start_date=date(2026, 1, 1), end_date=date(2026, 9, 22))
    AssignmentFactory(
        project=project,
        person=employee,
        start_date=date(2026, 1, 1),
        end_date=date(2026, 9, 22),
        hours_per_day=8,
    )
    for n, day in enumerate((date(2026, 2, 2), date(2026, 2, 10), date(2026, 2, 24))):
        WorkLogFactory(
            project=project,
            person=employee,
            date=day,
            duration_seconds=10 * HOUR,
            source="hubstaff",
            source_key=f"seed-{n}",
        )
    return project


def test_the_report_from_the_menu_opens_on_the_synced_february(manager_client, seed_in_december):
    response = manager_client.get("/acme/planning/report/")
    assert response.context["weeks"][0].monday == date(2025, 12, 29)
    assert response.context["weeks"][-1].monday == date(2026, 3, 16)
    assert response.context["logged_total"] == 30


def test_the_person_report_opens_on_their_synced_february(manager_client, employee, seed_in_december):
    response = manager_client.get(f"/acme/planning/people/{employee.pk}/")
    assert response.context["weeks"][-1].monday == date(2026, 3, 16)
    assert response.context["logged_total"] == 30


def test_my_work_opens_on_my_synced_february(employee_client, seed_in_december):
    html = employee_client.get("/acme/my-work/").content.decode()
    assert "logged 30.0 h." in html
    assert 'name="date_from" value="2025-12-29"' in html and 'name="date_to" value="2026-03-22"' in html


def test_someone_without_logs_opens_on_their_plans_even_when_others_logged(
    manager_client, org, seed_in_december
):
    planner = AssignmentFactory(
        project=seed_in_december, start_date=date(2026, 10, 5), end_date=date(2026, 10, 30)
    ).person
    response = manager_client.get(f"/acme/planning/people/{planner.pk}/")
    assert response.context["weeks"][-1].monday == date(2026, 10, 26)
    assert response.context["planned_total"] == 160
