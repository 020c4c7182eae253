"""The sync under Hubstaff's published rules (issue 14), against the sandbox over real HTTP.

Each test loads its own small organization with dates counted from the organization's today (the sandbox dates
rows by it), so that the 3-year floor and the month /daily/updates reaches fall where the test says. Faults
`daily_floor` and `updates_reach` switch the sandbox to each reading of the limits Hubstaff did not publish.
"""

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any, Protocol, TypeAlias

import pytest
from django.utils import timezone
from pytest_django import Settings

from conftest import point_hubstaff_at
from hubstaff_sandbox import contract
from hubstaff_sandbox.testing import SandboxClient, running_sandbox
from integrations.hubstaff import mapping
from integrations.hubstaff.client import HubstaffClient, Params
from integrations.hubstaff.windows import daily_floor, organization_date, years_before
from integrations.models import Installation, ProjectLink, SyncRun
from integrations.services import runs, sync
from integrations.services.installation import connect_with_personal_access_token
from integrations.services.links import update_link
from people.models import Organization, Person
from projects.models import Project
from tests.factories import PersonFactory, ProjectFactory, WorkLogFactory
from worklogs.models import WorkLog

ORG = "Test Hubstaff"

# A daily activity of a scenario: (user, Hubstaff project, days ago, a date or a start time[, more fields]).
Row: TypeAlias = tuple[str, str, int | date | str] | tuple[str, str, int | date | str, dict[str, object]]


class MakeScenario(Protocol):
    """The `setup` fixture: a scenario loaded and project P linked; returns P and the people by first name."""

    def __call__(
        self,
        rows: Sequence[Row],
        *,
        projects: Sequence[str] = ...,
        start: date | None = ...,
        time_zone: str = ...,
        owner_time_zone: str | None = ...,
        **link_options: object,
    ) -> tuple[Project, dict[str, Person]]: ...


@pytest.fixture(scope="module")
def hs() -> Iterator[SandboxClient]:
    with running_sandbox(rate_limit=100000) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox_settings(hs: SandboxClient, settings: Settings) -> Iterator[Settings]:
    point_hubstaff_at(settings, hs, HUBSTAFF_MAX_RETRY_AFTER=0.5)
    hs.reset_faults()
    yield settings
    hs.reset_faults()


def org_today(time_zone: str = "UTC") -> date:
    return organization_date(timezone.now(), time_zone)


def scenario(
    rows: Sequence[Row], *, time_zone: str = "UTC", owner_time_zone: str = "UTC"
) -> dict[str, object]:
    """One organization in `time_zone`: Alice owns it, Bobby and Rita track time, Nina has no visible e-mail;
    projects Build and Break (a work-break project). `rows`: (user, project, days ago or a row dict)."""
    today = org_today(time_zone)
    activities: list[dict[str, object]] = []
    for user, project, when, *extra in rows:
        row: dict[str, object] = {
            "user": user,
            "project": project,
            "tracked": 3600,
            **(extra[0] if extra else {}),
        }
        if isinstance(when, int):
            row["date"] = (today - timedelta(days=when)).isoformat()
        elif isinstance(when, date):
            row["date"] = when.isoformat()
        else:
            row["starts_at"] = when
        activities.append(row)
    return {
        "organizations": [{"name": ORG, "time_zone": time_zone}],
        "users": [
            {"name": "Alice Admin", "email": "alice@acme.test", "time_zone": owner_time_zone},
            {"name": "Bobby Brown", "email": "bobby@acme.test"},
            {"name": "Rita Leaver", "email": "rita@acme.test"},
            {"name": "Nina Noemail", "email": None},
        ],
        "memberships": [
            {"user": "alice@acme.test", "role": "owner"},
            {"user": "bobby@acme.test", "role": "user"},
            {"user": "rita@acme.test", "role": "user"},
            {"user": "Nina Noemail", "role": "user"},
        ],
        "projects": [{"name": "Build"}, {"name": "Break", "type": "work_break"}],
        "daily_activities": activities,
    }


@pytest.fixture
def setup(org: Organization, hs: SandboxClient, sandbox_settings: Settings) -> MakeScenario:
    """Load a scenario, connect, and make project P (starting `start_days` ago) linked to `projects`."""

    def make(
        rows: Sequence[Row],
        *,
        projects: Sequence[str] = ("Build",),
        start: date | None = None,
        time_zone: str = "UTC",
        owner_time_zone: str | None = None,
        **link_options: Any,
    ) -> tuple[Project, dict[str, Person]]:
        hs.load(scenario(rows, time_zone=time_zone, owner_time_zone=owner_time_zone or time_zone))
        connect_with_personal_access_token(org, hs.create_pat("alice@acme.test"))
        people = {
            name: PersonFactory.create(
                organization=org, full_name=f"{name.title()}", email=f"{name}@acme.test"
            )
            for name in ("bobby", "rita")
        }
        project = ProjectFactory.create(
            organization=org,
            name="P",
            start_date=start or org_today(time_zone) - timedelta(days=120),
            end_date=None,
        )
        ids = [hs.ids()["projects"][name] for name in projects]
        update_link(
            project,
            enabled=True,
            hubstaff_project_ids=ids,
            prevent_new_assignments=False,
            trim_assignments=False,
            **link_options,
        )
        return project, people

    return make


