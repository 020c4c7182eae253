"""WeeklyTotal follows every write to the work logs (the triggers of worklogs/totals.py), on SQLite and on
PostgreSQL: each test writes one way and compares the totals with a GROUP BY over the logs."""

from datetime import date, timedelta
from typing import TypedDict

import pytest
from django.db import connection, transaction

from people.models import Organization, Person
from projects.models import Project
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory, WorkLogFactory
from worklogs.models import WeeklyTotal, WorkLog

# (organization, project, person, source, Monday) -> (logs, seconds)
Sums = dict[tuple[int, int, int, str, date], tuple[int, int]]


class Logs(TypedDict):
    project: Project
    ann: Person
    bob: Person
    logs: list[WorkLog]


def counted() -> Sums:
    """{(organization, project, person, source, Monday): (logs, seconds)} summed from the work logs themselves."""
    sums: Sums = {}
    for log in WorkLog.objects.all():
        key = (
            log.organization_id,
            log.project_id,
            log.person_id,
            log.source,
            log.date - timedelta(days=log.date.weekday()),
        )
        logs, seconds = sums.get(key, (0, 0))
        sums[key] = (logs + 1, seconds + log.duration_seconds)
    return sums


def kept() -> Sums:
    return {
        (t.organization_id, t.project_id, t.person_id, t.source, t.week): (t.logs, t.seconds)
        for t in WeeklyTotal.objects.all()
    }


@pytest.fixture
def logs(org: Organization) -> Logs:
    project = ProjectFactory.create(organization=org)
    ann, bob = PersonFactory.create(organization=org), PersonFactory.create(organization=org)
    made = [
        WorkLogFactory.create(project=project, person=ann, duration_seconds=3600),
        WorkLogFactory.create(project=project, person=ann, duration_seconds=1800, date=date(2026, 2, 3)),
        WorkLogFactory.create(
            project=project, person=bob, duration_seconds=600, source="hubstaff", source_key="k1"
        ),
    ]
    return {"project": project, "ann": ann, "bob": bob, "logs": made}


@pytest.mark.django_db
def test_saving_logs_one_by_one_counts_them(logs: Logs) -> None:
    project, ann, bob = logs["project"], logs["ann"], logs["bob"]
    assert kept() == counted()
    # 2 and 3 February 2026 are a Monday and a Tuesday: one week.
    assert kept()[(project.organization_id, project.pk, ann.pk, "manual", date(2026, 2, 2))] == (2, 5400)
    assert kept()[(project.organization_id, project.pk, bob.pk, "hubstaff", date(2026, 2, 2))] == (1, 600)


@pytest.mark.django_db
def test_bulk_inserts_updates_and_deletes_keep_the_totals(logs: Logs) -> None:
    project, ann, bob = logs["project"], logs["ann"], logs["bob"]
    WorkLog.objects.bulk_create(
        [
            WorkLog(
                organization=project.organization,
                project=project,
                person=bob,
                date=date(2026, 3, day),
                duration_seconds=100 * day,
                source="hubstaff",
                source_key=f"b{day}",
            )
            for day in range(1, 11)
        ]
    )
    assert kept() == counted()
    WorkLog.objects.filter(person=bob).update(duration_seconds=60)  # durations change
    assert kept() == counted()
    WorkLog.objects.filter(person=ann).update(note="reviewed")  # nothing counted changes
    assert kept() == counted()
    WorkLog.objects.filter(person=bob, date__gte=date(2026, 3, 5)).delete()
    assert kept() == counted()


@pytest.mark.django_db
def test_moving_a_log_to_another_person_or_week_moves_its_time(logs: Logs) -> None:
    log = logs["logs"][0]
    log.person, log.duration_seconds = logs["bob"], 7200
    log.save()
    assert kept() == counted()
    log.date = date(2026, 2, 8)  # the Sunday of the same week
    log.save()
    assert kept() == counted()
    log.date = date(2026, 2, 9)  # the next Monday
    log.save()
    assert kept() == counted()


@pytest.mark.django_db
def test_the_last_log_gone_takes_its_row_with_it(logs: Logs) -> None:
    WorkLog.objects.filter(person=logs["ann"]).delete()
    assert kept() == counted()
    assert not WeeklyTotal.objects.filter(person=logs["ann"]).exists()


@pytest.mark.django_db
def test_cascades_from_a_person_an_assignment_and_a_project(logs: Logs) -> None:
    project = logs["project"]
    assignment = AssignmentFactory.create(project=project, person=logs["bob"])
    WorkLog.objects.filter(person=logs["bob"]).update(assignment=assignment)
    assignment.delete()  # SET_NULL: an update of the logs
    assert kept() == counted()
    logs["ann"].delete()
    assert kept() == counted()
    project.delete()
    assert kept() == counted() == {}


@pytest.mark.django_db
def test_a_rolled_back_write_leaves_the_totals_as_they_were(logs: Logs) -> None:
    before = kept()
    with pytest.raises(RuntimeError), transaction.atomic():
        WorkLog.objects.filter(person=logs["ann"]).delete()
        WorkLogFactory.create(project=logs["project"], person=logs["bob"])
        raise RuntimeError("rolled back")
    assert kept() == before == counted()


@pytest.mark.django_db
def test_raw_sql_of_the_sync_keeps_the_totals(logs: Logs) -> None:
    """COPY and UPDATE ... FROM (VALUES ...) go past Django: the statement triggers see them all the same."""
    import io

    project, bob = logs["project"], logs["bob"]
    now = "2026-04-30T12:00:00+00:00"
    rows = "".join(
        f"{project.organization_id}\t{project.pk}\t{bob.pk}\t2026-04-{day:02d}\t{day * 60}\thubstaff\tc{day}\t\t"
        f"{now}\t{now}\n"
        for day in range(1, 21)
    )
    with connection.cursor() as cur:
        cur.cursor.copy_expert(
            "COPY worklogs_worklog (organization_id, project_id, person_id, date, duration_seconds, source, "
            "source_key, note, created_at, updated_at) FROM STDIN",
            io.StringIO(rows),
        )
        assert kept() == counted()
        cur.execute(
            "UPDATE worklogs_worklog AS w SET duration_seconds = v.seconds "
            "FROM (VALUES ('c1', 5000), ('c2', 6000)) AS v(key, seconds) WHERE w.source_key = v.key"
        )
    assert kept() == counted()
