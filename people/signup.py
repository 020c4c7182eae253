"""Sign-up: a new organization and its first Administrator, created once the e-mail address is confirmed.

The form's answer is the same whatever the e-mail: "check your mailbox". The pending sign-up (its password
hashed) waits in a PendingSignup row; the e-mailed link is signed, expires (SIGNUP_LINK_MAX_AGE) and serves once.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from .forms import SignupForm
from .links import key_matches, make_link_token, new_key, read_link_token
from .mail import absolute_url, send_templated_email
from .models import Organization, PendingSignup, Person

SALT = "people.signup"


class SignupError(Exception):
    """The confirmation cannot create the organization; the message says why, to the user."""


def start_signup(form: SignupForm, request: HttpRequest | None = None) -> PendingSignup:
    """Keep a valid SignupForm's data (password hashed) and e-mail the confirmation link."""
    data = form.cleaned_data
    key, digest = new_key()
    pending = PendingSignup.objects.create(
        organization_name=data["organization_name"],
        slug=data["slug"],
        full_name=data["full_name"],
        email=data["email"],
        password_hash=make_password(data["password"]),
        key_digest=digest,
    )
    link = absolute_url(
        reverse("signup_confirm", kwargs={"token": make_link_token(SALT, pending.pk, key)}), request
    )
    context = {"pending": pending, "link": link, "hours": settings.SIGNUP_LINK_MAX_AGE // 3600}
    send_templated_email("signup_confirm", context, [pending.email])
    return pending


def find_pending_signup(token: str) -> PendingSignup | None:
    """The unconfirmed sign-up a link names, or None (tampered, expired or already confirmed)."""
    found = read_link_token(SALT, token, settings.SIGNUP_LINK_MAX_AGE)
    if found is None:
        return None
    pending = PendingSignup.objects.filter(pk=found[0], confirmed_at=None).first()
    if pending is None or not key_matches(pending, found[1]):
        return None
    return pending


@transaction.atomic
def confirm_signup(pending: PendingSignup) -> tuple[Person, bool]:
    """Create the organization and its Administrator. Returns (person, whether an existing login was used).

    The link proves the address is theirs; a login that already has this e-mail keeps its own password.
    """
    pending = PendingSignup.objects.select_for_update().get(pk=pending.pk)
    if pending.confirmed_at is not None:
        raise SignupError("This sign-up has already been confirmed.")
    try:
        with transaction.atomic():
            organization = Organization.objects.create(name=pending.organization_name, slug=pending.slug)
    except IntegrityError:
        raise SignupError(
            f"The address /{pending.slug}/ was taken meanwhile. Please sign up again."
        ) from None
    email = pending.email.strip()
    user, created = get_user_model().objects.get_or_create(
        username=email.lower(),
        defaults={"email": email, "first_name": pending.full_name[:150], "password": pending.password_hash},
    )
    person = Person.objects.create(
        organization=organization, full_name=pending.full_name, email=email, user=user, is_administrator=True
    )
    pending.confirmed_at = timezone.now()
    pending.password_hash = ""
    pending.save(update_fields=["confirmed_at", "password_hash"])
    return person, not created
