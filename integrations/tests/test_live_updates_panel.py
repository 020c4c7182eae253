"""What people see of live updates: the project panel's and the Administrator's "Live updates" line, the sync
history's name for a run of Hubstaff's events (the API's: api/tests/test_live_updates_state.py)."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integrations.models import Installation, ProjectLink, SyncRun
from integrations.services import live
from people.models import Organization
from projects.models import Project
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

WRITE = "openid profile email hubstaff:read hubstaff:write"


@pytest.fixture
def installation(org: Organization) -> Installation:
    return Installation.objects.create(
        organization=org,
        status=Installation.Status.INSTALLED,
        client_id="client-id",
        scope=WRITE,
        account={"id": 5, "name": "Ada"},
        hubstaff_organizations=[{"id": 9, "name": "Acme HS"}],
    )


@pytest.fixture
def project(org: Organization, installation: Installation) -> Project:
    project: Project = ProjectFactory.create(organization=org, name="Project A")
    ProjectLink.objects.create(organization=org, project=project, enabled=True, hubstaff_project_ids=[101])
    return project


def line(page: str) -> str:
    """The "Live updates" line's text, whitespace folded."""
    found = re.search(r'<p class="live-updates[^>]*>(.*?)</p>', page, re.S)
    assert found, "no Live updates line"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()).replace(" ,", ",").replace(" .", ".")


def panel(client: Client, project: Project) -> str:
    return client.get(f"/acme/projects/{project.pk}/").content.decode()


def test_the_panel_says_live_updates_are_on_and_when_the_last_event_came(
    manager_client: Client, installation: Installation, project: Project
) -> None:
    Installation.objects.filter(pk=installation.pk).update(
        live_updates="on", last_event_at=timezone.now() - timedelta(minutes=2, seconds=5)
    )
    assert line(panel(manager_client, project)).startswith("Live updates: on, last event 2 minutes ago.")
    Installation.objects.filter(pk=installation.pk).update(last_event_at=timezone.now())
    assert line(panel(manager_client, project)).startswith("Live updates: on, last event just now.")
    Installation.objects.filter(pk=installation.pk).update(last_event_at=None)
    assert line(panel(manager_client, project)).startswith("Live updates: on, no event yet.")
    # The polled status block carries the line too, and tells the page to keep watching.
    status = manager_client.get(f"/acme/projects/{project.pk}/hubstaff/status/").content.decode()
    assert 'data-live="true"' in status and "Live updates: on" in line(status)


def test_the_panel_says_why_live_updates_are_off(
    manager_client: Client, installation: Installation, project: Project
) -> None:
    Installation.objects.filter(pk=installation.pk).update(
        live_updates="off",
        live_updates_reason="Hubstaff refused to activate the webhook: 422 invalid secret.",
    )
    text = line(panel(manager_client, project))
    assert (
        text
        == "Live updates: off: checked hourly. Hubstaff refused to activate the webhook: 422 invalid secret."
    )
    # The hourly check's own reason says "checked hourly" already.
    Installation.objects.filter(pk=installation.pk).update(live_updates_reason=live.STALE_REASON)
    assert line(panel(manager_client, project)) == (
        "Live updates: off: No event from Hubstaff for 2 hours while time was tracked; checked hourly."
    )


def test_without_the_write_scope_the_panel_and_the_administrator_say_to_re_authorize(
    manager_client: Client, admin_client: Client, installation: Installation, project: Project
) -> None:
    # An installation made before live updates: read scope only, and no reason recorded.
    Installation.objects.filter(pk=installation.pk).update(scope="hubstaff:read", live_updates_reason="")
    assert line(panel(manager_client, project)) == (
        "Live updates: off: checked hourly. Re-authorize to turn on live updates. "
        "(An Administrator does it in Integrations, Hubstaff.)"
    )
    manage = admin_client.get("/acme/integrations/hubstaff/").content.decode()
    assert line(manage) == "Live updates: off: checked hourly. Re-authorize to turn on live updates."
    assert re.search(
        r'<form method="post" action="/acme/integrations/hubstaff/reauthorize/"[^>]*>\s*<input[^>]*>'
        r'<button type="submit" class="button primary">Re-authorize to turn on live updates</button>',
        manage,
    )


def test_the_history_names_the_days_an_event_run_re_read(
    manager_client: Client, org: Organization, project: Project
) -> None:
    SyncRun.objects.create(
        organization=org,
        project=project,
        mode=SyncRun.Mode.INCREMENTAL,
        trigger=SyncRun.Trigger.HUBSTAFF_EVENT,
        status=SyncRun.Status.SUCCEEDED,
        event_days=["2026-12-05", "2026-12-03", "2026-12-04", "2026-11-20"],
        finished_at=timezone.now(),
    )
    page = panel(manager_client, project)
    assert (
        'Sync changes: re-read 20 Nov 2026 and 3–5 Dec 2026 <span class="muted">(hubstaff event)</span>'
        in page
    )
    history = manager_client.get(f"/acme/projects/{project.pk}/hubstaff/history/").content.decode()
    assert "Sync changes: re-read 20 Nov 2026 and 3–5 Dec 2026" in history
