"""Locked periods and undo (docs/sync.md) in a real browser, against the Hubstaff sandbox over HTTP: an
Administrator locks February, a Manager's reset leaves it alone and shows the difference; a Manager undoes a run and
the project's page is as before."""

import time
from datetime import date

import pytest
from playwright.sync_api import expect

from integrations.services import runs, sync
from people.roles import Role
from worklogs.models import WorkLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def synced_once(project):
    queued = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    run = sync.run_sync(queued.pk)
    assert run is not None and run.status == "succeeded", run and run.error


def reset_from_the_panel(page, project):
    page.locator("#integration-settings").get_by_role("button", name="Reset and sync all work logs").click()
    expect(page.get_by_text("Reset and sync all work logs has started.")).to_be_visible()
    deadline = time.monotonic() + 60
    while runs.active_run(project) is not None:
        assert time.monotonic() < deadline, "the reset did not finish"
        time.sleep(0.2)
    page.reload()


@pytest.mark.usefixtures("worker_thread")
def test_an_administrator_locks_february_and_a_managers_reset_leaves_it_showing_the_difference(
    page, live_server, sign_in, screenshot, org, make_member, link_project_a
):
    alice = make_member(
        org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Alice Admin", email="alice@acme.test"
    )
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    project = link_project_a(bobby)
    synced_once(project)
    february = WorkLog.objects.filter(project=project, person=bobby, date__month=2).order_by("date").first()
    hubstaff_hours = february.duration_seconds / 3600
    WorkLog.objects.filter(pk=february.pk).update(duration_seconds=8 * 3600)  # signed off at 8 h

    sign_in(page, alice)
    page.goto(f"{live_server.url}/acme/settings/locked-period/")
    page.get_by_label("Lock work logs up to").fill("2026-02-28")
    page.get_by_role("button", name="Lock", exact=True).click()
    expect(page.get_by_text("Work logs up to 28 Feb 2026 are locked.")).to_be_visible()
    screenshot(page, "locked-period")

    with page.expect_navigation():  # the switch reloads the page: let it finish before going on
        page.get_by_label("Role").select_option("manager")
    page.goto(f"{live_server.url}/acme/projects/{project.pk}/")
    reset_from_the_panel(page, project)
    february.refresh_from_db()
    assert february.duration_seconds == 8 * 3600

    words = (
        f"Hubstaff now says {hubstaff_hours:.2f} h for Bobby Brown on {february.date:%d %b %Y}; "
        "Primetric keeps 8.00 h, locked."
    )
    differences = page.locator("#locked-differences")
    expect(differences.get_by_text(words)).to_be_visible()
    screenshot(page, "locked-difference")

    page.once("dialog", lambda dialog: dialog.accept())
    differences.get_by_role("button", name="Accept Hubstaff's value").click()
    expect(page.get_by_text("The day is locked again.")).to_be_visible()
    february.refresh_from_db()
    assert february.duration_seconds == round(hubstaff_hours * 3600)


@pytest.mark.usefixtures("worker_thread")
def test_a_manager_undoes_a_reset_and_the_projects_page_is_as_before(
    page, live_server, sign_in, screenshot, org, make_member, link_project_a
):
    max_ = make_member(org, Role.MANAGER, full_name="Max Manager", email="max@acme.test")
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    project = link_project_a(bobby)
    synced_once(project)
    # Hours changed here since (as an older sync left them): the next reset puts Hubstaff's back.
    logs = WorkLog.objects.filter(project=project, person=bobby).order_by("date")
    WorkLog.objects.filter(pk__in=list(logs.values_list("pk", flat=True)[:3])).update(
        duration_seconds=5 * 3600
    )
    logs.filter(date__gte=date(2026, 4, 1)).delete()

    sign_in(page, max_)
    page.goto(f"{live_server.url}/acme/projects/{project.pk}/")
    before = page.locator("#worklogs").inner_text()
    reset_from_the_panel(page, project)
    assert page.locator("#worklogs").inner_text() != before

    page.locator("#sync-status table.history").get_by_role("link").first.click()  # the newest run
    expect(page.locator("#run-changes")).to_contain_text("Work log updated")
    screenshot(page, "run-page")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Undo this run").click()
    expect(page.get_by_text("The run was undone")).to_be_visible()
    assert page.locator("#worklogs").inner_text() == before
    screenshot(page, "after-undo")
