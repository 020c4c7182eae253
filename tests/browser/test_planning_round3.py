"""Planning at a desktop's width (1280 px) and a phone's (390 px): the views open where the logged time is, the
people x weeks map and the project timeline stay readable on a phone, the timeline's logged hours are never
under an assignment bar, and a person's page gathers their projects, assignments, hours and Hubstaff users.

The scene is the seed's shape, moved to today: Project A planned from eleven months ago to ten weeks ago, its time
synced (Hubstaff work logs) in its first weeks only, so that a period chosen by the plan alone shows "0.0 h".
"""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from integrations.models import HubstaffUserLink
from people.models import Person
from people.roles import Role
from projects.models import Assignment, Project
from tests.browser.conftest import SCREENSHOTS
from worklogs.models import WorkLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 390)
SERIOUS = {"serious", "critical"}
AXE = Axe()


@pytest.fixture
def scene(org, make_member):
    """Alice (all roles) and Bobby on Project A, planned 8 h/day; Bobby's and Cleo's time synced in the first
    three weeks of the plan; six more teammates with a plan on Project B, for a map of several rows."""
    today = timezone.localdate()
    start, end = today - timedelta(days=330), today - timedelta(days=70)
    alice = make_member(
        org, Role.ADMINISTRATOR, Role.MANAGER, Role.EMPLOYEE, full_name="Alice Admin", email="alice@acme.test"
    )
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    cleo = Person.objects.create(
        organization=org, full_name="Cleo Contractor-Longname", email="cleo@acme.test"
    )
    project_a = Project.objects.create(organization=org, name="Project A", start_date=start, end_date=end)
    project_b = Project.objects.create(organization=org, name="Project B", start_date=start, end_date=end)
    Assignment.objects.create(
        organization=org, project=project_a, person=bobby, start_date=start, end_date=end, hours_per_day=8
    )
    Assignment.objects.create(
        organization=org,
        project=project_a,
        person=cleo,
        start_date=start + timedelta(days=7),
        end_date=start + timedelta(days=60),
        hours_per_day=4,
        origin="sync",
    )
    logs = []
    for n in range(21):
        day = start + timedelta(days=n)
        if day.weekday() < 5:
            for person, hours in ((bobby, 7), (cleo, 3)):
                logs.append(
                    WorkLog(
                        organization=org,
                        project=project_a,
                        person=person,
                        date=day,
                        duration_seconds=hours * 3600,
                        source="hubstaff",
                        source_key=f"{person.pk}-{day}",
                        source_project_id=7,
                    )
                )
    WorkLog.objects.bulk_create(logs)
    log_weeks = len({log.date - timedelta(days=log.date.weekday()) for log in logs})
    for i, name in enumerate(["Dana Dahl", "Eve Berg", "Finn Costa", "Gus Anders", "Hana Berg", "Ivo Dahl"]):
        person = Person.objects.create(organization=org, full_name=name, email=f"p{i}@acme.test")
        Assignment.objects.create(
            organization=org,
            project=project_b,
            person=person,
            start_date=start,
            end_date=end,
            hours_per_day=6,
        )
    HubstaffUserLink.objects.create(
        organization=org,
        hubstaff_user_id=4242,
        hubstaff_user_name="Bobby B.",
        hubstaff_user_email="bobby@acme.test",
        made_by=HubstaffUserLink.MadeBy.EMAIL,
        person=bobby,
    )
    return {
        "alice": alice,
        "bobby": bobby,
        "cleo": cleo,
        "project_a": project_a,
        "logs_from": start,
        "log_weeks": log_weeks,
    }


def choose_role(page, live_server, org, role):
    page.goto(f"{live_server.url}/{org.slug}/")
    select = page.get_by_label("Role")
    if select.input_value() != role:
        with page.expect_navigation():
            select.select_option(role)


def fits_and_passes_axe(page, name, width):
    """Nothing scrolls the page sideways and axe-core finds nothing serious."""
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll == client, f"{name} at {width}px is {scroll}px wide"
    violations = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in AXE.run(page).response["violations"]
        if v["impact"] in SERIOUS
    ]
    assert not violations, f"{name} at {width}px: {violations}"


def logged_total(page):
    return float(page.get_by_test_id("logged-total").inner_text().removesuffix(" h").replace(",", ""))


