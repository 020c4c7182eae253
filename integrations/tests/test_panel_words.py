"""What the Integration settings panel says is true: source names, sync counts in words, what Clear data kept,
the state after an uninstall, a retrying worker, refused settings kept at their fields, the next step."""

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from integrations import project_forms
from integrations.models import HubstaffProject, Installation, ProjectLink, SyncRun
from integrations.services import runs
from integrations.services.cleanup import remove_sync_assignments
from integrations.services.runs import SyncNotPossible
from integrations.templatetags.sync_words import describe_changes
from people.models import Organization, Person
from projects.models import Assignment, Project
from tests.factories import AssignmentFactory, PersonFactory, WorkLogFactory
from worklogs.models import WorkLog


@pytest.fixture
def installation(org: Organization) -> Installation:
    inst = Installation.objects.create(
        organization=org,
        status="installed",
        access_token="a",
        refresh_token="r",
        access_token_expires_at=timezone.now() + timedelta(hours=1),
    )
    HubstaffProject.objects.create(
        organization=org,
        installation=inst,
        hubstaff_id=200001,
        name="Project A",
        hubstaff_organization_id=100001,
        hubstaff_organization_name="Acme Hubstaff",
    )
    return inst


def project_page(client: Client, project: Project, **params: str) -> str:
    return client.get(f"/acme/projects/{project.pk}/", params).content.decode()


def synced_log(
    project: Project, person: Person, day: date = date(2026, 2, 2), hubstaff_project: int = 200001
) -> WorkLog:
    return WorkLogFactory.create(
        project=project,
        person=person,
        date=day,
        source="hubstaff",
        source_key=f"hubstaff:{hubstaff_project}:{person.pk}:{day}",
        source_project_id=hubstaff_project,
    )


def test_a_synced_work_log_names_its_hubstaff_project(
    manager_client: Client, project: Project, employee: Person, installation: Installation
) -> None:
    synced_log(project, employee)
    synced_log(project, employee, day=date(2026, 2, 3), hubstaff_project=999)  # no longer in the cached list
    html = project_page(manager_client, project)
    assert "Hubstaff: <bdi>Project A</bdi>" in html and "Hubstaff #200001" not in html
    assert "Hubstaff #999" in html


@pytest.mark.parametrize(
    "counts, words",
    [
        ((62, 0, 0), "62 work logs added, none changed or removed"),
        ((1, 0, 0), "1 work log added, none changed or removed"),
        ((3, 2, 1), "3 work logs added, 2 changed, 1 removed"),
        ((0, 4, 0), "4 work logs changed, none added or removed"),
        ((0, 0, 0), "No work logs added, changed or removed"),
    ],
)
def test_sync_counts_in_words(counts: tuple[int, int, int], words: str) -> None:
    assert describe_changes(*counts) == words


def test_the_sync_history_speaks_in_words(
    manager_client: Client, org: Organization, project: Project, installation: Installation
) -> None:
    SyncRun.objects.create(
        organization=org, project=project, mode="reset", status="succeeded", worklogs_created=62
    )
    SyncRun.objects.create(
        organization=org, project=project, mode="clear", status="succeeded", worklogs_deleted=1
    )
    html = project_page(manager_client, project)
    assert "62 work logs added, none changed or removed" in html and "+62" not in html
    assert "1 work log removed" in html


def test_clear_data_says_the_sync_made_assignments_were_kept_and_offers_to_remove_them(
    manager_client: Client, project: Project, employee: Person, installation: Installation
) -> None:
    sam = PersonFactory.create(organization=project.organization, full_name="Sam Smith")
    AssignmentFactory.create(project=project, person=sam, origin="sync")
    synced_log(project, sam)
    response = manager_client.post(f"/acme/projects/{project.pk}/hubstaff/clear/", follow=True)
    html = response.content.decode()
    assert "1 assignment that syncs created was kept" in html
    assert "Remove 1 sync-made assignment without work logs" in html

    response = manager_client.post(
        f"/acme/projects/{project.pk}/hubstaff/remove-sync-assignments/", follow=True
    )
    assert "1 assignment made by syncs removed." in response.content.decode()
    assert not Assignment.objects.filter(project=project, person=sam).exists()


def test_removing_sync_made_assignments_keeps_manual_ones_and_those_with_work_logs(
    org: Organization, project: Project, employee: Person
) -> None:
    manual = AssignmentFactory.create(project=project, person=employee)
    backed = AssignmentFactory.create(project=project, origin="sync")
    WorkLogFactory.create(project=project, person=backed.person)  # a manual log still backs it
    AssignmentFactory.create(project=project, origin="sync")
    AssignmentFactory.create(origin="sync", project__organization=org)  # another project's: not this one's

    assert remove_sync_assignments(project) == 1
    assert set(Assignment.objects.filter(project=project)) == {manual, backed}
    assert Assignment.objects.count() == 3


