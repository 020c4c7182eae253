"""integrations/hubstaff/: the installation's live-update state (Hubstaff's webhooks), another tenant's never."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.tests.conftest import url
from integrations.models import Installation
from people.models import Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def installation(org: Organization) -> Installation:
    return Installation.objects.create(
        organization=org,
        status=Installation.Status.INSTALLED,
        scope="hubstaff:read hubstaff:write",
        hubstaff_organizations=[{"id": 9, "name": "Acme HS"}],
    )


def test_the_api_gives_the_live_update_state(manager_api: APIClient, installation: Installation) -> None:
    seen = timezone.now() - timedelta(minutes=3)
    Installation.objects.filter(pk=installation.pk).update(live_updates="on", last_event_at=seen)
    body = manager_api.get(url("integrations/hubstaff/")).json()
    assert (body["live_updates"], body["live_updates_reason"]) == ("on", "")
    assert body["last_event_at"] == seen.isoformat().replace("+00:00", "Z")

    Installation.objects.filter(pk=installation.pk).update(scope="hubstaff:read", live_updates="off")
    body = manager_api.get(url("integrations/hubstaff/")).json()
    assert (body["live_updates"], body["live_updates_reason"]) == (
        "off",
        "Re-authorize to turn on live updates.",
    )


def test_the_api_never_gives_another_organizations_live_update_state(
    manager_api: APIClient, org: Organization, other_org: Organization
) -> None:
    Installation.objects.create(
        organization=other_org, status="installed", live_updates="on", last_event_at=timezone.now()
    )
    body = manager_api.get(url("integrations/hubstaff/")).json()
    assert (body["status"], body["live_updates"], body["last_event_at"]) == ("not_installed", "off", None)
    assert manager_api.get(url("integrations/hubstaff/", "globex")).status_code == 404
