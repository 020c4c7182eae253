import csv
import io
from datetime import date

from tests.factories import AssignmentFactory, PersonFactory, WorkLogFactory

from .conftest import PERIOD


def read_csv(response):
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_worklogs_csv_has_the_filtered_logs_of_this_organization_only(manager_client, plan):
    response = manager_client.get("/acme/planning/worklogs.csv", PERIOD)
    assert response.status_code == 200
    assert 'filename="worklogs-acme-2026-02-02-2026-02-15.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == [
        "date",
        "person",
        "email",
        "project",
        "hours",
        "duration_seconds",
        "source",
        "source_project_id",
        "note",
    ]
    assert [(r[0], r[1], r[3], r[4]) for r in rows[1:]] == [
        ("2026-02-03", "Eve Employee", "Project A", "8.00"),
        ("2026-02-05", "Eve Employee", "Project A", "8.00"),
        ("2026-02-09", "Eve Employee", "Project A", "16.00"),
        ("2026-02-12", "Bob Builder", "Project B", "2.00"),
    ]
    assert "Gina" not in str(rows)


def test_worklogs_csv_neutralises_formulas(manager_client, plan):
    rows = read_csv(manager_client.get("/acme/planning/worklogs.csv", PERIOD))
    assert rows[3][-1] == "'=HYPERLINK(1)"


def test_worklogs_csv_filters_by_project_and_person(manager_client, plan, employee):
    rows = read_csv(
        manager_client.get("/acme/planning/worklogs.csv", {**PERIOD, "project": plan["project_b"].pk})
    )
    assert [r[1] for r in rows[1:]] == ["Bob Builder"]
    rows = read_csv(manager_client.get("/acme/planning/worklogs.csv", {**PERIOD, "person": employee.pk}))
    assert {r[1] for r in rows[1:]} == {"Eve Employee"} and len(rows) == 4


def test_worklogs_csv_shows_the_synced_source(manager_client, project, employee):
    WorkLogFactory(
        project=project,
        person=employee,
        date=date(2026, 2, 4),
        source="hubstaff",
        source_key="k1",
        source_project_id=42,
    )
    rows = read_csv(manager_client.get("/acme/planning/worklogs.csv", PERIOD))
    assert rows[1][6:8] == ["hubstaff", "42"]


def test_report_csv_has_a_row_per_person_and_week(manager_client, plan):
    response = manager_client.get("/acme/planning/report.csv", PERIOD)
    assert response.status_code == 200
    rows = read_csv(response)
    assert rows[0] == [
        "week_start",
        "week_end",
        "person",
        "planned_hours",
        "logged_hours",
        "difference_hours",
        "status",
        "available_hours",
        "time_off_hours",
        "time_off",
        "over_allocated_hours",
        "capacity",
    ]
    assert [row[:7] for row in rows[1:]] == [
        ["2026-02-02", "2026-02-08", "Bob Builder", "0.00", "0.00", "0.00", "none"],
        ["2026-02-09", "2026-02-15", "Bob Builder", "0.00", "2.00", "2.00", "unplanned"],
        ["2026-02-02", "2026-02-08", "Eve Employee", "24.00", "16.00", "-8.00", "under"],
        ["2026-02-09", "2026-02-15", "Eve Employee", "16.00", "16.00", "0.00", "ok"],
    ]


def test_report_csv_applies_the_project_filter(manager_client, plan, project):
    rows = read_csv(manager_client.get("/acme/planning/report.csv", {**PERIOD, "project": project.pk}))
    assert {r[2] for r in rows[1:]} == {"Eve Employee"}


def test_csv_with_bad_filters_says_what_is_wrong(manager_client, plan):
    response = manager_client.get("/acme/planning/report.csv", {"project": plan["globex_project"].pk})
    assert response.status_code == 400
    assert "Project: Select a valid choice" in response.content.decode()
    response = manager_client.get(
        "/acme/planning/worklogs.csv", {"date_from": "2026-03-01", "date_to": "2026-01-01"}
    )
    assert response.status_code == 400
    assert "cannot be before its start" in response.content.decode()


def test_employee_cannot_export_the_organization(employee_client, plan):
    assert employee_client.get("/acme/planning/report.csv").status_code == 403
    assert employee_client.get("/acme/planning/worklogs.csv").status_code == 403


def test_employee_exports_their_own_logs_only(employee_client, plan, employee):
    # A person filter in the query is ignored on a person's own export: it is always theirs.
    response = employee_client.get(
        f"/acme/planning/people/{employee.pk}/worklogs.csv", {**PERIOD, "person": plan["bob"].pk}
    )
    rows = read_csv(response)
    assert {r[1] for r in rows[1:]} == {"Eve Employee"} and len(rows) == 4
    rows = read_csv(employee_client.get(f"/acme/planning/people/{employee.pk}/report.csv", PERIOD))
    assert [r[2:5] for r in rows[1:]] == [
        ["Eve Employee", "24.00", "16.00"],
        ["Eve Employee", "16.00", "16.00"],
    ]


def test_worklogs_csv_queries_do_not_grow_with_rows(
    manager_client, project, employee, django_assert_max_num_queries
):
    for day in range(2, 6):
        WorkLogFactory(project=project, person=employee, date=date(2026, 2, day))
    with django_assert_max_num_queries(8) as few:
        read_csv(manager_client.get("/acme/planning/worklogs.csv", PERIOD))
    WorkLogFactory.create_batch(300, project=project, person=employee, date=date(2026, 2, 10))
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = read_csv(manager_client.get("/acme/planning/worklogs.csv", PERIOD))
    assert len(rows) == 305


def test_report_csv_queries_do_not_grow_with_people(
    manager_client, org, project, django_assert_max_num_queries
):
    AssignmentFactory(project=project, person=PersonFactory(organization=org))
    with django_assert_max_num_queries(12) as few:  # four of them capacity's
        read_csv(manager_client.get("/acme/planning/report.csv", PERIOD))
    for _ in range(40):
        person = PersonFactory(organization=org)
        AssignmentFactory(project=project, person=person)
        WorkLogFactory(project=project, person=person, date=date(2026, 2, 3))
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = read_csv(manager_client.get("/acme/planning/report.csv", PERIOD))
    assert len(rows) == 1 + 41 * 2
