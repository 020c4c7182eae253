"""A Hubstaff project's hours count once, even after its link moves from one project to another.

Through the Integration settings panel (Django's test client), against the sandbox over real HTTP: the demo's
Hubstaff "Project B" holds 25.9 h of Bobby's.
"""

import json
from collections.abc import Iterator
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.test import Client
from pytest_django import Settings

from conftest import point_hubstaff_at, token_client
from hubstaff_sandbox.testing import DEMO_SCENARIO, SandboxClient
from integrations.models import Installation, ProjectLink, SyncRun
from integrations.services import sync
from integrations.services.installation import connect_with_personal_access_token
from integrations.services.links import update_link
from people.models import Organization, Person
from projects.models import Project
from tests.factories import PersonFactory, ProjectFactory, WorkLogFactory
from worklogs import locks
from worklogs.models import WorkLog

DEMO = json.loads(DEMO_SCENARIO.read_text())
TODAY = date(2026, 11, 24)
BOBBY_ON_HUBSTAFF_B = sum(
    r["tracked"]
    for r in DEMO["daily_activities"]
    if r["project"] == "Project B" and r["user"] == "bobby@acme.test"
)


@pytest.fixture
def hs(sandbox: SandboxClient, settings: Settings) -> Iterator[SandboxClient]:
    point_hubstaff_at(settings, sandbox, HUBSTAFF_MAX_RETRY_AFTER=0.5)
    sandbox.load(DEMO)
    sandbox.reset_faults()
    yield sandbox
    sandbox.reset_faults()


@pytest.fixture
def installed(org: Organization, hs: SandboxClient) -> Installation:
    return connect_with_personal_access_token(org, hs.create_pat("alice@acme.test"))


@pytest.fixture
def bobby(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Bobby Brown", email="bobby@acme.test")


def new_project(org: Organization, name: str) -> Project:
    return ProjectFactory.create(
        organization=org, name=name, start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)
    )


@pytest.fixture
def website(org: Organization) -> Project:
    return new_project(org, "Website")


@pytest.fixture
def support(org: Organization) -> Project:
    return new_project(org, "Support")


def hubstaff_b(hs: SandboxClient) -> int:
    project_id: int = hs.ids()["projects"]["Project B"]
    return project_id


def url(project: Project, action: str) -> str:
    return f"/{project.organization.slug}/projects/{project.pk}/hubstaff/{action}/"


def page(client: Client, project: Project) -> str:
    return client.get(f"/{project.organization.slug}/projects/{project.pk}/").content.decode()


def save(client: Client, project: Project, *hubstaff_ids: int, **extra: str) -> str:
    """Post the panel's Integration settings; returns where the save redirected to."""
    data: dict[str, object] = {"hubstaff_project_ids": [str(i) for i in hubstaff_ids], **extra}
    response = client.post(url(project, "settings"), data)
    assert response.status_code == 302
    return str(response["Location"])


def run_queued_sync(project: Project) -> SyncRun:
    """Carry out the project's queued run as a worker would, to its end."""
    queued = SyncRun.objects.get(project=project, status="queued")
    run = sync.run_sync(queued.pk, today=TODAY, parts=sync.Parts())
    assert run is not None and run.status == "succeeded", run and run.error
    return run


def synced_seconds(organization: Organization, **filters: object) -> int:
    logs = WorkLog.objects.filter(organization=organization, source="hubstaff", **filters)
    seconds: int = logs.aggregate(s=Sum("duration_seconds"))["s"] or 0
    return seconds


def website_synced_from_hubstaff_b(manager_client: Client, website: Project, hs: SandboxClient) -> None:
    save(manager_client, website, hubstaff_b(hs), enabled="on")
    manager_client.post(url(website, "sync"))
    run_queued_sync(website)
    assert synced_seconds(website.organization, project=website) == BOBBY_ON_HUBSTAFF_B


def test_moving_a_hubstaff_project_to_another_project_counts_its_hours_once(
    manager_client: Client,
    installed: Installation,
    bobby: Person,
    website: Project,
    support: Project,
    hs: SandboxClient,
) -> None:
    website_synced_from_hubstaff_b(manager_client, website, hs)
    # The Manager turns Hubstaff off on Website and unselects the Hubstaff project, keeping the logs for now.
    save(manager_client, website)
    assert synced_seconds(website.organization, project=website) == BOBBY_ON_HUBSTAFF_B

    # Linking it to Support says who holds its hours, and saves nothing yet.
    save(manager_client, support, hubstaff_b(hs), enabled="on")
    offer = page(manager_client, support)
    assert "Not saved yet." in offer
    assert (
        "<strong>25.9 h</strong> (7 work logs) of “<bdi>Project B</bdi>” in the project “<bdi>Website</bdi>”"
        in offer
    )
    assert "Move the work logs here and save" in offer
    assert not ProjectLink.objects.filter(project=support, enabled=True).exists()

    # Moving them: gone from Website in the same save, and Support's reset (queued at once) brings them in.
    save(manager_client, support, hubstaff_b(hs), enabled="on", move_worklogs="yes")
    assert synced_seconds(website.organization, project=website) == 0
    run = run_queued_sync(support)
    assert run.mode == "reset"
    assert synced_seconds(support.organization, project=support) == BOBBY_ON_HUBSTAFF_B
    assert synced_seconds(support.organization) == BOBBY_ON_HUBSTAFF_B  # counted once in the organization
    assert "still holds" not in page(manager_client, website)


