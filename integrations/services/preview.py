"""A preview of "Reset and sync all work logs": what a reset would change, per person, with nothing written.

A preview run (`SyncRun.Mode.PREVIEW`) fetches as a reset does and runs the same apply, inside a transaction that
is rolled back at the end (`Sync.run`), so its counts are exactly what a reset would make now. While it plans,
`PreviewReport` notes each batch's plan per person; the run keeps the result in `SyncRun.preview`.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import TypeAlias

from django.db.models import Count, QuerySet

from integrations.hubstaff.rules import DateSpan, SyncedLog, SyncPlan
from people.models import Person
from projects.models import Assignment
from worklogs.models import WorkLog

# A row of the stored report: ids, a name, counts and dates as text (an unknown person's id is None).
ReportRow: TypeAlias = dict[str, int | str | None]


class PreviewReport:
    """Work logs created / updated / deleted per person, and the assignments created or stretched, of a run."""

    def __init__(self) -> None:
        # By person id; None: a deleted log that was not among those planned against.
        self.per_person: defaultdict[int | None, dict[str, int]] = defaultdict(
            lambda: {"created": 0, "updated": 0, "deleted": 0}
        )
        self.new_assignments: dict[int, DateSpan] = {}  # by person id
        self.stretched: dict[int, DateSpan] = {}  # by assignment id

    def add(self, plan: SyncPlan, existing_logs: Iterable[SyncedLog]) -> None:
        """Note one batch's plan; `existing_logs` are the synced logs it was planned against (for the deletes)."""
        person_of_log = {log.id: log.person_id for log in existing_logs}
        for log in plan.creates:
            self.per_person[log.person_id]["created"] += 1
        for update in plan.updates:
            self.per_person[update.person_id]["updated"] += 1
        for log_id in plan.deletes:
            self.per_person[person_of_log.get(log_id)]["deleted"] += 1
        self.new_assignments.update(plan.new_assignments)
        self.stretched.update(plan.stretched_assignments)

    def add_deleted_outside(self, logs: QuerySet[WorkLog]) -> None:
        """The synced logs a reset deletes outside the project's window (`logs`: a queryset of them)."""
        for row in logs.values("person_id").annotate(n=Count("id")):
            self.per_person[row["person_id"]]["deleted"] += row["n"]

    def as_json(self, organization_id: int, created_here: Collection[int]) -> dict[str, list[ReportRow]]:
        """The report as stored in the run; `created_here`: ids of assignments this (rolled back) run made."""
        # The lookup leaves out a None id, as `pk__in` would.
        person_ids = {pid for pid in self.per_person if pid is not None} | set(self.new_assignments)
        people: dict[int | None, str] = dict(
            Person.objects.for_org(organization_id).filter(pk__in=person_ids).values_list("pk", "full_name")
        )
        stretched_ids = set(self.stretched) - set(created_here)
        owners = dict(
            Assignment.objects.for_org(organization_id)
            .filter(pk__in=stretched_ids)
            .values_list("pk", "person_id")
        )
        return {
            "people": [
                {"person_id": pid, "name": people.get(pid, ""), **counts}
                for pid, counts in sorted(self.per_person.items(), key=lambda i: people.get(i[0], ""))
            ],
            "assignments_created": [
                {
                    "person_id": pid,
                    "name": people.get(pid, ""),
                    "start": str(span.start),
                    "end": str(span.end),
                }
                for pid, span in sorted(self.new_assignments.items())
            ],
            "assignments_stretched": [
                {
                    "assignment_id": aid,
                    "person_id": owners.get(aid),
                    "name": people.get(owners.get(aid), ""),
                    "start": str(span.start),
                    "end": str(span.end),
                }
                for aid, span in sorted(self.stretched.items())
                if aid in stretched_ids
            ],
        }
