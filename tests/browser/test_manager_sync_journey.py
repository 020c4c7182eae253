"""Syncing work logs from Hubstaff (docs/sync.md) in a real browser, against the Hubstaff sandbox over HTTP."""

import threading
from datetime import date

import pytest
from django.db import connection

from integrations import tasks
from integrations.services import sync
from integrations.services.installation import connect_with_personal_access_token
from people.roles import Role
from projects.models import Assignment
from tests.factories import AssignmentFactory, ProjectFactory
from worklogs.models import WorkLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_thread(monkeypatch):
    """Run queued syncs in a background thread, as a Celery worker would, so that the page can watch progress."""
    threads = []

    def run_in_thread(run_id):
        def work():
            try:
                sync.run_sync(run_id)
            finally:
                connection.close()

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        threads.append(thread)

    monkeypatch.setattr(tasks.sync_project_task, "delay", run_in_thread)
    yield threads
    for thread in threads:
        thread.join(timeout=60)


@pytest.mark.usefixtures("worker_thread")
def test_manager_links_project_a_resets_and_syncs_sees_missing_teammate_and_clears(
    page, live_server, sign_in, screenshot, org, make_member, hubstaff_sandbox
):
    alice = make_member(
        org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Alice Admin", email="alice@acme.test"
    )
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    sam = make_member(org, Role.EMPLOYEE, full_name="Sam Smith", email="sam@acme.test")
    project = ProjectFactory(
        organization=org, name="Project A", start_date=date(2026, 1, 1), end_date=date(2026, 9, 22)
    )
    AssignmentFactory(project=project, person=bobby)
    connect_with_personal_access_token(org, hubstaff_sandbox.create_pat("alice@acme.test"))
    hubstaff_sandbox.fault(latency=0.4)  # slow answers, so that the progress bar can be watched

    sign_in(page, alice)
    page.get_by_label("Role").select_option("manager")
    page.get_by_role("link", name="Project A").click()
    panel = page.locator("#integration-settings")
    assert panel.get_by_role("heading", name="Integration settings").is_visible()
    screenshot(page, "integration-settings")

    panel.get_by_label("Hubstaff", exact=True).check()
    panel.get_by_label("Search Hubstaff projects").fill("project a")
    assert panel.get_by_label("Project B — Acme Hubstaff").is_hidden()
    panel.get_by_label("Project A — Acme Hubstaff").check()
    panel.get_by_label("Trim assignments to work logs").check()
    panel.get_by_role("button", name="Save settings").click()
    assert page.get_by_text("Integration settings were saved.").is_visible()

    page.locator("#integration-settings").get_by_role("button", name="Reset and sync all work logs").click()
    assert page.get_by_text("Reset and sync all work logs has started.").is_visible()
    progress = page.locator("#sync-status progress")
    progress.wait_for(state="visible", timeout=10_000)
    screenshot(page, "sync-in-progress")

    # When the sync ends the page reloads by itself and shows the result.
    page.locator("#sync-status .missing-teammates").wait_for(timeout=60_000)
    status = page.locator("#sync-status")
    assert status.get_by_text("succeeded").first.is_visible()
    assert status.get_by_text("Dana Ghost").is_visible()
    assert "Add each of them as a Manager or Employee with the same e-mail address" in status.inner_text()
    assert status.get_by_role("link", name="Add as Employee").is_visible()
    screenshot(page, "sync-done")

    synced = WorkLog.objects.filter(project=project, source="hubstaff")
    assert synced.filter(person=bobby).exists() and synced.filter(person=sam).exists()
    sam_assignment = Assignment.objects.get(project=project, person=sam)
    assert sam_assignment.origin == "sync" and sam_assignment.trimmed
    assert page.locator("#assignments").get_by_text("sync, trimmed").is_visible()
    assert page.locator("#worklogs").get_by_text("Hubstaff: Project A").first.is_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#integration-settings").get_by_role("button", name="Clear data").click()
    assert page.get_by_text("synced work logs deleted").is_visible()
    assert not WorkLog.objects.filter(project=project, source="hubstaff").exists()
    screenshot(page, "after-clear-data")
