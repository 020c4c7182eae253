"""Capacity in a real browser, against the Hubstaff sandbox over HTTP: a Manager makes Sam part-time from a date and
adds a holiday, Hubstaff approves Bobby's vacation and the next daily import brings it in; planned vs logged then
shows Bobby's vacation week with nothing planned and says where Sam is over-allocated, and "Who is free" ranks the
team. At 1280 px, and at 390 px where the tables and the map must stay readable."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from capacity.models import TimeOff
from integrations.models import AvailabilityImport
from integrations.services.availability import import_availability
from integrations.services.installation import connect_with_personal_access_token
from people.roles import Role
from planning.calculations import week_start
from tests.factories import AssignmentFactory, ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def set_part_time(page, live_server, sam, part_time):
    """On Sam's capacity page: 4 h a day from `part_time` on; the weeks before keep their 8 h."""
    page.goto(f"{live_server.url}/acme/capacity/people/{sam.pk}/")
    page.get_by_label("From", exact=True).fill(part_time.isoformat())
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        page.get_by_label(day, exact=True).fill("4")
    page.get_by_role("button", name="Save working hours").click()
    working_hours = page.locator("h2:text-is('Working hours') + table")
    expect(working_hours.locator("tbody tr").first).to_contain_text(f"{part_time:%d %b %Y}")
    expect(working_hours.locator("tbody tr").first).to_contain_text("20 h")


def add_holiday(page, live_server, day):
    page.goto(f"{live_server.url}/acme/capacity/holidays/")
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Name").fill("Founders' day")
    page.get_by_role("button", name="Add holiday").click()
    expect(page.get_by_role("cell", name="Founders' day", exact=True)).to_be_visible()


def approve_bobbys_vacation_in_hubstaff(hs, installation, bobby, monday):
    """Hubstaff approves Bobby's vacation from `monday` to Friday; the daily import (beat's task) takes it."""
    organization_id = int(hs.ids()["orgs"]["Acme Hubstaff"])
    policy = hs.add_time_off_policy(organization_id, "Vacation")
    friday = monday + timedelta(days=4)
    request = hs.add_time_off("bobby@acme.test", policy["id"], monday.isoformat(), friday.isoformat())
    hs.approve_time_off(request["id"])
    record = import_availability(installation)
    assert record.status == AvailabilityImport.Status.SUCCEEDED, record.error
    assert TimeOff.objects.get(person=bobby).status == TimeOff.Status.APPROVED


def show_the_report(page, first, last, person=None):
    page.get_by_label("From", exact=True).fill(first.isoformat())
    page.get_by_label("To", exact=True).fill(last.isoformat())
    page.get_by_label("Person", exact=True).select_option(label=person or "Everyone")
    page.get_by_role("button", name="Apply").click()


def check_the_teams_report(page, screenshot):
    """Over-allocation in words (stat, people, weeks), time off and holidays named and hatched in the map."""
    expect(page.get_by_test_id("overallocated")).to_have_text("2 weeks, over by 40.0 h")
    people = page.locator(".people-table tbody")
    expect(people.get_by_role("row", name="Sam Smith")).to_contain_text(
        "⚠ Over-allocated 2 weeks, over by 40.0 h"
    )
    expect(people.get_by_role("row", name="Bobby Brown")).to_contain_text("Time off in 1 week")
    weeks = page.locator("#weeks tbody tr")
    expect(weeks.nth(0)).to_contain_text("holiday: Founders' day")
    expect(weeks.nth(1)).to_contain_text("1 person away")
    expect(weeks.nth(2)).to_contain_text("⚠ Over-allocated: over by 20.0 h")
    expect(page.locator("#people .chart-legend")).to_contain_text("Time off or a holiday that week")
    # Hatched: Bobby's vacation week, and the holiday's week of all three.
    assert page.locator("#people .matrix-body rect.away").count() == 1 + 3
    assert page.locator("#people .matrix-body .overallocated").count() == 2
    screenshot(page, "report-with-capacity")
    page.set_viewport_size(PHONE)
    page.locator("#people").scroll_into_view_if_needed()
    screenshot(page, "report-with-capacity-phone")
    page.set_viewport_size({"width": 1280, "height": 900})


def check_the_timeline_and_bobbys_page(page, live_server, project, bobby, vacation_week, screenshot):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/acme/projects/{project.pk}/")
    timeline = page.locator("#timeline")
    timeline.locator("svg.timeline-body").wait_for()  # the card loads after the page
    away = timeline.locator("g.time-off")
    expect(away).to_have_count(1)
    friday = vacation_week + timedelta(days=4)
    expect(away.locator("title")).to_have_text(
        f"Bobby Brown: vacation, {vacation_week:%d %b} – {friday:%d %b %Y}"
    )
    expect(timeline.locator(".chart-legend")).to_contain_text("Time off (approved)")
    timeline.scroll_into_view_if_needed()
    screenshot(page, "timeline-with-time-off")
    page.set_viewport_size(PHONE)
    timeline.scroll_into_view_if_needed()
    screenshot(page, "timeline-with-time-off-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/acme/people/{bobby.pk}/")
    chart = page.locator("#person-weeks svg.weekly-wide")
    expect(chart.locator("rect.away")).to_have_count(2)  # the holiday's week and the vacation's
    expect(chart.locator("g.week").nth(1).locator("title")).to_contain_text("away: vacation 5 d")
    page.locator("#person-weeks").scroll_into_view_if_needed()
    screenshot(page, "bobbys-page")


