"""Uninstall: credentials and tokens forgotten; project links stop syncing; synced work logs stay."""

import pytest
from django.test import Client

from integrations.models import HubstaffProject, Installation, ProjectLink
from people.models import Organization
from projects.models import Project
from tests.factories import WorkLogFactory
from worklogs.models import WorkLog


def url(org: Organization) -> str:
    return f"/{org.slug}/integrations/hubstaff/uninstall/"


def test_uninstall_forgets_credentials_and_tokens_and_keeps_work_logs(
    admin_client: Client, org: Organization, installation: Installation, project: Project
) -> None:
    HubstaffProject.objects.create(
        organization=org,
        installation=installation,
        hubstaff_id=100,
        name="Project A",
        hubstaff_organization_id=10,
        hubstaff_organization_name="Acme Hubstaff",
    )
    ProjectLink.objects.create(organization=org, project=project, enabled=True, hubstaff_project_ids=[100])
    WorkLogFactory.create(project=project)

    response = admin_client.post(url(org), follow=True)

    assert response.redirect_chain[-1][0] == f"/{org.slug}/integrations/"
    page = response.content.decode()
    assert "Hubstaff was uninstalled" in page and ">Install</a>" in page
    assert not Installation.objects.filter(organization=org).exists()
    assert not HubstaffProject.objects.filter(organization=org).exists()
    assert ProjectLink.objects.filter(project=project).exists()
    assert WorkLog.objects.filter(project=project).count() == 1


def test_the_button_asks_for_confirmation(
    admin_client: Client, org: Organization, installation: Installation
) -> None:
    page = admin_client.get(f"/{org.slug}/integrations/hubstaff/").content.decode()
    assert 'data-confirm="Uninstall Hubstaff?' in page


def test_only_post(admin_client: Client, org: Organization, installation: Installation) -> None:
    assert admin_client.get(url(org)).status_code == 405
    assert Installation.objects.filter(pk=installation.pk).exists()


@pytest.mark.parametrize("client_fixture", ["manager_client", "employee_client"])
def test_only_administrators_can_uninstall(
    request: pytest.FixtureRequest, org: Organization, installation: Installation, client_fixture: str
) -> None:
    assert request.getfixturevalue(client_fixture).post(url(org)).status_code == 403
    assert Installation.objects.filter(pk=installation.pk).exists()


def test_another_organizations_installation_is_untouched(
    admin_client: Client, org: Organization, other_org: Organization, installation: Installation
) -> None:
    theirs = Installation.objects.create(organization=other_org, client_id="globex-app")
    before = Installation.objects.filter(pk=theirs.pk).values().get()
    assert admin_client.post(url(other_org)).status_code == 404
    assert admin_client.post(url(org)).status_code == 302
    assert not Installation.objects.filter(pk=installation.pk).exists(), (
        "our own installation is the one removed"
    )
    assert Installation.objects.filter(pk=theirs.pk).values().get() == before
