"""Invitations: how a person gets a login, or joins this organization with the login they already have.

A login joins an organization only here, by its owner accepting an invitation sent to its e-mail address.
Nothing an inviter sees depends on whether that address already has a login anywhere: the invitation,
its e-mail's subject and the inviter's pages and API answers are the same either way; only the invitee,
opening the link from their mailbox, is asked either to choose a password or to sign in and accept.
"""

from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .links import key_matches, make_link_token, new_key, read_link_token
from .mail import absolute_url, queue_templated_email
from .models import EmailStatus, Invitation, Organization, Person
from .rate_limits import Refusal, invitation_refusal

SALT = "people.invitation"

InvitationState = Literal["active", "invited", "expired", "none"]


class InvitationError(Exception):
    """The invitation cannot be sent or accepted; the message says why, to the user."""


class InvitationLimited(InvitationError):
    """Too many invitations sent lately (people/rate_limits.py); `wait` says how long until one may be sent."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.wait = refusal.wait


def user_for_email(email: str) -> User | None:
    return get_user_model().objects.filter(username=email.strip().lower()).first()


def latest_invitation(person: Person) -> Invitation | None:
    """The person's newest invitation, or None: newest first (Meta.ordering), prefetch-friendly."""
    return next(iter(person.invitations.all()), None)


def invitation_state(person: Person, now: datetime | None = None) -> InvitationState:
    """ "active" (the person can sign in), "invited" (a pending invitation), "expired" or "none"."""
    if person.user_id:
        return "active"
    now = now or timezone.now()
    latest = latest_invitation(person)
    if latest is None or latest.revoked_at or latest.accepted_at:
        return "none"
    return "invited" if latest.expires_at > now else "expired"


@transaction.atomic
def create_invitation(person: Person, invited_by: Person | None = None) -> tuple[Invitation, str]:
    """A new invitation of the person (any earlier pending one is revoked) and the link to send: (row, path).

    Refused (InvitationError, nothing changed) past the sending limits of people/rate_limits.py.
    """
    if person.user_id:
        raise InvitationError(f"{person.full_name} can already sign in.")
    # One invitation at a time per organization, so that concurrent requests cannot all pass the limits.
    Organization.objects.select_for_update().filter(pk=person.organization_id).first()
    now = timezone.now()
    check_invitation_limits(person.organization_id, invited_by, person.email, now)
    revoke_invitations(person, now=now)
    key, digest = new_key()
    invitation = Invitation.objects.create(
        organization_id=person.organization_id,
        person=person,
        email=person.email,
        key_digest=digest,
        invited_by=invited_by,
        expires_at=now + timedelta(seconds=settings.INVITATION_MAX_AGE),
    )
    token = make_link_token(SALT, invitation.pk, key)
    return invitation, reverse("invitation", kwargs={"token": token})


def check_invitation_limits(
    organization_id: int, invited_by: Person | None, email: str, now: datetime | None = None
) -> None:
    """Raise InvitationLimited if one more invitation to `email` may not be sent now."""
    refusal = invitation_refusal(
        organization_id, invited_by.pk if invited_by else None, email, now or timezone.now()
    )
    if refusal:
        raise InvitationLimited(refusal)


@transaction.atomic
def invite(person: Person, invited_by: Person | None = None) -> Invitation:
    """Create an invitation and queue its e-mail, sent once the invitation is saved. Returns the invitation.

    The subject line is fixed: the names in the e-mail are the inviter's to choose, and stay in its body.
    """
    invitation, path = create_invitation(person, invited_by)
    context = {
        "person": person,
        "organization": person.organization,
        "invited_by": invited_by,
        "link": absolute_url(path),
        "expires_at": invitation.expires_at,
    }
    queue_templated_email("invitation", context, [invitation.email], invitation_id=invitation.pk)
    return invitation


def email_wanted(invitation_id: int) -> bool:
    """Whether the invitation's e-mail is still to be sent: not sent yet, and its link still works."""
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None or invitation.email_status == EmailStatus.SENT:
        return False
    return invitation.is_pending(timezone.now())


def record_email_sent(invitation_id: int) -> None:
    Invitation.objects.filter(pk=invitation_id).update(email_status=EmailStatus.SENT)


def record_email_failure(invitation_id: int, final: bool) -> None:
    """The mail server refused the invitation's e-mail: it is retried, or (final) no more."""
    status = EmailStatus.FAILED if final else EmailStatus.RETRYING
    Invitation.objects.filter(pk=invitation_id).exclude(email_status=EmailStatus.SENT).update(
        email_status=status
    )


def revoke_invitations(person: Person, now: datetime | None = None) -> int:
    """Make every pending invitation of the person useless; returns how many there were."""
    now = now or timezone.now()
    pending = Invitation.objects.filter(person=person, accepted_at=None, revoked_at=None)
    return pending.update(revoked_at=now)


def find_invitation(token: str) -> Invitation | None:
    """The pending invitation a link names, or None (tampered, expired, revoked, used, or e-mail changed)."""
    found = read_link_token(SALT, token, settings.INVITATION_MAX_AGE)
    if found is None:
        return None
    invitation_id, key = found
    invitation = Invitation.objects.select_related("person", "organization").filter(pk=invitation_id).first()
    if invitation is None or not key_matches(invitation, key) or not invitation.is_pending(timezone.now()):
        return None
    if invitation.person.user_id or invitation.person.email.lower() != invitation.email.lower():
        return None
    return invitation


@transaction.atomic
def accept_invitation(invitation: Invitation, user: User) -> Person:
    """Make `user` the login of the invited person; the invitation is used up. The user must own the e-mail."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending(timezone.now()):
        raise InvitationError("This invitation has already been used or withdrawn.")
    if user.username != invitation.email.strip().lower():
        raise InvitationError(
            f"This invitation is for {invitation.email}. Sign in with that e-mail to accept it."
        )
    person = Person.objects.select_for_update().get(pk=invitation.person_id)
    person.user = user
    try:
        with transaction.atomic():
            person.save(update_fields=["user"])
    except IntegrityError:
        raise InvitationError("Your login is already a member of this organization.") from None
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return person


@transaction.atomic
def create_login_and_accept(invitation: Invitation, set_password_form: "SetPasswordForm[User]") -> Person:
    """Save the new login from a valid SetPasswordForm (its user not saved yet) and accept the invitation."""
    user = set_password_form.save()
    return accept_invitation(invitation, user)


def new_login_for(invitation: Invitation) -> User:
    """An unsaved login for the invited e-mail, for a SetPasswordForm."""
    email = invitation.email.strip()
    return get_user_model()(username=email.lower(), email=email, first_name=invitation.person.full_name[:150])
