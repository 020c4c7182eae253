"""Words on the pages say what is so: counts agree with their nouns, names are not doubled, an empty table under
a filter says the filter hid the rows."""

from tests.factories import AssignmentFactory, WorkLogFactory


def test_one_assignment_is_not_one_assignments(manager_client, project):
    AssignmentFactory(project=project)
    html = manager_client.get("/acme/").content.decode()
    assert "<span>assignment</span>" in html and "<span>active project</span>" in html
    assert "1 assignments" not in html


def test_a_created_project_is_named_once(manager_client):
    response = manager_client.post(
        "/acme/projects/new/",
        {"name": "Project C", "start_date": "2026-01-01", "end_date": "2026-03-01"},
        follow=True,
    )
    html = response.content.decode()
    assert "Project C was created." in html and "Project Project C" not in html


def test_a_filter_that_hides_every_work_log_says_so(manager_client, project):
    WorkLogFactory(project=project)  # manual
    html = manager_client.get(f"/acme/projects/{project.pk}/", {"source": "hubstaff"}).content.decode()
    assert "No work logs match this filter." in html and "No work logs yet." not in html


def test_a_project_without_work_logs_says_none_yet(manager_client, project):
    html = manager_client.get(f"/acme/projects/{project.pk}/", {"source": "hubstaff"}).content.decode()
    assert "No work logs yet." in html
