"""A new organization's home lists the steps to synced hours, ticks each as it is done, and goes once all are."""

import re
from collections.abc import Callable

import pytest
from django.apps import apps
from django.test import Client

from people.models import Invitation, Organization, Person
from people.roles import Role
from tests.factories import PersonFactory, ProjectFactory

# The integrations app sits above people: its models are reached by name.
Installation = apps.get_model("integrations", "Installation")
ProjectLink = apps.get_model("integrations", "ProjectLink")


@pytest.fixture
def founder(org: Organization, make_member: Callable[..., Person]) -> Person:
    founder: Person = make_member(
        org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Fay Founder", email="fay@acme.test"
    )
    return founder


def checklist(client: Client) -> tuple[str, list[tuple[str, str, str]]]:
    """(progress, [(state, href, label)]) of the home's checklist; ("", []) when it is not shown."""
    page = client.get("/acme/").content.decode()
    progress = re.search(r'id="first-day-progress">([^<]+)<', page)
    steps = re.findall(r'<li class="(done|todo)">.*?<a href="([^"]+)">([^<]+)</a>', page, re.S)
    return (progress.group(1) if progress else ""), steps


@pytest.mark.django_db
def test_a_new_organization_shows_four_steps_none_done(founder: Person) -> None:
    from conftest import signed_in

    progress, steps = checklist(signed_in(founder))
    assert progress == "0 of 4 done"
    assert steps == [
        ("todo", "/acme/integrations/hubstaff/", "Install Hubstaff"),
        ("todo", "/acme/projects/new/", "Create or import a project"),
        ("todo", "/acme/projects/", "Link it to a Hubstaff project"),
        ("todo", "/acme/people/new/", "Invite your team"),
    ]


@pytest.mark.django_db
def test_each_step_ticks_itself_and_the_list_goes_when_all_are_done(
    founder: Person, org: Organization, other_org: Organization
) -> None:
    from conftest import signed_in

    client = signed_in(founder)
    # Another organization's progress counts for nothing here.
    Installation.objects.create(organization=other_org, status="installed")
    other_project = ProjectFactory.create(organization=other_org)
    ProjectLink.objects.create(
        organization=other_org, project=other_project, enabled=True, hubstaff_project_ids=[1]
    )
    assert checklist(client)[0] == "0 of 4 done"

    Installation.objects.create(organization=org, status="pending")
    assert checklist(client)[0] == "0 of 4 done"  # not authorized yet
    Installation.objects.filter(organization=org).update(status="installed")
    project = ProjectFactory.create(organization=org, name="Website")
    progress, steps = checklist(client)
    assert progress == "2 of 4 done"
    assert [s[0] for s in steps] == ["done", "done", "todo", "todo"]
    assert steps[2][1] == f"/acme/projects/{project.pk}/#integration-settings"

    link = ProjectLink.objects.create(
        organization=org, project=project, enabled=True, hubstaff_project_ids=[]
    )
    assert checklist(client)[0] == "2 of 4 done"  # ticked, but no Hubstaff project chosen
    link.hubstaff_project_ids = [7]
    link.save()
    PersonFactory.create(organization=org, email="new@acme.test")  # added, not invited
    assert checklist(client)[0] == "3 of 4 done"
    teammate = Person.objects.get(email="new@acme.test")
    Invitation.objects.create(
        organization=org,
        person=teammate,
        email=teammate.email,
        key_digest="x" * 64,
        expires_at="2100-01-01T00:00Z",
    )
    assert checklist(client) == ("", [])


@pytest.mark.django_db
def test_employees_see_no_checklist(employee_client: Client) -> None:
    assert checklist(employee_client) == ("", [])


@pytest.mark.django_db
def test_a_step_of_another_role_says_whose_it_is(manager_client: Client) -> None:
    page = manager_client.get("/acme/").content.decode()
    assert "an Administrator's step" in page  # Install Hubstaff, Invite your team
    assert "a Manager's step" not in page
