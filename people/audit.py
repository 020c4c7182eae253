"""The organization's audit trail: who did what to whose data, shown on the pages of the people it concerns and
told to them by e-mail.

`record` writes an entry inside the transaction of the change it describes (an entry exists exactly when the
change does) and queues one e-mail to each person it concerns: the one it is about and the one something moved
away from. The e-mails go through people.mail's queue: sent by a task once the transaction commits, retried while
the mail server refuses. Entries are tenant-owned and read through `entries_about`, scoped to the organization.
"""

from typing import Any

from django.db.models import Q

from .mail import queue_templated_email
from .models import AuditEvent, Organization, Person, TenantQuerySet
from .text import clean_text

# The e-mail (templates/emails/<name>.txt) that tells the people an entry concerns, by action.
EMAILS = {
    AuditEvent.Action.HUBSTAFF_USER_LINKED: "audit_hubstaff_user_linked",
    AuditEvent.Action.HUBSTAFF_USER_UNLINKED: "audit_hubstaff_user_unlinked",
}


def record(
    organization: Organization,
    *,
    actor: Person | None,
    action: AuditEvent.Action,
    person: Person,
    former_person: Person | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an entry to the organization's audit trail and tell the people it concerns once it is committed.

    `person` is who the entry is about; `former_person` whom the change took something from, if anyone. The names
    of the people it names are kept in the entry as they are now, for when one is renamed or deleted."""
    if former_person is not None and former_person.pk == person.pk:
        former_person = None
    for someone in (actor, person, former_person):
        if someone is not None and someone.organization_id != organization.pk:
            raise ValueError("An audit entry names people of its own organization only.")
    event = AuditEvent.objects.create(
        organization=organization,
        actor=actor,
        action=action,
        person=person,
        former_person=former_person,
        details={
            "actor_name": actor.full_name if actor else "",
            "person_name": person.full_name,
            "former_person_name": former_person.full_name if former_person else "",
            # Text from elsewhere (a Hubstaff user's name) goes into pages and plain-text e-mails: cleaned here too.
            **{
                key: clean_text(value) if isinstance(value, str) else value
                for key, value in (details or {}).items()
            },
        },
    )
    for someone, gains in ((person, True), (former_person, False)):
        if someone is not None and someone.email:
            context = {"event": event, "details": event.details, "organization": organization, "gains": gains}
            queue_templated_email(EMAILS[action], {**context, "person": someone}, [someone.email])
    return event


def entries_about(organization: Organization | int, person: Person) -> TenantQuerySet[AuditEvent]:
    """The organization's entries about `person`, newest first: those about them and those that took from them."""
    return (
        AuditEvent.objects.for_org(organization)
        .filter(Q(person=person) | Q(former_person=person))
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
