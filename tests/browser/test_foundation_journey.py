"""The foundation in a real browser: sign in, switch role, create a project, assign a person."""

import pytest

from people.roles import Role
from projects.models import Assignment, Project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_signs_in_switches_role_creates_a_project_and_assigns_a_person(
    page, live_server, sign_in, screenshot, org, make_member
):
    alice = make_member(
        org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Alice Admin", email="alice@acme.test"
    )
    make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")

    sign_in(page, alice)
    assert page.get_by_role("heading", name="Hello, Alice Admin").is_visible()
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="People").is_visible()
    screenshot(page, "home-as-administrator")

    page.get_by_label("Role").select_option("manager")  # submits by itself
    page.wait_for_url(f"{live_server.url}/acme/projects/")
    assert nav.get_by_role("link", name="Projects").is_visible()
    assert nav.get_by_role("link", name="Integrations").count() == 0
    assert nav.get_by_role("link", name="People").is_visible()  # Managers add and invite teammates
    screenshot(page, "projects-as-manager")

    page.get_by_role("link", name="New project").click()
    page.get_by_label("Name").fill("Project A")
    page.get_by_label("Start date").fill("2026-01-01")
    page.get_by_label("End date").fill("2025-12-01")
    page.get_by_role("button", name="Create project").click()
    assert page.get_by_text("The end date cannot be before the start date.").is_visible()
    screenshot(page, "project-form-error")
    page.get_by_label("End date").fill("2026-09-22")
    page.get_by_role("button", name="Create project").click()
    assert page.get_by_role("heading", name="Project A").is_visible()
    project = Project.objects.get(organization=org, name="Project A")

    page.get_by_role("link", name="Assign person").click()
    page.get_by_label("Person").select_option(label="Bobby Brown")
    page.get_by_label("Hours per day").fill("6")
    page.get_by_role("button", name="Assign").click()
    assert page.get_by_text("Bobby Brown was assigned to Project A.").is_visible()
    assert page.locator("#assignments").get_by_role("cell", name="Bobby Brown").is_visible()
    screenshot(page, "project-with-assignment")
    assignment = Assignment.objects.get(project=project)
    assert (str(assignment.start_date), str(assignment.end_date), assignment.hours_per_day) == (
        "2026-01-01",
        "2026-09-22",
        6,
    )


def test_employee_sees_my_work_and_no_manager_navigation(page, sign_in, screenshot, org, make_member):
    bobby = make_member(org, Role.EMPLOYEE, full_name="Bobby Brown", email="bobby@acme.test")
    sign_in(page, bobby)
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="My work").is_visible()
    assert nav.get_by_role("link", name="Projects").count() == 0
    nav.get_by_role("link", name="My work").click()
    assert page.get_by_role("heading", name="My work", exact=True).is_visible()
    screenshot(page, "my-work")
