"""projects/{id}/hubstaff/ (the Integration settings), hubstaff/sync/ and hubstaff/clear/: Managers only."""

from datetime import date

import pytest

from api.tests.conftest import url
from integrations.models import HubstaffProject, Installation, ProjectLink, SyncRun
from tests.factories import PersonFactory, WorkLogFactory
from worklogs.models import WorkLog


@pytest.fixture
def installation(org):
    installation = Installation.objects.create(
        organization=org,
        status=Installation.Status.INSTALLED,
        client_id="cid",
        client_secret="s3cret",
        access_token="access-tok",
        refresh_token="refresh-tok",
        account={"id": 5, "name": "Ada", "email": "ada@hubstaff.test"},
        hubstaff_organizations=[{"id": 9, "name": "Acme HS"}],
    )
    for hubstaff_id, name in ((101, "Website"), (102, "Mobile app")):
        HubstaffProject.objects.create(
            organization=org,
            installation=installation,
            hubstaff_id=hubstaff_id,
            name=name,
            hubstaff_organization_id=9,
            hubstaff_organization_name="Acme HS",
        )
    return installation


@pytest.fixture
def link(project, installation):
    return ProjectLink.objects.create(
        organization=project.organization, project=project, enabled=True, hubstaff_project_ids=[101]
    )


SETTINGS = {
    "enabled": True,
    "hubstaff_project_ids": [101, 102],
    "prevent_new_assignments": True,
    "trim_assignments": False,
}


def test_unlinked_project_reads_as_not_enabled(manager_api, project):
    response = manager_api.get(url(f"projects/{project.pk}/hubstaff/"))
    assert response.status_code == 200
    assert response.json() == {
        "enabled": False,
        "hubstaff_project_ids": [],
        "prevent_new_assignments": False,
        "trim_assignments": False,
        "count_work_breaks": True,
        "approved_time_only": False,
        "hubstaff_time_zone": "",
        "last_synced_at": None,
        "next_sync_due_at": None,
    }


def test_manager_links_the_project(manager_api, project, installation):
    response = manager_api.put(url(f"projects/{project.pk}/hubstaff/"), SETTINGS, format="json")
    assert response.status_code == 200, response.json()
    link = ProjectLink.objects.get(project=project)
    assert (link.enabled, link.hubstaff_project_ids, link.prevent_new_assignments) == (True, [101, 102], True)
    assert response.json()["hubstaff_project_ids"] == [101, 102]
    assert response.json()["next_sync_due_at"]


def test_partial_update_keeps_the_rest(manager_api, project, link):
    response = manager_api.patch(
        url(f"projects/{project.pk}/hubstaff/"), {"trim_assignments": True}, format="json"
    )
    assert response.status_code == 200
    link.refresh_from_db()
    assert (link.enabled, link.hubstaff_project_ids, link.trim_assignments) == (True, [101], True)


