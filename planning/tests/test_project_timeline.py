from datetime import date

from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory, WorkLogFactory

from .conftest import HOUR


def timeline(response):
    html = response.content.decode()
    start = html.index('<section class="card" id="timeline">')
    return html[start : html.index("</section>", start)]


def test_project_page_shows_assignment_bars_told_apart_and_logged_weeks(
    manager_client, org, project, employee
):
    sam = PersonFactory(organization=org, full_name="Sam Synced")
    tom = PersonFactory(organization=org, full_name="Tom Trimmed")
    lou = PersonFactory(organization=org, full_name="Lou Logged")
    AssignmentFactory(
        project=project, person=employee, start_date=date(2026, 1, 5), end_date=date(2026, 3, 27)
    )
    AssignmentFactory(project=project, person=sam, origin="sync")
    AssignmentFactory(
        project=project,
        person=tom,
        origin="sync",
        trimmed=True,
        start_date=date(2026, 2, 1),
        end_date=date(2026, 3, 19),
    )
    WorkLogFactory(project=project, person=employee, date=date(2026, 1, 6), duration_seconds=6 * HOUR)
    WorkLogFactory(project=project, person=lou, date=date(2026, 2, 3), duration_seconds=HOUR)

    response = manager_client.get(f"/acme/planning/projects/{project.pk}/timeline/")
    assert response.status_code == 200
    html = timeline(response)
    assert 'class="assignment manual"' in html
    assert 'class="assignment sync"' in html
    assert 'class="assignment trimmed"' in html and 'fill="url(#timeline-hatch)"' in html
    assert "01 Feb 2026 – 19 Mar 2026, 8.00 h/day (created by sync, trimmed to work logs)" in html
    assert 'class="logged-week"' in html
    assert "Eve Employee, week of 05 Jan 2026: 6.0 h logged" in html
    # Lou logged time with no assignment: a row of their own, last.
    assert 'class="timeline-row unassigned"' in html and html.index("Lou Logged") > html.index("Tom Trimmed")
    assert "Week of 02 Feb 2026: 1.0 h logged in total" in html
    assert f"/acme/planning/report/?project={project.pk}" in html


def test_empty_project_says_so(manager_client, project):
    assert "Nobody is assigned and no time is logged yet." in timeline(
        manager_client.get(f"/acme/planning/projects/{project.pk}/timeline/")
    )


def test_timeline_never_shows_another_organizations_rows(
    manager_client, org, other_org, project, other_project
):
    stranger = PersonFactory(organization=other_org, full_name="Gina Globex")
    # A row of another organization pointing at our project cannot be made through the app, and PostgreSQL
    # refuses
    # it at commit (tests/test_tenant_keys.py); planted inside the test's transaction, it must still not show.
    planted = WorkLogFactory(project=project, organization=other_org, person=stranger, date=date(2026, 2, 3))
    html = timeline(manager_client.get(f"/acme/planning/projects/{project.pk}/timeline/"))
    planted.delete()  # before the end of the test checks the deferred keys
    assert "Gina" not in html


def test_open_ended_project_runs_to_today_and_long_ones_are_clipped(manager_client, org, employee):
    project = ProjectFactory(organization=org, start_date=date(2020, 1, 1), end_date=None)
    AssignmentFactory(
        project=project, person=employee, start_date=date(2020, 1, 1), end_date=date(2030, 1, 1)
    )
    html = timeline(manager_client.get(f"/acme/planning/projects/{project.pk}/timeline/"))
    assert "showing the first three years" in html


def test_timeline_queries_do_not_grow_with_rows(manager_client, org, project, django_assert_max_num_queries):
    def add(people, logs):
        for _ in range(people):
            person = PersonFactory(organization=org)
            AssignmentFactory(project=project, person=person)
            for day in range(1, logs + 1):
                WorkLogFactory(project=project, person=person, date=date(2026, 2, day))

    add(1, 1)
    with django_assert_max_num_queries(30) as few:
        manager_client.get(f"/acme/planning/projects/{project.pk}/timeline/")
    add(20, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        manager_client.get(f"/acme/planning/projects/{project.pk}/timeline/")
