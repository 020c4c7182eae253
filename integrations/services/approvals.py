"""Only Hubstaff-approved time: a project link's option (`ProjectLink.approved_time_only`, off by default).

With it on, a day's hours of a Hubstaff user are synced only while the user's timesheet covering that day is
approved in Hubstaff (timesheets are one user's pay period in one Hubstaff organization, approved whole). The
rows read are kept in the run's staging (and checkpoint) as they are; the apply sees only the approved ones
(`ApprovedRows`), and the others are counted as waiting for approval: the run and the panel say "N h of M people
await approval in Hubstaff" with the list, rather than dropping them silently.

An incremental sync reads what changed through Hubstaff's change listings, which an approval does not touch, so
it also re-reads (`Approvals.changed_days`):
- the days of every timesheet approved since the last sync (`approved[start]`): their hours arrive;
- the days of the last RECHECK_DAYS with synced hours whose timesheet is not approved now (reopened or denied
  after approval): the apply leaves them out, so their work logs go, and the run counts those days.
A reopen older than RECHECK_DAYS is seen by the reconciliation, which re-reads old days in slices, or by a reset.

Timesheets are read per Hubstaff organization over the days the run applies (one paged listing a span), through
the request budget as every request is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import TypedDict

from integrations.hubstaff import rules
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.timesheets import Timesheet, timesheets
from integrations.models import ProjectLink
from projects.models import Project
from worklogs.models import AwaitingApproval as WaitingHours
from worklogs.models import WorkLog

from .apply import StagedRows
from .checkpoint import Sources
from .staging import Window

# Days back an incremental sync checks that the synced hours' timesheets are still approved.
RECHECK_DAYS = 62


class WaitingPerson(TypedDict):
    name: str
    email: str
    seconds: int


class AwaitingApproval(TypedDict):
    """What a run left out for want of approval (`SyncRun.awaiting_approval`)."""

    seconds: int
    people: list[WaitingPerson]
    # Days re-read because their synced hours' timesheet is no longer approved (reopened or denied).
    withdrawn_days: int


class Approvals:
    """The approved pay periods of the Hubstaff users of a run's sources, read as the run needs them."""

    def __init__(self, client: HubstaffClient, sources: Sources) -> None:
        self.client = client
        self.organizations = sorted(sources)
        self.organization_of = {int(p): org for org, projects in sources.items() for p in projects}
        self._sheets: dict[tuple[int, int], dict[int, Timesheet]] = defaultdict(dict)  # (org, user) -> by id
        self._read: dict[int, list[tuple[date, date]]] = defaultdict(list)

    def read(self, spans: Iterable[rules.DateSpan]) -> None:
        """The timesheets overlapping `spans`, of each Hubstaff organization, unless read already."""
        for span in spans:
            for organization in self.organizations:
                if any(start <= span.start and span.end <= stop for start, stop in self._read[organization]):
                    continue
                for sheet in timesheets(self.client, organization, start=span.start, stop=span.end):
                    self._keep(organization, sheet)
                self._read[organization].append((span.start, span.end))

    def _keep(self, organization: int, sheet: Timesheet) -> None:
        self._sheets[(organization, sheet.user_id)][sheet.id] = sheet

    def approved(self, project_id: int, user_id: int, day: date) -> bool:
        organization = self.organization_of.get(project_id)
        sheets = self._sheets.get((organization, user_id), {}) if organization is not None else {}
        return any(sheet.is_approved and sheet.covers(day) for sheet in sheets.values())

    def changed_days(
        self, link: ProjectLink, window: Window, today: date, since: datetime
    ) -> tuple[set[date], int]:
        """The days an incremental sync re-reads for approvals (see the module's docstring), within `window`, and
        how many of them are withdrawn (synced hours whose timesheet is no longer approved)."""
        days: set[date] = set()
        approved_since = (since - timedelta(days=1)).date()  # Hubstaff's approval day is a UTC date
        for organization in self.organizations:
            for sheet in timesheets(
                self.client, organization, start=window[0], stop=window[1], approved_since=approved_since
            ):
                self._keep(organization, sheet)
                if sheet.is_approved:
                    days.update(_days(sheet.start_date, sheet.stop_date, window))
        recent = max(window[0], today - timedelta(days=RECHECK_DAYS))
        if recent > window[1]:
            return days, 0
        self.read([rules.DateSpan(recent, window[1])])
        withdrawn: set[date] = set()
        synced = WorkLog.objects.for_org(link.organization_id).filter(
            project_id=link.project_id, source=WorkLog.Source.HUBSTAFF, date__gte=recent, date__lte=window[1]
        )
        for key, day in synced.values_list("source_key", "date").iterator(chunk_size=2000):
            parts = key.split(":")
            if len(parts) != 4:
                continue
            project_id, user_id = int(parts[1]), int(parts[2])
            if not self.approved(project_id, user_id, day):
                withdrawn.add(day)
        return days | withdrawn, len(withdrawn - days)


