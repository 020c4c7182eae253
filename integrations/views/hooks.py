"""Hubstaff's webhooks post here: the verification of a new webhook, and signed deliveries of events.

Nothing here trusts the request before its checks pass, in this order: the size, the key (an installation's),
the installation's rate, then the signature over the raw body (constant time), and only then the JSON. A request
that fails one gets a 4xx and changes nothing. No session, no CSRF token, no tenant from the URL: the key names the
installation. The work goes to the task queue (services/live.py).
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.services import live
from primetric import counters

# Hubstaff's deliveries are a few hundred bytes; anything much larger is not one.
MAX_BODY_BYTES = 64 * 1024


def _refuse(status: int, detail: str, reason: str) -> JsonResponse:
    counters.add(counters.WEBHOOK_DELIVERIES, "rejected", reason)
    return JsonResponse({"detail": detail}, status=status)


@csrf_exempt
@require_POST
def hubstaff_hook(request: HttpRequest, key: str) -> HttpResponse:
    """Answer a webhook's verification POST, or take a delivery in."""
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _refuse(400, "Bad Content-Length.", "bad_length")
    if announced > MAX_BODY_BYTES:
        return _refuse(413, "Body too large.", "too_large")
    installation = live.installation_for_key(key)
    if installation is None:
        return _refuse(404, "Unknown hook.", "unknown_hook")
    if live.over_rate(installation):
        return _refuse(429, "Too many deliveries.", "rate")
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _refuse(413, "Body too large.", "too_large")
    secret = request.headers.get("X-Hook-Secret", "")
    if not body and secret:
        if not live.accept_verification(installation, secret):
            return _refuse(403, "No verification is expected.", "no_verification")
        counters.add(counters.WEBHOOK_DELIVERIES, "accepted", "verification")
        response = HttpResponse(status=200)
        response["X-Hook-Secret"] = secret
        return response
    if not live.signature_matches(installation, body, request.headers.get("X-Hook-Signature", "")):
        return _refuse(403, "Bad signature.", "signature")
    try:
        delivery = json.loads(body)
    except ValueError:
        return _refuse(400, "The body is not JSON.", "not_json")
    event_id = delivery.get("id") if isinstance(delivery, dict) else None
    event = delivery.get("event") if isinstance(delivery, dict) else None
    payload = delivery.get("payload") if isinstance(delivery, dict) else None
    if (
        not isinstance(event_id, str)
        or not event_id
        or not isinstance(event, str)
        or not isinstance(payload, dict)
    ):
        return _refuse(400, "A delivery names its id, event and payload.", "malformed")
    if live.record_event(installation, event_id[:100], event):
        counters.add(counters.WEBHOOK_DELIVERIES, "accepted", "new")
        created_at = delivery.get("created_at")
        live.send_event(installation, event, payload, created_at if isinstance(created_at, str) else "")
    else:
        counters.add(counters.WEBHOOK_DELIVERIES, "accepted", "duplicate")
    return HttpResponse(status=200)
