"""The admin's project link: its settings through the panel's form and update_link, as on the project page."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from integrations.models import HubstaffProject, Installation, LinkedHubstaffProject, ProjectLink
from projects.models import Project


@pytest.fixture
def operator(db: None) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@ops.test", "-"))
    return client


def admin_link(project: Project) -> tuple[ProjectLink, str]:
    installation = Installation.objects.create(organization=project.organization, status="installed")
    HubstaffProject.objects.create(
        organization=project.organization,
        installation=installation,
        hubstaff_id=200001,
        name="Project A",
        hubstaff_organization_id=100001,
    )
    link = ProjectLink.objects.create(organization=project.organization, project=project)
    return link, f"/admin/integrations/projectlink/{link.pk}/change/"


def test_the_admin_refuses_what_the_panel_refuses(operator: Client, project: Project) -> None:
    link, url = admin_link(project)
    assert operator.get(url).status_code == 200
    response = operator.post(url, {"enabled": "on", "count_work_breaks": "on"})
    assert "Select at least one Hubstaff project to sync from." in response.content.decode()
    link.refresh_from_db()
    assert not link.enabled


def test_the_admin_saves_through_update_link(operator: Client, project: Project) -> None:
    link, url = admin_link(project)
    response = operator.post(url, {"enabled": "on", "hubstaff_project_ids": ["200001"]})
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.enabled, link.hubstaff_project_ids, link.next_sync_due_at is not None) == (
        True,
        [200001],
        True,
    )
    assert list(
        LinkedHubstaffProject.objects.filter(link=link).values_list("hubstaff_project_id", flat=True)
    ) == [200001]
