"""The sync against the running Hubstaff sandbox over real HTTP: the seed's stories, end to end."""

import functools
import json
import time
from collections import defaultdict
from collections.abc import Collection, Iterator
from datetime import date

import pytest
from django.db import connection
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from conftest import point_hubstaff_at
from hubstaff_sandbox.testing import DEMO_SCENARIO, SandboxClient, running_sandbox
from integrations.hubstaff.client import HubstaffClient
from integrations.models import Installation, ProjectLink, SyncRun
from integrations.services import runs, statistics, sync
from integrations.services.installation import connect_with_personal_access_token
from integrations.services.links import update_link
from people.models import Organization, Person
from projects.models import Assignment, Project
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory, WorkLogFactory
from worklogs.models import WorkLog

DEMO = json.loads(DEMO_SCENARIO.read_text())
TODAY = date(2026, 11, 24)


def expected_seconds(project_name: str, emails: Collection[str]) -> dict[tuple[str, date], int]:
    """Per (e-mail, date): the sum of tracked seconds of the demo scenario's rows."""
    sums: defaultdict[tuple[str, date], int] = defaultdict(int)
    for row in DEMO["daily_activities"]:
        if row["project"] == project_name and row["user"] in emails:
            sums[(row["user"], date.fromisoformat(row["date"]))] += row["tracked"]
    return {key: seconds for key, seconds in sums.items() if seconds > 0}


@pytest.fixture(scope="module")
def hs() -> Iterator[SandboxClient]:
    with running_sandbox(scenario=DEMO_SCENARIO) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox_settings(hs: SandboxClient, settings: Settings) -> Settings:
    point_hubstaff_at(settings, hs, HUBSTAFF_MAX_RETRY_AFTER=0.5)
    hs.load(DEMO)
    hs.reset_faults()
    return settings


@pytest.fixture
def installed(org: Organization, hs: SandboxClient, sandbox_settings: Settings) -> Installation:
    return connect_with_personal_access_token(org, hs.create_pat("alice@acme.test"))


@pytest.fixture
def people(org: Organization) -> dict[str, Person]:
    return {
        "bobby": PersonFactory.create(organization=org, full_name="Bobby Brown", email="Bobby@Acme.test "),
        "sam": PersonFactory.create(organization=org, full_name="Sam Smith", email="sam@acme.test"),
    }


@pytest.fixture
def project_a(org: Organization, people: dict[str, Person]) -> Project:
    project = ProjectFactory.create(
        organization=org, name="Project A", start_date=date(2026, 1, 1), end_date=date(2026, 9, 22)
    )
    AssignmentFactory.create(
        project=project, person=people["bobby"], start_date=date(2026, 1, 1), end_date=date(2026, 9, 22)
    )
    return project


def link(
    project: Project, hs: SandboxClient, *names: str, prevent: bool = False, trim: bool = False
) -> ProjectLink:
    ids = [hs.ids()["projects"][name] for name in names]
    return update_link(
        project,
        enabled=True,
        hubstaff_project_ids=ids,
        prevent_new_assignments=prevent,
        trim_assignments=trim,
    )


def sync_now(
    project: Project, mode: str = "reset", expect: str = "succeeded", parts: sync.Parts | None = None
) -> SyncRun:
    """Run a sync to its end; it must end as `expect` (so that no test passes on a sync that failed)."""
    queued = runs.request_sync(project, mode=mode, trigger="manual")
    run = sync.run_sync(queued.pk, today=TODAY, parts=parts or sync.Parts())
    assert run is not None  # a queued run is carried out
    assert run.status == expect, run.error
    return run


def logged(project: Project) -> dict[tuple[str, date], int]:
    return {
        (log.person.email.strip().lower(), log.date): log.duration_seconds
        for log in WorkLog.objects.filter(project=project, source="hubstaff").select_related("person")
    }


