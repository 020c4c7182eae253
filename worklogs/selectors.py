"""Reads of work logs, shaped for pages."""

from django.db.models import Count, Sum

from .models import WorkLog


def totals_per_person(worklogs):
    """Seconds and days logged per person, largest first, in one query."""
    return (
        worklogs.values("person_id", "person__full_name")
        .annotate(seconds=Sum("duration_seconds"), days=Count("date", distinct=True))
        .order_by("-seconds")
    )


def totals_per_source(worklogs):
    return {row["source"]: row["seconds"] for row in worklogs.values("source").annotate(seconds=Sum("duration_seconds"))}


def recent_worklogs(worklogs):
    return worklogs.select_related("person").order_by("-date", "person__full_name", "id")


def source_choices():
    return WorkLog.Source.choices
