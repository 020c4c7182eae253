"""projects/ and projects/{id}/: Managers' work, validated by the page's ProjectForm."""

from datetime import date

import pytest

from api.tests.conftest import url
from projects.models import Project
from tests.factories import ProjectFactory


def test_manager_lists_projects(manager_api, project, other_project):
    response = manager_api.get(url("projects/"))
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": project.pk,
            "name": "Project A",
            "start_date": "2026-01-01",
            "end_date": "2026-09-22",
            "archived": False,
            "created_at": response.json()["results"][0]["created_at"],
        }
    ]


def test_filters_archived_and_search(manager_api, org):
    ProjectFactory(organization=org, name="Apollo")
    ProjectFactory(organization=org, name="Gemini", archived=True)
    names = lambda **q: [p["name"] for p in manager_api.get(url("projects/"), q).json()["results"]]  # noqa: E731
    assert names(archived="false") == ["Apollo"]
    assert names(archived="true") == ["Gemini"]
    assert names(search="gem") == ["Gemini"]
    assert manager_api.get(url("projects/"), {"archived": "maybe"}).status_code == 400


def test_lists_are_paginated(manager_api, org):
    for n in range(3):
        ProjectFactory(organization=org, name=f"P{n}")
    body = manager_api.get(url("projects/"), {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert manager_api.get(url("projects/"), {"page": 99}).status_code == 404


def test_manager_creates_a_project(manager_api, org):
    response = manager_api.post(
        url("projects/"), {"name": "New", "start_date": "2026-03-01", "end_date": None}, format="json"
    )
    assert response.status_code == 201, response.json()
    project = Project.objects.get(pk=response.json()["id"])
    assert (project.organization, project.start_date, project.end_date) == (org, date(2026, 3, 1), None)


def test_end_before_start_is_a_400_on_end_date(manager_api):
    response = manager_api.post(
        url("projects/"), {"name": "N", "start_date": "2026-03-01", "end_date": "2026-02-01"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"end_date": ["The end date cannot be before the start date."]}


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"start_date": "2026-01-01"}, "name"),
        ({"name": "N"}, "start_date"),
        ({"name": "N", "start_date": "01/02/2026"}, "start_date"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(manager_api, payload, field):
    response = manager_api.post(url("projects/"), payload, format="json")
    assert response.status_code == 400 and field in response.json()


def test_manager_updates_and_archives_a_project(manager_api, project):
    response = manager_api.patch(
        url(f"projects/{project.pk}/"), {"archived": True, "end_date": None}, format="json"
    )
    assert response.status_code == 200, response.json()
    project.refresh_from_db()
    assert project.archived and project.end_date is None and project.name == "Project A"


def test_update_checks_dates_against_stored_values(manager_api, project):
    response = manager_api.patch(url(f"projects/{project.pk}/"), {"start_date": "2027-01-01"}, format="json")
    assert response.status_code == 400 and "end_date" in response.json()


def test_manager_deletes_a_project(manager_api, project):
    assert manager_api.delete(url(f"projects/{project.pk}/")).status_code == 204
    assert not Project.objects.filter(pk=project.pk).exists()


@pytest.mark.parametrize("client_name", ["admin_api", "employee_api"])
def test_non_managers_may_not(request, client_name, project):
    client = request.getfixturevalue(client_name)
    assert client.get(url("projects/")).status_code == 403
    assert (
        client.post(url("projects/"), {"name": "N", "start_date": "2026-01-01"}, format="json").status_code
        == 403
    )
    assert client.delete(url(f"projects/{project.pk}/")).status_code == 403
    assert Project.objects.filter(pk=project.pk).exists()


def test_another_organizations_project_is_404_and_unchanged(manager_api, other_project):
    path = url(f"projects/{other_project.pk}/")
    assert manager_api.get(path).status_code == 404
    assert manager_api.patch(path, {"name": "Hacked"}, format="json").status_code == 404
    assert manager_api.delete(path).status_code == 404
    other_project.refresh_from_db()
    assert other_project.name == "Globex secret project"


def test_unauthenticated_gets_401(anonymous_api, project):
    assert anonymous_api.get(url(f"projects/{project.pk}/")).status_code == 401