def test_reset_syncs_everyone_matched_and_reports_the_missing_teammate(
    installed: Installation, project_a: Project, people: dict[str, Person], hs: SandboxClient
) -> None:
    link(project_a, hs, "Project A")
    run = sync_now(project_a)
    assert run.status == "succeeded", run.error
    assert logged(project_a) == expected_seconds("Project A", {"bobby@acme.test", "sam@acme.test"})
    # Sam had no assignment: one is created, as long as the project.
    sam_assignment = Assignment.objects.get(project=project_a, person=people["sam"])
    assert (sam_assignment.origin, sam_assignment.start_date, sam_assignment.end_date) == (
        "sync",
        date(2026, 1, 1),
        date(2026, 9, 22),
    )
    # Dana tracks time but is not a person here: named, with the time not synced.
    dana_seconds = sum(
        r["tracked"]
        for r in DEMO["daily_activities"]
        if r["user"] == "dana@elsewhere.test" and r["project"] == "Project A"
    )
    assert [(t["name"], t["email"], t["seconds"]) for t in run.missing_teammates] == [
        ("Dana Ghost", "dana@elsewhere.test", dana_seconds)
    ]
    assert run.worklogs_created == len(logged(project_a)) and run.assignments_created == 1
    assert run.requests_made > 0 and run.progress_done == run.progress_total


def test_work_logs_point_to_the_persons_assignment(
    installed: Installation, project_a: Project, people: dict[str, Person], hs: SandboxClient
) -> None:
    link(project_a, hs, "Project A")
    sync_now(project_a)
    bobby_assignment = Assignment.objects.get(project=project_a, person=people["bobby"])
    assert set(
        WorkLog.objects.filter(project=project_a, person=people["bobby"]).values_list("assignment", flat=True)
    ) == {bobby_assignment.pk}


def test_running_the_same_sync_twice_changes_nothing(
    installed: Installation, project_a: Project, hs: SandboxClient
) -> None:
    link(project_a, hs, "Project A")
    sync_now(project_a)
    before = list(
        WorkLog.objects.filter(project=project_a)
        .values_list("pk", "duration_seconds", "updated_at")
        .order_by("pk")
    )
    assert before, "the first sync must have written work logs"
    again = sync_now(project_a)
    assert (
        again.worklogs_created,
        again.worklogs_updated,
        again.worklogs_deleted,
        again.assignments_created,
    ) == (0, 0, 0, 0)
    assert (
        list(
            WorkLog.objects.filter(project=project_a)
            .values_list("pk", "duration_seconds", "updated_at")
            .order_by("pk")
        )
        == before
    )


def test_prevent_new_assignment_creation_syncs_only_bobby(
    installed: Installation, project_a: Project, people: dict[str, Person], hs: SandboxClient
) -> None:
    link(project_a, hs, "Project A", prevent=True)
    run = sync_now(project_a)
    assert {email for email, _ in logged(project_a)} == {"bobby@acme.test"}
    assert not Assignment.objects.filter(project=project_a, person=people["sam"]).exists()
    assert [p["name"] for p in run.skipped_people] == ["Sam Smith"]


def test_trim_assignments_to_work_logs_crops_sams_assignment(
    installed: Installation, project_a: Project, people: dict[str, Person], hs: SandboxClient
) -> None:
    link(project_a, hs, "Project A", trim=True)
    sync_now(project_a)
    sam_days = sorted(day for email, day in expected_seconds("Project A", {"sam@acme.test"}))
    assignment = Assignment.objects.get(project=project_a, person=people["sam"])
    assert (assignment.start_date, assignment.end_date, assignment.trimmed) == (
        sam_days[0],
        sam_days[-1],
        True,
    )


def test_many_hubstaff_projects_feed_one_project_traceably(
    installed: Installation, project_a: Project, people: dict[str, Person], hs: SandboxClient
) -> None:
    link(project_a, hs, "Project A", "Project B")
    sync_now(project_a)
    ids = hs.ids()["projects"]
    sources = set(
        WorkLog.objects.filter(project=project_a, person=people["bobby"]).values_list(
            "source_project_id", flat=True
        )
    )
    assert sources == {ids["Project A"], ids["Project B"]}
    b_rows = [
        r for r in DEMO["daily_activities"] if r["project"] == "Project B" and r["user"] == "bobby@acme.test"
    ]
    b_logged = WorkLog.objects.filter(project=project_a, source_project_id=ids["Project B"])
    assert sum(b_logged.values_list("duration_seconds", flat=True)) == sum(r["tracked"] for r in b_rows)


