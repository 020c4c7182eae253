"""Time off, holidays and expected weekly hours taken from Hubstaff into capacity, against the running sandbox over
real HTTP: approved time off counts, pending is shown as pending, denied or deleted leaves again, holidays follow
Hubstaff, and Hubstaff's expected hours never overwrite a Manager's own working hours."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from capacity.models import Holiday, Source, TimeOff, WorkPattern
from hubstaff_sandbox.testing import SandboxClient
from integrations.models import AvailabilityImport, Installation
from integrations.services import availability
from people.models import Organization, Person
from tests.factories import OrganizationFactory, PersonFactory

from . import test_reconcile

TODAY = date(2026, 12, 1)

hs = test_reconcile.hs
installed = test_reconcile.installed


@pytest.fixture
def people(org: Organization) -> dict[str, Person]:
    return {
        "bobby": PersonFactory.create(organization=org, full_name="Bobby Brown", email="bobby@acme.test"),
        "sam": PersonFactory.create(organization=org, full_name="Sam Smith", email="sam@acme.test"),
    }


def org_id(hs: SandboxClient) -> int:
    return int(hs.ids()["orgs"]["Acme Hubstaff"])


def take(installed: Installation) -> AvailabilityImport:
    record = availability.import_availability(installed, today=TODAY)
    assert record.status == AvailabilityImport.Status.SUCCEEDED, record.error
    return record


def test_approved_time_off_counts_pending_waits_and_denied_or_deleted_leaves_again(
    installed: Installation, hs: SandboxClient, people: dict[str, Person]
) -> None:
    vacation = hs.add_time_off_policy(org_id(hs), "Vacation")
    sick = hs.add_time_off_policy(org_id(hs), "Sick leave")
    bobby_off = hs.add_time_off("bobby@acme.test", vacation["id"], "2026-12-14", "2026-12-18")
    hs.approve_time_off(bobby_off["id"])
    sam_off = hs.add_time_off("sam@acme.test", sick["id"], "2026-12-07")

    first = take(installed)

    bobby = TimeOff.objects.get(person=people["bobby"])
    assert (bobby.start_date, bobby.end_date, bobby.status) == (
        date(2026, 12, 14),
        date(2026, 12, 18),
        TimeOff.Status.APPROVED,
    )
    assert bobby.source == Source.HUBSTAFF and bobby.is_read_only and bobby.is_all_day
    assert bobby.kind == TimeOff.Kind.VACATION
    sam = TimeOff.objects.get(person=people["sam"])
    assert sam.status == TimeOff.Status.PENDING and sam.kind == TimeOff.Kind.SICK
    assert first.counts["time_off_added"] == 2 and first.counts["pending"] == 1
    assert first.requests_made >= 4

    hs.deny_time_off(bobby_off["id"])
    hs.delete_time_off(sam_off["id"])
    second = take(installed)

    assert not TimeOff.objects.exists()
    assert second.counts["time_off_removed"] == 2


def test_holidays_follow_hubstaff(installed: Installation, hs: SandboxClient, org: Organization) -> None:
    christmas = hs.add_holiday(org_id(hs), "Christmas Day", "2026-12-25")
    hs.add_holiday(org_id(hs), "Boxing Day", "2026-12-26")

    take(installed)
    assert set(Holiday.objects.filter(organization=org).values_list("name", "date", "source")) == {
        ("Christmas Day", date(2026, 12, 25), "hubstaff"),
        ("Boxing Day", date(2026, 12, 26), "hubstaff"),
    }

    hs.delete_holiday(christmas["id"])
    record = take(installed)

    assert list(Holiday.objects.filter(organization=org).values_list("name", flat=True)) == ["Boxing Day"]
    assert record.counts["holidays_removed"] == 1


def test_expected_hours_set_working_hours_only_where_a_manager_set_none(
    installed: Installation, hs: SandboxClient, people: dict[str, Person], org: Organization
) -> None:
    WorkPattern.objects.create(organization=org, person=people["sam"], effective_from=date(2026, 1, 1))
    hs.set_limits(org_id(hs), "bobby@acme.test", since="2026-11-02", expected_per_week=20)
    hs.set_limits(org_id(hs), "sam@acme.test", since="2026-11-02", expected_per_week=10)

    record = take(installed)

    (bobbys,) = WorkPattern.objects.filter(person=people["bobby"])
    assert bobbys.source == Source.HUBSTAFF and bobbys.week == (Decimal(4),) * 5 + (Decimal(0),) * 2
    (sams,) = WorkPattern.objects.filter(person=people["sam"])
    assert sams.source == Source.MANUAL and sams.hours_per_week == 40  # the Manager's own week stays
    assert record.counts["patterns_set"] == 1
    assert take(installed).counts["patterns_set"] == 0  # nothing changed in Hubstaff: nothing written


def test_another_organizations_taking_leaves_this_one_alone(
    installed: Installation, hs: SandboxClient, people: dict[str, Person]
) -> None:
    other = OrganizationFactory.create(slug="other-co")
    PersonFactory.create(organization=other, full_name="Bobby Elsewhere", email="bobby@acme.test")
    hs.add_holiday(org_id(hs), "Christmas Day", "2026-12-25")
    Holiday.objects.create(
        organization=other, date=date(2026, 12, 24), name="Their own", source=Source.MANUAL
    )

    take(installed)

    assert list(Holiday.objects.filter(organization=other).values_list("name", flat=True)) == ["Their own"]
    assert not TimeOff.objects.filter(organization=other).exists()


def test_a_failure_changes_nothing_and_says_why(
    installed: Installation, hs: SandboxClient, people: dict[str, Person]
) -> None:
    hs.add_holiday(org_id(hs), "Christmas Day", "2026-12-25")
    hs.fault(error_count=200)

    record = availability.import_availability(installed, today=TODAY)

    hs.reset_faults()
    assert record.status == AvailabilityImport.Status.FAILED and "Hubstaff" in record.error
    assert not Holiday.objects.exists()


def test_the_administrator_turns_it_off_and_on_and_sees_what_was_taken(
    installed: Installation,
    hs: SandboxClient,
    admin_client: Client,
    manager_client: Client,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sent: list[tuple[str, list[int]]] = []
    monkeypatch.setattr(availability, "deliver", lambda task, args: sent.append((task, args)))
    take(installed)
    slug = installed.organization.slug
    url = f"/{slug}/integrations/hubstaff/availability/"

    assert manager_client.post(url, {"action": "off"}).status_code in (403, 404)
    page = admin_client.get(f"/{slug}/integrations/hubstaff/").content.decode()
    assert "Time off and holidays from Hubstaff" in page and "0 time off added" in page

    admin_client.post(url, {"action": "off"})
    installed.refresh_from_db()
    assert installed.import_availability is False
    assert availability.installations_to_import() == []
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"action": "on"})
    installed.refresh_from_db()
    assert installed.import_availability is True and sent == [(availability.IMPORT_TASK, [installed.pk])]
