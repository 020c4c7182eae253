"""At 1280 and 390 px: the person's page says what an e-mail change or a removed match does to their synced hours
before anything is saved, and the install steps and reasons read in a manager's words."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from integrations.models import HubstaffUserLink, Installation
from people.roles import Role
from tests.browser.test_every_page import serious_violations
from tests.factories import PersonFactory, ProjectFactory, WorkLogFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(params=list(WIDTHS))
def width(request: pytest.FixtureRequest, page: Page) -> str:
    w, h = WIDTHS[request.param]
    page.set_viewport_size({"width": w, "height": h})
    return str(request.param)


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow} px wider than the window"


def test_the_persons_page_says_what_an_e_mail_change_and_remove_do_to_synced_hours(
    page, width, live_server, sign_in, screenshot, org, make_member
):
    ada = make_member(org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Ada Admin", email="ada@acme.test")
    dana = PersonFactory(organization=org, full_name="Dana Ghost", email="dana@acme.test")
    project_a = ProjectFactory(organization=org, name="Project A")
    project_b = ProjectFactory(organization=org, name="Project B")
    for day, hours, project, user in [(2, 8, project_a, 11), (3, 9, project_a, 11), (4, 2, project_b, 12)]:
        WorkLogFactory(
            project=project,
            person=dana,
            date=date(2026, 2, day),
            duration_seconds=hours * 3600,
            source="hubstaff",
            source_key=f"hubstaff:700:{user}:2026-02-{day:02d}",
        )
    HubstaffUserLink.objects.create(
        organization=org, hubstaff_user_id=12, person=dana, made_by="hand", hubstaff_user_name="D. Ghost"
    )

    sign_in(page, ada)
    page.goto(f"{live_server.url}/acme/people/{dana.pk}/edit/")
    before = page.locator("#email-change-hours")
    expect(before).to_contain_text("17.00 h on Project A would leave")
    expect(before).to_contain_text("2.00 h on Project B stay")
    link = page.locator(".hubstaff-user-link")
    expect(link).to_contain_text(
        "Removing it: 2.00 h on Project B would leave at the next sync of those days."
    )
    no_sideways_scroll(page)
    assert serious_violations(page) == []
    screenshot(page, f"{width}-person-hours-at-stake")
    page.locator(".hubstaff-user-links").screenshot(
        path=str(screenshot(page, f"{width}-links")).replace(".png", "-panel.png")
    )


def test_install_steps_name_the_buttons_and_reasons_read_without_codes(
    page, width, live_server, sign_in, screenshot, org, make_member
):
    ada = make_member(org, Role.ADMINISTRATOR, full_name="Ada Admin", email="ada@acme.test")
    Installation.objects.create(
        organization=org,
        status="needs_reauthorization",
        status_reason="Hubstaff refused to renew the access (invalid_grant: revoked).",
        access_token="a",
        refresh_token="r",
        access_token_expires_at=timezone.now() + timedelta(hours=1),
    )
    sign_in(page, ada)
    page.goto(f"{live_server.url}/acme/integrations/hubstaff/install/")
    steps = page.locator("#step-hubstaff").locator("..")
    expect(steps).to_contain_text("On the OAuth apps page, click New")
    expect(steps).to_contain_text("Name into Application name")
    expect(steps).to_contain_text("Click Create.")
    expect(page.locator("#step-primetric").locator("..")).to_contain_text("click Allow")
    reason = page.locator(".notice.danger")
    expect(reason).to_contain_text("the authorization was withdrawn in Hubstaff or has expired: revoked")
    assert "invalid_grant" not in reason.inner_text()
    no_sideways_scroll(page)
    assert serious_violations(page) == []
    screenshot(page, f"{width}-install-steps")
