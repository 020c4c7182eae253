"""The keyboard alone: a skip link on every page, a page's main action a few Tab stops from the top, a role switch
that waits for Enter, and the Manager's core path (sign in, open a project, Reset and sync, read the result)."""

import pytest
from playwright.sync_api import expect

from people.roles import Role
from tests.browser.test_every_page import serious_violations, sideways_scroll
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1280)

FOCUSED = """() => {
  const el = document.activeElement;
  const box = el.getBoundingClientRect();
  return {tag: el.tagName, id: el.id, name: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim(),
          inMain: !!el.closest("main"), visible: box.width > 0 && box.height > 0 && box.top >= 0
            && box.bottom <= window.innerHeight && box.left >= 0 && box.right <= window.innerWidth};
}"""


def focused(page):
    return page.evaluate(FOCUSED)


def tab_to(page, name, *, limit):
    """Press Tab until the element named `name` has the focus, at most `limit` times; the presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if focused(page)["name"].startswith(name):
            return presses
    raise AssertionError(f"{name!r} not reached in {limit} Tab presses; last: {focused(page)}")


@pytest.fixture
def scene(org, make_member, link_project_a):
    """Alice (Administrator and Manager), Bobby and Sam; Project A linked to the sandbox's Project A."""
    alice = make_member(
        org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Alice Admin", email="alice@acme.test"
    )
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    make_member(org, Role.EMPLOYEE, full_name="Sam Smith", email="sam@acme.test")
    project = link_project_a(bobby, trim_assignments=True)
    return {"alice": alice, "bobby": bobby, "project": project}


def act_as(page, live_server, org, role):
    page.goto(f"{live_server.url}/{org.slug}/")
    select = page.get_by_label("Role")
    if select.input_value() != role:
        with page.expect_navigation():
            select.select_option(role)  # a pointer's pick switches at once


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_starts_with_a_skip_link_to_its_content(page, live_server, sign_in, org, scene, width):
    page.set_viewport_size({"width": width, "height": 860})
    slug, project = org.slug, scene["project"]
    visits = [("/accounts/login/", None), ("/signup/", None)]
    visits += [(f"/{slug}/", "manager"), (f"/{slug}/projects/", "manager")]
    visits += [(f"/{slug}/projects/{project.pk}/", "manager"), (f"/{slug}/people/", "administrator")]
    signed_in = False
    for path, role in visits:
        if role and not signed_in:
            sign_in(page, scene["alice"])
            signed_in = True
        if role:
            act_as(page, live_server, org, role)
        page.goto(live_server.url + path)
        if focused(page)["inMain"]:
            # A page that focuses its first field (sign-in) is in its content already; the skip link is still
            # the first stop of the page, before the header's links.
            page.keyboard.press("Shift+Tab")
            page.keyboard.press("Shift+Tab")
        else:
            page.keyboard.press("Tab")
        first = focused(page)
        assert first["name"] == "Skip to main content" and first["visible"], (path, first)
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        assert focused(page)["inMain"], (path, focused(page))  # past the header in one step


