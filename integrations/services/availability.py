"""Time off, holidays and expected weekly hours from Hubstaff into capacity (the installation's option
`import_availability`, on by default).

Once a day (beat's `import_availability_daily`, one task per installation) and on demand, for each Hubstaff
organization of the installation, through the request budget:

- **time off**: the requests starting from WINDOW_BACK ago to WINDOW_AHEAD from today (Hubstaff filters by start,
  so a long leave that began earlier than the window is not listed; it stays as last taken). Each request of a
  user matched to a person (kept matches, then e-mail, as the sync matches) becomes a `capacity.TimeOff` marked
  as from Hubstaff (read-only in Primetric): approved ones count, submitted ones are shown as pending. A request
  denied or deleted in Hubstaff, or whose user matches nobody any more, leaves again;
- **holidays** from WINDOW_BACK ago to WINDOW_AHEAD: each becomes the organization's `capacity.Holiday` from
  Hubstaff; one gone from Hubstaff goes;
- **expected hours a week** (`limit_histories`, `expected_per_week`): for a matched person with no working hours
  of their own (no pattern entered in Primetric), each period becomes a `capacity.WorkPattern` from Hubstaff from
  its start, the week's hours spread like the organization's default week. A Manager's own pattern is never
  overwritten: a person with one keeps only theirs.

Each run is an `AvailabilityImport` (the Administrator's Hubstaff page lists them): what it changed, the requests
it made, or why it failed. Its writes are one transaction: a failure part-way changes nothing.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from celery import current_app
from django.db import transaction
from django.utils import timezone

from capacity.models import Holiday, Source, TimeOff, WorkPattern
from capacity.services import set_hours_from_hubstaff
from integrations.hubstaff import mapping, rules
from integrations.hubstaff.availability import (
    TimeOffRequest,
    holidays,
    limit_histories,
    time_off_policies,
    time_off_requests,
)
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import HubstaffError
from integrations.models import AvailabilityImport, Installation
from people.models import Person

from .user_links import kept_matches

logger = logging.getLogger(__name__)

IMPORT_TASK = "integrations.tasks.import_availability_task"

WINDOW_BACK = timedelta(days=366)
WINDOW_AHEAD = timedelta(days=366)
HUNDREDTH = Decimal("0.01")
SUBMITTED = "submitted"


def deliver(task_name: str, args: list[int]) -> None:
    """Put a task's message on the broker (tests record them here instead)."""
    current_app.send_task(task_name, args=args)


def send_import(installation: Installation) -> None:
    """Take the installation's time off from Hubstaff in a worker once the current transaction commits."""
    transaction.on_commit(lambda: deliver(IMPORT_TASK, [installation.pk]))


def set_option(installation: Installation, on: bool) -> None:
    """Turn taking time off and holidays from Hubstaff on or off; turned off, what was taken stays as it was."""
    Installation.objects.filter(pk=installation.pk).update(import_availability=on)
    installation.import_availability = on
    if on:
        send_import(installation)


def recent_imports(installation: Installation, count: int = 5) -> list[AvailabilityImport]:
    return list(
        AvailabilityImport.objects.for_org(installation.organization_id).filter(installation=installation)[
            :count
        ]
    )


def import_one(installation_id: int) -> AvailabilityImport | None:
    """`import_availability` for one installation if it is installed and has the option on (the task's body)."""
    installation = Installation.objects.filter(
        pk=installation_id, status=Installation.Status.INSTALLED, import_availability=True
    ).first()
    if installation is None:
        return None
    return import_availability(installation)


