"""Missing teammates as they stand now: someone added since the sync is no longer missing, a name that plainly
gives a person is suggested, and a team of thirty is added or linked in one click (Managers, this organization
only)."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import signed_in
from integrations.models import HubstaffProject, HubstaffUserLink, Installation, ProjectLink, SyncRun
from people.models import Invitation, Organization, Person
from people.roles import Role
from projects.models import Project
from tests.factories import PersonFactory, ProjectFactory


@pytest.fixture
def linked(org: Organization, project: Project) -> ProjectLink:
    installation = Installation.objects.create(
        organization=org,
        status="installed",
        access_token="a",
        refresh_token="r",
        access_token_expires_at=timezone.now() + timedelta(hours=1),
    )
    HubstaffProject.objects.create(
        organization=org,
        installation=installation,
        hubstaff_id=200001,
        name="Project A",
        hubstaff_organization_id=100001,
    )
    return ProjectLink.objects.create(
        organization=org, project=project, enabled=True, hubstaff_project_ids=[200001]
    )


def synced_with_missing(project: Project, teammates: list[dict[str, Any]]) -> SyncRun:
    now = timezone.now()
    return SyncRun.objects.create(
        organization=project.organization,
        project=project,
        mode="reset",
        status="succeeded",
        queued_at=now - timedelta(minutes=1),
        finished_at=now,
        missing_teammates=teammates,
    )


def teammate(n: int, name: str, email: str, seconds: int = 3600) -> dict[str, Any]:
    return {"hubstaff_user_id": 9000 + n, "name": name, "email": email, "seconds": seconds, "reason": ""}


def status(client: Client, project: Project) -> str:
    response = client.get(f"/acme/projects/{project.pk}/hubstaff/status/")
    assert response.status_code == 200
    return response.content.decode()


def words(html: str) -> str:
    """The page's text as read: tags dropped, spaces collapsed."""
    inline = re.sub(r"</?(bdi|strong|span|em)\b[^>]*>", "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", inline).split())


def team_of_thirty() -> list[dict[str, Any]]:
    return [teammate(n, f"Teammate {n:02d}", f"mate{n:02d}@hubstaff.example") for n in range(30)]


def test_someone_added_since_the_sync_is_no_longer_missing(
    manager_client: Client, org: Organization, project: Project, linked: ProjectLink
) -> None:
    synced_with_missing(project, [teammate(1, "Dana Ghost", "dana@acme.test", 12 * 3600)])
    assert "Dana Ghost" in status(manager_client, project).split("Missing teammates")[1]
    PersonFactory.create(organization=org, full_name="Dana Ghost", email=" Dana@Acme.test")
    html = status(manager_client, project)
    assert "Missing teammates" not in html
    assert "Added since this sync: Dana Ghost (12.00 h)" in words(html)
    assert "This is …" not in html  # nobody is offered a link to themselves


def test_a_name_that_plainly_gives_one_person_is_suggested(
    manager_client: Client, org: Organization, project: Project, linked: ProjectLink
) -> None:
    PersonFactory.create(organization=org, full_name="Dána  Ghost", email="dana@acme.test")
    synced_with_missing(project, [teammate(1, "dana ghost", "dana.ghost@gmail.example")])
    html = status(manager_client, project)
    assert "Looks like Dána Ghost (dana@acme.test)?" in words(html)
    assert "Yes, link to Dána Ghost" in words(html)


def test_two_people_of_that_name_are_no_suggestion(
    manager_client: Client, org: Organization, project: Project, linked: ProjectLink
) -> None:
    PersonFactory.create(organization=org, full_name="Dana Ghost", email="dana@acme.test")
    PersonFactory.create(organization=org, full_name="Dana Ghost", email="dana2@acme.test")
    synced_with_missing(project, [teammate(1, "Dana Ghost", "dana.ghost@gmail.example")])
    assert "Looks like" not in status(manager_client, project)