def ranked_free(page, live_server, start, end):
    """The names "Who is free" lists for at least 1 h a week free from start to end, in its order."""
    page.goto(f"{live_server.url}/acme/capacity/free/")
    page.get_by_label("Hours a week free, at least").fill("1")
    page.get_by_label("From", exact=True).fill(start.isoformat())
    page.get_by_label("To", exact=True).fill(end.isoformat())
    page.get_by_role("button", name="Find people").click()
    return page.locator("table tbody tr td:first-child").all_inner_texts()


def test_part_time_holiday_and_hubstaff_vacation_show_in_the_report_and_who_is_free(
    page, live_server, sign_in, screenshot, org, make_member, hubstaff_sandbox
):
    hs = hubstaff_sandbox
    alice = make_member(
        org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Alice Admin", email="alice@acme.test"
    )
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    sam = make_member(org, Role.EMPLOYEE, full_name="Sam Smith", email="sam@acme.test")
    carol = make_member(org, Role.EMPLOYEE, full_name="Carol Chen", email="carol@acme.test")
    # Four weeks from next Monday: Sam planned full days, Bobby 6 h a day, Carol half days.
    first = week_start(timezone.localdate()) + timedelta(weeks=1)
    last = first + timedelta(weeks=4, days=-1)
    project = ProjectFactory(organization=org, name="Project A", start_date=first, end_date=last)
    for person, hours in ((bobby, 6), (sam, 8), (carol, 4)):
        AssignmentFactory(
            project=project,
            person=person,
            start_date=first,
            end_date=last - timedelta(days=2),
            hours_per_day=hours,
        )
    installation = connect_with_personal_access_token(org, hs.create_pat("alice@acme.test"))

    sign_in(page, alice)
    page.get_by_label("Role").select_option("manager")  # submits by itself
    page.wait_for_url(f"{live_server.url}/acme/projects/")

    part_time = first + timedelta(weeks=2)
    set_part_time(page, live_server, sam, part_time)
    screenshot(page, "sam-part-time")
    add_holiday(page, live_server, first + timedelta(days=2))  # the first week's Wednesday
    vacation_week = first + timedelta(weeks=1)
    approve_bobbys_vacation_in_hubstaff(hs, installation, bobby, vacation_week)

    # The report of the four weeks, for everyone.
    page.get_by_role("link", name="Planned vs logged").first.click()
    show_the_report(page, first, last)
    check_the_teams_report(page, screenshot)

    # Bobby's weeks alone: the vacation week has nothing planned.
    show_the_report(page, first, last, "Bobby Brown")
    vacation = page.locator("#weeks tbody tr").nth(1)
    expect(vacation).to_contain_text(f"{vacation_week:%d %b %Y}")
    expect(vacation.locator("td").nth(1)).to_have_text("0.0")  # available
    expect(vacation.locator("td").nth(2)).to_have_text("0.0")  # planned
    expect(vacation).to_contain_text("vacation 5 d")
    page.set_viewport_size(PHONE)
    page.locator("#weeks").scroll_into_view_if_needed()
    screenshot(page, "bobby-vacation-week-phone")

    # Sam's weeks: over-allocated from the part-time date on, in words.
    page.set_viewport_size({"width": 1280, "height": 900})
    show_the_report(page, first, last, "Sam Smith")
    sam_weeks = page.locator("#weeks tbody tr")
    expect(sam_weeks.nth(0)).not_to_contain_text("Over-allocated")
    expect(sam_weeks.nth(2)).to_contain_text("⚠ Over-allocated: over by 20.0 h")
    expect(sam_weeks.nth(3)).to_contain_text("⚠ Over-allocated: over by 20.0 h")

    # The project's timeline draws Bobby's vacation on his row; his page marks the week on his chart.
    check_the_timeline_and_bobbys_page(page, live_server, project, bobby, vacation_week, screenshot)

    # Who is free over the last two weeks: Carol (half days) before Bobby; Sam, over-allocated, is not free.
    names = ranked_free(page, live_server, part_time, part_time + timedelta(days=13))
    assert "Sam Smith" not in names
    assert names.index("Carol Chen") < names.index("Bobby Brown")
    page.set_viewport_size(PHONE)
    screenshot(page, "who-is-free-phone")
