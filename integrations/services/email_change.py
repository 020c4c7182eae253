"""What the next sync does to a person's synced hours if their e-mail changes, or a kept match of theirs is removed:
said before anyone saves, in hours per project ("17.00 h on Project A would leave").

The sync's rules decide (docs/sync.md, "Identities that survive"): a Hubstaff user's time goes to the person of
their kept match (`HubstaffUserLink`) whatever the e-mails say; without one, to the person whose e-mail is the
user's. So an e-mail change moves nothing the kept matches cover, and a removed match gives the user's time to
whoever their e-mail names at the next sync: the same person (kept again), another person, or nobody (the work
logs of the days it re-reads are deleted). Read only; nothing here changes a row.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum

from integrations.models import HubstaffUserLink
from people.models import Person
from projects.models import Project
from worklogs.models import WorkLog

# What the next sync does to a project's hours of one Hubstaff user.
STAY = "stay"
LEAVE = "leave"
MOVE = "move"


@dataclass(frozen=True)
class HoursAtStake:
    """A person's synced hours on one project from one kind of fate: they stay, leave (deleted by the next sync
    of their days), or move to `to_person`."""

    project_id: int
    project_name: str
    seconds: int
    fate: str  # STAY, LEAVE or MOVE
    to_person: str = ""

    @property
    def hours(self) -> str:
        return f"{self.seconds / 3600:.2f} h"

    def sentence(self) -> str:
        where = f"{self.hours} on {self.project_name}"
        if self.fate == STAY:
            return f"{where} stay"
        if self.fate == MOVE:
            return f"{where} would move to {self.to_person}"
        return f"{where} would leave"


def _user_of(source_key: str) -> int | None:
    """The Hubstaff user of a synced work log's source key (`hubstaff:<project>:<user>:<date>`)."""
    parts = source_key.split(":")
    if len(parts) != 4 or parts[0] != "hubstaff":
        return None
    try:
        return int(parts[2])
    except ValueError:
        return None


def _synced_seconds(person: Person, user_ids: set[int] | None = None) -> dict[tuple[int, int], int]:
    """The person's synced seconds by (Hubstaff user, project); only `user_ids`' when given."""
    rows = (
        WorkLog.objects.for_org(person.organization_id)
        .filter(person=person, source=WorkLog.Source.HUBSTAFF)
        .values_list("source_key", "project_id")
        .annotate(seconds=Sum("duration_seconds"))
    )
    seconds: defaultdict[tuple[int, int], int] = defaultdict(int)
    for key, project_id, total in rows:
        user = _user_of(key)
        if user is not None and (user_ids is None or user in user_ids):
            seconds[(user, project_id)] += total or 0
    return dict(seconds)


def _summed(
    person: Person, fates: dict[tuple[int, int], tuple[str, str]], seconds: dict[tuple[int, int], int]
) -> list[HoursAtStake]:
    names = dict(
        Project.objects.for_org(person.organization_id)
        .filter(pk__in={project for _, project in seconds})
        .values_list("pk", "name")
    )
    summed: defaultdict[tuple[int, str, str], int] = defaultdict(int)
    for key, total in seconds.items():
        fate, to = fates[key]
        summed[(key[1], fate, to)] += total
    order = {LEAVE: 0, MOVE: 1, STAY: 2}
    return sorted(
        (
            HoursAtStake(project, names.get(project, ""), total, fate, to)
            for (project, fate, to), total in summed.items()
            if total
        ),
        key=lambda h: (order[h.fate], h.project_name, h.to_person),
    )


def after_email_change(person: Person, new_email: str | None = None) -> list[HoursAtStake]:
    """The person's synced hours per project if their e-mail becomes `new_email` (None: any other e-mail): what
    their kept matches cover stays; what only their e-mail matched would leave at the next sync of those days."""
    seconds = _synced_seconds(person)
    if not seconds:
        return []
    if new_email is not None and new_email.strip().casefold() == person.email.strip().casefold():
        return _summed(person, dict.fromkeys(seconds, (STAY, "")), seconds)
    kept = set(
        HubstaffUserLink.objects.for_org(person.organization_id)
        .filter(person=person, hubstaff_user_id__in={user for user, _ in seconds})
        .values_list("hubstaff_user_id", flat=True)
    )
    fates = {(user, project): ((STAY, "") if user in kept else (LEAVE, "")) for user, project in seconds}
    return _summed(person, fates, seconds)


def after_link_removed(link: HubstaffUserLink) -> list[HoursAtStake]:
    """The hours of `link`'s Hubstaff user that its person holds, per project, once the match is removed: the next
    sync matches the user by e-mail again. The e-mail Hubstaff showed when the match was kept by e-mail decides;
    a match made by hand (its e-mails differ by design) would leave, unless Hubstaff shows an e-mail of someone."""
    person = link.person
    seconds = _synced_seconds(person, {link.hubstaff_user_id})
    if not seconds:
        return []
    email = link.hubstaff_user_email.strip().casefold()
    fate: tuple[str, str] = (LEAVE, "")
    if email and email == person.email.strip().casefold():
        fate = (STAY, "")
    elif email:
        other = (
            Person.objects.for_org(person.organization_id)
            .filter(email__iexact=email)
            .exclude(pk=person.pk)
            .values_list("full_name", flat=True)
            .first()
        )
        if other is not None:
            fate = (MOVE, other)
    return _summed(person, dict.fromkeys(seconds, fate), seconds)


def email_change_sentences(person: Person) -> list[str]:
    """For the person's form, before an e-mail is changed: one sentence per project."""
    at_stake = after_email_change(person)
    if not at_stake:
        return []
    leaving = [h for h in at_stake if h.fate == LEAVE]
    said = "; ".join(h.sentence() for h in at_stake)
    if leaving:
        return [
            f"If {person.full_name}'s e-mail changes, the next sync of their days: {said}. The hours that would "
            "leave were matched by e-mail only; a Manager can keep them by linking the Hubstaff user to "
            f"{person.full_name} (\u201cThis is \u2026\u201d in the project's missing teammates) after the change."
        ]
    return [
        f"Changing {person.full_name}'s e-mail moves none of their synced hours: {said} (their Hubstaff match is kept)."
    ]
