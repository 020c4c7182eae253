"""Sign-up: a new organization and its founder, created once the e-mail address is confirmed.

The founder holds Administrator and Manager (FOUNDER_ROLES): one person runs a small company alone, so she sets
up Hubstaff and people, and plans and syncs projects, without granting herself a role first.

The form's answer is the same whatever is typed: "check your mailbox". Whether the organization's address is
taken, or the e-mail already has a login, is told only in the e-mail and on the page its link opens, so that
neither is an oracle for whoever submits the form. The pending sign-up waits in a PendingSignup row (no
password: the mailbox's holder chooses it on the confirmation page); the e-mailed link is signed, expires
(SIGNUP_LINK_MAX_AGE) and serves once.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from .forms import SignupForm
from .invitations import user_for_email
from .links import key_matches, make_link_token, new_key, read_link_token
from .mail import absolute_url, queue_templated_email
from .models import Organization, PendingSignup, Person
from .roles import Role

SALT = "people.signup"
# Every role a founder needs to run a small company alone; an Employee role is added when she logs time.
FOUNDER_ROLES = (Role.ADMINISTRATOR, Role.MANAGER)


class SignupError(Exception):
    """The confirmation cannot create the organization; the message says why, to the user."""


class SlugTaken(SignupError):
    """The organization's address was taken between the confirmation page and its button."""


def start_signup(form: SignupForm) -> PendingSignup:
    """Keep a valid SignupForm's data and e-mail the confirmation link.

    An e-mail that already has a login is told so, with a password reset offered: the same work is done for
    every address, so that the answer and its time do not depend on it.
    """
    data = form.cleaned_data
    key, digest = new_key()
    pending = PendingSignup.objects.create(
        organization_name=data["organization_name"],
        slug=data["slug"],
        full_name=data["full_name"],
        email=data["email"],
        key_digest=digest,
    )
    link = absolute_url(reverse("signup_confirm", kwargs={"token": make_link_token(SALT, pending.pk, key)}))
    context = {
        "pending": pending,
        "link": link,
        "hours": settings.SIGNUP_LINK_MAX_AGE // 3600,
        "has_login": user_for_email(pending.email) is not None,
        "reset_link": absolute_url(reverse("password_reset")),
    }
    queue_templated_email("signup_confirm", context, [pending.email])  # sent once the sign-up is saved
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


def unconfirmed_signups(email: str) -> QuerySet[PendingSignup]:
    """The sign-ups of this e-mail whose link is still valid and not yet used, newest first."""
    oldest = timezone.now() - timedelta(seconds=settings.SIGNUP_LINK_MAX_AGE)
    return PendingSignup.objects.filter(
        email__iexact=email.strip(), confirmed_at=None, created_at__gte=oldest
    ).order_by("-created_at")[:3]


def new_login_for_signup(pending: PendingSignup) -> User | None:
    """An unsaved login for the sign-up's e-mail (to choose its password), or None if the e-mail has one."""
    if user_for_email(pending.email) is not None:
        return None
    email = pending.email.strip()
    return get_user_model()(username=email.lower(), email=email, first_name=pending.full_name[:150])


@transaction.atomic
def confirm_signup(pending: PendingSignup, slug: str, password: str | None) -> tuple[Person, bool]:
    """Create the organization at `slug` and its founder (Administrator and Manager). Returns (person, whether
    an existing login was used).

    The link proves the address is theirs, so its holder chooses the password of a new login; a login that
    already has this e-mail keeps its own password (and `password` is not used).
    """
    pending = PendingSignup.objects.select_for_update().get(pk=pending.pk)
    if pending.confirmed_at is not None:
        raise SignupError("This sign-up has already been confirmed.")
    try:
        with transaction.atomic():
            organization = Organization.objects.create(name=pending.organization_name, slug=slug)
    except IntegrityError:
        raise SlugTaken("This address is taken; choose another.") from None
    email = pending.email.strip()
    user = user_for_email(email)
    existing_login = user is not None
    if user is None:
        if not password:
            raise SignupError("Choose a password to create your login.")
        user = get_user_model().objects.create_user(
            username=email.lower(), email=email, password=password, first_name=pending.full_name[:150]
        )
    person = Person(organization=organization, full_name=pending.full_name, email=email, user=user)
    person.set_roles(FOUNDER_ROLES)
    person.save()
    pending.slug = slug
    pending.confirmed_at = timezone.now()
    pending.save(update_fields=["slug", "confirmed_at"])
    return person, existing_login