def sync_now(
    project: Project,
    mode: str = "reset",
    expect: str = "succeeded",
    parts: sync.Parts | None = None,
    today: date | None = None,
) -> SyncRun:
    queued = runs.request_sync(project, mode=mode, trigger="manual")
    run = sync.run_sync(queued.pk, today=today, parts=parts or sync.Parts())
    assert run is not None  # a queued run is carried out
    assert run.status == expect, run.error
    return run


def logged(project: Project) -> dict[tuple[str, date], int]:
    return {
        (log.person.email, log.date): log.duration_seconds
        for log in WorkLog.objects.filter(project=project, source="hubstaff").select_related("person")
    }


def days_ago(days: int, time_zone: str = "UTC") -> date:
    return org_today(time_zone) - timedelta(days=days)


# --- members


def test_a_person_who_left_hubstaff_keeps_their_history_on_reset_and_daily_sync(
    setup: MakeScenario, hs: SandboxClient
) -> None:
    project, _ = setup(
        [("rita@acme.test", "Build", 50), ("rita@acme.test", "Build", 3), ("bobby@acme.test", "Build", 3)]
    )
    sync_now(project)
    before = logged(project)
    assert ("rita@acme.test", days_ago(50)) in before and ("rita@acme.test", days_ago(3)) in before
    hs.remove_member(hs.ids()["orgs"][ORG], "rita@acme.test")
    again = sync_now(project)
    assert again.worklogs_deleted == 0 and again.missing_teammates == []
    daily = sync_now(project, mode="incremental")
    assert daily.mode == "incremental" and daily.worklogs_deleted == 0 and logged(project) == before
    assert "include_removed" in hs.stats()["params"]["GET /v2/organizations/{id}/members"]
    assert contract.undeclared_params(hs.stats()) == {}


def test_a_user_without_a_visible_email_is_a_missing_teammate_named_with_the_reason(
    setup: MakeScenario,
) -> None:
    project, _ = setup([("Nina Noemail", "Build", 5, {"tracked": 5400}), ("bobby@acme.test", "Build", 5)])
    run = sync_now(project)
    assert run.missing_teammates == [
        {
            "hubstaff_user_id": run.missing_teammates[0]["hubstaff_user_id"],
            "name": "Nina Noemail",
            "email": "",
            "seconds": 5400,
            "reason": "no visible e-mail in Hubstaff",
        }
    ]
    assert logged(project) == {("bobby@acme.test", days_ago(5)): 3600}


# --- errors


class PagesTooLarge(HubstaffClient):
    """A client that asks for pages larger than Hubstaff serves: Hubstaff answers 400."""

    def __init__(self, installation: Installation, *, prefetch: bool = False) -> None:
        super().__init__(installation, prefetch=False)

    def _get(self, path: str, params: Params | None = None) -> object:
        if path.endswith("/activities/daily"):
            params = {**(params or {}), "page_limit": 1000}
        return super()._get(path, params)


def test_a_400_is_rejected_with_hubstaffs_error_text_in_the_run(setup: MakeScenario) -> None:
    project, _ = setup([("bobby@acme.test", "Build", 5)])
    run = sync_now(project, expect="failed", parts=sync.Parts(client=PagesTooLarge))
    assert run.error.startswith("Hubstaff rejected the request (GET /organizations/")
    assert "page_limit must be between 1 and 500" in run.error
    assert Installation.objects.get(organization=project.organization).status == "installed"


def test_an_inactive_plan_fails_the_run_clearly_and_leaves_the_installation_installed(
    setup: MakeScenario, hs: SandboxClient
) -> None:
    project, _ = setup([("bobby@acme.test", "Build", 5)])
    sync_now(project)
    hs.edit_org(hs.ids()["orgs"][ORG], inactive_plan=True)
    run = sync_now(project, expect="failed")
    assert "API access is only for organizations on an active plan" in run.error
    assert run.error.startswith("Hubstaff refused access")
    installation = Installation.objects.get(organization=project.organization)
    assert installation.status == "installed" and installation.status_reason == ""
    assert len(logged(project)) == 1  # nothing changed


# --- the 3-year floor


