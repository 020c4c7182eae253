"""The capacity API: working hours, time off and its decisions, holidays, settings, availability, Who is free and
the CSV exports; every endpoint answers 404 for another organization's ids."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from capacity.models import CapacitySettings, Holiday, Source, TimeOff, WorkPattern
from conftest import token_client
from people.models import Organization, Person
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory

pytestmark = [pytest.mark.django_db]

MARCH = date(2026, 3, 2)  # a Monday


def url(path: str, org_slug: str = "acme") -> str:
    return f"/api/v1/orgs/{org_slug}/capacity/{path}"


@pytest.fixture
def manager_api(manager: Person) -> APIClient:
    return api_of(manager)


@pytest.fixture
def employee_api(employee: Person) -> APIClient:
    return api_of(employee)


@pytest.fixture
def sam(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Sam")


def time_off_of(person: Person, **fields: Any) -> TimeOff:
    values: dict[str, Any] = {"start_date": MARCH, "end_date": MARCH + timedelta(days=4), **fields}
    return TimeOff.objects.create(organization=person.organization, person=person, **values)


def body(response: Any) -> Any:
    return response.json()


def streamed(response: Any) -> str:
    """A streamed (CSV) response's text."""
    return b"".join(response.streaming_content).decode()


def api_of(person: Person) -> APIClient:
    client: APIClient = token_client(person)
    return client


# --- Settings and holidays --------------------------------------------------------------------------------


def test_members_read_the_settings_and_managers_change_them(
    manager_api: APIClient, employee_api: APIClient, org: Organization
) -> None:
    read = employee_api.get(url("settings/"))
    assert read.status_code == 200
    assert (body(read)["monday_hours"], body(read)["hours_per_week"]) == (8.0, 40.0)
    assert employee_api.patch(url("settings/"), {"friday_hours": 0}, format="json").status_code == 403
    changed = manager_api.patch(
        url("settings/"), {"friday_hours": 4, "underused_hours_per_week": 2}, format="json"
    )
    assert changed.status_code == 200, body(changed)
    assert body(changed)["hours_per_week"] == 36.0
    saved = CapacitySettings.objects.get(organization=org)
    assert (saved.friday_hours, saved.underused_hours_per_week) == (Decimal(4), Decimal(2))


def test_settings_refuse_more_than_a_day_has(manager_api: APIClient) -> None:
    response = manager_api.patch(url("settings/"), {"monday_hours": 25}, format="json")
    assert response.status_code == 400
    assert "monday_hours" in body(response)


def test_a_manager_adds_changes_and_removes_holidays(manager_api: APIClient, org: Organization) -> None:
    created = manager_api.post(url("holidays/"), {"date": "2026-05-01", "name": "Labour Day"}, format="json")
    assert created.status_code == 201, body(created)
    holiday_id = body(created)["id"]
    assert body(manager_api.get(url("holidays/")))["results"] == [
        {
            "id": holiday_id,
            "date": "2026-05-01",
            "name": "Labour Day",
            "source": "manual",
            "hubstaff_id": None,
        }
    ]
    assert (
        manager_api.patch(url(f"holidays/{holiday_id}/"), {"name": "May Day"}, format="json").status_code
        == 200
    )
    assert Holiday.objects.get().name == "May Day"
    again = manager_api.post(url("holidays/"), {"date": "2026-05-01", "name": "Again"}, format="json")
    assert body(again) == {"date": ["01 May 2026 is already a holiday."]}
    assert manager_api.delete(url(f"holidays/{holiday_id}/")).status_code == 204
    assert not Holiday.objects.exists()


def test_hubstaffs_holidays_are_read_only(manager_api: APIClient, org: Organization) -> None:
    holiday = Holiday.objects.create(organization=org, date=MARCH, name="Synced", source=Source.HUBSTAFF)
    assert (
        manager_api.patch(url(f"holidays/{holiday.pk}/"), {"name": "Mine"}, format="json").status_code == 409
    )
    assert manager_api.delete(url(f"holidays/{holiday.pk}/")).status_code == 409
    assert Holiday.objects.get().name == "Synced"


# --- Working hours ----------------------------------------------------------------------------------------


