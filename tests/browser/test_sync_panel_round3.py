"""The sync panel a Manager watches, at 1280 and 390 px, against the sandbox: the run and then its result where the
person is looking (scrolled to, focused, announced, no reload), a retrying run's countdown and Cancel, a preview
in hours and dates that its Apply keeps, and missing teammates as they stand now."""

import time
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from integrations.models import SyncRun
from integrations.services import runs
from integrations.services.links import update_link
from people.models import Person
from people.roles import Role
from projects.models import Assignment
from tests.browser.test_every_page import serious_violations
from tests.factories import PersonFactory, ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(params=list(WIDTHS))
def width(request: pytest.FixtureRequest, page: Page) -> str:
    w, h = WIDTHS[request.param]
    page.set_viewport_size({"width": w, "height": h})
    return str(request.param)


def focused_id(page: Page) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def in_view(page: Page, selector: str) -> bool:
    """Whether the element's top is within the window (the person sees it without scrolling)."""
    return bool(
        page.evaluate(
            """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                         return r.top >= -1 && r.top < window.innerHeight; }""",
            selector,
        )
    )


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow} px wider than the window"


def mark_page(page: Page) -> None:
    """A marker a reload would lose."""
    page.evaluate("window.__samePage = 'yes'")


def still_same_page(page: Page) -> bool:
    return bool(page.evaluate("window.__samePage === 'yes'"))


def window_shot(page: Page, full_page_path: object) -> None:
    """Beside the full page: what the window shows now (where the person is looking) and the status block; and
    axe-core finds nothing serious in this state of the panel."""
    assert serious_violations(page) == []
    path = str(full_page_path)
    page.screenshot(path=path.replace(".png", "-window.png"))
    # The block is replaced as the page polls the run: shot again if it was swapped under the screenshot.
    for attempt in range(3):
        try:
            page.locator("#sync-status").screenshot(path=path.replace(".png", "-status.png"), timeout=5000)
            return
        except PlaywrightError:
            if attempt == 2:
                raise


def wait_for_runs_to_end(project_id: int) -> None:
    for _ in range(240):
        if not SyncRun.objects.filter(project_id=project_id, status__in=SyncRun.ACTIVE_STATUSES).exists():
            return
        time.sleep(0.25)
    raise AssertionError("the sync did not end")


@pytest.mark.usefixtures("worker_thread")
def test_reset_shows_its_progress_then_its_result_where_the_manager_looks(
    page, width, live_server, sign_in, screenshot, org, make_member, link_project_a, hubstaff_sandbox
):
    morgan = make_member(org, Role.MANAGER, full_name="Morgan Manager", email="morgan@acme.test")
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    make_member(org, Role.EMPLOYEE, full_name="Sam Smith", email="sam@acme.test")
    project = link_project_a(bobby)
    hubstaff_sandbox.fault(latency=0.3)  # slow answers, so that the progress can be seen
    sign_in(page, morgan)
    page.goto(f"{live_server.url}/acme/projects/{project.pk}/")

    page.locator("#integration-settings").get_by_role("button", name="Reset and sync all work logs").click()
    page.wait_for_url("**#sync-status")
    mark_page(page)
    if SyncRun.objects.filter(project=project, status__in=SyncRun.ACTIVE_STATUSES).exists():
        expect(page.locator("#sync-run-now")).to_be_focused()
        assert in_view(page, "#sync-run-now")
        window_shot(page, screenshot(page, f"{width}-progress"))

    # The result replaces the progress in place: focused, in view, announced, and the page was not reloaded.
    expect(page.locator("#sync-status .missing-teammates")).to_be_visible(timeout=60_000)
    expect(page.locator("#last-sync")).to_be_focused()
    assert in_view(page, "#last-sync")
    assert still_same_page(page)
    expect(page.locator("#sync-announce")).to_contain_text("Reset and sync all work logs succeeded")
    # The rest of the page came up to date without a reload: Sam's new assignment is listed.
    expect(page.locator("#assignments").get_by_text("Sam Smith")).to_be_visible()
    no_sideways_scroll(page)
    window_shot(page, screenshot(page, f"{width}-result"))

    # Dana is added and invited: back on the project, she is no longer missing.
    page.locator("#sync-status").get_by_role("link", name="Add and invite").click()
    page.get_by_role("button", name="Add person").click()
    page.wait_for_url(f"{live_server.url}/acme/projects/{project.pk}/**")
    status = page.locator("#sync-status")
    expect(status.locator(".missing-teammates")).to_have_count(0)
    expect(status.get_by_text("Added since this sync:")).to_be_visible()
    expect(status.locator("#missing-added")).to_contain_text("Dana Ghost (17.00 h)")
    window_shot(page, screenshot(page, f"{width}-dana-added"))


