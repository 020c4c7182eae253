"""Every page at a phone's width (390 px) and a desktop's (1280 px): nothing scrolls sideways, axe-core finds no
serious or critical violation, and a screenshot of each is saved under artifacts/screenshots/ to be looked at.

The scene is the seed's: Alice (all three roles) synced Project A from the Hubstaff sandbox, so the project page
carries the long work-log table, the last sync's result and the missing teammate.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.mail import send_mail

from integrations.services import runs, sync
from people.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1280)
SERIOUS = {"serious", "critical"}
# Minor by axe's measure, but a screen reader announces a nameless column: none anywhere either.
ALWAYS = {"empty-table-header"}
AXE = Axe()


@pytest.fixture
def synced_scene(org, make_member, link_project_a):
    """Alice (administrator, manager, employee), Bobby and Sam, Project A synced once from the sandbox."""
    alice = make_member(
        org, Role.ADMINISTRATOR, Role.MANAGER, Role.EMPLOYEE, full_name="Alice Admin", email="alice@acme.test"
    )
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    make_member(org, Role.EMPLOYEE, full_name="Sam Smith", email="sam@acme.test")
    project = link_project_a(bobby, trim_assignments=True)
    run = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    assert sync.run_sync(run.pk).status == "succeeded"
    return {"alice": alice, "bobby": bobby, "project": project, "run": run}


def pages(org, scene):
    """(name, path, role) of every page a signed-in member reaches; the role is chosen before the visit."""
    slug, project, bobby = org.slug, scene["project"], scene["bobby"]
    return [
        ("home", f"/{slug}/", "manager"),
        ("projects", f"/{slug}/projects/", "manager"),
        ("project", f"/{slug}/projects/{project.pk}/", "manager"),
        ("sync-history", f"/{slug}/projects/{project.pk}/hubstaff/history/", "manager"),
        ("project-form", f"/{slug}/projects/{project.pk}/edit/", "manager"),
        ("assignment-form", f"/{slug}/projects/{project.pk}/assignments/new/", "manager"),
        ("worklog-form", f"/{slug}/projects/{project.pk}/worklogs/new/", "manager"),
        ("planning-report", f"/{slug}/planning/report/", "manager"),
        ("person-report", f"/{slug}/planning/people/{bobby.pk}/", "manager"),
        ("people", f"/{slug}/people/", "administrator"),
        ("person-form", f"/{slug}/people/{bobby.pk}/edit/", "administrator"),
        ("integrations", f"/{slug}/integrations/", "administrator"),
        ("hubstaff-installed", f"/{slug}/integrations/hubstaff/", "administrator"),
        ("install", f"/{slug}/integrations/hubstaff/install/", "administrator"),
        ("my-work", f"/{slug}/my-work/", "employee"),
        ("profile", "/accounts/profile/", "employee"),
        ("person-page", f"/{slug}/people/{bobby.pk}/", "manager"),
        ("run-page", f"/{slug}/projects/{project.pk}/hubstaff/runs/{scene['run'].pk}/", "manager"),
        ("locked-period", f"/{slug}/settings/locked-period/", "administrator"),
        ("capacity-settings", f"/{slug}/capacity/settings/", "administrator"),
        ("holidays", f"/{slug}/capacity/holidays/", "manager"),
        ("time-off", f"/{slug}/capacity/time-off/", "manager"),
        ("time-off-form", f"/{slug}/capacity/time-off/new/", "manager"),
        ("working-hours", f"/{slug}/capacity/people/{bobby.pk}/", "manager"),
        ("who-is-free", f"/{slug}/capacity/free/", "manager"),
        ("my-time-off", f"/{slug}/capacity/time-off/mine/", "employee"),
    ]


OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter(el => el.getBoundingClientRect().right > width + 1 && !el.closest("[data-scrolls]"))
    .filter(el => ![...el.children].some(c => c.getBoundingClientRect().right > width + 1))
    .slice(0, 5)
    .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + [...el.classList].join("."));
}"""


def sideways_scroll(page):
    """None when the page is as wide as the window; otherwise its width and the elements that stick out."""
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return None if scroll == client else f"{scroll}px wide, sticking out: {page.evaluate(OVERFLOWING)}"


def serious_violations(page):
    results = AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS or v["id"] in ALWAYS
    ]