def test_another_organizations_people_are_never_suggested(
    manager_client: Client, other_org: Organization, project: Project, linked: ProjectLink
) -> None:
    PersonFactory.create(organization=other_org, full_name="Dana Ghost", email="dana@globex.test")
    synced_with_missing(project, [teammate(1, "Dana Ghost", "dana.ghost@gmail.example")])
    html = status(manager_client, project)
    assert "Looks like" not in html and "globex" not in html


def test_add_all_adds_a_team_of_thirty_as_employees_and_invites_them(
    manager_client: Client, org: Organization, project: Project, linked: ProjectLink
) -> None:
    synced_with_missing(project, team_of_thirty())
    assert "Add all 30 and invite" in status(manager_client, project)
    response = manager_client.post(f"/acme/projects/{project.pk}/hubstaff/missing/add-all/", follow=True)
    assert "30 teammates added as Employees and invited" in response.content.decode()
    added = Person.objects.filter(organization=org, email__endswith="@hubstaff.example")
    assert added.count() == 30 and all(p.roles == [Role.EMPLOYEE] for p in added)
    # Invited as Add person invites one, within its sending limits (people/rate_limits.py); the rest are named.
    invited = Invitation.objects.filter(person__in=added).count()
    assert invited > 0
    if invited < 30:
        assert "Not invited (invite them from People)" in response.content.decode()
    html = status(manager_client, project)
    assert "Missing teammates" not in html and "Added since this sync:" in html
    again = manager_client.post(f"/acme/projects/{project.pk}/hubstaff/missing/add-all/", follow=True)
    assert "already in Primetric" in again.content.decode()
    assert Person.objects.filter(organization=org, email__endswith="@hubstaff.example").count() == 30


def test_link_all_suggested_links_a_team_of_thirty(
    manager_client: Client, org: Organization, project: Project, linked: ProjectLink
) -> None:
    people = {
        n: PersonFactory.create(organization=org, full_name=f"Teammate {n:02d}", email=f"t{n}@acme.test")
        for n in range(30)
    }
    synced_with_missing(project, team_of_thirty())
    assert "Link all 30 suggested" in status(manager_client, project)
    response = manager_client.post(
        f"/acme/projects/{project.pk}/hubstaff/missing/link-suggested/", follow=True
    )
    assert "30 Hubstaff users linked" in response.content.decode()
    links = dict(
        HubstaffUserLink.objects.filter(organization=org).values_list("hubstaff_user_id", "person_id")
    )
    assert links == {9000 + n: person.pk for n, person in people.items()}
    html = status(manager_client, project)
    assert "Link all" not in html and html.count("sync again to bring this time in") == 30


@pytest.mark.parametrize("action", ["add-all", "link-suggested"])
def test_an_employee_cannot_add_or_link_all(
    org: Organization, make_member: Any, project: Project, linked: ProjectLink, action: str
) -> None:
    employee: Person = make_member(org, Role.EMPLOYEE, full_name="Eve Employee", email="eve@acme.test")
    synced_with_missing(project, team_of_thirty())
    response = signed_in(employee).post(f"/acme/projects/{project.pk}/hubstaff/missing/{action}/")
    assert response.status_code == 403
    assert not Person.objects.filter(email__endswith="@hubstaff.example").exists()


@pytest.mark.parametrize("action", ["add-all", "link-suggested"])
def test_another_organizations_project_is_not_found(
    manager_client: Client, other_org: Organization, action: str
) -> None:
    theirs = ProjectFactory.create(organization=other_org, name="Globex project")
    PersonFactory.create(organization=other_org, full_name="Teammate 00", email="t0@globex.test")
    synced_with_missing(theirs, team_of_thirty())
    response = manager_client.post(f"/acme/projects/{theirs.pk}/hubstaff/missing/{action}/")
    assert response.status_code == 404
    assert not Person.objects.filter(email__endswith="@hubstaff.example").exists()
    assert not HubstaffUserLink.objects.exists()