def test_work_breaks_and_the_organization_time_zone_are_settings(manager_api, project, link):
    response = manager_api.patch(
        url(f"projects/{project.pk}/hubstaff/"),
        {"count_work_breaks": False, "hubstaff_time_zone": "Pacific/Tongatapu"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["count_work_breaks"], response.json()["hubstaff_time_zone"]) == (
        False,
        "Pacific/Tongatapu",
    )
    link.refresh_from_db()
    assert (link.count_work_breaks, link.hubstaff_time_zone, link.hubstaff_project_ids) == (
        False,
        "Pacific/Tongatapu",
        [101],
    )


def test_an_unknown_time_zone_is_a_400(manager_api, project, link):
    response = manager_api.patch(
        url(f"projects/{project.pk}/hubstaff/"), {"hubstaff_time_zone": "Mars/Olympus"}, format="json"
    )
    assert response.status_code == 400 and "Mars/Olympus" in response.json()["hubstaff_time_zone"][0]
    link.refresh_from_db()
    assert link.hubstaff_time_zone == ""


def test_unreached_hubstaff_project_is_a_400(manager_api, project, installation):
    response = manager_api.put(
        url(f"projects/{project.pk}/hubstaff/"),
        {**SETTINGS, "hubstaff_project_ids": [101, 999]},
        format="json",
    )
    assert response.status_code == 400
    assert "999" in response.json()["hubstaff_project_ids"][0]
    assert not ProjectLink.objects.filter(project=project).exists()


def test_enabling_without_an_installation_is_a_400(manager_api, project):
    response = manager_api.put(
        url(f"projects/{project.pk}/hubstaff/"), {**SETTINGS, "hubstaff_project_ids": []}, format="json"
    )
    assert response.status_code == 400 and "enabled" in response.json()


def test_enabling_without_a_hubstaff_project_is_a_400_and_saves_nothing(manager_api, project, installation):
    response = manager_api.put(
        url(f"projects/{project.pk}/hubstaff/"), {**SETTINGS, "hubstaff_project_ids": []}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["hubstaff_project_ids"] == ["Select at least one Hubstaff project to sync from."]
    assert not ProjectLink.objects.filter(project=project).exists()


def test_enabling_a_link_that_has_no_hubstaff_project_is_a_400(manager_api, project, installation):
    ProjectLink.objects.create(organization=project.organization, project=project, enabled=False)
    response = manager_api.patch(url(f"projects/{project.pk}/hubstaff/"), {"enabled": True}, format="json")
    assert response.status_code == 400 and "hubstaff_project_ids" in response.json()
    assert ProjectLink.objects.get(project=project).enabled is False


@pytest.mark.parametrize(
    "payload, field",
    [
        ({**SETTINGS, "hubstaff_project_ids": "101"}, "hubstaff_project_ids"),
        ({**SETTINGS, "hubstaff_project_ids": [-1]}, "hubstaff_project_ids"),
        ({**SETTINGS, "hubstaff_project_ids": [2**70]}, "hubstaff_project_ids"),
        ({**SETTINGS, "enabled": "perhaps"}, "enabled"),
        ({"enabled": True}, "trim_assignments"),
    ],
)
def test_bad_settings_are_a_400(manager_api, project, installation, payload, field):
    response = manager_api.put(url(f"projects/{project.pk}/hubstaff/"), payload, format="json")
    assert response.status_code == 400 and field in response.json()


def test_sync_is_queued_and_answered_with_202(manager_api, manager, project, link):
    response = manager_api.post(
        url(f"projects/{project.pk}/hubstaff/sync/"), {"mode": "reset"}, format="json"
    )
    assert response.status_code == 202, response.json()
    run = SyncRun.objects.get(pk=response.json()["id"])
    assert (run.mode, run.trigger, run.status, run.requested_by) == ("reset", "api", "queued", manager.user)
    assert response.json()["status"] == "queued"
    assert response.json()["progress"] == {"done": 0, "total": 0, "percent": 0, "label": ""}


def test_second_sync_request_joins_the_active_one(manager_api, project, link):
    first = manager_api.post(
        url(f"projects/{project.pk}/hubstaff/sync/"), {"mode": "incremental"}, format="json"
    ).json()
    second = manager_api.post(url(f"projects/{project.pk}/hubstaff/sync/"), {"mode": "reset"}, format="json")
    assert second.status_code == 202 and second.json()["id"] == first["id"]
    assert SyncRun.objects.count() == 1


def test_sync_mode_defaults_to_incremental(manager_api, project, link):
    assert (
        manager_api.post(url(f"projects/{project.pk}/hubstaff/sync/"), {}, format="json").json()["mode"]
        == "incremental"
    )


def test_bad_sync_mode_is_a_400(manager_api, project, link):
    response = manager_api.post(
        url(f"projects/{project.pk}/hubstaff/sync/"), {"mode": "clear"}, format="json"
    )
    assert response.status_code == 400 and "mode" in response.json()
    assert not SyncRun.objects.exists()


def test_sync_of_an_unlinked_project_says_why_with_409(manager_api, project, installation):
    response = manager_api.post(
        url(f"projects/{project.pk}/hubstaff/sync/"), {"mode": "reset"}, format="json"
    )
    assert response.status_code == 409
    assert "Tick Hubstaff" in response.json()["detail"]


def test_sync_without_installation_says_why_with_409(manager_api, project):
    response = manager_api.post(
        url(f"projects/{project.pk}/hubstaff/sync/"), {"mode": "reset"}, format="json"
    )
    assert response.status_code == 409 and "install Hubstaff" in response.json()["detail"]


def test_clear_deletes_synced_logs_only_and_says_how_many(manager_api, project, org):
    bobby = PersonFactory(organization=org)
    for n in range(3):
        WorkLogFactory(
            project=project, person=bobby, date=date(2026, 2, n + 1), source="hubstaff", source_key=f"k{n}"
        )
    manual = WorkLogFactory(project=project, person=bobby)
    response = manager_api.post(url(f"projects/{project.pk}/hubstaff/clear/"))
    assert response.status_code == 200, response.json()
    assert response.json()["worklogs_deleted"] == 3
    assert response.json()["sync_run"]["mode"] == "clear"
    assert list(WorkLog.objects.all()) == [manual]


def test_clear_while_a_sync_runs_is_a_409(manager_api, project, link):
    SyncRun.objects.create(organization=project.organization, project=project, mode="reset", status="running")
    response = manager_api.post(url(f"projects/{project.pk}/hubstaff/clear/"))
    assert response.status_code == 409


@pytest.mark.parametrize("client_name", ["admin_api", "employee_api"])
def test_only_managers(request, client_name, project, link):
    client = request.getfixturevalue(client_name)
    assert client.get(url(f"projects/{project.pk}/hubstaff/")).status_code == 403
    assert client.put(url(f"projects/{project.pk}/hubstaff/"), SETTINGS, format="json").status_code == 403
    assert (
        client.post(
            url(f"projects/{project.pk}/hubstaff/sync/"), {"mode": "reset"}, format="json"
        ).status_code
        == 403
    )
    assert client.post(url(f"projects/{project.pk}/hubstaff/clear/")).status_code == 403
    assert not SyncRun.objects.exists()


def test_another_organizations_project_is_404_and_unchanged(manager_api, other_project, other_org):
    theirs = ProjectLink.objects.create(
        organization=other_org, project=other_project, enabled=True, hubstaff_project_ids=[1]
    )
    log = WorkLogFactory(project=other_project, source="hubstaff", source_key="k")
    assert manager_api.get(url(f"projects/{other_project.pk}/hubstaff/")).status_code == 404
    assert (
        manager_api.put(url(f"projects/{other_project.pk}/hubstaff/"), SETTINGS, format="json").status_code
        == 404
    )
    assert (
        manager_api.post(
            url(f"projects/{other_project.pk}/hubstaff/sync/"), {"mode": "reset"}, format="json"
        ).status_code
        == 404
    )
    assert manager_api.post(url(f"projects/{other_project.pk}/hubstaff/clear/")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.hubstaff_project_ids == [1]
    assert WorkLog.objects.filter(pk=log.pk).exists() and not SyncRun.objects.exists()


def test_unauthenticated_gets_401(anonymous_api, project):
    assert (
        anonymous_api.post(
            url(f"projects/{project.pk}/hubstaff/sync/"), {"mode": "reset"}, format="json"
        ).status_code
        == 401
    )