def test_incremental_sync_picks_up_edits_and_deletions(
    installed: Installation, project_a: Project, people: dict[str, Person], hs: SandboxClient
) -> None:
    link(project_a, hs, "Project A")
    full = sync_now(project_a)
    # An edit of an old day: found through Hubstaff's updated-time listing.
    token = hs.issue_tokens("alice@acme.test")["access_token"]
    org_id = hs.ids()["orgs"]["Acme Hubstaff"]
    rows = hs.api_get(
        f"/organizations/{org_id}/activities/daily",
        token,
        **{"date[start]": "2026-02-02", "date[stop]": "2026-02-02"},
    ).json()["daily_activities"]
    bobby_id = hs.ids()["users"]["bobby@acme.test"]
    bobby_rows = [
        r for r in rows if r["user_id"] == bobby_id and r["project_id"] == hs.ids()["projects"]["Project A"]
    ]
    hs.edit_activity(bobby_rows[0]["id"], tracked=bobby_rows[0]["tracked"] + 1800)
    # A day added then deleted inside the trailing window: the re-read of recent days removes it here too.
    added = hs.add_activity(user="sam@acme.test", project="Project A", date="2026-09-21", tracked=3600)
    run = sync_now(project_a, mode="incremental")
    assert run.status == "succeeded", run.error
    assert logged(project_a)[("sam@acme.test", date(2026, 9, 21))] == 3600
    expected = sum(r["tracked"] for r in bobby_rows) + 1800
    assert logged(project_a)[("bobby@acme.test", date(2026, 2, 2))] == expected
    hs.delete_activity(added["id"])
    run = sync_now(project_a, mode="incremental")
    assert run.worklogs_deleted == 1
    assert ("sam@acme.test", date(2026, 9, 21)) not in logged(project_a)
    # The incremental sync asked for less than the full one: only what changed and the trailing days.
    assert run.mode == "incremental" and 0 < run.requests_made < full.requests_made


def test_clear_data_deletes_synced_logs_and_keeps_manual_ones(
    installed: Installation, project_a: Project, people: dict[str, Person], hs: SandboxClient
) -> None:
    link(project_a, hs, "Project A")
    manual = WorkLogFactory.create(
        project=project_a, person=people["bobby"], date=date(2026, 2, 2), note="typed in"
    )
    sync_now(project_a)
    assert WorkLog.objects.filter(project=project_a, source="hubstaff").exists()
    run = runs.clear_project(project_a)
    assert run.worklogs_deleted > 0 and run.mode == "clear" and run.status == "succeeded"
    assert list(WorkLog.objects.filter(project=project_a)) == [manual]


def test_reset_never_touches_manual_logs_or_manual_assignments(
    installed: Installation, project_a: Project, people: dict[str, Person], hs: SandboxClient
) -> None:
    link(project_a, hs, "Project A", trim=True)
    bobby_assignment = Assignment.objects.get(project=project_a, person=people["bobby"])
    manual = WorkLogFactory.create(
        project=project_a, person=people["bobby"], date=date(2026, 2, 2), duration_seconds=60
    )
    sync_now(project_a)
    sync_now(project_a)
    manual.refresh_from_db()
    assert manual.duration_seconds == 60 and manual.source == "manual"
    assert Assignment.objects.get(pk=bobby_assignment.pk).start_date == date(2026, 1, 1)


def test_a_missing_teammate_added_later_is_synced_next_time(
    installed: Installation, project_a: Project, org: Organization, hs: SandboxClient
) -> None:
    link(project_a, hs, "Project A")
    first = sync_now(project_a)
    assert [t["email"] for t in first.missing_teammates] == ["dana@elsewhere.test"]
    Person.objects.create(
        organization=org, full_name="Dana Ghost", email="DANA@elsewhere.test", is_employee=True
    )
    second = sync_now(project_a)
    assert second.missing_teammates == []
    assert any(email == "dana@elsewhere.test" for email, _ in logged(project_a))


def test_a_failing_hubstaff_leaves_the_work_logs_as_they_were(
    installed: Installation, project_a: Project, hs: SandboxClient
) -> None:
    link(project_a, hs, "Project A")
    sync_now(project_a)
    before = sorted(
        WorkLog.objects.filter(project=project_a).values_list("pk", "source_key", "duration_seconds")
    )
    assert before, "the first sync must have written work logs"
    hs.fault(error_rate=1.0)
    try:
        run = sync_now(project_a, expect="failed")
    finally:
        hs.reset_faults()
    assert run.status == "failed" and "Hubstaff" in run.error
    assert (
        sorted(WorkLog.objects.filter(project=project_a).values_list("pk", "source_key", "duration_seconds"))
        == before
    )