def test_a_manager_sets_working_hours_from_a_date(manager_api: APIClient, sam: Person) -> None:
    week = {"friday_hours": 0, "saturday_hours": 0}
    created = manager_api.post(
        url(f"people/{sam.pk}/working-hours/"), {"effective_from": "2026-03-01", **week}, format="json"
    )
    assert created.status_code == 201, body(created)
    assert (body(created)["hours_per_week"], body(created)["source"]) == (32.0, "manual")
    replaced = manager_api.post(
        url(f"people/{sam.pk}/working-hours/"),
        {"effective_from": "2026-03-01", "monday_hours": 4},
        format="json",
    )
    assert body(replaced)["hours_per_week"] == 36.0
    assert WorkPattern.objects.get(person=sam).monday_hours == 4
    listed = body(manager_api.get(url(f"people/{sam.pk}/working-hours/")))["results"]
    assert [row["effective_from"] for row in listed] == ["2026-03-01"]
    pattern_id = listed[0]["id"]
    assert manager_api.delete(url(f"people/{sam.pk}/working-hours/{pattern_id}/")).status_code == 204
    assert not WorkPattern.objects.exists()


def test_employees_do_not_set_working_hours(employee_api: APIClient, employee: Person) -> None:
    response = employee_api.post(
        url(f"people/{employee.pk}/working-hours/"), {"effective_from": "2026-03-01"}, format="json"
    )
    assert response.status_code == 403


# --- Time off ---------------------------------------------------------------------------------------------


def test_a_managers_time_off_counts_at_once(manager_api: APIClient, manager: Person, sam: Person) -> None:
    response = manager_api.post(
        url("time-off/"),
        {"person": sam.pk, "start_date": "2026-03-02", "end_date": "2026-03-06", "kind": "vacation"},
        format="json",
    )
    assert response.status_code == 201, body(response)
    assert (body(response)["status"], body(response)["hours_per_day"]) == ("approved", None)
    assert TimeOff.objects.get().decided_by == manager


def test_an_employee_asks_for_their_own_time_off_and_a_manager_approves(
    employee_api: APIClient, manager_api: APIClient, employee: Person
) -> None:
    asked = employee_api.post(
        url("time-off/"),
        {"start_date": "2026-03-02", "end_date": "2026-03-02", "hours_per_day": 4, "kind": "other"},
        format="json",
    )
    assert asked.status_code == 201, body(asked)
    assert (body(asked)["status"], body(asked)["person"]) == ("pending", employee.pk)
    approved = manager_api.post(url(f"time-off/{body(asked)['id']}/approve/"))
    assert body(approved)["status"] == "approved"


def test_an_employee_asks_for_no_one_else_and_decides_nothing(
    employee_api: APIClient, sam: Person, employee: Person
) -> None:
    for_sam = employee_api.post(
        url("time-off/"),
        {"person": sam.pk, "start_date": "2026-03-02", "end_date": "2026-03-02"},
        format="json",
    )
    assert for_sam.status_code == 400
    own = time_off_of(employee, status=TimeOff.Status.PENDING)
    assert employee_api.post(url(f"time-off/{own.pk}/approve/")).status_code == 403
    assert employee_api.patch(url(f"time-off/{own.pk}/"), {"note": "x"}, format="json").status_code == 403


def test_an_employee_sees_only_their_own_time_off(
    employee_api: APIClient, employee: Person, sam: Person
) -> None:
    own = time_off_of(employee)
    theirs = time_off_of(sam)
    assert [row["id"] for row in body(employee_api.get(url("time-off/")))["results"]] == [own.pk]
    assert employee_api.get(url(f"time-off/{theirs.pk}/")).status_code == 404


def test_a_manager_denies_and_filters_by_status(manager_api: APIClient, sam: Person) -> None:
    request = time_off_of(sam, status=TimeOff.Status.PENDING)
    assert body(manager_api.post(url(f"time-off/{request.pk}/deny/")))["status"] == "denied"
    assert body(manager_api.get(url("time-off/"), {"status": "pending"}))["results"] == []
    assert len(body(manager_api.get(url("time-off/"), {"status": "denied"}))["results"]) == 1


def test_where_requests_are_not_taken_employees_get_403(employee_api: APIClient, org: Organization) -> None:
    CapacitySettings.objects.create(organization=org, employees_request_time_off=False)
    response = employee_api.post(
        url("time-off/"), {"start_date": "2026-03-02", "end_date": "2026-03-02"}, format="json"
    )
    assert response.status_code == 403
    assert not TimeOff.objects.exists()


