"""POST /hooks/hubstaff/<key>/: Hubstaff's verification and signed deliveries, and everything refused before work."""

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from integrations.models import HubstaffEvent, HubstaffWebhook, Installation
from integrations.services import live
from people.models import Organization
from primetric.access_log import redact

pytestmark = pytest.mark.usefixtures("hubstaff_settings")

KEY = "key-of-acme-installation"
SECRET = "acme-webhook-secret"


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def hook(key: str = KEY) -> str:
    return f"/hooks/hubstaff/{key}/"


def with_webhook(installation: Installation, key: str, secret: str) -> Installation:
    installation.hook_key_digest = live.key_digest(key)
    installation.live_updates = Installation.LiveUpdates.ON
    installation.save()
    HubstaffWebhook.objects.create(
        organization=installation.organization,
        installation=installation,
        hubstaff_webhook_id="wh-1",
        hubstaff_organization_id=10,
        secret=secret,
        active=True,
    )
    return installation


@pytest.fixture
def live_installation(installation: Installation) -> Installation:
    return with_webhook(installation, KEY, SECRET)


@pytest.fixture
def other_live_installation(other_org: Organization) -> Installation:
    other = Installation.objects.create(
        organization=other_org, status=Installation.Status.INSTALLED, scope="hubstaff:read hubstaff:write"
    )
    return with_webhook(other, "key-of-globex-installation", "globex-webhook-secret")


@pytest.fixture
def sent_events(monkeypatch: pytest.MonkeyPatch) -> list[list[Any]]:
    sent: list[list[Any]] = []
    monkeypatch.setattr(live, "deliver", lambda task, args, countdown=None: sent.append(args))
    return sent


def delivery(event_id: str = "e-1", event: str = "timer.stop", **payload: Any) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "event": event,
            "created_at": "2026-12-04T17:00:00.000000",
            "payload": {"organization_id": 10, "project_id": 501, "user_id": 7, **payload},
        }
    ).encode()


Post = Callable[..., Any]


@pytest.fixture
def post(client: Client, django_capture_on_commit_callbacks: Any) -> Post:
    def send(body: bytes, *, key: str = KEY, **headers: str) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(hook(key), body, content_type="application/json", headers=headers)

    return send


def test_a_signed_delivery_is_accepted_and_handed_to_the_queue(
    live_installation: Installation, post: Post, sent_events: list[list[Any]]
) -> None:
    body = delivery()

    response = post(body, X_Hook_Signature=sign(SECRET, body))

    assert response.status_code == 200
    assert sent_events == [
        [
            live_installation.pk,
            "timer.stop",
            {"organization_id": 10, "project_id": 501, "user_id": 7},
            "2026-12-04T17:00:00.000000",
        ]
    ]
    live_installation.refresh_from_db()
    assert live_installation.last_event_at is not None


@pytest.mark.parametrize(
    "signature",
    [None, "", "0" * 64, "not hex at all"],
    ids=["missing", "empty", "wrong", "garbage"],
)
def test_a_delivery_without_the_right_signature_is_refused_and_does_nothing(
    live_installation: Installation, post: Post, sent_events: list[list[Any]], signature: str | None
) -> None:
    body = delivery()
    headers = {} if signature is None else {"X_Hook_Signature": signature}

    response = post(body, **headers)

    assert response.status_code == 403
    assert sent_events == [] and not HubstaffEvent.objects.exists()


def test_another_installations_secret_does_not_sign_for_this_one(
    live_installation: Installation,
    other_live_installation: Installation,
    post: Post,
    sent_events: list[list[Any]],
) -> None:
    body = delivery()

    response = post(body, X_Hook_Signature=sign("globex-webhook-secret", body))

    assert response.status_code == 403
    assert sent_events == []
    # and with its own key, the other installation takes it: each key finds its own installation only
    assert (
        post(
            body, key="key-of-globex-installation", X_Hook_Signature=sign("globex-webhook-secret", body)
        ).status_code
        == 200
    )
    assert [args[0] for args in sent_events] == [other_live_installation.pk]


