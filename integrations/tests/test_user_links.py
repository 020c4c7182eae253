"""Linking a Hubstaff user to a person when the e-mails differ: the panel's "This is ...", the person's page,
removal, tenant scoping, and a sync through the sandbox that then gives the user's time to the person."""

import pytest
from django.test import Client

from integrations.models import HubstaffUserLink, SyncRun
from people.models import Organization, Person
from projects.models import Project
from tests.factories import PersonFactory
from worklogs.models import WorkLog

from .test_sync_sandbox import DEMO, hs, installed, link, people, project_a, sandbox_settings, sync_now  # noqa: F401

DANA_EMAIL = (
    "dana@elsewhere.test"  # tracks time in the sandbox's demo; Primetric knows her by another address
)


def dana_seconds() -> int:
    seconds: int = sum(
        r["tracked"]
        for r in DEMO["daily_activities"]
        if r["user"] == DANA_EMAIL and r["project"] == "Project A"
    )
    return seconds


@pytest.fixture
def dana(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Dana Green", email="dana@acme.test")


@pytest.mark.usefixtures("installed")
def test_a_linked_user_whose_email_differs_has_their_time_synced_to_the_person(
    manager_client: Client, request: pytest.FixtureRequest, dana: Person
) -> None:
    project, sandbox = request.getfixturevalue("project_a"), request.getfixturevalue("hs")
    link(project, sandbox, "Project A")
    first = sync_now(project)
    (missing,) = first.missing_teammates
    assert missing["email"] == DANA_EMAIL and not WorkLog.objects.filter(person=dana).exists()

    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    assert "This is …" in page and "Dana Green" in page
    response = manager_client.post(
        f"/acme/projects/{project.pk}/hubstaff/link-user/",
        {"hubstaff_user_id": missing["hubstaff_user_id"], "name": missing["name"], "person": dana.pk},
    )
    assert response.status_code == 302
    saved = HubstaffUserLink.objects.get(made_by="hand")
    assert (saved.hubstaff_user_id, saved.person, saved.hubstaff_user_name) == (
        missing["hubstaff_user_id"],
        dana,
        "Dana Ghost",
    )
    page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    assert "Linked to <bdi>Dana Green</bdi>" in page

    second = sync_now(project)
    assert second.missing_teammates == []
    assert sum(
        WorkLog.objects.filter(person=dana, project=project).values_list("duration_seconds", flat=True)
    ) == (dana_seconds())
    # Every later sync keeps using the link: an incremental one changes nothing.
    third = sync_now(project, mode="incremental")
    assert (third.missing_teammates, third.worklogs_deleted) == ([], 0)


def test_the_persons_page_shows_the_link_and_removes_it(
    all_roles_client: Client, org: Organization, dana: Person
) -> None:
    saved = HubstaffUserLink.objects.create(
        organization=org, hubstaff_user_id=77, hubstaff_user_name="Dana Ghost", person=dana
    )
    page = all_roles_client.get(f"/acme/people/{dana.pk}/edit/").content.decode()
    assert "<bdi>Dana Ghost</bdi> · matched by hand" in page
    response = all_roles_client.post(f"/acme/integrations/hubstaff/user-links/{saved.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == f"/acme/people/{dana.pk}/edit/"
    assert not HubstaffUserLink.objects.exists()
    assert "matched by hand" not in all_roles_client.get(f"/acme/people/{dana.pk}/edit/").content.decode()


def test_a_person_of_another_organization_is_refused(
    manager_client: Client, project: Project, other_org: Organization
) -> None:
    stranger = PersonFactory.create(organization=other_org, full_name="Gus Globex", email="gus@globex.test")
    response = manager_client.post(
        f"/acme/projects/{project.pk}/hubstaff/link-user/",
        {"hubstaff_user_id": 5, "name": "Gus", "person": stranger.pk},
        follow=True,
    )
    assert "Choose a person of this organization." in response.content.decode()
    assert not HubstaffUserLink.objects.exists()


def test_another_organizations_project_and_link_are_404(
    manager_client: Client, other_project: Project, other_org: Organization
) -> None:
    stranger = PersonFactory.create(organization=other_org)
    theirs = HubstaffUserLink.objects.create(organization=other_org, hubstaff_user_id=5, person=stranger)
    response = manager_client.post(
        f"/acme/projects/{other_project.pk}/hubstaff/link-user/",
        {"hubstaff_user_id": 5, "person": stranger.pk},
    )
    assert response.status_code == 404
    assert (
        manager_client.post(f"/acme/integrations/hubstaff/user-links/{theirs.pk}/remove/").status_code == 404
    )
    assert HubstaffUserLink.objects.filter(pk=theirs.pk).exists()


def test_only_managers_link(employee_client: Client, project: Project, org: Organization) -> None:
    person = PersonFactory.create(organization=org)
    response = employee_client.post(
        f"/acme/projects/{project.pk}/hubstaff/link-user/", {"hubstaff_user_id": 5, "person": person.pk}
    )
    assert response.status_code == 403
    assert not HubstaffUserLink.objects.exists()


def test_linking_again_replaces_the_users_link(
    manager_client: Client, project: Project, org: Organization, dana: Person
) -> None:
    other = PersonFactory.create(organization=org)
    for person in (dana, other):
        manager_client.post(
            f"/acme/projects/{project.pk}/hubstaff/link-user/", {"hubstaff_user_id": 5, "person": person.pk}
        )
    assert list(HubstaffUserLink.objects.values_list("hubstaff_user_id", "person")) == [(5, other.pk)]


def test_sync_runs_are_untouched_by_linking(manager_client: Client, project: Project, dana: Person) -> None:
    # Linking records the link only: nothing is synced until the next sync.
    manager_client.post(
        f"/acme/projects/{project.pk}/hubstaff/link-user/", {"hubstaff_user_id": 5, "person": dana.pk}
    )
    assert not SyncRun.objects.exists()
