"""A preview of "Reset and sync all work logs": what a reset would change, per person, with nothing written; and
whether Hubstaff has changed since a preview read it, for the reset its Apply queues.

A preview run (`SyncRun.Mode.PREVIEW`) fetches as a reset does and runs the same apply, inside a transaction that
is rolled back at the end (`sync.Preview`), so its counts are exactly what a reset would make now. While it plans,
`PreviewReport` notes each batch's plan per person; the assignments created or stretched are read back from what
the apply wrote, just before the rollback, so that the report shows what a reset would leave, not a batch's step.
The run keeps the result in `SyncRun.preview`.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import date, datetime, timedelta
from typing import TypeAlias

from django.db.models import Count, QuerySet, Sum

from integrations.hubstaff import mapping
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import NotFound, Refused
from integrations.hubstaff.rules import DateSpan, SyncedLog, SyncPlan
from people.models import Person
from projects.models import Assignment
from worklogs.models import WorkLog

from .checkpoint import Sources

# A row of the stored report: ids, a name, counts, seconds and dates as text (an unknown person's id is None); a
# person's row also lists the first days whose hours change, each {"date", "from", "to"} in seconds.
ReportRow: TypeAlias = dict[str, int | str | None | list[dict[str, int | str]]]

# A person's row lists this many changed days (the earliest); the rest are counted in "changed_more".
CHANGED_DAYS_SHOWN = 5

# Hubstaff's clock and ours may differ a little: changes are asked for from this long before the preview began
# reading, so that a change made just after it is never taken as made before (one just before is read again).
CLOCK_MARGIN = timedelta(minutes=1)


def _counts() -> dict[str, int]:
    return {
        "created": 0,
        "updated": 0,
        "deleted": 0,
        "created_seconds": 0,
        "deleted_seconds": 0,
        # Seconds before and after, over the updated work logs whose hours change (the rest change their assignment
        # or person only).
        "updated_from_seconds": 0,
        "updated_to_seconds": 0,
    }


class PreviewReport:
    """Work logs created / updated / deleted per person of a run, with their hours (and the days whose hours
    change), and (`as_json`) the assignments it created or stretched, read back from its writes."""

    def __init__(self) -> None:
        # By person id; None: a deleted log that was not among those planned against.
        self.per_person: defaultdict[int | None, dict[str, int]] = defaultdict(_counts)
        # By person id: (date, seconds before, seconds after) of each updated work log.
        self.changed_days: defaultdict[int | None, list[tuple[date, int, int]]] = defaultdict(list)

    def add(self, plan: SyncPlan, existing_logs: Iterable[SyncedLog]) -> None:
        """Note one batch's plan; `existing_logs` are the synced logs it was planned against (for the updates'
        earlier hours and the deletes)."""
        existing = {log.id: log for log in existing_logs}
        for log in plan.creates:
            counts = self.per_person[log.person_id]
            counts["created"] += 1
            counts["created_seconds"] += log.duration_seconds
        for update in plan.updates:
            counts = self.per_person[update.person_id]
            counts["updated"] += 1
            before = existing.get(update.id)
            if before is not None and before.duration_seconds != update.duration_seconds:
                counts["updated_from_seconds"] += before.duration_seconds
                counts["updated_to_seconds"] += update.duration_seconds
                self.changed_days[update.person_id].append(
                    (before.date, before.duration_seconds, update.duration_seconds)
                )
        for log_id in plan.deletes:
            gone = existing.get(log_id)
            counts = self.per_person[gone.person_id if gone else None]
            counts["deleted"] += 1
            counts["deleted_seconds"] += gone.duration_seconds if gone else 0

    def add_deleted_outside(self, logs: QuerySet[WorkLog]) -> None:
        """The synced logs a reset deletes outside the project's window (`logs`: a queryset of them)."""
        for row in logs.values("person_id").annotate(n=Count("id"), seconds=Sum("duration_seconds")):
            counts = self.per_person[row["person_id"]]
            counts["deleted"] += row["n"]
            counts["deleted_seconds"] += row["seconds"] or 0

    def _changed(self, person_id: int | None) -> list[dict[str, int | str]]:
        days = sorted(self.changed_days.get(person_id, []))[:CHANGED_DAYS_SHOWN]
        return [{"date": str(day), "from": was, "to": now} for day, was, now in days]

    def as_json(
        self, organization_id: int, created: Collection[int], stretched: Collection[int]
    ) -> dict[str, list[ReportRow]]:
        """The report as stored in the run. `created`, `stretched`: ids of the assignments the (not yet rolled back)
        apply created and stretched; their dates are read as it wrote them, after its last batch."""
        spans = {
            pk: (person_id, start, end)
            for pk, person_id, start, end in Assignment.objects.for_org(organization_id)
            .filter(pk__in=set(created) | set(stretched))
            .values_list("pk", "person_id", "start_date", "end_date")
        }
        # The lookup leaves out a None id, as `pk__in` would.
        person_ids = {pid for pid in self.per_person if pid is not None} | {s[0] for s in spans.values()}
        people: dict[int | None, str] = dict(
            Person.objects.for_org(organization_id).filter(pk__in=person_ids).values_list("pk", "full_name")
        )

        def assignment(pk: int) -> ReportRow:
            person_id, start, end = spans[pk]
            return {
                "person_id": person_id,
                "name": people.get(person_id, ""),
                "start": str(start),
                "end": str(end),
            }

        return {
            "people": [
                {
                    "person_id": pid,
                    "name": people.get(pid, ""),
                    **counts,
                    "changed": self._changed(pid),
                    "changed_more": max(0, len(self.changed_days.get(pid, [])) - CHANGED_DAYS_SHOWN),
                }
                for pid, counts in sorted(self.per_person.items(), key=lambda i: people.get(i[0], ""))
            ],
            "assignments_created": sorted(
                (assignment(pk) for pk in created if pk in spans), key=lambda a: a["person_id"] or 0
            ),
            "assignments_stretched": [
                {"assignment_id": pk, **assignment(pk)}
                for pk in sorted(set(stretched) - set(created))
                if pk in spans
            ],
        }


def hubstaff_changed_since(
    client: HubstaffClient,
    sources: Sources,
    since: datetime,
    until: datetime,
    spans: Iterable[DateSpan],
    time_zone: str,
) -> bool | None:
    """Whether Hubstaff lists a change to the linked projects' time of the `spans`' dates made in [since, until):
    a row in the daily activities' updates listing, or a time edit log entry; None when Hubstaff refuses either
    listing (403, 404: optional calls), so that nothing is known. Two requests a Hubstaff organization when
    nothing changed (both listings by time of change, a few minutes of it).

    What neither listing shows goes unseen here as in an incremental sync (docs/sync.md, "Old edits").
    """
    span_list = list(spans)

    def covered(days: Iterable[date]) -> bool:
        return any(span.start <= day <= span.end for day in days for span in span_list)

    since -= CLOCK_MARGIN
    try:
        for org_id, project_ids in sources.items():
            for page in client.daily_activity_update_pages(
                org_id, since=since, until=until, project_ids=project_ids
            ):
                if covered(map(mapping.activity_date, page)):
                    return True
            wanted = set(project_ids)
            for page in client.time_edit_log_pages(org_id, since=since, until=until):
                for entry in page:
                    if mapping.edit_log_concerns(entry, wanted):
                        days = mapping.edit_log_days(entry, time_zone)
                        if not days or covered(days):
                            return True
    except (Refused, NotFound):
        return None
    return False
