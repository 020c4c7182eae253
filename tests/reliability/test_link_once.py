"""A Hubstaff project feeds one project of an organization at a time (issue 15, case 8).

Linked twice, every hour of it would count twice in planned-vs-logged, My work and the exports. The Integration
settings and the API refuse a second link, naming the project that holds it; the database refuses it too, so that
two saves at the same moment cannot both win.
"""

import threading
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from api.tests.conftest import url
from conftest import token_client
from integrations.models import LinkedHubstaffProject, ProjectLink
from integrations.services import links
from integrations.services.installation import refresh_hubstaff_projects
from integrations.services.links import update_link
from tests.factories import ProjectFactory

SETTINGS = {"enabled": True, "prevent_new_assignments": False, "trim_assignments": False}


@pytest.fixture
def project_b(org):
    return ProjectFactory(organization=org, name="Project B")


def test_the_integration_settings_refuse_a_second_link(project_a, project_b, hs, manager_client):
    project_a_id = hs.ids()["projects"]["Project A"]
    response = manager_client.post(
        f"/acme/projects/{project_b.pk}/hubstaff/settings/",
        {"enabled": "on", "hubstaff_project_ids": [project_a_id]},
        follow=True,
    )
    page = unescape(response.content.decode())
    assert "The Hubstaff project “Project A” is already linked to the project “Project A”" in page
    assert not ProjectLink.objects.filter(project=project_b, enabled=True).exists()
    assert list(LinkedHubstaffProject.objects.values_list("link__project", flat=True)) == [project_a.pk]


def test_the_api_refuses_a_second_link_naming_the_project_that_holds_it(project_a, project_b, hs, manager):
    project_a_id = hs.ids()["projects"]["Project A"]
    response = token_client(manager).put(
        url(f"projects/{project_b.pk}/hubstaff/"),
        {**SETTINGS, "hubstaff_project_ids": [project_a_id]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["hubstaff_project_ids"] == [
        "The Hubstaff project “Project A” is already linked to the project “Project A”: a Hubstaff project feeds "
        "one project at a time."
    ]
    assert not ProjectLink.objects.filter(project=project_b).exists()


def test_unlinking_frees_the_hubstaff_project_for_another_project(project_a, project_b, hs):
    project_a_id = hs.ids()["projects"]["Project A"]
    update_link(project_a, **{**SETTINGS, "enabled": False}, hubstaff_project_ids=[])
    link = update_link(project_b, **SETTINGS, hubstaff_project_ids=[project_a_id])
    assert list(LinkedHubstaffProject.objects.values_list("link", "hubstaff_project_id")) == [
        (link.pk, project_a_id)
    ]


def test_another_organization_may_link_the_same_hubstaff_project(project_a, other_org, hs):
    other = ProjectFactory(organization=other_org, name="Globex A")
    other_link = ProjectLink.objects.create(organization=other_org, project=other)
    LinkedHubstaffProject.objects.create(
        organization=other_org, link=other_link, hubstaff_project_id=hs.ids()["projects"]["Project A"]
    )


def test_the_database_refuses_a_second_link_written_directly(project_a, project_b, hs):
    """What two saves racing come down to: the second row of the same Hubstaff project in the organization."""
    link_b = ProjectLink.objects.create(organization=project_b.organization, project=project_b)
    with pytest.raises(IntegrityError), transaction.atomic():
        LinkedHubstaffProject.objects.create(
            organization=project_b.organization,
            link=link_b,
            hubstaff_project_id=hs.ids()["projects"]["Project A"],
        )


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_link_it_once(org, hs, installed):
    """Two managers link the same Hubstaff project to two projects at once (two connections): one wins, the other
    is told which project holds it."""
    hubstaff_id = hs.ids()["projects"]["Project A"]
    refresh_hubstaff_projects(installed)
    projects = [ProjectFactory(organization=org, name=name) for name in ("First", "Second")]
    both_in = threading.Barrier(2)
    outcomes = {}

    def save(project):
        try:
            with transaction.atomic():
                link = ProjectLink.objects.create(organization=org, project=project)
                both_in.wait(timeout=10)  # both transactions are open before either inserts
                links._link_hubstaff_projects(link, [hubstaff_id])
            outcomes[project.name] = "linked"
        except (ValidationError, IntegrityError) as exc:
            outcomes[project.name] = str(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(project,)) for project in projects]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()).count("linked") == 1, outcomes
    refused = next(v for v in outcomes.values() if v != "linked")
    assert "is already linked to the project" in refused, refused
    assert LinkedHubstaffProject.objects.filter(hubstaff_project_id=hubstaff_id).count() == 1
