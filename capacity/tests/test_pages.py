"""The capacity pages: Managers set working hours, time off, holidays and settings; members ask for time off;
"Who is free" ranks people; Hubstaff's rows are read-only; another organization's ids are 404."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from capacity.models import CapacitySettings, Holiday, Source, TimeOff, WorkPattern
from people.models import Organization, Person
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory

pytestmark = [pytest.mark.django_db]

MARCH = date(2026, 3, 2)  # a Monday


def page(path: str, org: Organization) -> str:
    return f"/{org.slug}/capacity/{path}"


@pytest.fixture
def sam(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Sam")


def time_off_of(person: Person, **fields: object) -> TimeOff:
    values: dict[str, object] = {"start_date": MARCH, "end_date": MARCH + timedelta(days=4), **fields}
    return TimeOff.objects.create(organization=person.organization, person=person, **values)


WEEK = {
    "monday_hours": "4",
    "tuesday_hours": "4",
    "wednesday_hours": "4",
    "thursday_hours": "4",
    "friday_hours": "4",
    "saturday_hours": "0",
    "sunday_hours": "0",
}


def test_a_manager_sets_sam_part_time_from_a_date(
    manager_client: Client, org: Organization, sam: Person
) -> None:
    response = manager_client.post(page(f"people/{sam.pk}/", org), {"effective_from": "2026-03-01", **WEEK})
    assert response.status_code == 302
    pattern = WorkPattern.objects.get(person=sam)
    assert (pattern.effective_from, pattern.hours_per_week, pattern.source) == (
        date(2026, 3, 1),
        Decimal(20),
        "manual",
    )
    shown = manager_client.get(page(f"people/{sam.pk}/", org)).content.decode()
    assert "01 Mar 2026" in shown and "20 h" in shown


def test_saving_hours_from_the_same_date_replaces_them_even_hubstaffs(
    manager_client: Client, org: Organization, sam: Person
) -> None:
    WorkPattern.objects.create(organization=org, person=sam, effective_from=MARCH, source=Source.HUBSTAFF)
    manager_client.post(page(f"people/{sam.pk}/", org), {"effective_from": MARCH.isoformat(), **WEEK})
    pattern = WorkPattern.objects.get(person=sam)
    assert (pattern.hours_per_week, pattern.source) == (Decimal(20), "manual")


def test_over_allocated_weeks_are_flagged_in_words_on_the_persons_page(
    manager_client: Client, org: Organization, sam: Person
) -> None:
    project = ProjectFactory.create(organization=org, start_date=date(2020, 1, 1), end_date=date(2030, 1, 1))
    for _ in range(2):
        AssignmentFactory.create(
            project=project, person=sam, start_date=date(2020, 1, 1), end_date=date(2030, 1, 1)
        )
    shown = manager_client.get(page(f"people/{sam.pk}/", org)).content.decode()
    assert "over-allocated by 40 h" in shown


def test_the_organizations_week_and_who_may_request_are_settings(
    manager_client: Client, org: Organization
) -> None:
    form = {**WEEK, "employees_request_time_off": "", "underused_hours_per_week": "6"}
    assert manager_client.post(page("settings/", org), form).status_code == 302
    saved = CapacitySettings.objects.get(organization=org)
    assert (saved.hours_per_week, saved.underused_hours_per_week) == (Decimal(20), Decimal(6))
    assert not saved.employees_request_time_off


def test_a_manager_adds_edits_and_removes_a_holiday(manager_client: Client, org: Organization) -> None:
    manager_client.post(page("holidays/", org), {"date": "2026-05-01", "name": "Labour Day"})
    holiday = Holiday.objects.get(organization=org)
    manager_client.post(page(f"holidays/{holiday.pk}/edit/", org), {"date": "2026-05-01", "name": "May Day"})
    assert Holiday.objects.get().name == "May Day"
    manager_client.post(page(f"holidays/{holiday.pk}/delete/", org))
    assert not Holiday.objects.exists()


def test_a_date_is_a_holiday_once(manager_client: Client, org: Organization) -> None:
    Holiday.objects.create(organization=org, date=date(2026, 5, 1), name="Labour Day")
    response = manager_client.post(page("holidays/", org), {"date": "2026-05-01", "name": "Again"})
    assert "01 May 2026 is already a holiday." in response.content.decode()
    assert Holiday.objects.count() == 1


def test_hubstaffs_holidays_are_read_only(manager_client: Client, org: Organization) -> None:
    holiday = Holiday.objects.create(
        organization=org, date=MARCH, name="From Hubstaff", source=Source.HUBSTAFF
    )
    assert "from Hubstaff" in manager_client.get(page("holidays/", org)).content.decode()
    assert manager_client.post(page(f"holidays/{holiday.pk}/delete/", org)).status_code == 403
    assert manager_client.get(page(f"holidays/{holiday.pk}/edit/", org)).status_code == 403
    assert Holiday.objects.filter(pk=holiday.pk).exists()


def test_time_off_a_manager_enters_counts_at_once(
    manager_client: Client, manager: Person, org: Organization, sam: Person
) -> None:
    form = {
        "person": sam.pk,
        "start_date": "2026-03-02",
        "end_date": "2026-03-06",
        "kind": "vacation",
        "note": "",
    }
    assert manager_client.post(page("time-off/new/", org), form).status_code == 302
    time_off = TimeOff.objects.get(person=sam)
    assert (time_off.status, time_off.is_all_day, time_off.decided_by) == ("approved", True, manager)


def test_time_off_cannot_end_before_it_starts(manager_client: Client, org: Organization, sam: Person) -> None:
    form = {"person": sam.pk, "start_date": "2026-03-06", "end_date": "2026-03-02", "kind": "sick"}
    response = manager_client.post(page("time-off/new/", org), form)
    assert "The end date cannot be before the start date." in response.content.decode()
    assert not TimeOff.objects.exists()


def test_an_employee_requests_time_off_which_waits_for_a_manager(
    employee_client: Client, employee: Person, manager_client: Client, manager: Person, org: Organization
) -> None:
    form = {
        "start_date": "2026-03-02",
        "end_date": "2026-03-02",
        "hours_per_day": "4",
        "kind": "other",
        "note": "Dentist",
    }
    assert employee_client.post(page("time-off/mine/", org), form).status_code == 302
    request = TimeOff.objects.get(person=employee)
    assert (request.status, request.hours_per_day, request.requested_by) == ("pending", Decimal(4), employee)
    assert "pending, not counted" in employee_client.get(page("time-off/mine/", org)).content.decode()
    assert "Dentist" in manager_client.get(page("time-off/", org)).content.decode()
    manager_client.post(page(f"time-off/{request.pk}/decide/", org), {"decision": "approve"})
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", manager)


def test_a_manager_denies_a_request(manager_client: Client, org: Organization, sam: Person) -> None:
    request = time_off_of(sam, status=TimeOff.Status.PENDING)
    manager_client.post(page(f"time-off/{request.pk}/decide/", org), {"decision": "deny"})
    request.refresh_from_db()
    assert request.status == "denied"


def test_an_employee_decides_nothing(employee_client: Client, org: Organization, employee: Person) -> None:
    request = time_off_of(employee, status=TimeOff.Status.PENDING)
    assert (
        employee_client.post(page(f"time-off/{request.pk}/decide/", org), {"decision": "approve"}).status_code
        == 403
    )
    request.refresh_from_db()
    assert request.status == "pending"


def test_an_employee_withdraws_a_pending_request_but_not_decided_time_off(
    employee_client: Client, org: Organization, employee: Person
) -> None:
    pending = time_off_of(employee, status=TimeOff.Status.PENDING)
    approved = time_off_of(employee, status=TimeOff.Status.APPROVED)
    assert employee_client.post(page(f"time-off/{pending.pk}/delete/", org)).status_code == 302
    assert employee_client.post(page(f"time-off/{approved.pk}/delete/", org)).status_code == 403
    assert list(TimeOff.objects.all()) == [approved]


def test_an_employee_cannot_withdraw_someone_elses_request(
    employee_client: Client, org: Organization, sam: Person
) -> None:
    theirs = time_off_of(sam, status=TimeOff.Status.PENDING)
    assert employee_client.post(page(f"time-off/{theirs.pk}/delete/", org)).status_code == 403


def test_where_the_organization_does_not_take_requests_employees_ask_a_manager(
    employee_client: Client, org: Organization
) -> None:
    CapacitySettings.objects.create(organization=org, employees_request_time_off=False)
    assert "ask a Manager" in employee_client.get(page("time-off/mine/", org)).content.decode()
    form = {"start_date": "2026-03-02", "end_date": "2026-03-02", "kind": "vacation"}
    assert employee_client.post(page("time-off/mine/", org), form).status_code == 403
    assert not TimeOff.objects.exists()


def test_hubstaffs_time_off_is_shown_but_never_changed_here(
    manager_client: Client, org: Organization, sam: Person
) -> None:
    synced = time_off_of(sam, status=TimeOff.Status.PENDING, source=Source.HUBSTAFF, hubstaff_id=77)
    listed = manager_client.get(page("time-off/", org)).content.decode()
    assert "from Hubstaff" in listed and "decided in Hubstaff" in listed
    assert "change it there" in manager_client.get(page(f"time-off/{synced.pk}/edit/", org)).content.decode()
    assert (
        manager_client.post(page(f"time-off/{synced.pk}/decide/", org), {"decision": "approve"}).status_code
        == 403
    )
    assert manager_client.post(page(f"time-off/{synced.pk}/delete/", org)).status_code == 403
    synced.refresh_from_db()
    assert synced.status == "pending"


def test_employees_do_not_reach_the_managers_pages(
    employee_client: Client, org: Organization, sam: Person
) -> None:
    for path in ("settings/", "holidays/", "time-off/", "time-off/new/", f"people/{sam.pk}/", "free/"):
        assert employee_client.get(page(path, org)).status_code == 403, path


def test_who_is_free_ranks_the_team(manager_client: Client, org: Organization, sam: Person) -> None:
    bobby = PersonFactory.create(organization=org, full_name="Bobby")
    project = ProjectFactory.create(organization=org)
    AssignmentFactory.create(
        project=project, person=sam, start_date=MARCH, end_date=MARCH + timedelta(days=13), hours_per_day=6
    )
    AssignmentFactory.create(
        project=project, person=bobby, start_date=MARCH, end_date=MARCH + timedelta(days=13), hours_per_day=2
    )
    response = manager_client.get(
        page("free/", org),
        {
            "hours_per_week": "8",
            "start": "2026-03-02",
            "end": "2026-03-15",
            "project": str(project.pk),
            "role": "",
        },
    )
    shown = response.content.decode()
    assert shown.index("Bobby") < shown.index("Sam")
    assert "60 h" in shown  # Bobby: 2 weeks x 5 days x 6 h free


def test_who_is_free_refuses_a_period_ending_before_it_starts(
    manager_client: Client, org: Organization
) -> None:
    response = manager_client.get(
        page("free/", org), {"hours_per_week": "8", "start": "2026-03-15", "end": "2026-03-02"}
    )
    assert "The end date cannot be before the start date." in response.content.decode()


@pytest.fixture
def theirs(other_org: Organization) -> dict[str, int]:
    person = PersonFactory.create(organization=other_org)
    return {
        "person": person.pk,
        "time_off": time_off_of(person, status=TimeOff.Status.PENDING).pk,
        "holiday": Holiday.objects.create(organization=other_org, date=MARCH, name="Theirs").pk,
        "pattern": WorkPattern.objects.create(organization=other_org, person=person, effective_from=MARCH).pk,
    }


def test_another_organizations_ids_are_404_on_every_page(
    all_roles_client: Client, org: Organization, theirs: dict[str, int]
) -> None:
    ours = PersonFactory.create(organization=org)
    gets = [
        f"people/{theirs['person']}/",
        f"holidays/{theirs['holiday']}/edit/",
        f"time-off/{theirs['time_off']}/edit/",
    ]
    posts = [
        f"holidays/{theirs['holiday']}/delete/",
        f"time-off/{theirs['time_off']}/delete/",
        f"time-off/{theirs['time_off']}/decide/",
        f"people/{theirs['person']}/working-hours/{theirs['pattern']}/delete/",
        # Our person, their pattern: still nothing found.
        f"people/{ours.pk}/working-hours/{theirs['pattern']}/delete/",
    ]
    for path in gets:
        assert all_roles_client.get(page(path, org)).status_code == 404, path
    for path in posts:
        assert all_roles_client.post(page(path, org), {"decision": "approve"}).status_code == 404, path
    assert TimeOff.objects.get(pk=theirs["time_off"]).status == "pending"
    assert WorkPattern.objects.filter(pk=theirs["pattern"]).exists()
    assert Holiday.objects.filter(pk=theirs["holiday"]).exists()


def test_another_organizations_person_and_project_are_not_choices(
    manager_client: Client, org: Organization, theirs: dict[str, int], other_org: Organization
) -> None:
    form = {
        "person": theirs["person"],
        "start_date": "2026-03-02",
        "end_date": "2026-03-02",
        "kind": "vacation",
    }
    assert manager_client.post(page("time-off/new/", org), form).status_code == 200
    their_project = ProjectFactory.create(organization=other_org)
    response = manager_client.get(
        page("free/", org),
        {"hours_per_week": "8", "start": "2026-03-02", "end": "2026-03-15", "project": str(their_project.pk)},
    )
    assert "Select a valid choice" in response.content.decode()
    assert TimeOff.objects.filter(organization=org).count() == 0


def test_every_page_opens_for_a_manager(manager_client: Client, org: Organization, sam: Person) -> None:
    manual = time_off_of(sam)
    holiday = Holiday.objects.create(organization=org, date=MARCH, name="Founders' day")
    WorkPattern.objects.create(organization=org, person=sam, effective_from=MARCH)
    headings = {
        "settings/": "<h1>Capacity settings</h1>",
        "holidays/": "<h1>Holidays</h1>",
        f"holidays/{holiday.pk}/edit/": "<h1>Edit <bdi>Founders",
        "time-off/": "<h1>Time off</h1>",
        "time-off/new/": "<h1>Add time off</h1>",
        f"time-off/{manual.pk}/edit/": "<h1>Time off of",
        "time-off/mine/": "<h1>My time off</h1>",
        f"people/{sam.pk}/": "<h1>Capacity of",
        "free/": "<h1>Who is free</h1>",
    }
    for path, heading in headings.items():
        response = manager_client.get(page(path, org))
        assert response.status_code == 200, path
        assert heading in response.content.decode(), path


def test_the_person_panel_shows_this_week_and_the_next_time_off(
    manager: Person, org: Organization, sam: Person
) -> None:
    from django.test import RequestFactory

    from capacity.views import person_capacity_panel
    from people.tenancy import Tenant

    today = date.today()
    time_off_of(sam, start_date=today + timedelta(days=10), end_date=today + timedelta(days=12))
    request = RequestFactory().get("/")
    request.user = manager.user  # type: ignore[assignment]
    request.tenant = Tenant(organization=org, person=manager, active_role="manager")  # type: ignore[attr-defined]
    html = person_capacity_panel(request, sam)  # type: ignore[arg-type]
    assert html is not None
    assert "Next time off:" in html and f"{today + timedelta(days=10):%d %b %Y}" in html
    assert f"/acme/capacity/people/{sam.pk}/" in html