def test_an_employee_withdraws_a_pending_request_only(employee_api: APIClient, employee: Person) -> None:
    pending = time_off_of(employee, status=TimeOff.Status.PENDING)
    approved = time_off_of(employee)
    assert employee_api.delete(url(f"time-off/{pending.pk}/")).status_code == 204
    assert employee_api.delete(url(f"time-off/{approved.pk}/")).status_code == 403
    assert list(TimeOff.objects.all()) == [approved]


def test_hubstaffs_time_off_is_read_only(manager_api: APIClient, sam: Person) -> None:
    synced = time_off_of(sam, status=TimeOff.Status.PENDING, source=Source.HUBSTAFF, hubstaff_id=9)
    assert manager_api.post(url(f"time-off/{synced.pk}/approve/")).status_code == 409
    assert manager_api.patch(url(f"time-off/{synced.pk}/"), {"note": "x"}, format="json").status_code == 409
    assert manager_api.delete(url(f"time-off/{synced.pk}/")).status_code == 409
    synced.refresh_from_db()
    assert (synced.status, synced.note) == ("pending", "")


def test_time_off_cannot_end_before_it_starts(manager_api: APIClient, sam: Person) -> None:
    response = manager_api.post(
        url("time-off/"),
        {"person": sam.pk, "start_date": "2026-03-06", "end_date": "2026-03-02"},
        format="json",
    )
    assert body(response) == {"end_date": ["The end date cannot be before the start date."]}


# --- Availability, Who is free, CSV -----------------------------------------------------------------------


@pytest.fixture
def planned_sam(org: Organization, sam: Person) -> Person:
    project = ProjectFactory.create(organization=org)
    for _ in range(2):
        AssignmentFactory.create(
            project=project, person=sam, start_date=MARCH, end_date=MARCH + timedelta(days=6)
        )
    time_off_of(sam, start_date=MARCH + timedelta(days=4), end_date=MARCH + timedelta(days=4))
    return sam


def test_availability_per_person_and_week(manager_api: APIClient, planned_sam: Person) -> None:
    query: dict[str, str | int] = {"start": "2026-03-02", "end": "2026-03-08", "person": planned_sam.pk}
    response = manager_api.get(url("availability/"), query)
    assert response.status_code == 200, body(response)
    (row,) = body(response)["results"]
    assert row["person_name"] == "Sam"
    assert row["weeks"] == [
        {
            "monday": "2026-03-02",
            "days": 7,
            "working_hours": 40.0,
            "time_off": 8.0,
            "holidays": 0,
            "available": 32.0,
            "planned": 64.0,
            "over": 32.0,
            "free": 0.0,
            "is_overallocated": True,
            "is_underused": False,
        }
    ]


def test_an_employee_reads_only_their_own_availability(
    employee_api: APIClient, employee: Person, planned_sam: Person
) -> None:
    response = employee_api.get(url("availability/"), {"start": "2026-03-02", "end": "2026-03-08"})
    assert [row["person"] for row in body(response)["results"]] == [employee.pk]


def test_availability_needs_a_period_in_order(manager_api: APIClient) -> None:
    response = manager_api.get(url("availability/"), {"start": "2026-03-08", "end": "2026-03-02"})
    assert response.status_code == 400
    assert body(response) == {"end": ["The end date cannot be before the start date."]}


def test_who_is_free_ranks_people(manager_api: APIClient, org: Organization, planned_sam: Person) -> None:
    bobby = PersonFactory.create(organization=org, full_name="Bobby")
    query: dict[str, str | int] = {"start": "2026-03-02", "end": "2026-03-08", "hours_per_week": 0}
    response = manager_api.get(url("free/"), query)
    ranked = body(response)
    assert [row["person_name"] for row in ranked][:1] == ["Bobby"]
    assert ranked[0] == {
        "person": bobby.pk,
        "person_name": "Bobby",
        "free": 40.0,
        "free_per_week": 40.0,
        "least_free_week": 40.0,
        "available": 40.0,
        "planned": 0.0,
    }
    assert ranked[-1]["person_name"] == "Sam" and ranked[-1]["free"] == 0.0


def test_employees_do_not_ask_who_is_free(employee_api: APIClient) -> None:
    assert employee_api.get(url("free/"), {"start": "2026-03-02", "end": "2026-03-08"}).status_code == 403


