"""Reads of work logs, shaped for pages."""

from dataclasses import dataclass, field

from django.db.models import Count, Sum

from people.models import Person


@dataclass
class Totals:
    """A project's logged time per person and per source, from one aggregate query."""

    per_person: list = field(
        default_factory=list
    )  # [{"person_id", "name", "logs", "seconds"}], most time first
    per_source: dict = field(default_factory=dict)  # {source: seconds}
    logs_per_source: dict = field(default_factory=dict)  # {source: number of work logs}

    def count(self, source=None):
        return self.logs_per_source.get(source, 0) if source else sum(self.logs_per_source.values())


def project_totals(worklogs, organization, source=None):
    """Totals of a project's work logs (one GROUP BY over the logs, one small query for names).

    Per-person figures cover `source` only when given; per-source figures always cover every source.
    """
    people, per_source, logs_per_source = {}, {}, {}
    rows = (
        worklogs.order_by()
        .values("person_id", "source")
        .annotate(seconds=Sum("duration_seconds"), logs=Count("*"))
    )
    for row in rows:
        per_source[row["source"]] = per_source.get(row["source"], 0) + row["seconds"]
        logs_per_source[row["source"]] = logs_per_source.get(row["source"], 0) + row["logs"]
        if source and row["source"] != source:
            continue
        entry = people.setdefault(row["person_id"], {"person_id": row["person_id"], "logs": 0, "seconds": 0})
        entry["logs"] += row["logs"]
        entry["seconds"] += row["seconds"]
    names = dict(Person.objects.for_org(organization).filter(pk__in=people).values_list("pk", "full_name"))
    for entry in people.values():
        entry["name"] = names.get(entry["person_id"], "")
    per_person = sorted(people.values(), key=lambda e: (-e["seconds"], e["name"]))
    return Totals(per_person=per_person, per_source=per_source, logs_per_source=logs_per_source)


def recent_worklogs(worklogs):
    """Newest first, in an order the (project, date) index serves without sorting every log."""
    return worklogs.select_related("person").order_by("-date", "-id")
