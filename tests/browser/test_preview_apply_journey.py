"""A Manager previews Reset and sync all work logs, then clicks Apply: in a real browser, against the sandbox."""

import time

import pytest
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from integrations.models import SyncRun
from people.roles import Role
from worklogs.models import WorkLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for_runs_to_end(project_id: int) -> None:
    for _ in range(120):  # the worker thread carries the run out (the page reloads itself meanwhile)
        if not SyncRun.objects.filter(project_id=project_id, status__in=SyncRun.ACTIVE_STATUSES).exists():
            return
        time.sleep(0.5)
    raise AssertionError("the sync did not end")


def reload(page, url: str) -> None:
    for _ in range(5):  # the page's own reload when the sync ends may abort ours: try again
        try:
            page.goto(url)
            return
        except PlaywrightError:
            page.wait_for_timeout(500)


@pytest.mark.usefixtures("worker_thread")
def test_manager_applies_a_preview_and_the_reset_uses_what_it_read(
    page, live_server, sign_in, screenshot, org, make_member, link_project_a
):
    morgan = make_member(org, Role.MANAGER, full_name="Morgan Manager", email="morgan@acme.test")
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    make_member(org, Role.EMPLOYEE, full_name="Sam Smith", email="sam@acme.test")
    project = link_project_a(bobby)
    url = f"{live_server.url}/acme/projects/{project.pk}/"

    sign_in(page, morgan)
    page.goto(url)
    page.locator("#integration-settings").get_by_role("button", name="Preview").click()
    expect(page.get_by_text("nothing is written until you click Apply")).to_be_visible()
    wait_for_runs_to_end(project.pk)
    reload(page, url)
    report = page.locator("#preview-report")
    expect(report.get_by_text("Nothing was written.", exact=False)).to_be_visible()
    preview = SyncRun.objects.get(project=project, mode="preview")
    assert preview.rows_read_at is not None
    read_at = timezone.localtime(preview.rows_read_at).strftime("%H:%M")
    expect(report.get_by_text(f"uses what the preview read at {read_at}", exact=False)).to_be_visible()
    assert not WorkLog.objects.filter(project=project).exclude(source="manual").exists()
    screenshot(page, "preview")

    report.get_by_role("button", name="Apply").click()
    expect(page.get_by_text(f"Applies the preview read at {read_at}", exact=False)).to_be_visible()
    wait_for_runs_to_end(project.pk)
    reload(page, url)
    status = page.locator("#sync-status")
    expect(status.get_by_text("Last sync")).to_be_visible()
    expect(status.get_by_text(f"(read at {read_at} by the preview)")).to_be_visible()
    expect(
        status.get_by_text(f"The preview read at {read_at} was used: Hubstaff listed no change since.")
    ).to_be_visible()
    screenshot(page, "applied")

    applied = SyncRun.objects.get(project=project, mode="reset")
    assert (applied.applies_preview_id, applied.preview_fetch, applied.requests_made) == (
        preview.pk,
        "used",
        2,
    )
    assert WorkLog.objects.filter(project=project, source="hubstaff").count() == preview.worklogs_created > 0