@pytest.mark.parametrize("width", WIDTHS)
def test_reset_and_sync_is_a_few_tab_stops_from_the_top_of_the_project_page(
    page, live_server, sign_in, screenshot, org, scene, width
):
    page.set_viewport_size({"width": width, "height": 860})
    sign_in(page, scene["alice"])
    act_as(page, live_server, org, "manager")
    page.goto(f"{live_server.url}/{org.slug}/projects/{scene['project'].pk}/")
    # From the top: past the header's links (the skip link, the menu, the role switch, the account), then the
    # third stop of the page's own content (the crumb, Edit project, Reset).
    page.locator("body").focus()
    for _ in range(30):
        page.keyboard.press("Tab")
        if focused(page)["inMain"]:
            break
    assert focused(page)["name"] == "Projects"  # the crumb
    assert tab_to(page, "Reset and sync all work logs", limit=2) <= 2
    # A fresh visit, not a reload: a reload of ".../#main" restores the old scroll position after the load, which
    # can land after the focus has scrolled Reset into view.
    page.goto(f"{live_server.url}/{org.slug}/projects/{scene['project'].pk}/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    assert tab_to(page, "Reset and sync all work logs", limit=3) <= 3
    # On the screen where the focus is (polled: the browser scrolls a newly focused element into view in its next
    # frame under load).
    page.wait_for_function(f"() => ({FOCUSED})().visible", timeout=5000)
    screenshot(page, "reset-focused")
    # The layout is kept: on a desktop the settings are beside the assignments; on a phone below them.
    settings, assignments = page.locator("#integration-settings"), page.locator("#assignments")
    if width == 1280:
        assert settings.bounding_box()["x"] > assignments.bounding_box()["x"] + 400
        assert abs(settings.bounding_box()["y"] - assignments.bounding_box()["y"]) < 2
    else:
        assert settings.bounding_box()["y"] > assignments.bounding_box()["y"]
    assert sideways_scroll(page) is None
    assert not serious_violations(page)


@pytest.mark.parametrize(
    ("path", "role", "action"),
    [
        ("/{slug}/projects/", "manager", "New project"),
        ("/{slug}/people/", "administrator", "Add person"),
    ],
)
def test_a_pages_main_action_is_the_first_stops_after_the_skip_link(
    page, live_server, sign_in, org, scene, path, role, action
):
    sign_in(page, scene["alice"])
    act_as(page, live_server, org, role)
    page.goto(live_server.url + path.format(slug=org.slug))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    assert tab_to(page, action, limit=2) <= 2


@pytest.mark.parametrize("width", WIDTHS)
def test_the_role_switch_waits_for_enter_after_arrow_keys(page, live_server, sign_in, org, scene, width):
    page.set_viewport_size({"width": width, "height": 860})
    sign_in(page, scene["alice"])
    act_as(page, live_server, org, "administrator")
    home = page.url
    select = page.locator("#role-select")
    select.focus()
    page.keyboard.press("ArrowDown")  # Administrator -> Manager: only the choice changes
    page.wait_for_timeout(600)
    assert page.url == home and select.input_value() == "manager"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)
    assert page.url == home
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("You are now acting as Manager.")).to_be_visible()
    expect(page.get_by_label("Role")).to_have_value("manager")
    # The Switch button does the same from the keyboard.
    page.locator("#role-select").focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Switch"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("You are now acting as Administrator.")).to_be_visible()


@pytest.mark.usefixtures("worker_thread")
@pytest.mark.parametrize("width", WIDTHS)
def test_a_manager_syncs_a_project_with_the_keyboard_alone(
    page, live_server, screenshot, org, make_member, scene, width
):
    """Sign in, open Project A, Reset and sync all work logs, and read the result, never touching the mouse."""
    morgan = make_member(org, Role.MANAGER, full_name="Morgan Manager", email="morgan@acme.test")
    page.set_viewport_size({"width": width, "height": 860})
    page.goto(f"{live_server.url}/accounts/login/")
    # The e-mail field has the focus when the page opens.
    assert focused(page)["tag"] == "INPUT"
    page.keyboard.type(morgan.user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/{org.slug}/")

    page.locator("body").focus()
    tab_to(page, "Projects", limit=4)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    tab_to(page, "Project A", limit=6)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name="Project A", level=1).is_visible()

    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    tab_to(page, "Reset and sync all work logs", limit=3)
    screenshot(page, "reset-focused")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Reset and sync all work logs has started.")).to_be_visible()
    # The result arrives on the page: the run's outcome and the missing teammate.
    status = page.locator("#sync-status")
    expect(status.get_by_text("succeeded").first).to_be_visible(timeout=60_000)
    expect(status.get_by_text("Dana Ghost")).to_be_visible()
    screenshot(page, "synced")
    assert sideways_scroll(page) is None
    assert not serious_violations(page)