@pytest.mark.usefixtures("worker_thread")
def test_a_preview_in_hours_and_dates_is_what_apply_makes_on_an_open_ended_project(
    page, width, live_server, sign_in, screenshot, org, make_member, hubstaff_sandbox
):
    from integrations.services.installation import connect_with_personal_access_token

    morgan = make_member(org, Role.MANAGER, full_name="Morgan Manager", email="morgan@acme.test")
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    project = ProjectFactory(organization=org, name="Project B", start_date=date(2026, 1, 1), end_date=None)
    connect_with_personal_access_token(org, hubstaff_sandbox.create_pat("alice@acme.test"))
    update_link(
        project,
        enabled=True,
        hubstaff_project_ids=[hubstaff_sandbox.ids()["projects"]["Project B"]],
        prevent_new_assignments=False,
        trim_assignments=False,
    )
    sign_in(page, morgan)
    page.goto(f"{live_server.url}/acme/projects/{project.pk}/")

    page.locator("#integration-settings").get_by_role("button", name="Preview").click()
    page.wait_for_url("**#sync-status")
    mark_page(page)
    report = page.locator("#preview-report")
    expect(report).to_be_visible(timeout=60_000)
    expect(report).to_be_focused()
    assert in_view(page, "#preview-report") and still_same_page(page)
    expect(page.locator("#sync-announce")).to_contain_text("The preview is ready")
    # Per person in hours, dates as the product writes them; the assignment's end is where Bobby's time ends.
    expect(report.locator(".preview-people")).to_contain_text("Bobby Brown +")
    expect(report.locator(".preview-people")).to_contain_text("7 new days")
    expect(report).to_contain_text("Bobby Brown (01 Jan 2026 – 26 Mar 2026)")
    no_sideways_scroll(page)
    window_shot(page, screenshot(page, f"{width}-preview"))

    report.get_by_role("button", name="Apply").click()
    page.wait_for_url("**#sync-status")
    mark_page(page)
    expect(page.locator("#last-sync")).to_be_focused(timeout=60_000)
    assert still_same_page(page)
    wait_for_runs_to_end(project.pk)
    made = Assignment.objects.get(project=project, person=bobby)
    assert (made.start_date, made.end_date) == (date(2026, 1, 1), date(2026, 3, 26))
    expect(page.locator("#assignments")).to_contain_text("26 Mar 2026")
    window_shot(page, screenshot(page, f"{width}-applied"))


