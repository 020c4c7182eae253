"""What a Manager sees of the background work on a project's page, in a real browser: the reconciliation in the
sync history in words, and Hubstaff refusing its time edit log said once, while the daily syncs go on."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from integrations.models import SyncRun
from integrations.services import runs, schedule, sync
from integrations.templatetags.sync_words import describe_dates
from people.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def carry_out(run_id: int) -> SyncRun:
    run = sync.run_sync(run_id, today=timezone.localdate())
    assert run is not None and run.status == "succeeded", run and run.error
    return run


def test_manager_sees_the_reconciliation_and_the_refused_time_edit_log_once(
    page, live_server, sign_in, screenshot, org, make_member, hubstaff_sandbox, link_project_a
):
    alice = make_member(org, Role.MANAGER, full_name="Alice Admin", email="alice@acme.test")
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    project = link_project_a(bobby)
    carry_out(runs.request_sync(project, mode="reset", trigger="manual", send_task=False).pk)
    # The reconciliation comes at its slot, a day on at the latest.
    now = timezone.now()
    schedule.enqueue_due_reconciliations(now)
    assert schedule.enqueue_due_reconciliations(now + timedelta(days=1)) == 1
    reconciled = carry_out(SyncRun.objects.get(project=project, mode="reconcile", status="queued").pk)
    # Hubstaff stops letting the installation read its time edit log: two daily syncs go on regardless.
    hubstaff_sandbox.fault(refuse={"time_edit_logs": 403})
    for _ in range(2):
        carry_out(runs.request_sync(project, mode="incremental", trigger="manual", send_task=False).pk)

    sign_in(page, alice)
    page.goto(f"{live_server.url}/acme/projects/{project.pk}/")
    panel = page.locator("#integration-settings")
    notice = panel.locator(".unavailable-listings")
    expect(notice).to_have_count(1)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Hubstaff does not let this installation read its time edit log")
    expect(notice).to_contain_text("Daily syncs re-read the last month instead")
    expect(panel.get_by_text("read its time edit log")).to_have_count(1)
    expect(panel.locator("#sync-status .badge.danger")).to_have_count(0)  # no run failed
    spans = [(date.fromisoformat(s), date.fromisoformat(e)) for s, e in reconciled.fetch_plan["spans"]]
    words = "Reconciliation: re-read " + " and ".join(describe_dates(s, e) for s, e in spans)
    expect(panel.locator("#sync-status .history")).to_contain_text(words)
    screenshot(page, "reconciliation-and-refused-edit-log")

    # The log answers again: the next daily sync takes the notice away.
    hubstaff_sandbox.reset_faults()
    carry_out(runs.request_sync(project, mode="incremental", trigger="manual", send_task=False).pk)
    page.reload()
    expect(page.locator("#integration-settings .unavailable-listings")).to_have_count(0)
