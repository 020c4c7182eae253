"""Kept matches: Hubstaff users taken as people of the organization whatever their e-mails say now.

A match is made by hand (a Manager's "This is ..." when the e-mails differ) or by e-mail: the apply of a sync keeps
each e-mail match whose work logs it commits (`keep_email_matches`, in the sync's transaction), so that an e-mail
changed later on either side loses no hours. A kept match comes first for its Hubstaff user in every later sync
(`Apply` hands `kept_matches` to the rules). Matches are per organization and by Hubstaff user id: one person per
Hubstaff user, any number of Hubstaff users per person.
"""

from collections.abc import Collection, Mapping
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from integrations.hubstaff import rules
from integrations.models import HubstaffUserLink
from people import audit
from people.models import AuditEvent, Organization, Person
from people.roles import Role
from people.text import clean_text

# The roles that may link a Hubstaff user to a person or remove a link (`may_change_links`).
LINK_ROLES = (Role.MANAGER,)


class KeptMatches(NamedTuple):
    """The organization's kept matches as the rules take them."""

    links: dict[int, int]  # Hubstaff user id -> person id
    by_email: frozenset[int]  # the Hubstaff user ids of the matches made by e-mail
    unnamed: frozenset[int] = frozenset()  # those kept without the user's name (by the migration)


def kept_matches(organization_id: int) -> KeptMatches:
    """The organization's kept matches (made by hand or by e-mail)."""
    rows = HubstaffUserLink.objects.for_org(organization_id).values_list(
        "hubstaff_user_id", "person_id", "made_by", "hubstaff_user_name"
    )
    links: dict[int, int] = {}
    by_email: set[int] = set()
    unnamed: set[int] = set()
    for user_id, person_id, made_by, name in rows:
        links[user_id] = person_id
        if made_by == HubstaffUserLink.MadeBy.EMAIL:
            by_email.add(user_id)
        if not name:
            unnamed.add(user_id)
    return KeptMatches(links, frozenset(by_email), frozenset(unnamed))


def keep_email_matches(
    organization_id: int, matches: Mapping[int, int], users: Mapping[int, rules.HubstaffUser]
) -> None:
    """Keep the e-mail matches (Hubstaff user id -> person id) a sync is committing work logs of; a user already
    matched (by hand, or by another project's sync meanwhile) keeps that match.

    Called inside the sync's transaction: kept exactly when its work logs are, never by a preview."""
    rows = []
    for user_id in sorted(matches):  # one order for every sync, so that two never wait on each other in turn
        user = users.get(user_id)
        rows.append(
            HubstaffUserLink(
                organization_id=organization_id,
                hubstaff_user_id=user_id,
                person_id=matches[user_id],
                hubstaff_user_name=clean_text(user.name if user else "")[:300],
                hubstaff_user_email=clean_text((user.email or "") if user else "")[:254],
                made_by=HubstaffUserLink.MadeBy.EMAIL,
            )
        )
    HubstaffUserLink.objects.bulk_create(rows, ignore_conflicts=True)


def name_kept_matches(
    organization_id: int, unnamed: Collection[int], users: Mapping[int, rules.HubstaffUser]
) -> None:
    """Give the kept matches made without the Hubstaff user's name (from synced work logs alone) the name Hubstaff
    lists now, for the person's page."""
    for user_id in sorted(unnamed):
        user = users.get(user_id)
        name = clean_text(user.name)[:300] if user is not None else ""
        if name:
            HubstaffUserLink.objects.for_org(organization_id).filter(
                hubstaff_user_id=user_id, hubstaff_user_name=""
            ).update(hubstaff_user_name=name)


def may_change_links(member: Person) -> bool:
    """Whether this member may link a Hubstaff user to a person or remove a link: a Manager (an Administrator who
    also holds the Manager role may; one who does not, may not). Deciding whose time is whose is sync work, like
    ticking Hubstaff on a project; the page, the API and the person's page all ask this."""
    return member.has_role(*LINK_ROLES)


def link_user(
    organization: Organization,
    *,
    hubstaff_user_id: int | str | None,
    person_id: int | str | None,
    name: str | None = "",
    actor: Person,
) -> HubstaffUserLink:
    """Link a Hubstaff user to a person of `organization` by hand (replacing an earlier match of that user).

    The person is looked up inside the organization: an id of another organization's person is refused like an
    unknown one. Raises ValidationError for a bad id, PermissionDenied for an actor who may not link. The
    organization's audit trail records who linked whom (and whom the user's time went to before), and both
    people are e-mailed.
    """
    if not may_change_links(actor) or actor.organization_id != organization.pk:
        raise PermissionDenied("Only a Manager links Hubstaff users to people.")
    if hubstaff_user_id is None or person_id is None:  # a form's field left out
        raise ValidationError("Choose a person and a Hubstaff user.")
    try:
        hubstaff_user_id = int(hubstaff_user_id)
        person_id = int(person_id)
    except (TypeError, ValueError):
        raise ValidationError("Choose a person and a Hubstaff user.") from None
    if hubstaff_user_id <= 0:
        raise ValidationError("Choose a Hubstaff user.")
    person = Person.objects.for_org(organization).filter(pk=person_id).first()
    if person is None:
        raise ValidationError({"person": "Choose a person of this organization."})
    name = clean_text(name or "")[:300]
    try:
        with transaction.atomic():
            before = (
                HubstaffUserLink.objects.for_org(organization)
                .select_for_update()
                .select_related("person")
                .filter(hubstaff_user_id=hubstaff_user_id)
                .first()
            )
            link, _ = HubstaffUserLink.objects.for_org(organization).update_or_create(
                organization=organization,
                hubstaff_user_id=hubstaff_user_id,
                defaults={
                    "person": person,
                    "hubstaff_user_name": name,
                    "hubstaff_user_email": "",
                    "made_by": HubstaffUserLink.MadeBy.HAND,
                    "created_by": actor.user,
                },
            )
            if before is None or before.person_id != person.pk:
                audit.record(
                    organization,
                    actor=actor,
                    action=AuditEvent.Action.HUBSTAFF_USER_LINKED,
                    person=person,
                    former_person=before.person if before is not None else None,
                    details={"hubstaff_user_id": hubstaff_user_id, "hubstaff_user_name": name},
                )
    except IntegrityError:
        # Two managers linking the same user at once: the other one's link stands (and is in the audit trail).
        link = HubstaffUserLink.objects.for_org(organization).get(hubstaff_user_id=hubstaff_user_id)
    return link


def remove_link(link: HubstaffUserLink, *, actor: Person) -> None:
    """Forget a kept match: the next sync matches that Hubstaff user by e-mail again (and keeps that match).

    Raises PermissionDenied for an actor who may not; the audit trail records the removal and the person is
    e-mailed."""
    if not may_change_links(actor) or actor.organization_id != link.organization_id:
        raise PermissionDenied("Only a Manager removes links of Hubstaff users.")
    with transaction.atomic():
        audit.record(
            actor.organization,
            actor=actor,
            action=AuditEvent.Action.HUBSTAFF_USER_UNLINKED,
            person=link.person,
            details={
                "hubstaff_user_id": link.hubstaff_user_id,
                "hubstaff_user_name": link.hubstaff_user_name,
                "made_by": link.made_by,
            },
        )
        link.delete()