def test_a_second_request_joins_the_running_sync(
    installed: Installation, project_a: Project, hs: SandboxClient
) -> None:
    link(project_a, hs, "Project A")
    first = runs.request_sync(project_a, mode="reset", trigger="manual")
    second = runs.request_sync(project_a, mode="incremental", trigger="api")
    assert second.pk == first.pk
    assert SyncRun.objects.filter(project=project_a).count() == 1
    finished = sync.run_sync(first.pk, today=TODAY)
    assert finished is not None and finished.status == "succeeded"
    assert sync.run_sync(first.pk, today=TODAY) is None  # a finished run is left alone


def test_sync_without_installation_says_an_administrator_must_install(
    project_a: Project, org: Organization
) -> None:
    with pytest.raises(runs.SyncNotPossible, match="An Administrator must install Hubstaff first"):
        runs.request_sync(project_a, mode="reset", trigger="manual")


def test_the_sync_project_command_runs_the_sync_itself_and_sends_no_task(
    installed: Installation,
    project_a: Project,
    hs: SandboxClient,
    queued_tasks: list[tuple[int, ...]],
    capsys: pytest.CaptureFixture[str],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    from django.core.management import call_command

    link(project_a, hs, "Project A")
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "sync_project", "--org", project_a.organization.slug, "--project", str(project_a.pk), "--reset"
        )
    assert queued_tasks == [], "a worker would race the command for the same run"
    assert "succeeded" in capsys.readouterr().out
    assert SyncRun.objects.get(project=project_a).status == "succeeded"


@pytest.mark.parametrize(
    "rows, share, refreshed",
    [(5, 0.1, True), (10**9, 0.1, False), (5, 1000, False)],
    ids=["many rows, a large share: refreshed", "too few rows", "too small a share of the table"],
)
def test_a_sync_that_writes_many_work_logs_refreshes_the_planner_statistics(
    installed: Installation,
    project_a: Project,
    people: dict[str, Person],
    hs: SandboxClient,
    rows: int,
    share: float,
    refreshed: bool,
) -> None:
    """Else the planner takes a project's new rows for a handful until autovacuum comes, and the next sync's
    updates read the whole project once per row (docs/performance.md)."""
    WorkLogFactory.create_batch(3, project=project_a, person=people["bobby"])
    assert statistics.refresh_worklog_statistics()
    before = statistics.planner_worklog_rows()
    assert before == WorkLog.objects.count()
    refresh = functools.partial(statistics.refresh_after_sync, min_rows=rows, min_share=share)
    link(project_a, hs, "Project A")
    run = sync_now(project_a, parts=sync.Parts(refresh_statistics=refresh))
    assert run.worklogs_created >= 5
    assert statistics.planner_worklog_rows() == (WorkLog.objects.count() if refreshed else before)


def test_refreshing_statistics_does_not_wait_for_a_vacuum_and_fails_nothing(
    project_a: Project, people: dict[str, Person]
) -> None:
    """While autovacuum (here: another session) holds the table's statistics lock, the refresh gives up within
    its lock timeout instead of holding the worker."""
    import time

    import psycopg2

    log = WorkLogFactory.create(project=project_a, person=people["bobby"])  # written by this transaction
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    try:
        with other.cursor() as cursor:
            cursor.execute("LOCK TABLE worklogs_worklog IN SHARE UPDATE EXCLUSIVE MODE")
        started = time.monotonic()
        assert statistics.refresh_worklog_statistics() is False
        assert time.monotonic() - started < 10
        # The failed ANALYZE was rolled back to its savepoint: the transaction goes on, with what it wrote.
        assert not connection.needs_rollback
        assert WorkLog.objects.filter(pk=log.pk).exists()
    finally:
        other.rollback()
        other.close()


def test_while_the_client_waits_out_hubstaffs_rate_limit_the_run_says_so(
    installed: Installation, project_a: Project, hs: SandboxClient, settings: Settings
) -> None:
    settings.HUBSTAFF_MAX_RETRY_AFTER = 5
    link(project_a, hs, "Project A")
    labels: list[str] = []

    class Watched(HubstaffClient):
        def __init__(self, installation: Installation, *, prefetch: bool = False) -> None:
            super().__init__(installation, prefetch=prefetch)

            def sleep(seconds: float) -> None:
                labels.append(SyncRun.objects.get(project=project_a).progress_label)
                time.sleep(seconds)  # Hubstaff's second passes: the budget's window opens again then

            self.sleep = sleep

    hs.fault(storm={"count": 1, "retry_after": 1})
    run = sync_now(project_a, parts=sync.Parts(client=Watched))
    assert labels and labels[0] == "Hubstaff is busy; trying again in 1 s."
    assert run.status == "succeeded" and run.progress_label == "Succeeded"
