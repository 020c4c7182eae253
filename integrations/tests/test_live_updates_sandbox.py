"""Live updates end to end against the running sandbox over real HTTP: install, subscribe, Hubstaff's verification
answered by the product's endpoint, activation; a timer stopped in the sandbox is delivered, signed, to the
endpoint, and the project's hours appear after the coalesced sync, with nobody pressing a button."""

from datetime import date
from typing import Any

import pytest

from hubstaff_sandbox.testing import SandboxClient
from integrations.models import HubstaffEvent, HubstaffWebhook, SyncRun
from integrations.services import batch, live, runs, sync
from integrations.services.installation import connect_with_personal_access_token, uninstall
from integrations.services.links import update_link
from people.models import Organization
from projects.models import Project
from tests.factories import PersonFactory, ProjectFactory

from . import test_live_fallback_sandbox

# The fallback tests' fixtures: the demo sandbox, and the site its webhooks reach.
hs = test_live_fallback_sandbox.hs
sandbox_site = test_live_fallback_sandbox.sandbox_site


@pytest.fixture
def handed_over(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[list[Any]]]:
    """The tasks the product queues, by name, instead of messages on the broker (the test plays the worker)."""
    sent: dict[str, list[list[Any]]] = {}
    monkeypatch.setattr(
        live, "deliver", lambda task, args, countdown=None: sent.setdefault(task, []).append(args)
    )
    monkeypatch.setattr(
        runs,
        "deliver_later",
        lambda task, args, countdown, **options: sent.setdefault("later", []).append(args),
    )
    return sent


def wait_for(sent: dict[str, list[list[Any]]], task: str, count: int, hs: SandboxClient) -> list[list[Any]]:
    hs.wait_for_deliveries(count)
    return sent.get(task, [])


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sandbox_site")
def test_a_timer_stopped_in_hubstaff_brings_its_hours_into_the_project(
    org: Organization,
    hs: SandboxClient,
    handed_over: dict[str, list[list[Any]]],
) -> None:
    installation = connect_with_personal_access_token(org, hs.create_pat("alice@acme.test"))
    assert "hubstaff:write" in installation.scope.split()
    assert handed_over[live.SUBSCRIBE_TASK] == [[installation.pk]]

    assert live.subscribe(installation) is True, installation.live_updates_reason
    (webhook,) = HubstaffWebhook.objects.filter(installation=installation)
    assert webhook.active and [w["status"] for w in hs.webhooks()] == ["active"]

    PersonFactory.create(organization=org, full_name="Bobby Brown", email="bobby@acme.test")
    project: Project = ProjectFactory.create(
        organization=org, name="Project A", start_date=date(2026, 1, 1), end_date=date(2027, 12, 31)
    )
    update_link(project, enabled=True, hubstaff_project_ids=[hs.ids()["projects"]["Project A"]])
    queued = runs.request_sync(project, mode="reset", trigger="manual", send_task=False)
    first = sync.run_sync(queued.pk)
    assert first is not None and first.status == "succeeded", first and first.error
    before = test_live_fallback_sandbox.hours(project)

    hs.track("bobby@acme.test", "Project A", 1800)
    hs.track("bobby@acme.test", "Project A", 600)
    events = wait_for(handed_over, live.EVENT_TASK, 2, hs)

    assert [args[1] for args in events] == ["timer.stop", "timer.stop"]
    assert HubstaffEvent.objects.filter(installation=installation).count() == 2
    for args in events:  # the worker's part: the event task
        live.handle_event(*args)
    assert "later" not in handed_over  # no run of its own: the installation's batch takes it
    assert handed_over[live.BATCH_TASK] == [[installation.pk]]  # two events, one batch
    (run_id,) = batch.run(installation.pk)  # two events, one run
    run = SyncRun.objects.get(pk=run_id)

    assert run.status == "succeeded", run.error
    assert run.trigger == SyncRun.Trigger.HUBSTAFF_EVENT
    after = test_live_fallback_sandbox.hours(project)
    assert after - before == 2400
    # the members and one window of days: two requests for the two events, where the reset made a dozen
    assert run.requests_made <= 3 < first.requests_made

    uninstall(installation)
    assert hs.webhooks() == []