def test_cancelling_the_move_keeps_the_hours_where_they_are_and_links_nothing(
    manager_client: Client,
    installed: Installation,
    bobby: Person,
    website: Project,
    support: Project,
    hs: SandboxClient,
) -> None:
    website_synced_from_hubstaff_b(manager_client, website, hs)
    save(manager_client, website)
    save(manager_client, support, hubstaff_b(hs), enabled="on")
    # Cancel is a link back to the page: the next look at the panel shows neither the offer nor a saved link.
    assert "Not saved yet." in page(manager_client, support)
    assert "Not saved yet." not in page(manager_client, support)
    assert get_selection(support) == []
    assert synced_seconds(website.organization) == BOBBY_ON_HUBSTAFF_B


def get_selection(project: Project) -> list[int]:
    link = ProjectLink.objects.filter(project=project).first()
    return list(link.hubstaff_project_ids) if link else []


def test_turning_hubstaff_off_offers_to_clear_the_synced_hours(
    manager_client: Client, installed: Installation, bobby: Person, website: Project, hs: SandboxClient
) -> None:
    website_synced_from_hubstaff_b(manager_client, website, hs)
    manual = WorkLogFactory.create(project=website, person=bobby, duration_seconds=3600)

    where = save(manager_client, website, hubstaff_b(hs))  # Hubstaff unticked, Project B still selected
    assert where.endswith("#left-behind")
    offer = page(manager_client, website)
    assert (
        "This project still holds <strong>25.9 h</strong> of work logs synced from Hubstaff, which is off"
        in offer
    )
    assert "Clear these 25.9 h (Clear data)" in offer

    response = manager_client.post(url(website, "clear"), follow=True)
    assert "Clear data: 7 synced work logs deleted; manual work logs were kept." in response.content.decode()
    assert synced_seconds(website.organization) == 0
    assert WorkLog.objects.filter(pk=manual.pk).exists()
    assert "Clear these" not in page(manager_client, website)


def test_unselecting_one_of_two_hubstaff_projects_offers_the_reset_that_removes_its_hours(
    manager_client: Client, installed: Installation, bobby: Person, website: Project, hs: SandboxClient
) -> None:
    a, b = hs.ids()["projects"]["Project A"], hubstaff_b(hs)
    save(manager_client, website, a, b, enabled="on")
    manager_client.post(url(website, "sync"))
    run_queued_sync(website)

    assert save(manager_client, website, a, enabled="on").endswith("#left-behind")
    offer = page(manager_client, website)
    assert (
        "still holds <strong>25.9 h</strong> of work logs synced from Hubstaff projects it no longer syncs from"
        in offer
    )
    assert "Remove them: Reset and sync all work logs" in offer

    manager_client.post(url(website, "sync"))
    run_queued_sync(website)
    assert synced_seconds(website.organization, source_project_id=b) == 0
    assert synced_seconds(website.organization, source_project_id=a) > 0
    assert "Remove them" not in page(manager_client, website)


def test_saving_without_the_move_is_refused_whoever_saves(
    installed: Installation, bobby: Person, website: Project, support: Project, hs: SandboxClient
) -> None:
    """The API and the admin save through update_link too: without the move they never link held hours."""
    WorkLogFactory.create(
        project=website,
        person=bobby,
        source="hubstaff",
        source_key=f"hubstaff:{hubstaff_b(hs)}:1:2026-02-06",
        source_project_id=hubstaff_b(hs),
        duration_seconds=5400,
    )
    with pytest.raises(ValidationError) as refused:
        update_link(support, enabled=True, hubstaff_project_ids=[hubstaff_b(hs)])
    assert refused.value.messages == [
        "The project “Website” holds 1.5 h (1 work log) synced from the Hubstaff project “Project B”: "
        "linking it here moves them, or they would be counted twice."
    ]
    assert get_selection(support) == []


def test_a_move_waits_for_a_running_sync_of_the_project_holding_the_hours(
    manager_client: Client,
    installed: Installation,
    bobby: Person,
    website: Project,
    support: Project,
    hs: SandboxClient,
) -> None:
    website_synced_from_hubstaff_b(manager_client, website, hs)
    save(manager_client, website, hs.ids()["projects"]["Project A"], enabled="on")
    manager_client.post(url(website, "sync"))  # queued, not yet carried out

    response = manager_client.post(
        url(support, "settings"),
        {"hubstaff_project_ids": [str(hubstaff_b(hs))], "enabled": "on", "move_worklogs": "yes"},
        follow=True,
    )
    assert (
        "A sync of the project “Website” is running: save again when it has finished"
        in response.content.decode()
    )
    assert synced_seconds(website.organization, project=website) == BOBBY_ON_HUBSTAFF_B
    assert get_selection(support) == []