@pytest.mark.parametrize("width", WIDTHS)
def test_every_planning_view_opens_where_the_synced_time_is(
    page, live_server, sign_in, screenshot, org, scene, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, scene["alice"])
    choose_role(page, live_server, org, "manager")
    first_week = scene["logs_from"] - timedelta(days=scene["logs_from"].weekday())

    # The report from the menu (on a phone too: the menu's link, wherever it wraps).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Planned vs logged").click()
    page.wait_for_load_state()
    assert logged_total(page) == 150.0, "Bobby's 105 h and Cleo's 45 h, not 0.0 h"
    assert page.get_by_label("From", exact=True).input_value() <= first_week.isoformat()
    screenshot(page, "report")

    # A person's report, from the report's person filter.
    page.get_by_label("Person", exact=True).select_option(label="Bobby Brown")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Bobby Brown's report").click()
    assert page.get_by_role("heading", name="Planned vs logged: Bobby Brown").is_visible()
    page.get_by_role("link", name="Reset").click()  # no dates: the default period again
    page.wait_for_load_state()
    assert logged_total(page) == 105.0
    screenshot(page, "person-report")

    # My work, as Bobby.
    page.context.clear_cookies()
    sign_in(page, scene["bobby"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    my_weeks = page.locator("#my-weeks")
    assert "logged 105.0 h." in my_weeks.inner_text()
    my_weeks.scroll_into_view_if_needed()
    screenshot(page, "my-work")


# The drawing of a grid as it is on screen: its width in pixels against its viewBox's, the names' font size and
# where the first name stands, the rows' heights against the names'.
GRID_GEOMETRY = """(box) => {
  const svg = box.querySelector(".plan-grid-plot svg");
  const name = box.querySelector(".plan-grid-names li");
  const firstNumber = svg.querySelector("text");
  return {
    drawnWidth: svg.getBoundingClientRect().width,
    viewBoxWidth: svg.viewBox.baseVal.width,
    drawnHeight: svg.getBoundingClientRect().height,
    viewBoxHeight: svg.viewBox.baseVal.height,
    rows: box.querySelectorAll(".plan-grid-names li").length,
    nameHeight: name.getBoundingClientRect().height,
    nameFont: parseFloat(getComputedStyle(name).fontSize),
    nameLeft: name.getBoundingClientRect().left,
    numberHeight: firstNumber ? firstNumber.getBoundingClientRect().height : null,
    boxWidth: box.clientWidth,
    scrollWidth: box.scrollWidth,
  };
}"""


def check_grid(box, width):
    """A phone draws the grid at full size beside sticky names; a desktop fits it in the card. Either way the names'
    rows are the drawing's rows and the numbers are written at a readable size."""
    geometry = box.evaluate(GRID_GEOMETRY)
    row_height = geometry["drawnHeight"] / geometry["rows"]
    assert abs(geometry["nameHeight"] - row_height) < 1, geometry
    assert geometry["nameFont"] >= 12, geometry
    assert geometry["numberHeight"] is not None and geometry["numberHeight"] >= 9, geometry
    if width < 900:
        assert abs(geometry["drawnWidth"] - geometry["viewBoxWidth"]) < 1, "drawn at full size, not shrunk"
        assert geometry["scrollWidth"] > geometry["boxWidth"], "it scrolls sideways in its own box"
        box.evaluate("box => { box.scrollLeft = 300; }")
        moved = box.evaluate(GRID_GEOMETRY)
        assert abs(moved["nameLeft"] - geometry["nameLeft"]) < 1, "the names stay put"
        box.evaluate("box => { box.scrollLeft = 0; }")
    else:
        assert geometry["scrollWidth"] <= geometry["boxWidth"] + 1, "a desktop fits it in the card"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_map_and_the_timeline_are_readable_at_the_screens_width(
    page, live_server, sign_in, screenshot, org, scene, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, scene["alice"])
    choose_role(page, live_server, org, "manager")

    page.goto(f"{live_server.url}/{org.slug}/planning/report/")
    matrix = page.locator("#people .plan-grid-scroll")
    assert page.locator("#people .plan-grid-names li").count() == 8
    check_grid(matrix, width)
    # The numbers are in the cells without hovering: Bobby's 35 h a week.
    assert matrix.locator(".matrix-body text", has_text="35").first.is_visible()
    fits_and_passes_axe(page, "report", width)
    page.locator("#people").scroll_into_view_if_needed()
    screenshot(page, "report")
    page.locator("#people").screenshot(
        path=str(SCREENSHOTS / f"test_planning_round3-people-card-{width}.png")
    )

    page.goto(f"{live_server.url}/{org.slug}/projects/{scene['project_a'].pk}/")
    page.locator("[aria-busy=true]").wait_for(state="detached")
    timeline = page.locator("#timeline .plan-grid-scroll")
    assert page.locator("#timeline .plan-grid-names li").count() == 2
    check_grid(timeline, width)
    names = page.locator("#timeline .timeline-names")
    assert "105.0 h logged" in names.inner_text() and "45.0 h logged" in names.inner_text()
    fits_and_passes_axe(page, "project", width)
    page.locator("#timeline").scroll_into_view_if_needed()
    screenshot(page, "project")
    # Scrolled sideways: the names stay, the weeks move under them.
    timeline.evaluate("box => { box.scrollLeft = 200; }")
    page.locator("#timeline").screenshot(
        path=str(SCREENSHOTS / f"test_planning_round3-timeline-scrolled-{width}.png")
    )


# For every logged week's column: is it clear of every assignment bar of its row, and is it what the eye sees at
# its middle (nothing drawn over it)?
COLUMNS_IN_SIGHT = """() => [...document.querySelectorAll("#timeline .timeline-row")].flatMap(row => {
  const bars = [...row.querySelectorAll("rect.assignment")].map(b => b.getBoundingClientRect());
  return [...row.querySelectorAll("rect.logged-week")].map(rect => {
    const r = rect.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    return {
      clear: bars.every(b => r.top >= b.bottom || r.bottom <= b.top || r.right <= b.left || r.left >= b.right),
      seen: document.elementFromPoint(x, y) === rect,
    };
  });
})"""


@pytest.mark.parametrize("width", WIDTHS)
def test_the_timeline_draws_logged_hours_clear_of_the_assignment_bars(
    page, live_server, sign_in, screenshot, org, scene, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, scene["alice"])
    choose_role(page, live_server, org, "manager")
    page.goto(f"{live_server.url}/{org.slug}/projects/{scene['project_a'].pk}/")
    page.locator("[aria-busy=true]").wait_for(state="detached")
    page.locator("#timeline").scroll_into_view_if_needed()
    page.locator("#timeline .plan-grid-scroll").evaluate("box => box.scrollIntoView()")
    columns = page.evaluate(COLUMNS_IN_SIGHT)
    assert len(columns) == 2 * scene["log_weeks"]  # Bobby's weeks and Cleo's
    assert all(c["clear"] for c in columns), columns
    assert all(c["seen"] for c in columns), columns
    # Cleo's first week of time is before her assignment: marked.
    assert page.locator("#timeline rect.logged-week.outside").count() == 1
    screenshot(page, "project")
    page.locator("#timeline").screenshot(
        path=str(SCREENSHOTS / f"test_planning_round3-timeline-card-{width}.png")
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_a_persons_page_gathers_their_projects_hours_and_hubstaff_users(
    page, live_server, sign_in, screenshot, org, scene, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, scene["alice"])
    choose_role(page, live_server, org, "manager")

    # From the report's table of people, and from the timeline: the names are links to the person's page.
    page.goto(f"{live_server.url}/{org.slug}/planning/report/")
    page.locator("#people .people-table").get_by_role("link", name="Bobby Brown").click()
    assert page.get_by_role("heading", name="Bobby Brown", exact=True).is_visible()
    projects = page.locator("#person-projects")
    assert "Project A" in projects.inner_text() and "105.0 h" in projects.inner_text()
    assert "105.0 h synced from Hubstaff" in projects.inner_text()
    assert "8.00 h/day" in page.locator("#person-assignments").inner_text()
    assert page.get_by_test_id("person-logged").inner_text() == "105.0 h"
    assert page.locator("#person-weeks svg .week").count() == 12
    # The weekly chart drawn for the screen: its week labels at a readable size, whichever drawing shows.
    chart = page.locator("#person-weeks svg.weekly-chart:visible")
    assert chart.count() == 1
    label_height = chart.locator(".axis-label").last.evaluate("el => el.getBoundingClientRect().height")
    assert label_height >= 9, label_height
    assert "Bobby B." in page.locator(".hubstaff-user-links").inner_text()
    fits_and_passes_axe(page, "person page", width)
    screenshot(page, "person-page")

    page.locator(".page-actions").get_by_role("link", name="Planned vs logged").click()
    assert page.get_by_role("heading", name="Planned vs logged: Bobby Brown").is_visible()
    assert logged_total(page) == 105.0

    page.goto(f"{live_server.url}/{org.slug}/projects/{scene['project_a'].pk}/")
    page.locator("[aria-busy=true]").wait_for(state="detached")
    page.locator("#timeline").get_by_role("link", name="Cleo Contractor-Longname").click()
    assert page.get_by_role("heading", name="Cleo Contractor-Longname").is_visible()
    assert "created by sync" in page.locator("#person-assignments").inner_text()

    # Bobby reads his own page; not Alice's.
    page.context.clear_cookies()
    sign_in(page, scene["bobby"])
    response = page.goto(f"{live_server.url}/{org.slug}/people/{scene['bobby'].pk}/")
    assert response.status == 200 and page.get_by_text("105.0 h logged in all").is_visible()
    assert page.goto(f"{live_server.url}/{org.slug}/people/{scene['alice'].pk}/").status == 403
