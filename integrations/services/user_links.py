"""Hubstaff users linked by hand to people of the organization, for when the e-mails differ.

E-mail matching stays the default; a link comes first for its Hubstaff user in every later sync (`Apply` hands
`links_by_user` to the rules). Links are per organization and by Hubstaff user id: one person per Hubstaff user.
"""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from integrations.models import HubstaffUserLink
from people.models import Organization, Person


def links_by_user(organization_id: int) -> dict[int, int]:
    """The organization's links as the rules take them: Hubstaff user id -> person id."""
    return dict(
        HubstaffUserLink.objects.for_org(organization_id).values_list("hubstaff_user_id", "person_id")
    )


def link_user(
    organization: Organization,
    *,
    hubstaff_user_id: int | str | None,
    person_id: int | str | None,
    name: str | None = "",
    user: User | None = None,
) -> HubstaffUserLink:
    """Link a Hubstaff user to a person of `organization` (replacing an earlier link of that user).

    The person is looked up inside the organization: an id of another organization's person is refused like an
    unknown one. Raises ValidationError for a bad id.
    """
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
    try:
        with transaction.atomic():
            link, _ = HubstaffUserLink.objects.for_org(organization).update_or_create(
                organization=organization,
                hubstaff_user_id=hubstaff_user_id,
                defaults={"person": person, "hubstaff_user_name": (name or "")[:300], "created_by": user},
            )
    except IntegrityError:
        # Two managers linking the same user at once: the other one's link stands.
        link = HubstaffUserLink.objects.for_org(organization).get(hubstaff_user_id=hubstaff_user_id)
    return link


def remove_link(link: HubstaffUserLink) -> None:
    """Forget a link: the next sync matches that Hubstaff user by e-mail again."""
    link.delete()
