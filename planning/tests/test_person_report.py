from datetime import date

from conftest import signed_in
from people.roles import Role
from tests.factories import AssignmentFactory, WorkLogFactory

from .conftest import PERIOD


def url(person):
    return f"/acme/planning/people/{person.pk}/"


def test_manager_sees_a_persons_weeks_and_assignments(manager_client, plan, employee):
    response = manager_client.get(url(employee), PERIOD)
    assert response.status_code == 200
    assert [(w.planned, w.logged, w.status) for w in response.context["weeks"]] == [
        (24, 16, "under"),
        (16, 16, "ok"),
    ]
    html = response.content.decode()
    assert "Planned vs logged: Eve Employee" in html
    assert "Project A" in html and "Bob Builder" not in html
    assert [a.project.name for a in response.context["assignments"]] == ["Project A"]


def test_a_person_sees_their_own_report(employee_client, plan, employee):
    response = employee_client.get(url(employee), PERIOD)
    assert response.status_code == 200
    assert response.context["logged_total"] == 32


def test_an_employee_cannot_see_someone_elses_report(employee_client, plan):
    assert employee_client.get(url(plan["bob"]), PERIOD).status_code == 403
    assert employee_client.get(url(plan["bob"]) + "report.csv", PERIOD).status_code == 403
    assert employee_client.get(url(plan["bob"]) + "worklogs.csv", PERIOD).status_code == 403


def test_a_manager_acting_as_employee_still_holds_the_manager_role(org, make_member, plan, employee):
    both = make_member(org, Role.MANAGER, Role.EMPLOYEE)
    client = signed_in(both)
    client.post("/acme/role/", {"role": "employee"})
    assert client.get(url(employee), PERIOD).status_code == 200


def test_another_organizations_person_is_404(manager_client, plan):
    assert manager_client.get(url(plan["globex_person"])).status_code == 404
    assert manager_client.get(url(plan["globex_person"]) + "report.csv").status_code == 404
    assert manager_client.get(url(plan["globex_person"]) + "worklogs.csv").status_code == 404


def test_person_report_filters_by_project(manager_client, plan, employee):
    response = manager_client.get(url(employee), {**PERIOD, "project": plan["project_b"].pk})
    assert [(w.planned, w.logged) for w in response.context["weeks"]] == [(0, 0), (0, 0)]


def test_person_report_with_bad_dates_is_a_clear_error(employee_client, employee):
    response = employee_client.get(url(employee), {"date_to": "31/02/2026"})
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()


def test_person_report_queries_do_not_grow_with_work_logs(
    manager_client, project, employee, django_assert_max_num_queries
):
    AssignmentFactory(project=project, person=employee)
    WorkLogFactory(project=project, person=employee, date=date(2026, 2, 3))
    with django_assert_max_num_queries(16) as few:  # four of them capacity's
        manager_client.get(url(employee), PERIOD)
    WorkLogFactory.create_batch(200, project=project, person=employee, date=date(2026, 2, 4))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = manager_client.get(url(employee), PERIOD)
    assert response.context["logged_total"] == 201
