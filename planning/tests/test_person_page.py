"""A person's page: their projects, assignments, logged hours and the panels of other apps, in one place."""

from datetime import date

from django.utils import timezone

from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory, WorkLogFactory

from .conftest import HOUR


def url(person):
    return f"/acme/people/{person.pk}/"


def test_a_manager_sees_a_persons_projects_assignments_and_logged_hours(manager_client, org, employee):
    website = ProjectFactory(organization=org, name="Website", start_date=date(2026, 1, 1))
    billing = ProjectFactory(organization=org, name="Billing", start_date=date(2025, 1, 1))
    AssignmentFactory(
        project=website,
        person=employee,
        start_date=date(2026, 1, 5),
        end_date=date(2026, 3, 27),
        hours_per_day=6,
    )
    WorkLogFactory(project=website, person=employee, date=date(2026, 2, 3), duration_seconds=5 * HOUR)
    WorkLogFactory(
        project=website,
        person=employee,
        date=date(2026, 2, 4),
        duration_seconds=3 * HOUR,
        source="hubstaff",
        source_key="k1",
    )
    WorkLogFactory(project=billing, person=employee, date=date(2025, 6, 2), duration_seconds=2 * HOUR)

    response = manager_client.get(url(employee))
    assert response.status_code == 200
    lines = {line.project.name: line for line in response.context["projects"]}
    assert (lines["Website"].logged, lines["Website"].synced, lines["Website"].logs) == (8, 3, 2)
    assert lines["Billing"].logged == 2 and not lines["Billing"].assignments
    html = response.content.decode()
    assert "10.0 h logged in all" in html
    assert "logged without an assignment" in html
    assert "05 Jan 2026 – 27 Mar 2026" in html and "6.00 h/day" in html
    assert "3.0 h synced from Hubstaff" in html
    # The weekly chart opens where the time is: the weeks up to the latest log, 4 Feb 2026.
    assert response.context["weeks"][-1].monday == date(2026, 2, 2)
    assert response.context["logged_total"] == 8
    assert f'href="/acme/projects/{website.pk}/"' in html
    assert f'href="/acme/planning/people/{employee.pk}/?date_from=' in html


def test_the_persons_report_links_to_their_page_for_the_same_period(manager_client, employee):
    html = manager_client.get(
        f"/acme/planning/people/{employee.pk}/", {"date_from": "2026-02-02", "date_to": "2026-02-15"}
    ).content.decode()
    assert f'href="/acme/people/{employee.pk}/?date_from=2026-02-02&amp;date_to=2026-02-15' in html


def test_the_page_has_room_for_availability_and_time_off(manager_client, employee):
    html = manager_client.get(url(employee)).content.decode()
    assert "AVAILABILITY" not in html  # the capacity block's marker is a template comment, not shown
    assert "Hours per week" in html


def test_an_administrator_sees_anyone_and_may_edit(admin_client, employee):
    response = admin_client.get(url(employee))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/acme/people/{employee.pk}/edit/"' in html
    # The report of someone else is a Manager's page: no link to it.
    assert f"/acme/planning/people/{employee.pk}/" not in html


def test_a_member_sees_their_own_page_and_not_others(employee_client, org, employee):
    assert employee_client.get(url(employee)).status_code == 200
    someone = PersonFactory(organization=org)
    assert employee_client.get(url(someone)).status_code == 403


def test_another_organizations_person_is_not_found(manager_client, other_org):
    assert manager_client.get(url(PersonFactory(organization=other_org))).status_code == 404


def test_current_projects_come_first(manager_client, org, employee):
    today = timezone.localdate()
    old = ProjectFactory(organization=org, name="Old")
    now = ProjectFactory(organization=org, name="Zeta now")
    AssignmentFactory(project=old, person=employee, start_date=date(2024, 1, 1), end_date=date(2024, 3, 1))
    AssignmentFactory(project=now, person=employee, start_date=date(2024, 1, 1), end_date=today)
    names = [line.project.name for line in manager_client.get(url(employee)).context["projects"]]
    assert names == ["Zeta now", "Old"]


def test_queries_do_not_grow_with_the_persons_history(
    manager_client, org, employee, django_assert_max_num_queries
):
    def add(count):
        for n in range(count):
            project = ProjectFactory(organization=org)
            AssignmentFactory(project=project, person=employee)
            WorkLogFactory(project=project, person=employee, date=date(2026, 1, 5 + n % 20))
            WorkLogFactory(project__organization=org, person=employee, date=date(2026, 2, 2))

    add(1)
    with django_assert_max_num_queries(40) as few:
        manager_client.get(url(employee))
    add(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        manager_client.get(url(employee))