def test_a_retrying_run_counts_down_and_a_manager_cancels_it(
    page, width, live_server, sign_in, screenshot, org, make_member, link_project_a, hubstaff_sandbox
):
    morgan = make_member(org, Role.MANAGER, full_name="Morgan Manager", email="morgan@acme.test")
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    project = link_project_a(bobby)
    # Yesterday's sync failed; today's has failed twice and waits for its third attempt.
    old = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    runs.finish(old, "failed", error="Hubstaff did not answer properly: 502 Bad Gateway")
    SyncRun.objects.filter(pk=old.pk).update(queued_at=timezone.now() - timedelta(days=1))
    run = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    SyncRun.objects.filter(pk=run.pk).update(
        queued_at=timezone.now() - timedelta(minutes=4),
        started_at=timezone.now(),
        heartbeat_at=timezone.now() + timedelta(seconds=120),
        progress_label="Hubstaff is busy; trying again in 120 s.",
    )

    sign_in(page, morgan)
    page.goto(f"{live_server.url}/acme/projects/{project.pk}/#sync-status")
    box = page.locator("#sync-retrying")
    expect(box).to_contain_text("Next is attempt 3 of 6")
    expect(box).to_contain_text("for 4\xa0minutes")
    expect(box).to_contain_text("gives up after the last attempt")
    first = int(box.locator(".retry-countdown").inner_text().split()[0])
    assert 115 <= first <= 120
    page.wait_for_timeout(2500)  # the block is polled every second: the countdown is the real one
    later = int(box.locator(".retry-countdown").inner_text().split()[0])
    assert first - 4 <= later <= first - 1
    # The earlier failure is no red alert under the run under way.
    expect(page.locator("#sync-status .notice.danger")).to_have_count(0)
    expect(page.locator("#sync-status")).to_contain_text("It failed: Hubstaff did not answer properly")
    no_sideways_scroll(page)
    window_shot(page, screenshot(page, f"{width}-retrying"))

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#sync-run-now").get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("was cancelled; nothing it read was written")).to_be_visible()
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "Cancelled by Morgan Manager.")
    expect(page.locator("#sync-status")).to_contain_text("Cancelled by Morgan Manager.")
    window_shot(page, screenshot(page, f"{width}-cancelled"))


def test_a_team_of_thirty_missing_teammates_is_added_in_one_click(
    page, width, live_server, sign_in, screenshot, org, make_member, link_project_a, hubstaff_sandbox
):
    morgan = make_member(org, Role.MANAGER, full_name="Morgan Manager", email="morgan@acme.test")
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    project = link_project_a(bobby)
    PersonFactory(organization=org, full_name="Dana Ghost", email="dana@acme.test")
    team = [
        {
            "hubstaff_user_id": 9000 + n,
            "name": f"Teammate {n:02d}",
            "email": f"mate{n:02d}@hubstaff.example",
            "seconds": 3600 + n * 900,
            "reason": "",
        }
        for n in range(30)
    ] + [{"hubstaff_user_id": 8000, "name": "Dana Ghost", "email": "dana@elsewhere.test", "seconds": 14400}]
    SyncRun.objects.create(
        organization=org,
        project=project,
        mode="reset",
        status="succeeded",
        finished_at=timezone.now(),
        missing_teammates=team,
    )

    sign_in(page, morgan)
    page.goto(f"{live_server.url}/acme/projects/{project.pk}/#missing-teammates")
    box = page.locator("#missing-teammates")
    expect(box.get_by_text("Looks like Dana Ghost (dana@acme.test)?")).to_be_visible()
    no_sideways_scroll(page)
    window_shot(page, screenshot(page, f"{width}-thirty-missing"))

    page.once("dialog", lambda dialog: dialog.accept())
    box.get_by_role("button", name="Add all 30 and invite").click()
    expect(page.get_by_text("30 teammates added as Employees and invited")).to_be_visible()
    assert Person.objects.filter(organization=org, email__endswith="@hubstaff.example").count() == 30
    box = page.locator("#missing-teammates")
    expect(box.locator("li > strong")).to_have_count(1)  # Dana only
    expect(page.locator("#missing-added")).to_contain_text("Teammate 29")
    # Dana is the one left: her name gives a person, who is suggested and linked in one click.
    box.get_by_role("button", name="Yes, link to Dana Ghost").click()
    expect(page.get_by_text("is now linked to Dana Ghost")).to_be_visible()
    expect(page.locator("#sync-status")).to_contain_text("Linked to Dana Ghost: sync again")
    no_sideways_scroll(page)
    window_shot(page, screenshot(page, f"{width}-thirty-added"))