def choose_role(page, live_server, org, role):
    """The role switcher, as a person would use it (it submits itself on change)."""
    page.goto(f"{live_server.url}/{org.slug}/")
    select = page.get_by_label("Role")
    if select.input_value() != role:
        with page.expect_navigation():
            select.select_option(role)


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_the_screen_and_passes_axe(
    page, live_server, sign_in, screenshot, org, synced_scene, width
):
    page.set_viewport_size({"width": width, "height": 860})
    sign_in(page, synced_scene["alice"])
    problems = []
    for name, path, role in pages(org, synced_scene):
        choose_role(page, live_server, org, role)
        response = page.goto(live_server.url + path)
        assert response.status == 200, (name, response.status)
        page.locator("[aria-busy=true]").wait_for(state="detached")  # the lazy timeline card
        if sideways := sideways_scroll(page):
            problems.append(f"{name} at {width}px is {sideways}")
        problems += [f"{name} at {width}px: {v}" for v in serious_violations(page)]
        screenshot(page, name)
    assert not problems, "\n".join(problems)


def test_on_a_phone_integration_settings_and_the_last_sync_come_before_the_work_logs(
    page, live_server, sign_in, screenshot, org, synced_scene
):
    sign_in(page, synced_scene["alice"])
    choose_role(page, live_server, org, "manager")
    project_page = f"{live_server.url}/{org.slug}/projects/{synced_scene['project'].pk}/"

    def top(selector):
        return page.locator(selector).bounding_box()["y"]

    page.set_viewport_size({"width": 390, "height": 860})
    page.goto(project_page)
    assert top("#assignments") < top("#integration-settings") < top("#sync-status") < top("#worklogs")
    screenshot(page, "phone")

    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(project_page)
    # Side by side on a desktop: the settings are beside the assignments, at the top.
    assert top("#integration-settings") == top("#assignments")
    assert page.locator("#integration-settings").bounding_box()["x"] > 800


FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {tag: el.tagName, id: el.id, name: el.getAttribute("name"),
          outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0};
}"""


def tab_through(page, presses):
    """Press Tab `presses` times from the top of the page; what got the focus, and whether it showed."""
    page.locator("body").focus()
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUSED))
    return seen


def test_keyboard_alone_reaches_the_role_switcher_and_select_projects_with_the_focus_visible(
    page, live_server, sign_in, org, synced_scene
):
    sign_in(page, synced_scene["alice"])
    choose_role(page, live_server, org, "manager")
    page.goto(f"{live_server.url}/{org.slug}/projects/{synced_scene['project'].pk}/")
    seen = tab_through(page, 40)
    assert any(f["id"] == "role-select" for f in seen), seen
    assert any(f["id"] == "hubstaff-project-search" for f in seen), seen
    assert any(f["name"] == "hubstaff_project_ids" for f in seen), seen
    invisible = [f for f in seen if not f["outline"] and f["tag"] != "BODY"]  # BODY: past the last element
    assert not invisible, invisible

    # The role switcher works from the keyboard: focus it, pick a role with the arrow keys, Enter switches.
    page.locator("#role-select").focus()
    page.keyboard.press("ArrowDown")  # Manager -> Employee: only the choice changes
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("link", name="My work").is_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_development_mailbox_fits_the_screen_and_passes_axe(
    page, live_server, sign_in, screenshot, org, admin, settings, tmp_path, width
):
    """The local mailbox of `make run`, with an e-mail whose link sits inside its text."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.DEV_MAILBOX = True
    page.set_viewport_size({"width": width, "height": 860})
    sign_in(page, admin)
    send_mail(
        "You are invited to Primetric",
        f"Choose your password at {live_server.url}/accounts/invitation/abc/ within 7 days.",
        None,
        [admin.email],
    )
    page.goto(f"{live_server.url}/dev/mail/")
    assert page.locator("article.mail").count() == 1
    # a link inside the e-mail's text is told from the text by more than its colour (link-in-text-block)
    link = page.locator("article.mail .mail-body a").first
    assert "underline" in link.evaluate("a => getComputedStyle(a).textDecorationLine")
    problems = [f"mailbox at {width}px: {v}" for v in serious_violations(page)]
    if sideways := sideways_scroll(page):
        problems.append(f"mailbox at {width}px is {sideways}")
    screenshot(page, "mailbox")
    assert not problems, "\n".join(problems)
