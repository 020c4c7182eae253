"""Reads of work logs, shaped for pages."""

from dataclasses import dataclass, field
from typing import TypedDict

from django.db.models import QuerySet, Sum

from people.models import Person

from .models import WeeklyTotal, WorkLog


class PersonTotal(TypedDict):
    """One person's logged time on a project."""

    person_id: int
    name: str
    logs: int
    seconds: int


@dataclass
class Totals:
    """A project's logged time per person and per source, from its weekly totals."""

    per_person: list[PersonTotal] = field(default_factory=list)  # most time first
    per_source: dict[str, int] = field(default_factory=dict)  # {source: seconds}
    logs_per_source: dict[str, int] = field(default_factory=dict)  # {source: number of work logs}

    def count(self, source: str | None = None) -> int:
        return self.logs_per_source.get(source, 0) if source else sum(self.logs_per_source.values())


def project_totals(
    totals: QuerySet[WeeklyTotal], people: QuerySet[Person], source: str | None = None
) -> Totals:
    """Totals of a project's work logs, summed from its weekly totals (a row per person and source).

    `totals` is the project's WeeklyTotal queryset and `people` the organization's Person queryset, both scoped
    to the tenant. Per-person figures cover `source` only when given; per-source figures always cover every
    source. The weekly rows are summed first and the few people named after, so that each person is looked up
    once rather than once per weekly row.
    """
    sums: dict[int, PersonTotal] = {}
    per_source: dict[str, int] = {}
    logs_per_source: dict[str, int] = {}
    rows = (
        totals.order_by()
        .values("person_id", "source")
        .annotate(logs=Sum("logs"), seconds=Sum("seconds"))
        .values_list("person_id", "source", "logs", "seconds")
    )
    for person_id, row_source, logs, seconds in rows:
        per_source[row_source] = per_source.get(row_source, 0) + seconds
        logs_per_source[row_source] = logs_per_source.get(row_source, 0) + logs
        if source and row_source != source:
            continue
        entry = sums.setdefault(person_id, {"person_id": person_id, "name": "", "logs": 0, "seconds": 0})
        entry["logs"] += logs
        entry["seconds"] += seconds
    if sums:
        for person_id, name in people.filter(pk__in=sums).values_list("pk", "full_name"):
            sums[person_id]["name"] = name
    per_person = sorted(sums.values(), key=lambda e: (-e["seconds"], e["name"]))
    return Totals(per_person=per_person, per_source=per_source, logs_per_source=logs_per_source)


def logs_of_source(totals: QuerySet[WeeklyTotal], source: str) -> int:
    """How many work logs of `source` the weekly totals `totals` (a project's, scoped to the tenant) count."""
    logs: int = totals.filter(source=source).aggregate(logs=Sum("logs"))["logs"] or 0
    return logs


def recent_worklogs(worklogs: QuerySet[WorkLog]) -> QuerySet[WorkLog]:
    """Newest first, in an order the (project, date) index serves without sorting every log."""
    return worklogs.select_related("person").order_by("-date", "-id")
