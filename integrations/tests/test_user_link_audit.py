"""Who linked whom: linking a Hubstaff user to a person, or removing a link, is recorded in the organization's audit
trail, shown on the pages of both people whose hours it moves, and e-mailed to them; tenant-scoped."""

import html

import pytest
from django.core import mail as outbox
from django.db import IntegrityError, connection, transaction
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks

from conftest import signed_in
from integrations.models import HubstaffUserLink
from integrations.services.user_links import link_user
from people import audit
from people import mail as people_mail
from people.models import AuditEvent, Organization, Person
from projects.models import Project
from tests.factories import PersonFactory

LINK_PAGE = "/acme/projects/{project}/hubstaff/link-user/"
REMOVE_PAGE = "/acme/integrations/hubstaff/user-links/{link}/remove/"


@pytest.fixture
def dana(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Dana Green", email="dana@acme.test")


@pytest.fixture
def danas_match(org: Organization, dana: Person) -> HubstaffUserLink:
    """Dana's Hubstaff user, kept by a sync's e-mail match."""
    return HubstaffUserLink.objects.create(
        organization=org,
        hubstaff_user_id=77,
        hubstaff_user_name="Dana Ghost",
        hubstaff_user_email="dana@acme.test",
        made_by=HubstaffUserLink.MadeBy.EMAIL,
        person=dana,
    )


def page_text(client: Client, person: Person) -> str:
    """The person's page (the Administrators'), its whitespace collapsed."""
    return " ".join(client.get(f"/acme/people/{person.pk}/edit/").content.decode().split())


def to(address: str) -> list[str]:
    return [m.subject + "\n" + str(m.body) for m in outbox.outbox if m.to == [address]]


def test_a_manager_taking_someones_hubstaff_time_is_recorded_shown_on_both_pages_and_told_to_both(
    manager: Person,
    manager_client: Client,
    admin_client: Client,
    project: Project,
    dana: Person,
    danas_match: HubstaffUserLink,
) -> None:
    response = manager_client.post(
        LINK_PAGE.format(project=project.pk),
        {"hubstaff_user_id": 77, "name": "Dana Ghost", "person": manager.pk},
        follow=True,
    )
    said = "is told by e-mail, and the change is in the organization's audit trail"
    assert said in html.unescape(response.content.decode())
    assert HubstaffUserLink.objects.get(hubstaff_user_id=77).person == manager

    (event,) = AuditEvent.objects.all()
    assert (event.organization, event.actor, event.action, event.person, event.former_person) == (
        project.organization,
        manager,
        AuditEvent.Action.HUBSTAFF_USER_LINKED,
        manager,
        dana,
    )
    said = (
        "<bdi>Max Manager</bdi> linked the Hubstaff user <bdi>Dana Ghost</bdi> (#77) to "
        "<bdi>Max Manager</bdi>; until then it was <bdi>Dana Green</bdi>'s."
    )
    for person in (manager, dana):
        assert said in page_text(admin_client, person), person

    (to_dana,) = to("dana@acme.test")
    assert "Whose Hubstaff time counts as yours has changed" in to_dana
    assert "Max Manager linked the Hubstaff user Dana Ghost (#77) to Max Manager in Acme." in to_dana
    assert "synced as Max Manager's work logs, no longer as yours" in to_dana
    (to_max,) = to("max@acme.test")
    assert "synced as your work logs; until now it was Dana Green's" in to_max


def test_removing_a_link_is_recorded_shown_and_told(
    manager: Person,
    admin_client: Client,
    dana: Person,
    danas_match: HubstaffUserLink,
) -> None:
    response = signed_in(manager).post(REMOVE_PAGE.format(link=danas_match.pk))
    assert response.status_code == 302 and not HubstaffUserLink.objects.exists()
    (event,) = AuditEvent.objects.all()
    assert (event.actor, event.action, event.person, event.former_person) == (
        manager,
        AuditEvent.Action.HUBSTAFF_USER_UNLINKED,
        dana,
        None,
    )
    page = page_text(admin_client, dana)
    assert (
        "removed the link of the Hubstaff user <bdi>Dana Ghost</bdi> (#77) to <bdi>Dana Green</bdi>." in page
    )
    (to_dana,) = to("dana@acme.test")
    assert "Max Manager removed the link of the Hubstaff user Dana Ghost (#77) to you in Acme." in to_dana


def test_linking_through_the_api_is_recorded_and_told(manager: Person, dana: Person) -> None:
    from conftest import token_client

    response = token_client(manager).post(
        "/api/v1/orgs/acme/hubstaff/user-links/",
        {"hubstaff_user_id": 78, "person": dana.pk},
        format="json",
    )
    assert response.status_code == 201
    (event,) = AuditEvent.objects.all()
    assert (event.actor, event.person, event.former_person) == (manager, dana, None)
    (to_dana,) = to("dana@acme.test")
    assert "Max Manager linked the Hubstaff user  (#78) to you in Acme." in to_dana
    assert token_client(manager).delete(f"/api/v1/orgs/acme/hubstaff/user-links/{response.json()['id']}/")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.HUBSTAFF_USER_UNLINKED, person=dana).exists()
    assert len(to("dana@acme.test")) == 2


