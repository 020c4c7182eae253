from collections.abc import Iterable
from datetime import datetime
from typing import Any, Self, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from .emails import stored_email
from .roles import ROLE_PRECEDENCE, Role

# Slugs that would shadow the site's own top-level paths.
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "accounts",
        "api",
        "integrations",
        "static",
        "media",
        "healthz",
        "favicon.ico",
        "robots.txt",
        "signup",
        "dev",
        "hooks",
    }
)


def validate_slug_not_reserved(value: str) -> None:
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError("This address is reserved; choose another.")


class Organization(models.Model):
    """The tenant: every tenant-owned row points at one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True, validators=[validate_slug_not_reserved])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


_Tenanted_co = TypeVar("_Tenanted_co", bound="TenantModel", covariant=True)


class TenantQuerySet(models.QuerySet[_Tenanted_co]):
    def for_org(self, organization: Organization | int) -> Self:
        """The rows of one organization (given as the row or its id)."""
        return self.filter(organization=organization)


class TenantModel(models.Model):
    """Base of every tenant-owned model: the organization column and the scoping queryset."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class Person(TenantModel):
    """A teammate of an organization; with a login user, also a member who can sign in."""

    # Indexed by the (organization_id, id) unique index of the tenant keys (people/tenant_keys.py).
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    full_name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    is_administrator = models.BooleanField("Administrator", default=False)
    is_manager = models.BooleanField("Manager", default=False)
    is_employee = models.BooleanField("Employee", default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The person's own choice, on their profile page: e-mails about this organization's integration and syncs.
    email_notifications = models.BooleanField(default=True)

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(Lower("email"), "organization", name="person_email_unique_per_org"),
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=models.Q(user__isnull=False),
                name="person_user_unique_per_org",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = stored_email(self.email)
        super().save(*args, **kwargs)

    @property
    def roles(self) -> list[Role]:
        """The roles held, in precedence order."""
        flags = {
            Role.ADMINISTRATOR: self.is_administrator,
            Role.MANAGER: self.is_manager,
            Role.EMPLOYEE: self.is_employee,
        }
        return [role for role in ROLE_PRECEDENCE if flags[role]]

    def set_roles(self, roles: Iterable[str]) -> None:
        held = set(roles)
        self.is_administrator = Role.ADMINISTRATOR in held
        self.is_manager = Role.MANAGER in held
        self.is_employee = Role.EMPLOYEE in held

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


class EmailStatus(models.TextChoices):
    """Where an invitation's e-mail is: the task queue sends it after the invitation is saved, retrying."""

    QUEUED = "queued", "on its way"
    SENT = "sent", "sent"
    RETRYING = "retrying", "could not be sent yet, we keep trying"
    FAILED = "failed", "could not be sent"


class Invitation(TenantModel):
    """An e-mailed, single-use link by which a person gets a login (or joins with the one they have).

    Only the SHA-256 digest of the link's random key is stored; the link is signed and expires (people/links.py).
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="invitations")
    # The address the link was sent to: a later change of the person's e-mail makes it useless.
    email = models.EmailField(max_length=254)
    key_digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Invitation of {self.email}"

    def is_pending(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


class PendingSignup(models.Model):
    """A sign-up waiting for its e-mail address to be confirmed. It holds no password: whoever opens the
    e-mailed link chooses it (people/signup.py)."""

    organization_name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60)
    full_name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    key_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Sign-up of {self.slug}"


class AuditEvent(TenantModel):
    """One entry of the organization's audit trail: who did what to whose data, and when (people/audit.py).

    The people it names are of the same organization (tenant keys, people/tenant_keys.py); their names at the time
    are kept in `details`, so that an entry still reads right once a person is renamed or deleted.
    """

    class Action(models.TextChoices):
        HUBSTAFF_USER_LINKED = "hubstaff_user_linked", "linked a Hubstaff user"
        HUBSTAFF_USER_UNLINKED = "hubstaff_user_unlinked", "removed a Hubstaff user's link"

    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    action = models.CharField(max_length=40, choices=Action.choices)
    # The person the entry is about (for a link, the one whose hours it decides) and, when the entry moves
    # something away from someone, that someone: each sees the entry on their page.
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    former_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "person"], name="audit_event_person"),
            models.Index(fields=["organization", "former_person"], name="audit_event_former_person"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"