def test_another_tenants_project_cannot_take_the_move(
    manager_client: Client,
    installed: Installation,
    bobby: Person,
    website: Project,
    other_project: Project,
    hs: SandboxClient,
) -> None:
    website_synced_from_hubstaff_b(manager_client, website, hs)
    save(manager_client, website)
    data = {"hubstaff_project_ids": [str(hubstaff_b(hs))], "enabled": "on", "move_worklogs": "yes"}
    # Another organization's project id, under this organization's slug and under its own.
    assert (
        manager_client.post(f"/acme/projects/{other_project.pk}/hubstaff/settings/", data).status_code == 404
    )
    assert manager_client.post(url(other_project, "settings"), data).status_code == 404
    assert synced_seconds(website.organization, project=website) == BOBBY_ON_HUBSTAFF_B
    assert not ProjectLink.objects.filter(project=other_project).exists()


def test_the_offer_names_the_hours_the_new_project_does_not_sync(
    manager_client: Client, installed: Installation, bobby: Person, website: Project, hs: SandboxClient
) -> None:
    """Support starts on 1 Mar: Bobby's February hours on Project B are outside its window and a move loses them."""
    website_synced_from_hubstaff_b(manager_client, website, hs)
    save(manager_client, website)
    support = ProjectFactory.create(
        organization=website.organization, name="Support", start_date=date(2026, 3, 1), end_date=None
    )
    february = sum(
        r["tracked"]
        for r in DEMO["daily_activities"]
        if r["project"] == "Project B" and r["user"] == "bobby@acme.test" and r["date"] < "2026-03-01"
    )
    assert f"{february / 3600:.1f}" == "4.9"

    save(manager_client, support, hubstaff_b(hs), enabled="on")
    assert (
        "; <strong>4.9 h</strong> of them are dated outside this project's dates (or older than the three years "
        "Hubstaff serves): moving deletes those for good" in page(manager_client, support)
    )
    response = manager_client.post(
        url(support, "settings"),
        {"hubstaff_project_ids": [str(hubstaff_b(hs))], "enabled": "on", "move_worklogs": "yes"},
        follow=True,
    )
    assert (
        "4.9 h of them, dated where this project does not sync, do not come back."
        in response.content.decode()
    )
    run_queued_sync(support)
    assert synced_seconds(support.organization) == BOBBY_ON_HUBSTAFF_B - february


def test_the_api_refuses_to_link_held_hours_and_names_them(
    manager: Person,
    installed: Installation,
    bobby: Person,
    website: Project,
    support: Project,
    hs: SandboxClient,
) -> None:
    WorkLogFactory.create(
        project=website,
        person=bobby,
        source="hubstaff",
        source_key=f"hubstaff:{hubstaff_b(hs)}:1:2026-02-06",
        source_project_id=hubstaff_b(hs),
        duration_seconds=5400,
        date=date(2026, 2, 6),
    )
    response = token_client(manager).patch(
        f"/api/v1/orgs/acme/projects/{support.pk}/hubstaff/",
        {"enabled": True, "hubstaff_project_ids": [hubstaff_b(hs)]},
        format="json",
    )
    assert response.status_code == 400
    assert (
        "The project “Website” holds 1.5 h (1 work log) synced from the Hubstaff project “Project B”"
        in str(response.json())
    )
    assert get_selection(support) == []


def test_a_move_leaves_the_locked_periods_hours_where_they_are(
    manager_client: Client,
    installed: Installation,
    bobby: Person,
    website: Project,
    support: Project,
    hs: SandboxClient,
) -> None:
    """Nothing changes a locked day: its hours stay in the project that holds them, and the new project's reset
    shows Hubstaff's hours of those days as differences instead of counting them twice."""
    website_synced_from_hubstaff_b(manager_client, website, hs)
    locked_through = date(2026, 2, 28)
    locks.lock(website.organization, locked_through, None)
    locked = synced_seconds(website.organization, project=website, date__lte=locked_through)
    assert 0 < locked < BOBBY_ON_HUBSTAFF_B
    save(manager_client, website)

    save(manager_client, support, hubstaff_b(hs), enabled="on", move_worklogs="yes")
    run_queued_sync(support)

    assert synced_seconds(website.organization, project=website) == locked
    assert synced_seconds(support.organization, project=support) == BOBBY_ON_HUBSTAFF_B - locked
    assert synced_seconds(support.organization) == BOBBY_ON_HUBSTAFF_B  # still counted once
    assert locks.open_differences(support.organization_id, support)