@pytest.mark.parametrize("reading", ["reject", "clamp", "empty"])
def test_a_project_of_four_years_resets_from_the_floor_and_keeps_older_logs(
    setup: MakeScenario, hs: SandboxClient, reading: str
) -> None:
    today = org_today()
    floor = daily_floor(today)
    start = years_before(today, 4)
    near_floor, before_floor = floor + timedelta(days=2), floor - timedelta(days=20)
    project, people = setup(
        [
            ("bobby@acme.test", "Build", near_floor),
            ("bobby@acme.test", "Build", before_floor, {"tracked": 7200}),
            ("bobby@acme.test", "Build", 10),
        ],
        start=start,
    )
    old = WorkLogFactory.create(
        project=project,
        person=people["bobby"],
        date=start + timedelta(days=30),
        duration_seconds=1234,
        source="hubstaff",
        source_key=f"hubstaff:1:2:{(start + timedelta(days=30)).isoformat()}",
    )
    hs.fault(daily_floor=reading)
    run = sync_now(project)
    assert (run.window_start, run.reread_from) == (start, floor)
    old.refresh_from_db()
    assert old.duration_seconds == 1234  # older than Hubstaff keeps: as it was
    assert logged(project) == {
        ("bobby@acme.test", old.date): 1234,
        ("bobby@acme.test", near_floor): 3600,
        ("bobby@acme.test", days_ago(10)): 3600,
    }
    assert run.worklogs_deleted == 0


# --- the reach of /daily/updates


@pytest.mark.parametrize("reading", ["filter", "reject", "empty"])
def test_a_six_week_gap_since_the_last_sync_is_re_read_by_date(
    setup: MakeScenario, hs: SandboxClient, reading: str
) -> None:
    project, _ = setup([("bobby@acme.test", "Build", 60), ("bobby@acme.test", "Build", 50)])
    sync_now(project)
    # While the link was off: time tracked 40 and 30 days ago (tracked time: not in the time edit log).
    hs.add_activity(user="bobby@acme.test", project="Build", date=days_ago(40).isoformat(), tracked=1800)
    hs.add_activity(user="bobby@acme.test", project="Build", date=days_ago(30).isoformat(), tracked=2700)
    ProjectLink.objects.filter(project=project).update(synced_through=timezone.now() - timedelta(weeks=6))
    hs.fault(updates_reach=reading)
    hs.reset_stats()
    run = sync_now(project, mode="incremental")
    assert run.mode == "incremental"
    assert logged(project)[("bobby@acme.test", days_ago(40))] == 1800
    assert logged(project)[("bobby@acme.test", days_ago(30))] == 2700
    assert run.reread_from is not None and run.reread_from <= days_ago(42)
    # Not relied on for the gap: nothing changed there is lost, whatever Hubstaff's reading.
    assert "GET /v2/organizations/{id}/activities/daily/updates" not in hs.stats()["routes"]


@pytest.mark.parametrize("reading", ["filter", "reject", "empty"])
def test_a_daily_sync_after_a_day_reads_updates_under_every_reading(
    setup: MakeScenario, hs: SandboxClient, reading: str
) -> None:
    project, _ = setup([("bobby@acme.test", "Build", 20), ("bobby@acme.test", "Build", 3)])
    sync_now(project)
    hs.add_activity(user="bobby@acme.test", project="Build", date=days_ago(12).isoformat(), tracked=900)
    hs.fault(updates_reach=reading)
    run = sync_now(project, mode="incremental")
    assert logged(project)[("bobby@acme.test", days_ago(12))] == 900
    assert run.worklogs_created == 1


# --- old edits, moves and deletions


def test_a_move_and_a_deletion_forty_days_back_are_caught_by_the_daily_sync(
    org: Organization, hs: SandboxClient, sandbox_settings: Settings
) -> None:
    hs.generate("users=60,projects=1,days=700,seed=7")
    connect_with_personal_access_token(org, hs.create_pat("user1@example.test"))
    summary = hs.control("scenario?limit=100000", method="GET")
    for user in summary["users"]:
        PersonFactory.create(organization=org, full_name=user["name"], email=user["email"])
    today = org_today()
    project = ProjectFactory.create(
        organization=org, name="P", start_date=today - timedelta(days=700), end_date=None
    )
    update_link(
        project,
        enabled=True,
        hubstaff_project_ids=[hs.ids()["projects"]["Project 1"]],
        prevent_new_assignments=False,
        trim_assignments=False,
    )
    reset = sync_now(project)
    token = hs.issue_tokens("user1@example.test")["access_token"]
    org_id = hs.ids()["orgs"]["Generated Org 1"]

    def rows_of(day: date) -> list[dict[str, Any]]:
        params = {"date[start]": day.isoformat(), "date[stop]": day.isoformat(), "page_limit": 500}
        rows: list[dict[str, Any]] = hs.api_get(
            f"/organizations/{org_id}/activities/daily", token, **params
        ).json()["daily_activities"]
        return rows

    moved_day = next(today - timedelta(days=d) for d in range(40, 60) if rows_of(today - timedelta(days=d)))
    moved = rows_of(moved_day)[0]
    deleted = rows_of(moved_day - timedelta(days=1))[-1]
    hs.edit_activity(moved["id"], date=(moved_day - timedelta(days=3)).isoformat())
    hs.delete_activity(deleted["id"])

    daily = sync_now(project, mode="incremental")
    assert daily.worklogs_updated + daily.worklogs_created + daily.worklogs_deleted >= 2
    check = sync_now(project)  # a reset finds nothing more to change: both reflected, nothing counted twice
    assert (check.worklogs_created, check.worklogs_updated, check.worklogs_deleted) == (0, 0, 0)
    # Members, updates, the time edit log, the re-read days and the trailing week: a few per cent of a reset.
    assert daily.requests_made * 100 <= reset.requests_made * 5, (daily.requests_made, reset.requests_made)


