"""A small counter of requests per key in the cache: sign-ups and password-reset e-mails are limited with it,
the same way sign-in failures are counted (people/auth.py)."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Invitation


def _cache_key(action: str, ident: str) -> str:
    digest = hashlib.sha256(str(ident or "-").strip().lower().encode()).hexdigest()[:32]
    return f"rate:{action}:{digest}"


def allow_request(
    action: str, idents: Iterable[str | None], limit: int | None = None, window: int | None = None
) -> bool:
    """Count one request for each identity (a client address, an e-mail); False once any is over the limit.

    A refused request is not counted, so that waiting out the window is enough.
    """
    limit = limit or settings.ACCOUNT_REQUEST_LIMIT
    window = window or settings.ACCOUNT_REQUEST_WINDOW
    keys = [_cache_key(action, ident) for ident in idents if ident]
    if any((cache.get(key) or 0) >= limit for key in keys):
        return False
    for key in keys:
        cache.add(key, 0, window)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, window)
    return True


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "-"


# --- Invitations ------------------------------------------------------------------------------------------
# Counted from the Invitation rows themselves (a resend is a new row), so that the limits hold across processes
# and restarts and the refusal can say when sending is possible again.


@dataclass(frozen=True)
class InvitationLimit:
    """At most `limit` invitations in `window`, among those a rule selects; `refusal` tells the inviter."""

    limit: int
    window: timedelta
    refusal: str


# Per inviter, per organization, per recipient in this organization and across all organizations (so that many
# new organizations cannot flood one address), and the rate of an organization none of whose invitations has been
# accepted yet: a new one must earn its sending rate.
BY_INVITER = InvitationLimit(
    20, timedelta(hours=1), "You have sent too many invitations; try again in {wait}."
)
BY_ORGANIZATION = InvitationLimit(
    50, timedelta(hours=1), "This organization has sent too many invitations; try again in {wait}."
)
NEW_ORGANIZATION = InvitationLimit(
    5,
    timedelta(days=1),
    "A new organization sends up to 5 invitations a day until one is accepted; try again in {wait}.",
)
TO_RECIPIENT = InvitationLimit(3, timedelta(hours=1), "{email} was invited too often; try again in {wait}.")
TO_RECIPIENT_ANYWHERE = InvitationLimit(
    10, timedelta(days=1), "{email} was invited too often; try again in {wait}."
)


@dataclass(frozen=True)
class Refusal:
    """Why no more invitations may be sent now (for the inviter), and how long until one may."""

    message: str
    wait: timedelta


def invitation_refusal(
    organization_id: int, inviter_id: int | None, email: str, now: datetime
) -> Refusal | None:
    """Why one more invitation to `email` may not be sent now, or None. The caller holds the organization's lock."""
    invitations = Invitation.objects.all()
    in_organization = invitations.filter(organization_id=organization_id)
    checks: list[tuple[InvitationLimit, QuerySet[Invitation]]] = [
        (TO_RECIPIENT, in_organization.filter(email__iexact=email)),
        (TO_RECIPIENT_ANYWHERE, invitations.filter(email__iexact=email)),
        (BY_ORGANIZATION, in_organization),
    ]
    if inviter_id is not None:
        checks.insert(0, (BY_INVITER, in_organization.filter(invited_by_id=inviter_id)))
    if not in_organization.exclude(accepted_at=None).exists():
        checks.append((NEW_ORGANIZATION, in_organization))
    for rule, selected in checks:
        recent = selected.filter(created_at__gt=now - rule.window).order_by("-created_at")
        times = list(recent.values_list("created_at", flat=True)[: rule.limit])
        if len(times) >= rule.limit:
            # Sending is possible again when the oldest of the latest `limit` invitations leaves the window.
            wait = times[-1] + rule.window - now
            return Refusal(rule.refusal.format(wait=describe_wait(wait), email=email), wait)
    return None


def describe_wait(wait: timedelta) -> str:
    """ "40 minutes", "1 minute", "3 hours": rounded up, so that trying again then works."""
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    if minutes <= 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = -(-minutes // 60)
    return f"{hours} hours"