def test_a_repeated_delivery_is_handled_once(
    live_installation: Installation, post: Post, sent_events: list[list[Any]]
) -> None:
    body = delivery("same-event")

    first = post(body, X_Hook_Signature=sign(SECRET, body))
    again = post(body, X_Hook_Signature=sign(SECRET, body))

    assert first.status_code == again.status_code == 200
    assert len(sent_events) == 1
    assert HubstaffEvent.objects.filter(installation=live_installation).count() == 1


def test_an_unknown_key_is_not_found(
    live_installation: Installation, post: Post, sent_events: list[list[Any]]
) -> None:
    body = delivery()

    response = post(body, key="no-such-key", X_Hook_Signature=sign(SECRET, body))

    assert response.status_code == 404
    assert sent_events == []


def test_a_body_over_the_limit_is_refused(
    live_installation: Installation, post: Post, sent_events: list[list[Any]]
) -> None:
    body = delivery(padding="x" * (65 * 1024))

    response = post(body, X_Hook_Signature=sign(SECRET, body))

    assert response.status_code == 413
    assert sent_events == []


def test_a_burst_over_the_rate_is_refused(
    live_installation: Installation,
    post: Post,
    sent_events: list[list[Any]],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.HUBSTAFF_EVENT_RATE_PER_MINUTE = 3
    monkeypatch.setattr(live, "current_minute", lambda: 1000)
    statuses = []
    for n in range(5):
        body = delivery(f"e-{n}")
        statuses.append(post(body, X_Hook_Signature=sign(SECRET, body)).status_code)

    assert statuses == [200, 200, 200, 429, 429]
    assert len(sent_events) == 3
    monkeypatch.setattr(live, "current_minute", lambda: 1001)
    body = delivery("e-next-minute")
    assert post(body, X_Hook_Signature=sign(SECRET, body)).status_code == 200


def test_the_verification_is_answered_only_while_one_is_awaited(
    live_installation: Installation, client: Client
) -> None:
    refused = client.post(hook(), b"", content_type="application/json", headers={"X-Hook-Secret": "s3cret"})
    assert refused.status_code == 403 and "X-Hook-Secret" not in refused

    Installation.objects.filter(pk=live_installation.pk).update(
        hook_verification_until=timezone.now() + timedelta(seconds=30)
    )
    answered = client.post(hook(), b"", content_type="application/json", headers={"X-Hook-Secret": "s3cret"})

    assert answered.status_code == 200 and answered["X-Hook-Secret"] == "s3cret"
    live_installation.refresh_from_db()
    assert live_installation.hook_pending_secret == "s3cret"
    # kept encrypted, like the tokens
    stored = Installation.objects.filter(pk=live_installation.pk).values_list(
        "hook_pending_secret", flat=True
    )
    raw = Installation.objects.raw(
        "SELECT id, hook_pending_secret AS raw FROM integrations_installation WHERE id = %s",
        [live_installation.pk],
    )[0]
    ciphertext = str(raw.__dict__["raw"])  # the column as stored: there, and not the secret
    assert list(stored) == ["s3cret"] and ciphertext and "s3cret" not in ciphertext


def test_only_post(live_installation: Installation, client: Client) -> None:
    assert client.get(hook()).status_code == 405


def test_the_key_is_kept_only_as_a_digest(live_installation: Installation) -> None:
    assert KEY not in json.dumps(
        list(Installation.objects.filter(pk=live_installation.pk).values()), default=str
    )
    assert live.installation_for_key(KEY) == live_installation


def test_access_logs_do_not_show_the_key() -> None:
    line = f"POST {hook()} HTTP/1.1"
    assert redact(line) == "POST /hooks/hubstaff/[redacted]/ HTTP/1.1"
