"""The project page's Integration settings: what a Manager sees and can do, with and without an installation."""

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from conftest import signed_in
from integrations.models import HubstaffProject, Installation, ProjectLink, SyncRun
from people.models import Organization, Person
from people.roles import Role
from projects.models import Project
from tests.factories import WorkLogFactory


@pytest.fixture
def installation(org: Organization) -> Installation:
    inst = Installation.objects.create(
        organization=org,
        status="installed",
        access_token="a",
        refresh_token="r",
        access_token_expires_at=timezone.now() + timedelta(hours=1),
    )
    for hubstaff_id, name in [(200001, "Project A"), (200002, "Project B")]:
        HubstaffProject.objects.create(
            organization=org,
            installation=inst,
            hubstaff_id=hubstaff_id,
            name=name,
            hubstaff_organization_id=100001,
            hubstaff_organization_name="Acme Hubstaff",
        )
    return inst


def ticked(page: str, name: str) -> bool:
    """Whether the page's checkbox `name` is ticked, whatever other attributes it has."""
    return re.search(rf'<input type="checkbox" name="{name}"[^>]* checked>', page) is not None


def settings_url(project: Project, action: str) -> str:
    return f"/acme/projects/{project.pk}/hubstaff/{action}/"


def test_without_installation_the_panel_says_an_administrator_must_install(
    manager_client: Client, project: Project
) -> None:
    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    assert "Integration settings" in page
    assert "An Administrator must install Hubstaff first" in page
    assert "Reset and sync all work logs" not in page


def test_an_administrator_without_installation_is_offered_the_install_itself(
    make_member: Any, org: Organization, project: Project
) -> None:
    founder = make_member(
        org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Fay Founder", email="fay@acme.test"
    )
    page = signed_in(founder).get(f"/acme/projects/{project.pk}/").content.decode()
    assert '<a href="/acme/integrations/hubstaff/install/">Install Hubstaff</a>' in page
    assert "An Administrator must install Hubstaff first" not in page


def test_panel_lists_hubstaff_projects_with_their_organization(
    manager_client: Client, project: Project, installation: Installation
) -> None:
    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    for label in [
        "Hubstaff",
        "Select projects",
        "Prevent new assignment creation",
        "Trim assignments to work logs",
        "Reset and sync all work logs",
        "Clear data",
        "Project A — Acme Hubstaff",
        "Project B — Acme Hubstaff",
    ]:
        assert label in page


def test_manager_ticks_hubstaff_and_selects_projects(
    manager_client: Client, project: Project, installation: Installation
) -> None:
    response = manager_client.post(
        settings_url(project, "settings"),
        {"enabled": "on", "hubstaff_project_ids": ["200001", "200002"], "trim_assignments": "on"},
    )
    assert response.status_code == 302
    link = ProjectLink.objects.get(project=project)
    assert (link.enabled, link.hubstaff_project_ids, link.prevent_new_assignments, link.trim_assignments) == (
        True,
        [200001, 200002],
        False,
        True,
    )
    assert link.next_sync_due_at is not None


def test_work_breaks_and_the_organization_time_zone_in_integration_settings(
    manager_client: Client, project: Project, installation: Installation
) -> None:
    installation.account = {
        "id": 1,
        "name": "Alice",
        "email": "alice@acme.test",
        "time_zone": "Pacific/Honolulu",
    }
    installation.save()
    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    assert "Count work breaks as work" in page and "Hubstaff organization time zone" in page
    assert ticked(page, "count_work_breaks")  # the default: Hubstaff's tracked totals
    assert "Left empty: Pacific/Honolulu." in page  # the installing account's time zone
    manager_client.post(
        settings_url(project, "settings"),
        {"enabled": "on", "hubstaff_project_ids": ["200001"], "hubstaff_time_zone": "Pacific/Tongatapu"},
    )
    link = ProjectLink.objects.get(project=project)
    assert (link.count_work_breaks, link.hubstaff_time_zone) == (False, "Pacific/Tongatapu")
    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    assert not ticked(page, "count_work_breaks") and 'value="Pacific/Tongatapu"' in page
    manager_client.post(
        settings_url(project, "settings"),
        {"enabled": "on", "hubstaff_project_ids": ["200001"], "hubstaff_time_zone": "Nowhere/Town"},
    )
    assert ProjectLink.objects.get(project=project).hubstaff_time_zone == "Pacific/Tongatapu"


def test_the_last_sync_says_from_which_date_it_re_read_and_why_a_teammate_is_missing(
    manager_client: Client, org: Organization, project: Project, installation: Installation
) -> None:
    SyncRun.objects.create(
        organization=org,
        project=project,
        mode="reset",
        status="succeeded",
        finished_at=timezone.now(),
        window_start=date(2022, 1, 3),
        reread_from=date(2023, 12, 1),
        missing_teammates=[
            {
                "hubstaff_user_id": 4,
                "name": "Nameless Ned",
                "email": "",
                "seconds": 3600,
                "reason": "no visible e-mail in Hubstaff",
            }
        ],
    )
    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    assert "Re-read from" in page and "01 Dec 2023" in page and "older work logs were kept" in page
    assert "Nameless Ned" in page and "(no visible e-mail in Hubstaff)" in page


def test_ticking_hubstaff_without_projects_is_refused(
    manager_client: Client, project: Project, installation: Installation
) -> None:
    response = manager_client.post(settings_url(project, "settings"), {"enabled": "on"}, follow=True)
    assert "Select at least one Hubstaff project" in response.content.decode()
    assert not ProjectLink.objects.filter(project=project).exists()


