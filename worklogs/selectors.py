"""Reads of work logs, shaped for pages."""

from dataclasses import dataclass, field

from django.db.models import Sum


@dataclass
class Totals:
    """A project's logged time per person and per source, from its weekly totals."""

    per_person: list = field(
        default_factory=list
    )  # [{"person_id", "name", "logs", "seconds"}], most time first
    per_source: dict = field(default_factory=dict)  # {source: seconds}
    logs_per_source: dict = field(default_factory=dict)  # {source: number of work logs}

    def count(self, source=None):
        return self.logs_per_source.get(source, 0) if source else sum(self.logs_per_source.values())


def project_totals(totals, source=None):
    """Totals of a project's work logs, summed from its weekly totals (one query, a row per person and source).

    `totals` is the project's WeeklyTotal queryset, scoped to the tenant. Per-person figures cover `source`
    only when given; per-source figures always cover every source.
    """
    people, per_source, logs_per_source = {}, {}, {}
    rows = (
        totals.order_by()
        .values("person_id", "person__full_name", "source")
        .annotate(logs=Sum("logs"), seconds=Sum("seconds"))
        .values_list("person_id", "person__full_name", "source", "logs", "seconds")
    )
    for person_id, name, row_source, logs, seconds in rows:
        per_source[row_source] = per_source.get(row_source, 0) + seconds
        logs_per_source[row_source] = logs_per_source.get(row_source, 0) + logs
        if source and row_source != source:
            continue
        entry = people.setdefault(person_id, {"person_id": person_id, "name": name, "logs": 0, "seconds": 0})
        entry["logs"] += logs
        entry["seconds"] += seconds
    per_person = sorted(people.values(), key=lambda e: (-e["seconds"], e["name"]))
    return Totals(per_person=per_person, per_source=per_source, logs_per_source=logs_per_source)


def recent_worklogs(worklogs):
    """Newest first, in an order the (project, date) index serves without sorting every log."""
    return worklogs.select_related("person").order_by("-date", "-id")
