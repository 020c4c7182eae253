from datetime import date, timedelta

import pytest
from django.utils import timezone

from planning.calculations import week_start
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory, WorkLogFactory

from .conftest import HOUR, PERIOD

URL = "/acme/planning/report/"


def page(response):
    return response.content.decode()


def test_manager_sees_planned_and_logged_per_week(manager_client, plan):
    response = manager_client.get(URL, PERIOD)
    assert response.status_code == 200
    html = page(response)
    assert '<span class="num" data-testid="planned-total">40.0 h</span>' in html
    assert '<span class="num" data-testid="logged-total">34.0 h</span>' in html  # 16 + 16 + Bob's 2
    weeks = response.context["weeks"]
    assert [(w.monday, w.planned, w.logged, w.status) for w in weeks] == [
        (date(2026, 2, 2), 24, 16, "under"),
        (date(2026, 2, 9), 16, 18, "over"),
    ]
    assert (
        "<svg" in html
        and 'class="chart weekly-chart weekly-wide"' in html
        and 'class="chart weekly-chart weekly-phone"' in html
    )


def test_people_are_listed_with_their_own_totals_and_highlights(manager_client, plan, employee):
    response = manager_client.get(URL, PERIOD)
    people = {p.name: p for p in response.context["people"]}
    assert set(people) == {"Eve Employee", "Bob Builder"}
    assert (people["Eve Employee"].planned, people["Eve Employee"].logged, people["Eve Employee"].status) == (
        40,
        32,
        "under",
    )
    assert [w.status for w in people["Eve Employee"].weeks] == ["under", "ok"]
    assert (people["Bob Builder"].planned, people["Bob Builder"].logged, people["Bob Builder"].status) == (
        0,
        2,
        "unplanned",
    )
    html = page(response)
    assert 'class="status-under"' in html and 'class="status-unplanned"' in html
    # Names lead to the person's page, keeping the period.
    assert f'href="/acme/people/{employee.pk}/?date_from=2026-02-02&amp;date_to=2026-02-15"' in html


def test_another_organizations_data_is_never_counted(manager_client, plan):
    html = page(manager_client.get(URL, PERIOD))
    assert "Gina" not in html and "Globex secret" not in html and "99.0" not in html


def test_without_plans_or_logs_the_default_period_is_the_last_twelve_weeks_up_to_this_week(manager_client):
    response = manager_client.get(URL)
    assert response.status_code == 200
    weeks = response.context["weeks"]
    assert len(weeks) == 12
    assert weeks[-1].monday == week_start(timezone.localdate())


def test_filter_by_project(manager_client, plan, project):
    response = manager_client.get(URL, {**PERIOD, "project": plan["project_b"].pk})
    assert [(w.planned, w.logged) for w in response.context["weeks"]] == [(0, 0), (0, 2)]
    assert [p.name for p in response.context["people"]] == ["Bob Builder"]
    response = manager_client.get(URL, {**PERIOD, "project": project.pk})
    assert [(w.planned, w.logged) for w in response.context["weeks"]] == [(24, 16), (16, 16)]


def test_filter_by_person_shows_only_their_weeks(manager_client, plan, employee):
    response = manager_client.get(URL, {**PERIOD, "person": employee.pk})
    assert response.status_code == 200
    assert response.context["single"] == employee
    assert [(w.planned, w.logged) for w in response.context["weeks"]] == [(24, 16), (16, 16)]
    assert "people" not in response.context


def test_period_is_widened_to_whole_weeks(manager_client, plan):
    response = manager_client.get(URL, {"date_from": "2026-02-04", "date_to": "2026-02-10"})
    assert [w.monday for w in response.context["weeks"]] == [date(2026, 2, 2), date(2026, 2, 9)]
    assert response.context["filters"].end == date(2026, 2, 15)


def test_another_organizations_project_is_a_form_error_not_a_leak(manager_client, plan):
    response = manager_client.get(URL, {**PERIOD, "project": plan["globex_project"].pk})
    assert response.status_code == 400
    html = page(response)
    assert "Select a valid choice" in html
    assert "Globex secret" not in html and "Gina" not in html


def test_another_organizations_person_is_a_form_error(manager_client, plan):
    response = manager_client.get(URL, {**PERIOD, "person": plan["globex_person"].pk})
    assert response.status_code == 400
    assert "Select a valid choice" in page(response)
    assert "Gina" not in page(response)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"date_from": "yesterday"}, "Enter a valid date."),
        ({"date_from": "2026-02-30"}, "Enter a valid date."),
        ({"project": "abc"}, "Select a valid choice"),
        ({"person": "1; DROP TABLE"}, "Select a valid choice"),
        (
            {"date_from": "2026-03-01", "date_to": "2026-02-01"},
            "The end of the period cannot be before its start.",
        ),
        ({"date_from": "2020-01-01", "date_to": "2026-02-01"}, "Choose a period of at most three years."),
    ],
)
def test_bad_filters_give_a_clear_error(manager_client, plan, params, message):
    response = manager_client.get(URL, params)
    assert response.status_code == 400
    assert message in page(response)
    assert 'role="alert"' in page(response)


def test_blank_dates_mean_the_default_period(manager_client, plan):
    response = manager_client.get(URL, {"date_from": "", "date_to": "", "project": ""})
    assert response.status_code == 200 and len(response.context["weeks"]) == 12


def test_employee_cannot_open_the_organization_report(employee_client, plan):
    assert employee_client.get(URL).status_code == 403


def test_administrator_without_manager_role_cannot_open_it(admin_client, plan):
    assert admin_client.get(URL).status_code == 403


def test_anonymous_is_sent_to_log_in(client, org):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_year_for_fifty_people_renders_with_thinned_labels(manager_client, org):
    project = ProjectFactory(organization=org, start_date=date(2025, 1, 1), end_date=date(2026, 12, 31))
    people = [PersonFactory(organization=org) for _ in range(50)]
    for person in people:
        AssignmentFactory(
            project=project, person=person, start_date=date(2025, 3, 1), end_date=date(2026, 2, 28)
        )
    response = manager_client.get(URL, {"date_from": "2025-03-03", "date_to": "2026-03-01"})
    assert response.status_code == 200
    chart = response.context["chart"]
    assert len(chart["weeks"]) == 52
    assert 0 < sum(1 for w in chart["weeks"] if w["label"]) <= 14
    assert len(response.context["matrix"]["people"]) == 50
    assert 'class="plan-grid-scroll chart-scroll"' in page(response)


def _many(org, project, people, logs_each):
    persons = [PersonFactory(organization=org) for _ in range(people)]
    for person in persons:
        AssignmentFactory(
            project=project, person=person, start_date=date(2026, 1, 5), end_date=date(2026, 3, 27)
        )
        for n in range(logs_each):
            WorkLogFactory(
                project=project,
                person=person,
                date=date(2026, 1, 5) + timedelta(days=n),
                duration_seconds=HOUR,
            )


def test_queries_do_not_grow_with_people_and_work_logs(
    manager_client, org, project, django_assert_max_num_queries
):
    _many(org, project, people=2, logs_each=2)
    with django_assert_max_num_queries(17) as few:  # five of them capacity's
        manager_client.get(URL, {"date_from": "2026-01-05", "date_to": "2026-03-29", "project": project.pk})
    _many(org, project, people=30, logs_each=40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = manager_client.get(
            URL, {"date_from": "2026-01-05", "date_to": "2026-03-29", "project": project.pk}
        )
    assert len(response.context["people"]) == 32
