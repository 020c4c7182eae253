"""Planning views in a real browser, with a realistic amount of data: 50 people, a year of work logs.

The charts are server-rendered SVG: the pages must draw them with no request leaving the site and no CSP
violation, keep 50 people readable (a scroll container) and a year of weeks readable (thinned labels).
"""

import random
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from people.models import Person
from people.roles import Role
from planning.calculations import week_start
from projects.models import Assignment, Project
from tests.browser.conftest import SCREENSHOTS
from worklogs.models import WorkLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = 50
FIRST = [
    "Ada",
    "Bobby",
    "Cleo",
    "Dan",
    "Eve",
    "Finn",
    "Gus",
    "Hana",
    "Ivo",
    "Jun",
    "Kai",
    "Lea",
    "Mia",
    "Nils",
    "Ola",
    "Pia",
    "Quin",
    "Rui",
    "Sam",
    "Tia",
    "Uma",
    "Vic",
    "Wen",
    "Xia",
    "Yan",
]
LAST = ["Anders", "Berg", "Costa", "Dahl"]


def make_a_year(org):
    """Five projects, 50 people each on one (a third created by sync, some trimmed), a year of daily logs."""
    rng = random.Random(9)
    today = timezone.localdate()
    start = today - timedelta(days=365)
    projects = [
        Project.objects.create(
            organization=org,
            name=name,
            start_date=start,
            end_date=None if name == "Platform" else today + timedelta(days=90),
        )
        for name in ("Platform", "Mobile app", "Billing", "Data warehouse", "Website")
    ]
    people = Person.objects.bulk_create(
        Person(
            organization=org,
            full_name=f"{FIRST[i % 25]} {LAST[i // 25 * 2 + i % 2]}",
            email=f"p{i}@acme.test",
            is_employee=True,
        )
        for i in range(PEOPLE)
    )
    assignments, logs = [], []
    for i, person in enumerate(people):
        project = projects[i % len(projects)]
        a_start = start + timedelta(days=rng.randint(0, 150))
        a_end = today + timedelta(days=rng.randint(-60, 80))  # everyone is in the last 12 weeks
        synced = i % 3 == 0
        assignments.append(
            Assignment(
                organization=org,
                project=project,
                person=person,
                start_date=a_start,
                end_date=a_end,
                hours_per_day=Decimal(rng.choice([4, 6, 8])),
                origin="sync" if synced else "manual",
                trimmed=synced and i % 2 == 0,
            )
        )
        usual = rng.choice([3, 5, 7, 8, 9])
        day = a_start
        while day <= min(a_end, today):
            if day.weekday() < 5 and rng.random() < 0.9:
                logs.append(
                    WorkLog(
                        organization=org,
                        project=project,
                        person=person,
                        date=day,
                        duration_seconds=int(usual * 3600 * rng.uniform(0.6, 1.3)),
                        source="hubstaff" if synced else "manual",
                        source_key=f"k{i}-{day}" if synced else "",
                        source_project_id=7 if synced else None,
                    )
                )
            day += timedelta(days=1)
    Assignment.objects.bulk_create(assignments)
    WorkLog.objects.bulk_create(logs, batch_size=2000)
    return projects, people, len(logs)


def watch(page, live_server):
    """Collect console errors (CSP violations show there as "Refused to ...") and any request that leaves the site.

    HTTP statuses are checked by the tests themselves (a deliberate 400, the favicon's 404), not here.
    """
    problems = []

    def on_console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console: {message.text}")

    page.on("console", on_console)
    page.on(
        "request",
        lambda r: problems.append(f"request {r.url}") if not r.url.startswith(live_server.url) else None,
    )
    return problems