def test_a_hubstaff_project_the_installation_does_not_reach_is_refused(
    manager_client: Client, project: Project, installation: Installation
) -> None:
    response = manager_client.post(
        settings_url(project, "settings"), {"enabled": "on", "hubstaff_project_ids": ["999"]}, follow=True
    )
    assert "Select a valid choice" in response.content.decode()
    assert not ProjectLink.objects.filter(project=project).exists()


def test_reset_and_sync_queues_one_run_and_a_second_click_joins_it(
    manager_client: Client,
    project: Project,
    installation: Installation,
    queued_tasks: list[tuple[int, ...]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    manager_client.post(
        settings_url(project, "settings"), {"enabled": "on", "hubstaff_project_ids": ["200001"]}
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = manager_client.post(settings_url(project, "sync"), follow=True)
    assert "Reset and sync all work logs has started." in first.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        second = manager_client.post(settings_url(project, "sync"), follow=True)
    assert "already running" in second.content.decode()
    run = SyncRun.objects.get(project=project)
    assert (run.mode, run.status, run.trigger) == ("reset", "queued", "manual")
    assert queued_tasks == [(run.pk,)]
    # The page shows the progress bar and polls the status block.
    status = manager_client.get(settings_url(project, "status")).content.decode()
    assert "<progress" in status and 'data-active="true"' in status


def test_reset_and_sync_explains_why_it_cannot_start(
    manager_client: Client, project: Project, installation: Installation
) -> None:
    response = manager_client.post(settings_url(project, "sync"), follow=True)
    assert "Tick Hubstaff in this project&#x27;s Integration settings first." in response.content.decode()
    assert not SyncRun.objects.exists()


def test_needs_reauthorization_is_shown_on_linked_projects(
    manager_client: Client, project: Project, installation: Installation
) -> None:
    installation.status = "needs_reauthorization"
    installation.save()
    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    assert "Hubstaff needs re-authorization" in page
    assert "Save settings" in page  # installed before: its settings stay at hand


def test_an_installation_waiting_for_its_first_authorization_is_not_installed_yet(
    manager_client: Client, project: Project, installation: Installation
) -> None:
    installation.status = "pending"
    installation.save()
    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    assert "An Administrator must install Hubstaff first" in page and "Save settings" not in page


def test_clear_data_deletes_only_synced_logs(
    manager_client: Client, project: Project, employee: Person, installation: Installation
) -> None:
    WorkLogFactory.create(
        project=project, person=employee, source="hubstaff", source_key="hubstaff:1:2:2026-02-02"
    )
    manual = WorkLogFactory.create(project=project, person=employee, date=date(2026, 2, 3))
    response = manager_client.post(settings_url(project, "clear"), follow=True)
    assert "Clear data: 1 synced work log deleted; manual work logs were kept." in response.content.decode()
    assert list(project.worklogs.all()) == [manual]


def test_missing_teammates_warning_with_add_as_employee_for_administrators(
    make_member: Callable[..., Person], org: Organization, project: Project, installation: Installation
) -> None:
    from conftest import signed_in
    from people.roles import Role

    SyncRun.objects.create(
        organization=org,
        project=project,
        mode="reset",
        status="succeeded",
        finished_at=timezone.now(),
        missing_teammates=[
            {"hubstaff_user_id": 4, "name": "Dana Ghost", "email": "dana@elsewhere.test", "seconds": 7200}
        ],
        skipped_people=[{"person_id": 1, "name": "Sam Smith", "email": "sam@acme.test", "seconds": 3600}],
    )
    both = signed_in(make_member(org, Role.ADMINISTRATOR, Role.MANAGER))
    page = both.get(f"/acme/projects/{project.pk}/").content.decode()
    assert "Missing teammates" in page and "Dana Ghost" in page and "2.00 h not synced" in page
    assert "Add each of them as a Manager or Employee with the same e-mail address" in page
    assert "/acme/people/new/?email=dana%40elsewhere.test" in page
    assert "Not synced because of Prevent new assignment creation" in page and "Sam Smith" in page
    # Managers add missing teammates too, and come back to this project to sync again.
    manager_only = signed_in(make_member(org, Role.MANAGER))
    page = manager_only.get(f"/acme/projects/{project.pk}/").content.decode()
    assert ">Add and invite</a>" in page
    assert f"next=/acme/projects/{project.pk}/%23integration-settings" in page


def test_add_as_employee_link_fills_the_form(admin_client: Client) -> None:
    page = admin_client.get(
        "/acme/people/new/?email=dana%40elsewhere.test&full_name=Dana+Ghost&role=employee"
    ).content.decode()
    assert 'value="dana@elsewhere.test"' in page and 'value="Dana Ghost"' in page


@pytest.mark.parametrize("action", ["settings", "sync", "clear", "refresh-projects"])
def test_employee_cannot_change_integration_settings(
    employee_client: Client, project: Project, action: str
) -> None:
    assert employee_client.post(settings_url(project, action)).status_code == 403


@pytest.mark.parametrize("action", ["settings", "sync", "clear", "refresh-projects", "status", "history"])
def test_another_organizations_project_is_not_found(
    manager_client: Client, other_project: Project, action: str
) -> None:
    assert 404 in {
        manager_client.get(settings_url(other_project, action)).status_code,
        manager_client.post(settings_url(other_project, action)).status_code,
    }
