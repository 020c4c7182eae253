"""Only Hubstaff-approved time in a real browser, against the Hubstaff sandbox over HTTP: a Manager turns the option
on, the sync shows the hours waiting for approval, Hubstaff approves a week, and the next sync brings it in."""

from datetime import date

import pytest
from playwright.sync_api import expect

from integrations.models import SyncRun
from integrations.services.installation import connect_with_personal_access_token
from people.roles import Role
from tests.factories import ProjectFactory
from worklogs.models import WorkLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for_the_run(page, project, count: int) -> None:
    """The worker thread has finished the project's `count`-th run and the page shows its result."""
    for _ in range(240):
        done = SyncRun.objects.filter(project=project, status="succeeded").count()
        if (
            done >= count
            and not SyncRun.objects.filter(project=project, status__in=SyncRun.ACTIVE_STATUSES).exists()
        ):
            break
        page.wait_for_timeout(250)
    page.reload()


@pytest.mark.usefixtures("worker_thread")
def test_waiting_hours_are_shown_and_arrive_once_hubstaff_approves_them(
    page, live_server, sign_in, screenshot, org, make_member, hubstaff_sandbox
):
    hs = hubstaff_sandbox
    alice = make_member(
        org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Alice Admin", email="alice@acme.test"
    )
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    make_member(org, Role.EMPLOYEE, full_name="Sam Smith", email="sam@acme.test")
    project = ProjectFactory(
        organization=org, name="Project A", start_date=date(2026, 1, 1), end_date=date(2026, 9, 22)
    )
    connect_with_personal_access_token(org, hs.create_pat("alice@acme.test"))

    sign_in(page, alice)
    with page.expect_navigation():  # the switch reloads the page
        page.get_by_label("Role").select_option("manager")
    page.get_by_role("link", name="Project A").click()
    panel = page.locator("#integration-settings")
    panel.get_by_label("Hubstaff", exact=True).check()
    panel.get_by_label("Project A — Acme Hubstaff").check()
    panel.get_by_label("Only Hubstaff-approved time").check()
    panel.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Integration settings were saved.")).to_be_visible()

    page.locator("#integration-settings").get_by_role("button", name="Reset and sync all work logs").click()
    wait_for_the_run(page, project, 1)
    waiting = page.locator("#sync-status .awaiting-approval")
    expect(waiting).to_contain_text("await approval in Hubstaff")
    expect(waiting).to_contain_text("Bobby Brown")
    screenshot(page, "hours-awaiting-approval")
    assert not WorkLog.objects.filter(project=project, source="hubstaff").exists()

    organization_id = int(hs.ids()["orgs"]["Acme Hubstaff"])
    hs.approve_timesheet(organization_id, "bobby@acme.test", "2026-02-04")  # the week of 2 to 8 February

    page.locator("#integration-settings").get_by_role("button", name="Reset and sync all work logs").click()
    wait_for_the_run(page, project, 2)
    days = set(
        WorkLog.objects.filter(project=project, person=bobby, source="hubstaff").values_list(
            "date", flat=True
        )
    )
    assert days and all(date(2026, 2, 2) <= day <= date(2026, 2, 8) for day in days)
    expect(page.locator("#worklogs")).to_contain_text("Hubstaff: Project A")
    expect(page.locator("#sync-status .awaiting-approval")).to_contain_text("Sam Smith")
    screenshot(page, "approved-week-synced")