def test_time_moved_to_another_hubstaff_project_long_ago_leaves_the_daily_sync(
    setup: MakeScenario, hs: SandboxClient
) -> None:
    project, _ = setup([("bobby@acme.test", "Build", 40), ("bobby@acme.test", "Build", 41)])
    sync_now(project)
    token = hs.issue_tokens("alice@acme.test")["access_token"]
    day = days_ago(40).isoformat()
    params = {"date[start]": day, "date[stop]": day}
    rows = hs.api_get(f"/organizations/{hs.ids()['orgs'][ORG]}/activities/daily", token, **params)
    row = rows.json()["daily_activities"][0]
    hs.edit_activity(row["id"], project="Break")
    run = sync_now(project, mode="incremental")
    assert run.worklogs_deleted == 1
    assert logged(project) == {("bobby@acme.test", days_ago(41)): 3600}


# --- time zones


@pytest.mark.parametrize("time_zone", ["Pacific/Tongatapu", "Pacific/Honolulu"], ids=["UTC+13", "UTC-10"])
def test_dates_and_today_are_the_hubstaff_organizations(
    setup: MakeScenario, hs: SandboxClient, time_zone: str
) -> None:
    now = timezone.now().replace(microsecond=0)
    late = (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    evening = (now - timedelta(days=3)).replace(hour=10, minute=30, second=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    project, _ = setup(
        [("bobby@acme.test", "Build", late), ("bobby@acme.test", "Build", evening, {"tracked": 1800})],
        time_zone=time_zone,
        owner_time_zone="Europe/Warsaw",
        hubstaff_time_zone=time_zone,
    )
    run = sync_now(project)
    assert run.window_end == organization_date(timezone.now(), time_zone)
    token = hs.issue_tokens("alice@acme.test")["access_token"]
    org_id = hs.ids()["orgs"][ORG]
    end = org_today(time_zone)
    params = {"date[start]": (end - timedelta(days=5)).isoformat(), "date[stop]": end.isoformat()}
    hubstaff_days = {
        date.fromisoformat(r["date"]): r["tracked"]
        for r in hs.api_get(f"/organizations/{org_id}/activities/daily", token, **params).json()[
            "daily_activities"
        ]
    }
    assert {day: seconds for (_, day), seconds in logged(project).items()} == hubstaff_days
    assert len(hubstaff_days) == 2


def test_the_organization_time_zone_defaults_to_the_installing_accounts(setup: MakeScenario) -> None:
    project, _ = setup([("bobby@acme.test", "Build", 3)], time_zone="Pacific/Tongatapu")
    installation = Installation.objects.get(organization=project.organization)
    assert installation.account["time_zone"] == "Pacific/Tongatapu"
    link = ProjectLink.objects.get(project=project)
    assert (
        mapping.organization_time_zone(link.hubstaff_time_zone, installation.account) == "Pacific/Tongatapu"
    )
    run = sync_now(project)
    assert run.window_end == org_today("Pacific/Tongatapu")


# --- work breaks


@pytest.mark.parametrize("count", [True, False], ids=["counted", "left out"])
def test_work_breaks_count_as_work_or_not(setup: MakeScenario, count: bool) -> None:
    project, _ = setup(
        [
            ("bobby@acme.test", "Break", 4, {"tracked": 1800}),
            ("bobby@acme.test", "Build", 3, {"tracked": 3600, "work_break": 600}),
        ],
        projects=("Build", "Break"),
        count_work_breaks=count,
    )
    sync_now(project)
    if count:
        assert logged(project) == {
            ("bobby@acme.test", days_ago(4)): 1800,
            ("bobby@acme.test", days_ago(3)): 3600,
        }
    else:
        assert logged(project) == {("bobby@acme.test", days_ago(3)): 3000}
