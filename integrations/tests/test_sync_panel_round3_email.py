"""Before a person's e-mail changes or a kept match of theirs is removed, the person's page says what the next sync
does to their synced hours; against the sandbox, the next sync does what it said."""

from datetime import date
from typing import Any

import pytest
from django.test import Client

from conftest import signed_in
from integrations.models import HubstaffUserLink
from integrations.services.email_change import (
    LEAVE,
    MOVE,
    STAY,
    after_email_change,
    after_link_removed,
)
from people.models import Organization, Person
from people.roles import Role
from people.warnings import email_change_warnings
from projects.models import Project
from tests.factories import PersonFactory, ProjectFactory, WorkLogFactory
from worklogs.models import WorkLog

from .test_sync_sandbox import TODAY, hs, installed, link, sandbox_settings, sync_now  # noqa: F401


def synced(person: Person, project: Project, user: int, hours: list[float]) -> None:
    for day, h in enumerate(hours, start=1):
        WorkLogFactory.create(
            project=project,
            person=person,
            date=date(2026, 2, day),
            duration_seconds=int(h * 3600),
            source="hubstaff",
            source_key=f"hubstaff:700:{user}:2026-02-{day:02d}",
        )


@pytest.fixture
def dana(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Dana Ghost", email="dana@acme.test")


def test_hours_matched_by_e_mail_only_would_leave_with_the_e_mail(org: Organization, dana: Person) -> None:
    project_a = ProjectFactory.create(organization=org, name="Project A")
    synced(dana, project_a, 11, [8, 8, 1])
    [at_stake] = after_email_change(dana, "dana.ghost@acme.test")
    assert (at_stake.fate, at_stake.sentence()) == (LEAVE, "17.00 h on Project A would leave")
    assert after_email_change(dana, " DANA@acme.test")[0].fate == STAY  # the same e-mail, written otherwise


def test_hours_of_a_kept_match_stay_whatever_the_e_mail(org: Organization, dana: Person) -> None:
    project_a = ProjectFactory.create(organization=org, name="Project A")
    project_b = ProjectFactory.create(organization=org, name="Project B")
    synced(dana, project_a, 11, [8, 8, 1])
    synced(dana, project_b, 12, [2])
    HubstaffUserLink.objects.create(organization=org, hubstaff_user_id=11, person=dana, made_by="email")
    said = [h.sentence() for h in after_email_change(dana, "dana.ghost@acme.test")]
    assert said == ["2.00 h on Project B would leave", "17.00 h on Project A stay"]
    assert "17.00 h on Project A stay" in email_change_warnings(dana)[0]


def test_removing_a_match_says_where_the_hours_go(org: Organization, dana: Person) -> None:
    project_a = ProjectFactory.create(organization=org, name="Project A")
    synced(dana, project_a, 11, [8, 8, 1])
    kept = HubstaffUserLink.objects.create(
        organization=org,
        hubstaff_user_id=11,
        person=dana,
        made_by="email",
        hubstaff_user_email="dana@acme.test",
    )
    assert [h.fate for h in after_link_removed(kept)] == [STAY]
    kept.hubstaff_user_email = "dana@old.test"
    assert [h.sentence() for h in after_link_removed(kept)] == ["17.00 h on Project A would leave"]
    PersonFactory.create(organization=org, full_name="Dana Old", email="Dana@old.test")
    assert [(h.fate, h.sentence()) for h in after_link_removed(kept)] == [
        (MOVE, "17.00 h on Project A would move to Dana Old")
    ]
    by_hand = HubstaffUserLink(organization=org, hubstaff_user_id=11, person=dana, made_by="hand")
    assert [h.fate for h in after_link_removed(by_hand)] == [LEAVE]


def test_the_persons_page_warns_before_the_e_mail_is_changed_and_beside_remove(
    org: Organization, make_member: Any, dana: Person
) -> None:
    admin = make_member(org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Ada Admin", email="ada@acme.test")
    project_a = ProjectFactory.create(organization=org, name="Project A")
    synced(dana, project_a, 11, [8, 8, 1])
    page = signed_in(admin).get(f"/acme/people/{dana.pk}/edit/").content.decode()
    assert "Before you change the e-mail:" in page and "17.00 h on Project A would leave" in page
    # beside the e-mail field itself, before the form is saved
    beside = page[
        page.index('id="email-change-warning"') : page.index(
            "</div>", page.index('id="email-change-warning"')
        )
    ]
    assert "17.00 h on Project A would leave" in beside
    HubstaffUserLink.objects.create(
        organization=org, hubstaff_user_id=11, person=dana, made_by="hand", hubstaff_user_name="Dana G"
    )
    page = signed_in(admin).get(f"/acme/people/{dana.pk}/edit/").content.decode()
    assert "moves none of their synced hours: 17.00 h on Project A stay" in page
    assert "Removing it:</strong> 17.00 h on Project A would leave" in page


def test_another_organizations_hours_are_never_counted(
    org: Organization, other_org: Organization, dana: Person
) -> None:
    theirs = PersonFactory.create(organization=other_org, full_name="Dana Ghost", email="dana@acme.test")
    synced(theirs, ProjectFactory.create(organization=other_org, name="Globex"), 11, [5])
    assert after_email_change(dana, "new@acme.test") == []


@pytest.mark.usefixtures("installed")
def test_the_next_sync_does_what_the_warning_said(org: Organization, hs: Any, client: Client) -> None:  # noqa: F811
    bobby = PersonFactory.create(organization=org, full_name="Bobby Brown", email="bobby@acme.test")
    project_a = ProjectFactory.create(
        organization=org, name="Project A", start_date=date(2026, 1, 1), end_date=date(2026, 9, 22)
    )
    link(project_a, hs, "Project A")
    sync_now(project_a)
    hours = WorkLog.objects.filter(person=bobby, project=project_a).count()
    assert hours > 0
    # The first sync kept his match: an e-mail change moves nothing, and a reset after it agrees.
    [stays] = after_email_change(bobby, "bobby.brown@acme.test")
    assert stays.fate == STAY
    bobby.email = "bobby.brown@acme.test"
    bobby.save()
    sync_now(project_a)
    assert WorkLog.objects.filter(person=bobby, project=project_a).count() == hours
    # Without the kept match, the same change would lose them: said before, done by the reset.
    bobby.email = "bobby@acme.test"
    bobby.save()
    HubstaffUserLink.objects.filter(person=bobby).delete()
    [leaves] = after_email_change(bobby, "bobby.brown@acme.test")
    assert leaves.fate == LEAVE
    seconds = sum(
        WorkLog.objects.filter(person=bobby, project=project_a).values_list("duration_seconds", flat=True)
    )
    assert leaves.seconds == seconds
    bobby.email = "bobby.brown@acme.test"
    bobby.save()
    sync_now(project_a)
    assert not WorkLog.objects.filter(person=bobby, project=project_a).exists()
