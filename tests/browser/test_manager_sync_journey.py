"""Syncing work logs from Hubstaff (docs/sync.md) in a real browser, against the Hubstaff sandbox over HTTP."""

import time
from datetime import date

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from integrations.models import SyncRun
from integrations.services.installation import connect_with_personal_access_token
from people.models import Person
from people.roles import Role
from projects.models import Assignment
from tests.factories import AssignmentFactory, ProjectFactory
from worklogs.models import WorkLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    assert status.get_by_role("link", name="Add and invite").is_visible()
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


@pytest.mark.usefixtures("worker_thread")
def test_manager_adds_and_invites_a_missing_teammate_and_syncs_again(
    page, live_server, sign_in, screenshot, org, make_member, link_project_a, settings, tmp_path
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.DEV_MAILBOX = True
    morgan = make_member(org, Role.MANAGER, full_name="Morgan Manager", email="morgan@acme.test")
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    make_member(org, Role.EMPLOYEE, full_name="Sam Smith", email="sam@acme.test")
    project = link_project_a(bobby)

    sign_in(page, morgan)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    page.get_by_role("link", name="Project A").click()
    page.locator("#integration-settings").get_by_role("button", name="Reset and sync all work logs").click()
    page.locator("#sync-status .missing-teammates").wait_for(timeout=60_000)
    status = page.locator("#sync-status")
    assert status.get_by_text("Dana Ghost").is_visible()

    # A Manager adds the missing teammate as an Employee and invites her, then lands back on the project.
    status.get_by_role("link", name="Add and invite").click()
    expect(page.get_by_label("Full name")).to_have_value("Dana Ghost")
    expect(page.get_by_label("Email")).to_have_value("dana@elsewhere.test")
    expect(page.get_by_label("Employee")).to_be_checked()
    expect(page.get_by_label("Administrator")).to_have_count(0)
    screenshot(page, "add-and-invite-missing-teammate")
    page.get_by_role("button", name="Add person").click()
    page.wait_for_url(f"{live_server.url}/acme/projects/{project.pk}/**")
    expect(
        page.get_by_text("Dana Ghost was added. Invitation saved; the e-mail is on its way.")
    ).to_be_visible()

    # Sync again: Dana's time arrives, and she is no longer missing.
    page.locator("#integration-settings").get_by_role("button", name="Reset and sync all work logs").click()
    expect(page.get_by_text("Reset and sync all work logs has started.")).to_be_visible()
    for _ in range(120):  # the worker thread finishes the run (the page reloads itself meanwhile)
        if not SyncRun.objects.filter(project=project, status__in=SyncRun.ACTIVE_STATUSES).exists():
            break
        time.sleep(0.5)
    for _ in range(5):  # the page's own reload when the sync ends may abort ours: try again
        try:
            page.goto(f"{live_server.url}/acme/projects/{project.pk}/")
            break
        except PlaywrightError:
            page.wait_for_timeout(500)
    screenshot(page, "synced-again")
    dana = Person.objects.get(organization=org, email="dana@elsewhere.test")
    assert WorkLog.objects.filter(project=project, person=dana, source="hubstaff").exists()
    expect(page.locator("#sync-status .missing-teammates")).to_have_count(0)
    assert (tmp_path / "mail").is_dir()