def _days(first: date, last: date, window: Window) -> list[date]:
    start, stop = max(first, window[0]), min(last, window[1])
    return [start + timedelta(days=n) for n in range((stop - start).days + 1)] if start <= stop else []


class ApprovedRows:
    """The staged rows as the apply reads them, the approved ones only; the others are counted as waiting."""

    def __init__(self, rows: StagedRows, approvals: Approvals) -> None:
        self.rows = rows
        self.approvals = approvals
        self._waiting: dict[int, dict[tuple[int, date, int], int]] = defaultdict(
            dict
        )  # user -> row -> seconds

    def activities(
        self, window: Window, first: date | None = None, last: date | None = None
    ) -> list[rules.DailyActivity]:
        kept: list[rules.DailyActivity] = []
        approved = self.approvals.approved
        for row in self.rows.activities(window, first, last):
            if approved(row.project_id, row.user_id, row.date):
                kept.append(row)
            else:
                self._waiting[row.user_id][(row.project_id, row.date, row.id)] = row.tracked
        return kept

    def by_person_and_day(self, matches: Mapping[int, int]) -> dict[tuple[int, date], int]:
        """The waiting seconds of matched people (`matches`: Hubstaff user id -> person id), by person and day."""
        waiting: dict[tuple[int, date], int] = defaultdict(int)
        for user_id, rows in self._waiting.items():
            person_id = matches.get(user_id)
            if person_id is None:
                continue
            for (_project_id, day, _row_id), seconds in rows.items():
                waiting[(person_id, day)] += seconds
        return dict(waiting)

    def summary(self, users: Mapping[int, rules.HubstaffUser], withdrawn_days: int) -> AwaitingApproval:
        people: list[WaitingPerson] = []
        for user_id, rows in self._waiting.items():
            user = users.get(user_id)
            seconds = sum(rows.values())
            if seconds <= 0:
                continue
            people.append(
                {
                    "name": user.name if user else f"Hubstaff user {user_id}",
                    "email": (user.email or "") if user else "",
                    "seconds": seconds,
                }
            )
        people.sort(key=lambda person: (-person["seconds"], person["name"]))
        return {
            "seconds": sum(person["seconds"] for person in people),
            "people": people,
            "withdrawn_days": withdrawn_days,
        }


def record_waiting(
    project: Project, spans: Iterable[rules.DateSpan], waiting: Mapping[tuple[int, date], int] | None
) -> None:
    """In the run's transaction: the project's hours awaiting approval on the days the run read, replaced by what it
    found waiting (`None`: the option is off, and none of the project's hours wait any more)."""
    rows = WaitingHours.objects.for_org(project.organization_id).filter(project=project)
    if waiting is None:
        rows.delete()
        return
    for span in spans:
        rows.filter(date__range=(span.start, span.end)).delete()
    WaitingHours.objects.bulk_create(
        [
            WaitingHours(
                organization_id=project.organization_id,
                project=project,
                person_id=person_id,
                date=day,
                seconds=seconds,
            )
            for (person_id, day), seconds in sorted(waiting.items())
            if seconds > 0
        ]
    )