def installations_to_import() -> list[int]:
    return list(
        Installation.objects.filter(status=Installation.Status.INSTALLED, import_availability=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def import_availability(
    installation: Installation, *, client: HubstaffClient | None = None, today: date | None = None
) -> AvailabilityImport:
    """Take the installation's time off, holidays and expected hours from Hubstaff (see the module's docstring)."""
    record = AvailabilityImport.objects.create(
        organization_id=installation.organization_id, installation=installation
    )
    client = client or HubstaffClient(installation)
    today = today or timezone.localdate()
    try:
        read = _read(installation, client, today)
        with transaction.atomic():
            counts = _write(installation, read, today)
    except HubstaffError as exc:
        _finish(record, AvailabilityImport.Status.FAILED, client, error=f"Hubstaff did not answer: {exc}")
        logger.warning("hubstaff installation %s: time off not taken: %s", installation.pk, exc)
        return record
    except Exception:
        _finish(
            record, AvailabilityImport.Status.FAILED, client, error="It failed on our side; nothing changed."
        )
        logger.exception("hubstaff installation %s: time off not taken", installation.pk)
        return record
    _finish(record, AvailabilityImport.Status.SUCCEEDED, client, counts=counts)
    return record


def _finish(
    record: AvailabilityImport,
    status: str,
    client: HubstaffClient,
    *,
    counts: dict[str, int] | None = None,
    error: str = "",
) -> None:
    record.status = status
    record.finished_at = timezone.now()
    record.requests_made = client.requests_made
    record.counts = counts or {}
    record.error = error
    record.save(update_fields=["status", "finished_at", "requests_made", "counts", "error"])


class _Read:
    """What Hubstaff said, matched to people."""

    def __init__(self) -> None:
        self.requests: list[tuple[TimeOffRequest, int, str]] = []  # request, person id, policy name
        self.holidays: dict[int, tuple[date, str]] = {}
        self.expected: dict[int, list[tuple[date, int]]] = {}  # person -> [(from, seconds a week)]
        self.not_matched: set[int] = set()


def _read(installation: Installation, client: HubstaffClient, today: date) -> _Read:
    organization_id = installation.organization_id
    people = [
        rules.Teammate(pk, name, email)
        for pk, name, email in Person.objects.for_org(organization_id).values_list("pk", "full_name", "email")
    ]
    links = kept_matches(organization_id).links
    read = _Read()
    start = datetime.combine(today - WINDOW_BACK, time(0), tzinfo=UTC)
    stop = datetime.combine(today + WINDOW_AHEAD, time(0), tzinfo=UTC)
    for organization in installation.hubstaff_organizations:
        hubstaff_id = int(organization["id"])
        users = [mapping.hubstaff_user(user) for user in client.members(hubstaff_id)]
        matches = rules.match_people(users, people, links)
        policies = {policy.id: policy.name for policy in time_off_policies(client, hubstaff_id)}
        for request in time_off_requests(client, hubstaff_id, starts_from=start, starts_until=stop):
            person = matches.get(request.user_id)
            if person is None:
                read.not_matched.add(request.user_id)
                continue
            read.requests.append((request, person, policies.get(request.policy_id, "")))
        for holiday in holidays(client, hubstaff_id, start=today - WINDOW_BACK, stop=today + WINDOW_AHEAD):
            read.holidays[holiday.id] = (holiday.date, holiday.name)
        for period in limit_histories(client, hubstaff_id, limit_type="expected_per_week"):
            person = matches.get(period.user_id)
            if person is not None and period.total_seconds > 0:
                read.expected.setdefault(person, []).append((period.start_date, period.total_seconds))
    return read


def _write(installation: Installation, read: _Read, today: date) -> dict[str, int]:
    organization_id = installation.organization_id
    counts: Counter[str] = Counter()
    from_hubstaff = TimeOff.objects.for_org(organization_id).filter(source=Source.HUBSTAFF)
    existing = {row.hubstaff_id: row for row in from_hubstaff.select_for_update()}
    seen: set[int] = set()
    for request, person_id, policy_name in read.requests:
        fields = _time_off_fields(request, person_id, policy_name)
        if fields is None:
            continue
        seen.add(request.id)
        if fields["status"] == TimeOff.Status.PENDING:
            counts["pending"] += 1
        row = existing.get(request.id)
        if row is None:
            TimeOff.objects.create(
                organization_id=organization_id, source=Source.HUBSTAFF, hubstaff_id=request.id, **fields
            )
            counts["time_off_added"] += 1
        elif any(getattr(row, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(row, name, value)
            row.save()
            counts["time_off_updated"] += 1
    window = (today - WINDOW_BACK, today + WINDOW_AHEAD)
    gone = [
        row.pk
        for hubstaff_id, row in existing.items()
        if hubstaff_id not in seen and window[0] <= row.start_date < window[1]
    ]
    counts["time_off_removed"] = TimeOff.objects.filter(pk__in=gone).delete()[0]

    holidays_here = {
        holiday.hubstaff_id: holiday
        for holiday in Holiday.objects.for_org(organization_id)
        .filter(source=Source.HUBSTAFF)
        .select_for_update()
    }
    for hubstaff_id, (day, name) in read.holidays.items():
        kept = holidays_here.get(hubstaff_id)
        if kept is None:
            Holiday.objects.create(
                organization_id=organization_id,
                date=day,
                name=name,
                source=Source.HUBSTAFF,
                hubstaff_id=hubstaff_id,
            )
            counts["holidays_added"] += 1
        elif (kept.date, kept.name) != (day, name):
            kept.date, kept.name = day, name
            kept.save(update_fields=["date", "name"])
            counts["holidays_updated"] += 1
    stale = [
        kept.pk
        for hubstaff_id, kept in holidays_here.items()
        if hubstaff_id not in read.holidays and window[0] <= kept.date <= window[1]
    ]
    counts["holidays_removed"] = Holiday.objects.filter(pk__in=stale).delete()[0]
    counts["patterns_set"] = _write_patterns(organization_id, read.expected)
    counts["people_not_matched"] = len(read.not_matched)
    return dict(counts)


def _time_off_fields(request: TimeOffRequest, person_id: int, policy_name: str) -> dict[str, object] | None:
    """A request as a TimeOff's fields; None for one that does not count or wait (denied)."""
    if request.is_approved:
        status = TimeOff.Status.APPROVED
    elif request.status == SUBMITTED:
        status = TimeOff.Status.PENDING
    else:
        return None
    first, last, hours = _days_and_hours(request)
    name = policy_name.lower()
    kind = TimeOff.Kind.SICK if "sick" in name else TimeOff.Kind.VACATION if name else TimeOff.Kind.OTHER
    return {
        "person_id": person_id,
        "start_date": first,
        "end_date": last,
        "hours_per_day": hours,
        "kind": kind,
        "note": f"{policy_name} (from Hubstaff)" if policy_name else "From Hubstaff",
        "status": status,
    }


def _days_and_hours(request: TimeOffRequest) -> tuple[date, date, Decimal | None]:
    """The request's first and last day and its hours a day (None: all day). Hubstaff's per-day breakdown gives
    the user's own days; without it, an all-day request's midnights (the user's, printed in UTC) are rounded to the
    nearest UTC midnight, which gives the user's dates for offsets within 12 hours."""
    if request.days:
        first, last = min(day.date for day in request.days), max(day.date for day in request.days)
        if request.all_day:
            return first, last, None
        worked = [day.seconds for day in request.days if day.seconds > 0]
        return first, last, _hours(max(worked) if worked else request.amount_used_seconds)
    if request.all_day:
        first = (request.starts_at + timedelta(hours=12)).date()
        after = (request.stops_at + timedelta(hours=12)).date()
        return first, max(first, after - timedelta(days=1)), None
    seconds = int((request.stops_at - request.starts_at).total_seconds())
    return request.starts_at.date(), max(request.starts_at.date(), request.stops_at.date()), _hours(seconds)


def _hours(seconds: int) -> Decimal:
    hours = (Decimal(seconds) / Decimal(3600)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    return min(Decimal(24), max(Decimal("0.25"), hours))


def _write_patterns(organization_id: int, expected: dict[int, list[tuple[date, int]]]) -> int:
    """Hubstaff's expected weekly hours as the working hours of people with none of their own (see the module's
    docstring; capacity.services.set_hours_from_hubstaff spreads a week like the organization's default week);
    a person whose hours a Manager set keeps only those. Returns how many people's hours changed."""
    people = Person.objects.for_org(organization_id).in_bulk(list(expected))
    own = set(
        WorkPattern.objects.for_org(organization_id)
        .filter(source=Source.MANUAL, person_id__in=list(expected))
        .values_list("person_id", flat=True)
    )
    from_hubstaff = WorkPattern.objects.for_org(organization_id).filter(source=Source.HUBSTAFF)
    # A Manager's hours take over entirely: a later pattern from Hubstaff would otherwise override them.
    from_hubstaff.filter(person_id__in=own).delete()
    changed = 0
    for person_id, periods in expected.items():
        person = people.get(person_id)
        if person is None or person_id in own:
            continue
        wanted = dict(_one_a_day(periods))
        mine = from_hubstaff.filter(person_id=person_id)
        before = {row.effective_from: row.week for row in mine}
        stale = mine.exclude(effective_from__in=list(wanted)).delete()[0]
        after = {}
        for start, seconds in wanted.items():
            pattern = set_hours_from_hubstaff(person, start, Decimal(seconds) / Decimal(3600))
            if pattern is not None:
                after[pattern.effective_from] = pattern.week
        if stale or after != before:
            changed += 1
    return changed


def _one_a_day(periods: Iterable[tuple[date, int]]) -> list[tuple[date, int]]:
    """The periods by start, the last one of a day winning (a change made twice the same day)."""
    return sorted(dict(sorted(periods)).items())