def test_linking_the_same_person_again_records_nothing(
    manager_client: Client, project: Project, dana: Person, danas_match: HubstaffUserLink
) -> None:
    manager_client.post(LINK_PAGE.format(project=project.pk), {"hubstaff_user_id": 77, "person": dana.pk})
    assert HubstaffUserLink.objects.get(hubstaff_user_id=77).made_by == HubstaffUserLink.MadeBy.HAND
    assert not AuditEvent.objects.exists()


def test_a_person_page_shows_only_its_organizations_entries_about_that_person(
    admin_client: Client, org: Organization, other_org: Organization, dana: Person, manager: Person
) -> None:
    someone = PersonFactory.create(organization=org, full_name="Sam Smith")
    audit.record(org, actor=manager, action=AuditEvent.Action.HUBSTAFF_USER_LINKED, person=someone)
    stranger = PersonFactory.create(organization=other_org, full_name="Globex Person")
    theirs = audit.record(
        other_org, actor=None, action=AuditEvent.Action.HUBSTAFF_USER_LINKED, person=stranger
    )
    page = page_text(admin_client, dana)
    assert "Audit trail" not in page and "Sam Smith" not in page
    assert "Audit trail" in page_text(admin_client, someone)
    assert list(audit.entries_about(org, stranger)) == []
    assert list(audit.entries_about(other_org, stranger)) == [theirs]
    assert admin_client.get(f"/acme/people/{stranger.pk}/edit/").status_code == 404


def test_another_organizations_ids_change_nothing_and_record_nothing(
    manager_client: Client,
    project: Project,
    other_project: Project,
    other_org: Organization,
) -> None:
    stranger = PersonFactory.create(organization=other_org, email="stranger@globex.test")
    theirs = HubstaffUserLink.objects.create(organization=other_org, hubstaff_user_id=5, person=stranger)
    their_person = manager_client.post(
        LINK_PAGE.format(project=project.pk), {"hubstaff_user_id": 9, "person": stranger.pk}, follow=True
    )
    their_project = manager_client.post(
        LINK_PAGE.format(project=other_project.pk), {"hubstaff_user_id": 9, "person": stranger.pk}
    )
    their_link = manager_client.post(REMOVE_PAGE.format(link=theirs.pk))
    assert "Choose a person of this organization." in their_person.content.decode()
    assert (their_project.status_code, their_link.status_code) == (404, 404)
    assert HubstaffUserLink.objects.filter(pk=theirs.pk, person=stranger).exists()
    assert not AuditEvent.objects.exists() and outbox.outbox == []


def test_an_entry_naming_another_organizations_person_is_refused(
    org: Organization, other_org: Organization, manager: Person
) -> None:
    stranger = PersonFactory.create(organization=other_org)
    with pytest.raises(ValueError):
        audit.record(org, actor=manager, action=AuditEvent.Action.HUBSTAFF_USER_LINKED, person=stranger)
    # And the database refuses it whatever the code above it does (tenant keys).
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        AuditEvent.objects.create(
            organization=org, action=AuditEvent.Action.HUBSTAFF_USER_LINKED, person=stranger
        )


def test_a_link_that_is_rolled_back_leaves_no_entry_and_tells_nobody(
    monkeypatch: pytest.MonkeyPatch,
    org: Organization,
    manager: Person,
    dana: Person,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    # The real queue: e-mails are sent after the commit only.
    monkeypatch.setattr(people_mail, "on_commit", transaction.on_commit)
    with (
        django_capture_on_commit_callbacks(execute=True) as sent_at_commit,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        link_user(org, hubstaff_user_id=77, person_id=dana.pk, actor=manager)
        raise RuntimeError("the request fails after linking")
    assert (sent_at_commit, outbox.outbox) == ([], [])
    assert not AuditEvent.objects.exists() and not HubstaffUserLink.objects.exists()
    with django_capture_on_commit_callbacks(execute=True) as sent_at_commit:
        link_user(org, hubstaff_user_id=77, person_id=dana.pk, actor=manager)
        assert outbox.outbox == []  # not before the commit
    assert len(sent_at_commit) == 1 and [m.to for m in outbox.outbox] == [["dana@acme.test"]]