def test_the_csv_exports(manager_api: APIClient, planned_sam: Person) -> None:
    planned_sam.full_name = "=Sam"
    planned_sam.save()
    period: dict[str, str | int] = {"start": "2026-03-02", "end": "2026-03-08"}
    availability = streamed(manager_api.get(url("availability.csv"), period))
    assert availability.splitlines()[0].startswith("person,week,days,working_hours")
    assert "'=Sam,2026-03-02,7,40,8,0,32,64,32,0,over-allocated" in availability
    time_off = manager_api.get(url("time-off.csv"))
    assert time_off["Content-Type"].startswith("text/csv")
    assert "'=Sam,2026-03-06,2026-03-06,all day,vacation,approved,manual," in streamed(time_off)
    free = streamed(manager_api.get(url("free.csv"), {**period, "hours_per_week": 0}))
    assert (
        free.splitlines()[0]
        == "person,free_hours,free_hours_per_week,least_free_week_hours,available_hours,planned_hours"
    )


# --- Another organization's ids ---------------------------------------------------------------------------


@pytest.fixture
def theirs(other_org: Organization) -> dict[str, int]:
    person = PersonFactory.create(organization=other_org)
    return {
        "person": person.pk,
        "time_off": time_off_of(person, status=TimeOff.Status.PENDING).pk,
        "holiday": Holiday.objects.create(organization=other_org, date=MARCH, name="Theirs").pk,
        "pattern": WorkPattern.objects.create(organization=other_org, person=person, effective_from=MARCH).pk,
        "project": ProjectFactory.create(organization=other_org).pk,
    }


@pytest.fixture
def our_all_roles_api(all_roles_member: Person) -> APIClient:
    return api_of(all_roles_member)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "holidays/{holiday}/"),
        ("patch", "holidays/{holiday}/"),
        ("delete", "holidays/{holiday}/"),
        ("get", "people/{person}/working-hours/"),
        ("post", "people/{person}/working-hours/"),
        ("get", "people/{person}/working-hours/{pattern}/"),
        ("delete", "people/{person}/working-hours/{pattern}/"),
        ("get", "time-off/{time_off}/"),
        ("patch", "time-off/{time_off}/"),
        ("delete", "time-off/{time_off}/"),
        ("post", "time-off/{time_off}/approve/"),
        ("post", "time-off/{time_off}/deny/"),
    ],
)
def test_another_organizations_ids_are_404(
    our_all_roles_api: APIClient, theirs: dict[str, int], method: str, path: str
) -> None:
    response = getattr(our_all_roles_api, method)(
        url(path.format(**theirs)), {"effective_from": "2026-03-01", "name": "x"}, format="json"
    )
    assert response.status_code == 404, body(response)
    assert TimeOff.objects.get(pk=theirs["time_off"]).status == "pending"
    assert Holiday.objects.get(pk=theirs["holiday"]).name == "Theirs"
    assert WorkPattern.objects.filter(pk=theirs["pattern"]).exists()


def test_our_person_with_their_pattern_is_404(
    our_all_roles_api: APIClient, org: Organization, theirs: dict[str, int]
) -> None:
    ours = PersonFactory.create(organization=org)
    assert (
        our_all_roles_api.delete(url(f"people/{ours.pk}/working-hours/{theirs['pattern']}/")).status_code
        == 404
    )


def test_another_organizations_people_and_projects_are_never_ours(
    our_all_roles_api: APIClient, theirs: dict[str, int]
) -> None:
    period: dict[str, str | int] = {"start": "2026-03-02", "end": "2026-03-08"}
    created = our_all_roles_api.post(
        url("time-off/"),
        {"person": theirs["person"], "start_date": "2026-03-02", "end_date": "2026-03-02"},
        format="json",
    )
    assert created.status_code == 400
    assert body(created)["person"] == [f"No person with id {theirs['person']} in this organization."]
    availability = our_all_roles_api.get(url("availability/"), {**period, "person": theirs["person"]})
    assert body(availability)["results"] == []
    assert our_all_roles_api.get(url("free/"), {**period, "project": theirs["project"]}).status_code == 404
    assert our_all_roles_api.get(url("free.csv"), {**period, "project": theirs["project"]}).status_code == 404


def test_another_organizations_slug_is_404_everywhere(
    our_all_roles_api: APIClient, other_org: Organization
) -> None:
    period: dict[str, str | int] = {"start": "2026-03-02", "end": "2026-03-08"}
    for path in (
        "settings/",
        "holidays/",
        "time-off/",
        "time-off.csv",
        "availability/",
        "availability.csv",
        "free/",
    ):
        assert our_all_roles_api.get(url(path, other_org.slug), period).status_code == 404, path


def test_anonymous_callers_get_nothing(org: Organization) -> None:
    assert APIClient().get(url("settings/")).status_code in (401, 403)
