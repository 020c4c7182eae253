"""Linking a Hubstaff user whose e-mail differs to a person, and previewing a reset before applying it, in a real
browser against the Hubstaff sandbox (PostgreSQL: the worker thread and the page share the database)."""

import time

import pytest

from integrations.models import HubstaffUserLink
from integrations.services import runs
from people.roles import Role
from tests.factories import PersonFactory
from worklogs.models import WorkLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_says_who_a_missing_teammate_is_and_their_time_syncs(
    page, live_server, sign_in, screenshot, org, make_member, link_project_a, worker_thread
):
    alice = make_member(
        org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Alice Admin", email="alice@acme.test"
    )
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    make_member(org, Role.EMPLOYEE, full_name="Sam Smith", email="sam@acme.test")
    # Dana tracks time in Hubstaff as dana@elsewhere.test; here she is known by her work address.
    dana = PersonFactory(organization=org, full_name="Dana Green", email="dana@acme.test")
    project = link_project_a(bobby)
    # A first sync (the worker's thread) leaves Dana among the missing teammates.
    runs.request_sync(project, mode="reset", trigger="manual")
    worker_thread[0].join(timeout=60)

    sign_in(page, alice)
    page.get_by_label("Role").select_option("manager")
    page.get_by_role("link", name="Project A").click()
    missing = page.locator("#sync-status .missing-teammates")
    assert missing.get_by_text("Dana Ghost").is_visible()
    missing.get_by_label("This is …").select_option(label="Dana Green (dana@acme.test)")
    screenshot(page, "this-is-dana")
    missing.get_by_role("button", name="Link").click()
    assert page.get_by_text("is now linked to Dana Green").is_visible()
    assert page.locator("#sync-status .missing-teammates").get_by_text("Linked to Dana Green").is_visible()
    assert HubstaffUserLink.objects.get(made_by="hand").person == dana

    page.locator("#integration-settings").get_by_role("button", name="Reset and sync all work logs").click()
    # When the sync ends the page reloads by itself: no missing teammate is left, Dana's time is hers.
    page.locator("#sync-status .missing-teammates").wait_for(state="detached", timeout=60_000)
    assert WorkLog.objects.filter(project=project, person=dana).exists()
    screenshot(page, "dana-synced")

    page.goto(f"{live_server.url}/acme/people/{dana.pk}/edit/")
    links = page.locator(".hubstaff-user-links")
    assert links.get_by_text("Dana Ghost · matched by hand").is_visible()
    screenshot(page, "person-page-link")
    page.once("dialog", lambda dialog: dialog.accept())
    links.get_by_role("button", name="Remove").click()
    assert page.get_by_text("is no longer matched to Dana Green").is_visible()
    assert not HubstaffUserLink.objects.filter(person=dana).exists()

    # Bobby's match was made by e-mail, and kept, by the first sync.
    page.goto(f"{live_server.url}/acme/people/{bobby.pk}/edit/")
    links = page.locator(".hubstaff-user-links")
    assert links.get_by_text("Bobby Brown <bobby@acme.test> · matched by e-mail").is_visible()
    assert links.get_by_text("What Remove does:").is_visible()
    screenshot(page, "person-page-kept-match")


def test_manager_previews_the_reset_then_applies_it(
    page, live_server, sign_in, screenshot, org, make_member, link_project_a, worker_thread
):
    alice = make_member(
        org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Alice Admin", email="alice@acme.test"
    )
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    make_member(org, Role.EMPLOYEE, full_name="Sam Smith", email="sam@acme.test")
    project = link_project_a(bobby)

    sign_in(page, alice)
    page.get_by_label("Role").select_option("manager")
    page.get_by_role("link", name="Project A").click()
    panel = page.locator("#integration-settings")
    assert panel.get_by_text("it costs the same requests").is_visible()
    panel.get_by_role("button", name="Preview").click()
    # When the preview ends the page reloads by itself and shows what a reset would change. The worker thread
    # shares the test database: on SQLite its transaction locks the tables the page polls, so the test waits for
    # the thread and reloads if the page has not yet.
    _wait_for_run(page, worker_thread, 0)
    report = page.locator("#preview-report")
    report.wait_for(timeout=60_000)
    assert report.get_by_text("Nothing was written").is_visible()
    assert report.locator(".preview-people").get_by_text("Sam Smith").is_visible()
    assert report.get_by_text("Dana Ghost").is_visible()
    assert not WorkLog.objects.filter(project=project).exists()
    screenshot(page, "preview")

    report.get_by_role("button", name="Apply").click()
    _wait_for_run(page, worker_thread, 1)
    page.locator("#preview-report").wait_for(state="detached", timeout=60_000)
    page.locator("#sync-status .missing-teammates").wait_for(timeout=60_000)
    assert WorkLog.objects.filter(project=project, source="hubstaff").exists()
    screenshot(page, "applied")


def _wait_for_run(page, threads, index):
    """Wait until the worker thread of the index-th queued run has finished, then show its result."""
    deadline = time.monotonic() + 30
    while len(threads) <= index and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    threads[index].join(timeout=60)
    if page.locator("#sync-status[data-active='true']").count():
        page.reload()
