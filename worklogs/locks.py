"""Locked periods: an organization's work logs closed up to a date, and every move of the lock recorded.

An Administrator locks the work logs up to a date ("everything up to 31 October is closed") and may move the lock
back, with a reason. Nothing changes a work log dated on or before the lock: the pages and the API refuse
(`check_open`), a sync records the difference instead of writing it, reset, Clear data and undo leave those days
alone. Every change of the lock is a `LockEvent` (who, when, from where to where, why).
"""

from datetime import date

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction

from people.models import Organization, Person
from projects.models import Project

from .models import LockedDifference, LockEvent, WorkLog, WorkLogLock


class PeriodLocked(Exception):
    """A change of a work log dated in the organization's locked period; the message says so, for the user."""


class LockNotMoved(Exception):
    """A lock or a move back that cannot be made (a date not after the lock, a move back without a reason)."""


def locked_through(organization_id: int) -> date | None:
    """The last locked date of the organization's work logs, or None when nothing is locked."""
    return (
        WorkLogLock.objects.filter(organization_id=organization_id)
        .values_list("locked_through", flat=True)
        .first()
    )


def is_locked(through: date | None, day: date) -> bool:
    return through is not None and day <= through


def locked_message(through: date) -> str:
    return (
        f"Work logs up to {through:%d %b %Y} are locked: an Administrator must move the lock back before they "
        "change."
    )


def check_open(organization_id: int, *days: date) -> None:
    """Raise PeriodLocked if any of `days` is in the organization's locked period."""
    through = locked_through(organization_id)
    if through is not None and any(day <= through for day in days):
        raise PeriodLocked(locked_message(through))


@transaction.atomic
def save_log(log: WorkLog) -> None:
    """Save a manual work log unless its date is locked (checked with the lock's row held, so that a lock made
    meanwhile waits for this save or refuses it)."""
    through = hold_for_change(log.organization_id)
    if is_locked(through, log.date):
        raise PeriodLocked(locked_message(through))  # type: ignore[arg-type]  # locked: not None
    log.save()


@transaction.atomic
def delete_log(log: WorkLog) -> None:
    """Delete a manual work log unless its date is locked."""
    through = hold_for_change(log.organization_id)
    if is_locked(through, log.date):
        raise PeriodLocked(locked_message(through))  # type: ignore[arg-type]
    log.delete()


def _held(organization_id: int) -> WorkLogLock:
    """The organization's lock row, locked until the transaction ends (made if missing)."""
    lock, _ = WorkLogLock.objects.select_for_update().get_or_create(organization_id=organization_id)
    return lock


def _name(user: User | AnonymousUser | None, organization_id: int) -> str:
    """The name recorded with a change of the lock: the member's name in this organization, else the login's."""
    if user is None or not user.is_authenticated:
        return ""
    person = Person.objects.for_org(organization_id).filter(user=user).first()
    if person is not None:
        return person.full_name
    return user.get_full_name() or user.get_username()


def _record(
    lock: WorkLogLock,
    action: str,
    previous: date | None,
    user: User | AnonymousUser | None,
    *,
    reason: str = "",
    day: date | None = None,
) -> LockEvent:
    return LockEvent.objects.create(
        organization_id=lock.organization_id,
        action=action,
        previous=previous,
        locked_through=lock.locked_through,
        day=day,
        reason=reason,
        made_by=user if user is not None and user.is_authenticated else None,
        made_by_name=_name(user, lock.organization_id),
    )


@transaction.atomic
def lock(organization: Organization, through: date, user: User | AnonymousUser | None) -> LockEvent:
    """Lock the organization's work logs up to `through` (a later date than the current lock)."""
    held = _held(organization.pk)
    previous = held.locked_through
    if previous is not None and through <= previous:
        raise LockNotMoved(
            f"Work logs are already locked up to {previous:%d %b %Y}; to unlock days, move the lock back "
            "with a reason."
        )
    held.locked_through = through
    held.save(update_fields=["locked_through", "updated_at"])
    return _record(held, LockEvent.Action.LOCK, previous, user)


@transaction.atomic
def move_back(
    organization: Organization, to: date | None, reason: str, user: User | AnonymousUser | None
) -> LockEvent:
    """Move the lock back to `to` (None: nothing locked), saying why; the days after `to` may change again."""
    reason = reason.strip()
    if not reason:
        raise LockNotMoved("Say why the lock is moved back: it is recorded with your name.")
    held = _held(organization.pk)
    previous = held.locked_through
    if previous is None:
        raise LockNotMoved("Nothing is locked.")
    if to is not None and to >= previous:
        raise LockNotMoved(f"To move the lock back, choose a date before {previous:%d %b %Y}.")
    held.locked_through = to
    held.save(update_fields=["locked_through", "updated_at"])
    return _record(held, LockEvent.Action.UNLOCK, previous, user, reason=reason)


def hold_for_change(organization_id: int) -> date | None:
    """In the caller's transaction: the lock's row locked until it ends (a move of the lock waits for the change,
    and the change sees the lock as it stays), and the last locked date."""
    lock_row = WorkLogLock.objects.select_for_update().filter(organization_id=organization_id).first()
    return None if lock_row is None else lock_row.locked_through


def record_accept(
    organization_id: int, day: date, reason: str, user: User | AnonymousUser | None
) -> LockEvent:
    """In the caller's transaction, which holds the lock's row (`hold_for_change`): one locked day unlocked, a
    value applied to it, locked again: recorded as one event."""
    held = _held(organization_id)
    return _record(held, LockEvent.Action.ACCEPT, held.locked_through, user, reason=reason, day=day)


def history(organization_id: int) -> list[LockEvent]:
    return list(LockEvent.objects.for_org(organization_id).select_related("made_by")[:200])


# ------------------------------------------------------------------------------------------------ differences


def open_differences(organization_id: int, project: Project | None = None) -> list[LockedDifference]:
    """The differences of days still locked (a sync records them: LockedDifference), of one project or of every
    project, oldest day first."""
    through = locked_through(organization_id)
    if through is None:
        return []
    differences = LockedDifference.objects.for_org(organization_id).filter(date__lte=through)
    if project is not None:
        differences = differences.filter(project=project)
    return list(
        differences.select_related("person", "hubstaff_person", "project").order_by(
            "date", "project__name", "id"
        )
    )


def describe(difference: LockedDifference) -> str:
    """ "Hubstaff now says 6.00 h for Sam Smith on 14 Oct 2026; Primetric keeps 8.00 h, locked"."""
    hubstaff = f"{difference.hubstaff_seconds / 3600:.2f} h" if difference.hubstaff_seconds else "no time"
    kept = f"{difference.kept_seconds / 3600:.2f} h" if difference.kept_seconds else "nothing"
    moved = ""
    if difference.hubstaff_person is not None:
        moved = f" (Hubstaff now gives it to {difference.hubstaff_person.full_name})"
    return (
        f"Hubstaff now says {hubstaff} for {difference.person.full_name} on {difference.date:%d %b %Y}{moved}; "
        f"Primetric keeps {kept}, locked"
    )
