"""HubstaffClient's webhook calls (writes) against mocked Hubstaff answers: what is sent, what is retried."""

import json
from typing import Any

import pytest
import responses
from requests import PreparedRequest

from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import Rejected, TransientHubstaffError
from integrations.models import Installation

from .conftest import API

pytestmark = pytest.mark.usefixtures("hubstaff_settings")


def sent_json(request: PreparedRequest) -> Any:
    assert isinstance(request.body, (bytes, str))
    return json.loads(request.body)


@pytest.fixture
def client(installation: Installation) -> HubstaffClient:
    return HubstaffClient(installation, sleep=lambda seconds: None)


@responses.activate
def test_create_organization_webhook_sends_events_and_target_and_returns_the_id(
    client: HubstaffClient,
) -> None:
    responses.post(f"{API}/organizations/10/webhooks", status=201, json={"webhook": {"id": "wh-1"}})

    webhook_id = client.create_organization_webhook(10, ["timer.stop"], "https://primetric.test/hooks/x/")

    assert webhook_id == "wh-1"
    sent = responses.calls[0].request
    assert sent_json(sent) == {"events": ["timer.stop"], "target_url": "https://primetric.test/hooks/x/"}
    assert sent.headers["Authorization"] == "Bearer access-token-aaa"
    assert client.requests_made == 1


@responses.activate
def test_create_is_never_sent_twice_after_a_5xx(client: HubstaffClient) -> None:
    # Hubstaff may have created it: a second one would deliver every event twice and could not be found.
    responses.post(f"{API}/organizations/10/webhooks", status=502)

    with pytest.raises(TransientHubstaffError, match="POST /organizations/10/webhooks"):
        client.create_organization_webhook(10, ["timer.stop"], "https://primetric.test/hooks/x/")

    assert len(responses.calls) == 1


@responses.activate
def test_create_waits_out_a_429_and_sends_again(client: HubstaffClient) -> None:
    responses.post(f"{API}/organizations/10/webhooks", status=429, headers={"Retry-After": "1"})
    responses.post(f"{API}/organizations/10/webhooks", status=201, json={"webhook": {"id": 7}})

    assert client.create_organization_webhook(10, ["timer.stop"], "https://primetric.test/h/") == "7"
    assert len(responses.calls) == 2


@responses.activate
def test_activate_sends_the_secret_and_is_retried_after_a_5xx(client: HubstaffClient) -> None:
    responses.post(f"{API}/webhooks/wh-1/activate", status=503)
    responses.post(f"{API}/webhooks/wh-1/activate", status=200, json={"webhook": {"id": "wh-1"}})

    client.activate_webhook("wh-1", "the-secret")

    assert [c.request.headers["X-Hook-Secret"] for c in responses.calls] == ["the-secret", "the-secret"]


@responses.activate
def test_a_refused_activation_says_why(client: HubstaffClient) -> None:
    responses.post(
        f"{API}/webhooks/wh-1/activate", status=400, json={"error": "X-Hook-Secret does not match"}
    )

    with pytest.raises(Rejected, match="POST /webhooks/wh-1/activate.*does not match"):
        client.activate_webhook("wh-1", "wrong")


@responses.activate
def test_deleting_a_webhook_hubstaff_no_longer_knows_counts_as_done(client: HubstaffClient) -> None:
    responses.delete(f"{API}/webhooks/wh-1", status=404, json={"error": "Not found"})

    client.delete_webhook("wh-1")

    assert responses.calls[0].request.method == "DELETE"


@responses.activate
def test_delete_without_retry_makes_one_attempt(client: HubstaffClient) -> None:
    responses.delete(f"{API}/webhooks/wh-1", status=500)

    with pytest.raises(TransientHubstaffError):
        client.delete_webhook("wh-1", retry=False)

    assert len(responses.calls) == 1


@responses.activate
def test_webhook_reads_its_description(client: HubstaffClient) -> None:
    responses.get(f"{API}/webhooks/wh-1", json={"webhook": {"id": "wh-1", "status": "active"}})

    assert client.webhook("wh-1")["status"] == "active"
