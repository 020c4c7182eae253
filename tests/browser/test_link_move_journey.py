"""A Hubstaff project's link moved from one project to another in a real browser: its hours counted once."""

import time
from datetime import date

import pytest
from django.db.models import Sum
from playwright.sync_api import expect

from integrations.models import SyncRun
from integrations.services import runs, sync
from integrations.services.installation import connect_with_personal_access_token
from integrations.services.links import update_link
from people.roles import Role
from tests.factories import ProjectFactory
from worklogs.models import WorkLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def synced_hours(**filters):
    seconds = WorkLog.objects.filter(source="hubstaff", **filters).aggregate(s=Sum("duration_seconds"))["s"]
    return round((seconds or 0) / 3600, 1)


@pytest.mark.usefixtures("worker_thread")
def test_manager_turns_hubstaff_off_sees_the_hours_left_then_moves_them_to_another_project(
    page, live_server, sign_in, screenshot, org, make_member, hubstaff_sandbox
):
    alice = make_member(
        org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Alice Admin", email="alice@acme.test"
    )
    make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    website, support = (
        ProjectFactory(organization=org, name=name, start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
        for name in ("Website", "Support")
    )
    connect_with_personal_access_token(org, hubstaff_sandbox.create_pat("alice@acme.test"))
    update_link(website, enabled=True, hubstaff_project_ids=[hubstaff_sandbox.ids()["projects"]["Project B"]])
    run = runs.request_sync(website, mode="reset", trigger="manual", send_task=False)
    assert sync.run_sync(run.pk).status == "succeeded"
    assert synced_hours(project=website) == 25.9

    sign_in(page, alice)
    page.get_by_label("Role").select_option("manager")
    page.get_by_role("link", name="Website").click()
    panel = page.locator("#integration-settings")
    panel.get_by_label("Hubstaff", exact=True).uncheck()
    panel.get_by_label("Project B — Acme Hubstaff").uncheck()
    panel.get_by_role("button", name="Save settings").click()

    # Turned off: the hours still counted here are named, with Clear data offered and keeping them explained.
    left = page.locator("#left-behind")
    expect(left).to_contain_text(
        "This project still holds 25.9 h of work logs synced from Hubstaff, which is off"
    )
    expect(left.get_by_role("button", name="Clear these 25.9 h (Clear data)")).to_be_visible()
    left.scroll_into_view_if_needed()
    screenshot(page, "hubstaff-off-offers-to-clear")

    # Kept here, then linked to Support: the save says who holds the hours and offers to move them.
    page.get_by_role("link", name="Projects").first.click()
    page.get_by_role("link", name="Support").click()
    panel = page.locator("#integration-settings")
    panel.get_by_label("Hubstaff", exact=True).check()
    panel.get_by_label("Project B — Acme Hubstaff").check()
    panel.get_by_role("button", name="Save settings").click()
    offer = page.locator("#move-offer")
    expect(offer).to_contain_text("Not saved yet.")
    expect(offer).to_contain_text("25.9 h (7 work logs) of “Project B” in the project “Website”")
    offer.scroll_into_view_if_needed()
    screenshot(page, "link-offers-to-move")

    offer.get_by_role("button", name="Move the work logs here and save").click()
    expect(page.get_by_text("25.9 h of synced work logs were removed from “Website”")).to_be_visible()
    for _ in range(120):  # the worker thread carries out Support's reset
        if not SyncRun.objects.filter(project=support, status__in=SyncRun.ACTIVE_STATUSES).exists():
            break
        time.sleep(0.5)
    assert SyncRun.objects.get(project=support).status == "succeeded"
    assert (synced_hours(project=website), synced_hours(project=support), synced_hours()) == (0, 25.9, 25.9)
    page.reload()
    expect(page.locator("#sync-status")).to_contain_text("succeeded")
    screenshot(page, "moved-and-synced")