def element_shot(page, selector, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"test_planning-{name}.png"
    page.locator(selector).screenshot(path=str(path))
    return path


def test_manager_reads_planned_vs_logged_for_fifty_people_over_a_year(
    page, live_server, sign_in, screenshot, org, make_member
):
    manager = make_member(org, Role.MANAGER, full_name="Max Manager", email="max@acme.test")
    projects, people, log_count = make_a_year(org)
    assert log_count > 8000
    problems = watch(page, live_server)

    sign_in(page, manager)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Planned vs logged").click()
    assert page.get_by_role("heading", name="Planned vs logged").is_visible()
    # Default: the last 12 weeks, up to this week.
    this_monday = week_start(timezone.localdate())
    assert page.get_by_label("To", exact=True).input_value() == (this_monday + timedelta(days=6)).isoformat()
    assert page.locator("#weekly-chart svg .week").count() == 12
    assert page.locator(".matrix-body .matrix-row").count() == PEOPLE
    scroll = page.locator("#people .chart-scroll")
    assert scroll.evaluate("el => el.scrollHeight > el.clientHeight + 100"), (
        "50 people scroll inside their box"
    )
    assert page.locator("#people .people-table tbody tr").count() == PEOPLE
    screenshot(page, "report-12-weeks")
    element_shot(page, "#weekly-chart", "weekly-chart-12-weeks")
    element_shot(page, "#people", "people-12-weeks")

    # A year, one project.
    year_ago = timezone.localdate() - timedelta(days=364)
    page.get_by_label("Project").select_option(label="Platform")
    page.get_by_label("From", exact=True).fill(year_ago.isoformat())
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**project=*")
    weeks = page.locator("#weekly-chart svg .week")
    assert weeks.count() == 53
    labels = page.locator("#weekly-chart svg .week text")
    assert 1 < labels.count() <= 14, "a year of weeks thins its labels"
    assert page.locator(".matrix-body .matrix-row").count() == PEOPLE // len(projects)
    assert page.locator(".people-table tr.status-over, .people-table tr.status-under").count() > 0
    screenshot(page, "report-a-year-one-project")
    element_shot(page, "#weekly-chart", "weekly-chart-a-year")

    # A year, everyone.
    page.get_by_label("Project").select_option(label="All projects")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    assert page.locator(".matrix-body .matrix-row").count() == PEOPLE
    element_shot(page, "#people", "people-a-year")

    # The export carries the filters.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export report (CSV)").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("week_start,week_end,person,planned_hours")
    assert len(lines) == 1 + PEOPLE * 53

    # A bad filter is a clear message, not an error page.
    page.get_by_label("From", exact=True).fill("2026-05-01")
    page.get_by_label("To", exact=True).fill("2026-01-01")
    page.get_by_role("button", name="Apply").click()
    assert page.get_by_text("The end of the period cannot be before its start.").is_visible()
    screenshot(page, "report-bad-period")
    assert not problems, problems


def test_manager_sees_a_project_timeline_with_weekly_logged_hours(
    page, live_server, sign_in, screenshot, org, make_member
):
    manager = make_member(org, Role.MANAGER, full_name="Max Manager", email="max@acme.test")
    projects, people, _ = make_a_year(org)
    problems = watch(page, live_server)

    sign_in(page, manager)
    page.goto(f"{live_server.url}/acme/projects/{projects[0].pk}/")
    timeline = page.locator("#timeline")
    timeline.locator("svg.timeline-body").wait_for()  # the card loads after the page
    timeline.scroll_into_view_if_needed()
    assert timeline.get_by_role("heading", name="Timeline").is_visible()
    rows = PEOPLE // len(projects)
    assert timeline.locator(".timeline-row").count() == rows
    assert timeline.locator("rect.assignment.manual").count() > 0
    assert timeline.locator("rect.assignment.sync").count() > 0
    assert timeline.locator("rect.assignment.trimmed").count() > 0
    assert timeline.locator("rect.logged-week").count() > 20 * rows
    assert timeline.locator(".timeline-header rect.total-logged").count() >= 50
    assert timeline.locator("line.today").count() == 2
    screenshot(page, "project-page")
    element_shot(page, "#timeline", "project-timeline")

    timeline.get_by_role("link", name="Planned vs logged").click()
    assert page.get_by_label("Project").locator("option:checked").inner_text() == "Platform"
    assert not problems, problems


def test_employee_sees_their_weeks_on_my_work_and_their_own_report(
    page, live_server, sign_in, screenshot, org, make_member
):
    projects, people, _ = make_a_year(org)
    eve = make_member(org, Role.EMPLOYEE, full_name="Eve Employee", email="eve@acme.test")
    monday = week_start(timezone.localdate()) - timedelta(weeks=3)
    Assignment.objects.create(
        organization=org,
        project=projects[1],
        person=eve,
        start_date=monday - timedelta(weeks=8),
        end_date=monday + timedelta(weeks=8),
        hours_per_day=6,
    )
    WorkLog.objects.bulk_create(
        WorkLog(
            organization=org,
            project=projects[1],
            person=eve,
            date=monday - timedelta(days=n),
            duration_seconds=(4 + n % 5) * 3600,
        )
        for n in range(50)
        if (monday - timedelta(days=n)).weekday() < 5
    )
    problems = watch(page, live_server)

    sign_in(page, eve)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    my_weeks = page.locator("#my-weeks")
    assert my_weeks.locator("svg .week").count() == 12
    assert my_weeks.locator("svg .week rect.logged[height='0.0']").count() < 12
    screenshot(page, "my-work")
    element_shot(page, "#my-weeks", "my-weeks")

    my_weeks.get_by_role("link", name="Planned vs logged").click()
    assert page.get_by_role("heading", name="Planned vs logged: Eve Employee").is_visible()
    assert page.locator("#assignments").get_by_role("cell", name="Mobile app").is_visible()
    screenshot(page, "my-report")
    # Someone else's report is not hers to see.
    response = page.goto(f"{live_server.url}/acme/planning/people/{people[0].pk}/")
    assert response.status == 403
    assert not problems, problems
