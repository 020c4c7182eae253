"""The first day of a new company, in Chromium at a phone's width (390 px) and a desktop's (1280 px): sign-up that
suggests the address and lists the password rules, a founder signed in with every role she needs, a checklist
that ticks itself, role-needed pages that say who grants the role, Add person with a role, the demo's links on
the site's own address, and the People list as cards on a phone. axe-core finds nothing serious on any of them."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from people.models import Person
from people.roles import Role
from tests.browser.test_every_page import serious_violations, sideways_scroll
from tests.browser.test_onboarding_journey import mailbox, open_link_from_mailbox  # noqa: F401 - a fixture
from tests.factories import PASSWORD as FACTORY_PASSWORD
from tests.factories import MemberFactory, PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1280)
PASSWORD = "a-fresh-start-2026"


def looks_right(page):
    """Nothing scrolls sideways and axe-core finds nothing serious: the problems, if any."""
    problems = serious_violations(page)
    if sideways := sideways_scroll(page):
        problems.append(sideways)
    return problems


@pytest.mark.usefixtures("mailbox")
@pytest.mark.parametrize("width", WIDTHS)
def test_a_founder_signs_up_confirms_and_is_signed_in_with_every_role_and_a_checklist(
    page,
    live_server,
    screenshot,
    width,
):
    page.set_viewport_size({"width": width, "height": 860})
    page.goto(f"{live_server.url}/signup/")
    page.get_by_label("Organization name").press_sequentially("Initech & Sons")
    expect(page.get_by_label("Address")).to_have_value("initech-sons")  # suggested as the name is typed
    page.get_by_label("Address").fill("initech")  # the person's own choice is kept
    page.get_by_label("Organization name").fill("Initech & Sons Ltd")
    expect(page.get_by_label("Address")).to_have_value("initech")
    page.get_by_label("Your full name").fill("Peter Gibbons")
    page.get_by_label("Your e-mail").fill("peter@initech.test")
    assert not looks_right(page)
    screenshot(page, "signup")
    page.get_by_role("button", name="Create organization").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    # Signing in before confirming: the hint, as for anyone whose sign-in fails.
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("peter@initech.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That e-mail and password do not match an account.")).to_be_visible()
    expect(page.get_by_text("Signed up a moment ago? Confirm your e-mail first")).to_be_visible()
    assert not looks_right(page)
    screenshot(page, "sign-in-before-confirming")

    open_link_from_mailbox(page, live_server, "Confirm your Primetric sign-up")
    # The rules are there before anything is typed, and said to screen readers with the field.
    rules = page.locator("#id_password1_helptext")
    expect(rules).to_be_visible()
    expect(rules).to_contain_text("at least 8 characters")
    expect(page.get_by_label("Password", exact=True)).to_have_attribute(
        "aria-describedby", "id_password1_helptext"
    )
    expect(page.get_by_role("alert")).to_have_count(0)
    assert not looks_right(page)
    screenshot(page, "confirm-with-rules")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Confirm and create the organization").click()

    # Confirming signed her in, as Administrator and Manager.
    page.wait_for_url(f"{live_server.url}/initech/")
    founder = Person.objects.get(organization__slug="initech")
    assert founder.roles == [Role.ADMINISTRATOR, Role.MANAGER]
    checklist = page.locator(".first-day")
    expect(checklist.get_by_text("0 of 4 done")).to_be_visible()
    assert not looks_right(page)
    screenshot(page, "checklist-new")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_checklist_ticks_each_step_as_it_is_done(
    page, live_server, sign_in, screenshot, org, make_member, width
):
    page.set_viewport_size({"width": width, "height": 860})
    founder = make_member(
        org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Fay Founder", email="fay@acme.test"
    )
    sign_in(page, founder)
    checklist = page.locator(".first-day")
    expect(checklist.get_by_text("0 of 4 done")).to_be_visible()
    checklist.get_by_role("link", name="Create or import a project").click()
    expect(page.get_by_role("heading", name="New project")).to_be_visible()  # no "role needed" on the way
    page.get_by_label("Name").fill("Website")
    page.get_by_label("Start date").fill("2026-01-01")
    page.get_by_role("button", name="Create project").click()
    page.goto(f"{live_server.url}/acme/")
    expect(checklist.get_by_text("1 of 4 done")).to_be_visible()
    done = checklist.locator("li.done")
    expect(done).to_have_count(1)
    expect(done.get_by_role("link", name="Create or import a project")).to_be_visible()
    expect(done.get_by_text("done")).to_be_visible()
    # The next step opens the new project's Integration settings.
    link_step = checklist.get_by_role("link", name="Link it to a Hubstaff project")
    expect(link_step).to_have_attribute("href", re.compile(r"^/acme/projects/\d+/#integration-settings$"))
    screenshot(page, "checklist-one-done")

    checklist.get_by_role("link", name="Invite your team").click()
    page.get_by_label("Full name").fill("Michael Bolton")
    page.get_by_label("Email").fill("michael@initech.test")
    page.get_by_label("Employee").check()
    page.get_by_role("button", name="Add person").click()
    page.goto(f"{live_server.url}/acme/")
    expect(checklist.get_by_text("2 of 4 done")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_an_administrator_missing_manager_gives_herself_the_role_from_the_page_that_needs_it(
    page, live_server, sign_in, screenshot, org, make_member, width
):
    page.set_viewport_size({"width": width, "height": 860})
    ada = make_member(org, Role.ADMINISTRATOR, full_name="Ada Admin", email="ada@acme.test")
    sign_in(page, ada)
    response = page.goto(f"{live_server.url}/{org.slug}/projects/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="This page needs the Manager role")).to_be_visible()
    expect(page.get_by_text("An Administrator can give you the role")).to_have_count(0)
    assert not looks_right(page)
    screenshot(page, "role-needed-administrator")
    page.get_by_role("button", name="Give yourself the Manager role").click()
    page.wait_for_url(f"{live_server.url}/{org.slug}/projects/")
    expect(page.get_by_text("You now hold the Manager role too, and act as Manager.")).to_be_visible()
    expect(page.get_by_role("heading", name="Projects", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects")).to_be_visible()
    ada.refresh_from_db()
    assert ada.roles == [Role.ADMINISTRATOR, Role.MANAGER]


@pytest.mark.parametrize("width", WIDTHS)
def test_an_employee_reads_who_grants_the_role_a_page_needs(
    page, live_server, sign_in, screenshot, org, make_member, width
):
    page.set_viewport_size({"width": width, "height": 860})
    make_member(org, Role.ADMINISTRATOR, full_name="Ada Admin", email="ada@acme.test")
    eve = make_member(org, Role.EMPLOYEE, full_name="Eve Employee", email="eve@acme.test")
    sign_in(page, eve)
    page.goto(f"{live_server.url}/{org.slug}/people/")
    expect(
        page.get_by_role("heading", name="This page needs the Administrator or Manager role")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Ada Admin")).to_have_attribute("href", "mailto:ada@acme.test")
    expect(page.get_by_role("button", name="Give yourself")).to_have_count(0)
    assert not looks_right(page)
    screenshot(page, "role-needed-employee")


@pytest.mark.parametrize("width", WIDTHS)
def test_add_person_refuses_a_person_without_a_role(
    page, live_server, sign_in, screenshot, org, make_member, width
):
    page.set_viewport_size({"width": width, "height": 860})
    sign_in(page, make_member(org, Role.ADMINISTRATOR, full_name="Ada Admin", email="ada@acme.test"))
    page.goto(f"{live_server.url}/{org.slug}/people/new/")
    expect(page.get_by_text("At least one.")).to_be_visible()  # said before the first try
    page.get_by_label("Full name").fill("Nia Nobody")
    page.get_by_label("Email").fill("nia@acme.test")
    page.get_by_role("button", name="Add person").click()
    expect(
        page.get_by_text("Choose at least one role: without one this person has no pages here.")
    ).to_be_visible()
    assert not Person.objects.filter(email="nia@acme.test").exists()
    assert not looks_right(page)
    screenshot(page, "no-role-refused")
    page.get_by_label("Manager").check()
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_text("Nia Nobody was added")).to_be_visible()


@pytest.mark.usefixtures("mailbox")
def test_the_right_password_before_confirming_hears_confirm_your_e_mail_first(
    page,
    live_server,
    screenshot,
    other_org,
):
    MemberFactory(organization=other_org, email="peter@initech.test", full_name="Peter Gibbons")
    page.goto(f"{live_server.url}/signup/")
    page.get_by_label("Organization name").fill("Initech")
    page.get_by_label("Your full name").fill("Peter Gibbons")
    page.get_by_label("Your e-mail").fill("peter@initech.test")
    page.get_by_role("button", name="Create organization").click()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("peter@initech.test")
    page.get_by_label("Password").fill(FACTORY_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(
        page.get_by_text("Confirm your e-mail first: Initech is created from the link we sent to")
    ).to_be_visible()
    assert not looks_right(page)
    screenshot(page, "confirm-first")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_people_list_is_cards_on_a_phone_with_whole_words(
    page, live_server, sign_in, screenshot, org, make_member, width
):
    page.set_viewport_size({"width": width, "height": 860})
    ada = make_member(org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Ada Admin", email="ada@acme.test")
    PersonFactory(
        organization=org,
        full_name="Maximiliana Vandenberghe-Oosterhuis",
        email="maximiliana.vandenberghe-oosterhuis@subsidiary.example.test",
        is_employee=True,
    )
    PersonFactory(organization=org, full_name="Bo Li", email="bo@acme.test", is_manager=True)
    sign_in(page, ada)
    page.goto(f"{live_server.url}/{org.slug}/people/")
    table = page.locator("table.people-list")
    assert table.bounding_box()["width"] <= width
    assert not looks_right(page)
    screenshot(page, "people")
    rows = page.locator("table.people-list tbody tr")
    display = rows.first.evaluate("row => getComputedStyle(row).display")
    assert display == ("block" if width == 390 else "table-row")
    # Every word of a name stays whole: no line of the name cell ends inside a word.
    for cell in page.locator("td.person-name bdi, td.person-email bdi").all():
        assert cell.evaluate(SPLIT_WORDS) == [], cell.inner_text()
    # The actions are on the screen.
    for action in page.locator("td.actions a, td.actions button").all():
        box = action.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, action.inner_text()


# The words (split at spaces, hyphens, "@" and dots) whose letters do not all sit on one line.
SPLIT_WORDS = """el => {
  const text = el.textContent, range = document.createRange(), node = el.firstChild;
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const split = [];
  let n, offset = 0;
  while ((n = walker.nextNode())) {
    const words = n.textContent.split(/(?<=[\\s@.\\-])/);
    let at = 0;
    for (const word of words) {
      const bare = word.replace(/[\\s]+$/, "");
      if (bare.length > 1) {
        range.setStart(n, at);
        range.setEnd(n, at + bare.length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) split.push(bare);
      }
      at += word.length;
    }
  }
  return split;
}"""


@pytest.mark.usefixtures("mailbox")
def test_the_demos_invitation_links_to_the_sites_own_address(page, live_server, settings, tmp_path):
    """`make run` with PORT=8200: the seed's e-mail to Paula opens the site where it runs, not port 8000."""
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", quiet=True)
    open_link_from_mailbox(page, live_server, "You are invited to Primetric")
    assert page.url.startswith(live_server.url + "/accounts/invitation/")
    expect(page.get_by_role("heading", name="Join Demo Company")).to_be_visible()
