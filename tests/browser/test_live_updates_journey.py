"""Live updates in a real browser: a Manager has Project A open; a timer stopped in the Hubstaff sandbox reaches
Primetric through Hubstaff's webhook (delivered over HTTP to the live server), and the hours appear on the page
without anyone pressing a button, with the panel saying "Live updates: on, last event ... ago"."""

import threading
import time
from datetime import date

import pytest
from django.db import connection
from playwright.sync_api import expect

from integrations.models import Installation, SyncRun
from integrations.services import batch, live, runs, sync
from integrations.services.installation import connect_with_personal_access_token
from integrations.services.links import update_link
from people.roles import Role
from tests.factories import AssignmentFactory, ProjectFactory
from worklogs.models import WorkLog
from worklogs.templatetags.worklog_format import as_hours

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def event_worker(monkeypatch, settings):
    """Play the Celery worker for live updates: the event task at once, the installation's event batch when it is
    due (the coalescing delay shortened to 1 s), each in a thread as a worker would; subscribing is left to the
    test."""
    settings.HUBSTAFF_EVENT_COALESCE_SECONDS = 1
    threads: list[threading.Thread] = []
    subscribe_requests: list[list[int]] = []

    def in_thread(work, delay=0.0):
        def run():
            time.sleep(delay)
            try:
                work()
            finally:
                connection.close()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        threads.append(thread)

    def deliver(task, args, countdown=None):
        if task == live.SUBSCRIBE_TASK:
            subscribe_requests.append(args)
        elif task == live.BATCH_TASK:
            in_thread(lambda: batch.run(*args), countdown or 0.0)
        else:
            assert task == live.EVENT_TASK, task
            in_thread(lambda: live.handle_event(*args), countdown or 0.0)

    def deliver_later(task, args, countdown, **options):
        assert task == runs.SYNC_TASK, task
        in_thread(lambda: sync.run_sync(args[0]), countdown)

    monkeypatch.setattr(live, "deliver", deliver)
    monkeypatch.setattr(runs, "deliver_later", deliver_later)
    yield subscribe_requests
    for thread in threads:
        thread.join(timeout=60)


def hubstaff_hours(page) -> str:
    """The work-log panel's "Hubstaff: N h" figure."""
    text = page.locator("#worklogs p.muted").first.inner_text()
    return text.split("Hubstaff:")[1].removesuffix(" h").strip()


def test_hours_of_a_timer_stopped_in_hubstaff_appear_on_the_open_project_page(
    page, live_server, sign_in, screenshot, org, make_member, hubstaff_sandbox, event_worker
):
    hs = hubstaff_sandbox
    hs.reset_webhooks()
    alice = make_member(
        org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Alice Admin", email="alice@acme.test"
    )
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    # Hubstaff's timer runs today: the project's dates include it.
    project = ProjectFactory(
        organization=org, name="Project A", start_date=date(2026, 1, 1), end_date=date(2027, 12, 31)
    )
    AssignmentFactory(project=project, person=bobby)
    installation = connect_with_personal_access_token(org, hs.create_pat("alice@acme.test"))
    assert event_worker == [[installation.pk]]  # the install asks a worker to subscribe: done here
    assert live.subscribe(installation) is True, installation.live_updates_reason
    update_link(
        project,
        enabled=True,
        hubstaff_project_ids=[hs.ids()["projects"]["Project A"]],
        prevent_new_assignments=False,
    )
    first = sync.run_sync(runs.request_sync(project, mode="reset", trigger="manual", send_task=False).pk)
    assert first is not None and first.status == "succeeded", first and first.error

    try:
        sign_in(page, alice)
        page.get_by_label("Role").select_option("manager")
        page.get_by_role("link", name="Project A").click()
        live_line = page.locator("#live-updates")
        expect(live_line).to_contain_text("Live updates: on, no event yet.")
        before = hubstaff_hours(page)
        assert before == as_hours(
            sum(WorkLog.objects.filter(project=project).values_list("duration_seconds", flat=True))
        )
        screenshot(page, "live-updates-on")

        # In Hubstaff, Bobby stops a 45-minute timer on Project A; nobody touches the page.
        hs.track("bobby@acme.test", "Project A", 2700)
        hs.wait_for_deliveries(1)

        expected = as_hours(
            sum(WorkLog.objects.filter(project=project).values_list("duration_seconds", flat=True)) + 2700
        )
        expect(page.locator("#worklogs p.muted").first).to_contain_text(
            f"Hubstaff: {expected} h", timeout=60_000
        )
        assert hubstaff_hours(page) != before
        expect(live_line).to_contain_text("Live updates: on, last event just now.")
        event_run = SyncRun.objects.get(project=project, trigger=SyncRun.Trigger.HUBSTAFF_EVENT)
        assert event_run.status == "succeeded", event_run.error
        history = page.locator("#sync-status table.history")
        expect(history).to_contain_text("Sync changes: re-read")
        expect(history).to_contain_text("(hubstaff event)")
        screenshot(page, "hours-arrived")
        assert Installation.objects.get(pk=installation.pk).last_event_at is not None
    finally:
        hs.reset_webhooks()
