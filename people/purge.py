"""The rows e-mailed links leave behind, deleted once no link can use them (beat's `purge_expired_links`).

- A sign-up (`PendingSignup`: names and an e-mail address, no password) goes once its link has expired, confirmed
  or not: its link is refused from then on and nothing else reads the row.
- An invitation that ended (accepted, revoked, or expired unused) is kept `KEEP_ENDED_INVITATIONS` as history for
  operators (Django admin lists every invitation with its dates), then deleted. The People page and the API read
  only a person's newest invitation ("invitation expired" asks for a new one), so the newest invitation of a
  person who has no login is kept whatever its age: deleting it would change what the page says.
- A password-reset link leaves no row of its own: Django's token is signed from the login's password and last
  sign-in, and dies when either changes or after PASSWORD_RESET_TIMEOUT. Opening it puts the token in the
  visitor's session until the new password is set; expired sessions are deleted here too, as Django's
  `clearsessions` would.

The purge spans every organization on purpose: it is housekeeping of rows no tenant can see any more.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from .models import Invitation, PendingSignup

# How long an ended invitation stays listed in Django admin.
KEEP_ENDED_INVITATIONS = timedelta(days=90)
# A link is signed a moment after its row is written: a row is kept this much past its link's age.
SIGNING_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Purged:
    signups: int
    invitations: int
    sessions: int


def purge_expired_links(now: datetime | None = None) -> Purged:
    """Delete the sign-ups, invitations and sessions no e-mailed link can use any more; return how many."""
    now = now or timezone.now()
    return Purged(
        signups=purge_signups(now),
        invitations=purge_invitations(now),
        sessions=purge_sessions(now),
    )


def purge_signups(now: datetime) -> int:
    """Sign-ups whose link has expired (SIGNUP_LINK_MAX_AGE), confirmed or not."""
    made_before = now - timedelta(seconds=settings.SIGNUP_LINK_MAX_AGE) - SIGNING_MARGIN
    deleted, _ = PendingSignup.objects.filter(created_at__lt=made_before).delete()
    return deleted


def purge_invitations(now: datetime) -> int:
    """Invitations accepted, revoked or expired more than KEEP_ENDED_INVITATIONS ago, but the newest of a person
    without a login (the People page shows its state)."""
    ended_before = now - KEEP_ENDED_INVITATIONS
    ended = (
        Q(accepted_at__lt=ended_before)
        | Q(revoked_at__lt=ended_before)
        | Q(accepted_at=None, revoked_at=None, expires_at__lt=ended_before)
    )
    newest = (
        Invitation.objects.filter(person=OuterRef("person")).order_by("-created_at", "-id").values("pk")[:1]
    )
    shown = Invitation.objects.filter(person__user=None, pk=Subquery(newest)).values("pk")
    deleted, _ = Invitation.objects.filter(ended).exclude(pk__in=shown).delete()
    return deleted


def purge_sessions(now: datetime) -> int:
    """Expired sessions (among them those still holding a password-reset token that was never used)."""
    deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return deleted