def test_sync_made_assignments_are_not_removed_while_a_sync_runs(
    org: Organization, project: Project, installation: Installation
) -> None:
    AssignmentFactory.create(project=project, origin="sync")
    ProjectLink.objects.create(organization=org, project=project, enabled=True, hubstaff_project_ids=[200001])
    runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    with pytest.raises(SyncNotPossible):
        remove_sync_assignments(project)
    assert Assignment.objects.filter(project=project).count() == 1


def test_after_uninstall_a_manager_can_still_clear_and_the_old_error_is_gone(
    manager_client: Client, org: Organization, project: Project, employee: Person, installation: Installation
) -> None:
    synced_log(project, employee)
    SyncRun.objects.create(
        organization=org,
        project=project,
        mode="reset",
        status="failed",
        finished_at=timezone.now(),
        error="Hubstaff refused the stored authorization; re-authorize.",
    )
    installation.delete()
    html = project_page(manager_client, project)
    assert "An Administrator must install Hubstaff first" in html
    assert "1 work log synced from Hubstaff before stays until you clear it." in html
    assert ">Clear data</button>" in html
    assert 'role="alert">Hubstaff refused the stored authorization' not in html  # only the history keeps it

    response = manager_client.post(f"/acme/projects/{project.pk}/hubstaff/clear/", follow=True)
    assert "Clear data: 1 synced work log deleted" in response.content.decode()


def test_a_retried_run_says_it_is_trying_again_not_in_60_s(
    org: Organization, project: Project, installation: Installation
) -> None:
    ProjectLink.objects.create(organization=org, project=project, enabled=True, hubstaff_project_ids=[200001])
    run = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    claimed = runs.claim(run.pk)
    assert claimed is not None and claimed.progress_label == "Starting"
    SyncRun.objects.filter(pk=run.pk).update(
        status="queued", progress_label="Hubstaff is busy; trying again in 60 s."
    )
    retried = runs.claim(run.pk)
    assert retried is not None and retried.progress_label == "Trying Hubstaff again"
    assert SyncRun.objects.get(pk=run.pk).progress_label == "Trying Hubstaff again"


def test_a_running_sync_is_never_waiting_for_a_worker(
    manager_client: Client, org: Organization, project: Project, installation: Installation
) -> None:
    SyncRun.objects.create(organization=org, project=project, mode="reset", status="running")
    status = manager_client.get(f"/acme/projects/{project.pk}/hubstaff/status/").content.decode()
    assert "Waiting for a worker" not in status and "Starting" in status
    SyncRun.objects.filter(project=project).update(
        status="queued", progress_label="Hubstaff is busy; trying again in 60 s."
    )
    status = manager_client.get(f"/acme/projects/{project.pk}/hubstaff/status/").content.decode()
    assert "Hubstaff is busy; trying again in 60 s." in status and "Waiting for a worker" not in status


def test_settings_without_a_project_show_the_error_at_the_field_and_keep_hubstaff_ticked(
    manager_client: Client, project: Project, installation: Installation
) -> None:
    response = manager_client.post(
        f"/acme/projects/{project.pk}/hubstaff/settings/", {"enabled": "on", "trim_assignments": "on"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#integration-settings")
    html = project_page(manager_client, project)
    assert 'id="hubstaff-projects-error">Select at least one Hubstaff project to sync from.</p>' in html
    for name in ("enabled", "trim_assignments"):
        assert re.search(rf'<input type="checkbox" name="{name}"[^>]* checked>', html), name
    assert not ProjectLink.objects.filter(project=project).exists()
    # Shown once: the next visit shows the saved settings again.
    assert "hubstaff-projects-error" not in project_page(manager_client, project)


def test_the_installed_page_points_to_the_next_step(
    client: Client, make_member: Callable[..., Person], org: Organization, installation: Installation
) -> None:
    from conftest import signed_in
    from people.roles import Role

    both = make_member(org, Role.ADMINISTRATOR, Role.MANAGER, email="both@acme.test")
    html = signed_in(both).get("/acme/integrations/hubstaff/").content.decode()
    assert "properly installed" in html and "Next: sync a project" in html
    assert "Switch to Manager and open Projects" in html and "Integration settings" in html

    admin_only = make_member(org, Role.ADMINISTRATOR, email="only@acme.test")
    html = signed_in(admin_only).get("/acme/integrations/hubstaff/").content.decode()
    assert "A Manager does the rest" in html and "Switch to Manager" not in html


def test_a_refused_setting_of_no_shown_field_is_listed_above_the_form(
    manager_client: Client, project: Project, installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(project: Project, settings: dict[str, Any]) -> None:
        raise ValidationError("Something about the whole form.")

    monkeypatch.setattr(project_forms, "clean_settings", refuse)
    manager_client.post(
        f"/acme/projects/{project.pk}/hubstaff/settings/",
        {"enabled": "on", "hubstaff_project_ids": ["200001"]},
    )
    html = project_page(manager_client, project)
    assert '<div class="form-errors" role="alert"><p>Something about the whole form.</p></div>' in html
