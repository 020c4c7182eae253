"""The pages of the ledger, undo, Clear data of a part and the locked period's differences: what a Manager and an
Administrator see and do, and another organization's ids refused everywhere."""

from datetime import date, timedelta

import pytest
from django.test import Client

from integrations.models import SyncRun
from integrations.services import runs, undo
from people.models import Organization, Person
from projects.models import Project
from tests.factories import PersonFactory, ProjectFactory, WorkLogFactory
from worklogs import locks
from worklogs.models import LockedDifference, WorkLog


def synced_logs(
    project: Project, person: Person, first: date, days: int, seconds: int = 3600
) -> list[WorkLog]:
    """`days` synced work logs of the person, one a day from `first`."""
    return [
        WorkLogFactory.create(
            project=project,
            person=person,
            date=first + timedelta(days=n),
            duration_seconds=seconds,
            source="hubstaff",
            source_key=f"hubstaff:7:{person.pk}:{(first + timedelta(days=n)).isoformat()}",
            source_project_id=7,
        )
        for n in range(days)
    ]


@pytest.fixture
def project(org: Organization) -> Project:
    return ProjectFactory.create(organization=org, name="Apollo", start_date=date(2026, 1, 1))


@pytest.fixture
def sam(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Sam Smith", email="sam@acme.test")


@pytest.fixture
def dana(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Dana Green", email="dana@acme.test")


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_clear_datas_page_lists_what_it_deleted_by_person_and_as_csv(
    manager_client: Client, project: Project, sam: Person, dana: Person
) -> None:
    synced_logs(project, sam, date(2026, 3, 1), 3, seconds=2 * 3600)
    danas = synced_logs(project, dana, date(2026, 3, 1), 2)
    run = runs.clear_project(project)
    url = f"/acme/projects/{project.pk}/hubstaff/runs/{run.pk}/"

    everyone = page(manager_client, url)
    assert everyone.count("Work log deleted") == 5
    only_sam = page(manager_client, f"{url}?person={sam.pk}")
    assert only_sam.count("Work log deleted") == 3 and "Dana Green</bdi></td>" not in only_sam
    assert "2.00 h" in only_sam and "Undo this run" in only_sam

    csv = manager_client.get(f"{url}changes.csv?person={dana.pk}")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0] == "change,id,person,date,before,after"
    assert lines[1:] == [
        f"Work log deleted,{log.pk},Dana Green,{log.date.isoformat()},1.00 h," for log in danas
    ]


def test_the_changes_are_paged(manager_client: Client, project: Project, sam: Person) -> None:
    synced_logs(project, sam, date(2026, 1, 1), 130)
    run = runs.clear_project(project)
    url = f"/acme/projects/{project.pk}/hubstaff/runs/{run.pk}/"
    first = page(manager_client, url)
    assert first.count("Work log deleted") == 100 and "Page 1 of 2 (130 in all)" in first
    assert page(manager_client, f"{url}?page=2").count("Work log deleted") == 30


def test_undo_from_the_runs_page_puts_the_project_back_and_the_page_says_it_was_undone(
    manager_client: Client, project: Project, sam: Person
) -> None:
    logs = synced_logs(project, sam, date(2026, 3, 1), 4)
    run = runs.clear_project(project)
    response = manager_client.post(f"/acme/projects/{project.pk}/hubstaff/runs/{run.pk}/undo/", follow=True)
    assert "The run was undone: 4 work logs put back as before." in response.content.decode()
    assert sorted(WorkLog.objects.filter(project=project).values_list("pk", flat=True)) == [
        log.pk for log in logs
    ]
    assert "Undone on" in page(manager_client, f"/acme/projects/{project.pk}/hubstaff/runs/{run.pk}/")


def test_undo_with_changes_since_asks_first_and_undoes_the_rest_when_confirmed(
    manager_client: Client, project: Project, sam: Person
) -> None:
    synced_logs(project, sam, date(2026, 3, 1), 3)
    run = runs.clear_project(project)
    # Synced again since: the first day's log is back, made by a later run.
    again = synced_logs(project, sam, date(2026, 3, 1), 1, seconds=1800)[0]
    url = f"/acme/projects/{project.pk}/hubstaff/runs/{run.pk}/undo/"

    asked = manager_client.post(url)
    assert asked.status_code == 409
    text = asked.content.decode()
    assert "Work log deleted · <bdi>Sam Smith</bdi> · 01 Mar 2026: synced again since this run" in text
    assert "The other 2 changes can be put back as before." in text
    assert WorkLog.objects.filter(project=project).count() == 1

    done = manager_client.post(url, {"confirm": "yes"}, follow=True)
    assert "1 row changed since stayed as they are." in done.content.decode()
    assert WorkLog.objects.get(pk=again.pk).duration_seconds == 1800
    assert WorkLog.objects.filter(project=project).count() == 3


def test_undo_while_a_sync_is_queued_is_refused_with_the_reason(
    manager_client: Client, project: Project, sam: Person, org: Organization
) -> None:
    synced_logs(project, sam, date(2026, 3, 1), 2)
    run = runs.clear_project(project)
    SyncRun.objects.create(organization=org, project=project, mode="incremental", status="queued")
    response = manager_client.post(f"/acme/projects/{project.pk}/hubstaff/runs/{run.pk}/undo/", follow=True)
    assert undo.BUSY_MESSAGE in response.content.decode()
    assert not WorkLog.objects.filter(project=project).exists()


def test_clear_data_of_a_date_range_and_a_person_from_the_panel(
    manager_client: Client, project: Project, sam: Person, dana: Person
) -> None:
    synced_logs(project, sam, date(2026, 3, 1), 5)
    synced_logs(project, dana, date(2026, 3, 1), 5)
    response = manager_client.post(
        f"/acme/projects/{project.pk}/hubstaff/clear/",
        {"start": "2026-03-02", "end": "2026-03-03", "person": sam.pk},
        follow=True,
    )
    assert "Clear data: 2 synced work logs deleted; manual work logs were kept." in response.content.decode()
    assert WorkLog.objects.filter(project=project).count() == 8


def test_clear_data_says_what_it_left_in_the_locked_period(
    manager_client: Client, project: Project, sam: Person, org: Organization
) -> None:
    synced_logs(project, sam, date(2026, 3, 30), 4)
    locks.lock(org, date(2026, 3, 31), None)
    response = manager_client.post(f"/acme/projects/{project.pk}/hubstaff/clear/", follow=True)
    assert (
        "Clear data: 2 synced work logs deleted; manual work logs were kept. 2 synced work logs of the locked "
        "period were left alone."
    ) in response.content.decode()


@pytest.fixture
def difference(project: Project, sam: Person, org: Organization) -> LockedDifference:
    (log,) = synced_logs(project, sam, date(2026, 3, 14), 1, seconds=8 * 3600)
    locks.lock(org, date(2026, 3, 31), None)
    return LockedDifference.objects.create(
        organization=org,
        project=project,
        person=sam,
        date=log.date,
        source_key=log.source_key,
        hubstaff_project_id=7,
        worklog_id=log.pk,
        hubstaff_seconds=6 * 3600,
        kept_seconds=8 * 3600,
    )


def test_administrators_see_a_locked_days_difference_on_the_panel_and_accept_it(
    all_roles_client: Client, project: Project, difference: LockedDifference
) -> None:
    text = page(all_roles_client, f"/acme/projects/{project.pk}/")
    assert "Hubstaff now says 6.00 h for Sam Smith on 14 Mar 2026; Primetric keeps 8.00 h, locked." in text
    all_roles_client.post(
        f"/acme/projects/{project.pk}/hubstaff/locked-differences/accept/", {"difference": difference.pk}
    )
    assert seconds_kept(difference) == 6 * 3600
    assert not LockedDifference.objects.exists()


def test_a_manager_neither_sees_nor_accepts_a_difference(
    manager_client: Client, project: Project, difference: LockedDifference
) -> None:
    assert "Hubstaff now says" not in page(manager_client, f"/acme/projects/{project.pk}/")
    response = manager_client.post(
        f"/acme/projects/{project.pk}/hubstaff/locked-differences/accept/", {"difference": difference.pk}
    )
    assert response.status_code == 403
    assert seconds_kept(difference) == 8 * 3600


def seconds_kept(difference: LockedDifference) -> int:
    return WorkLog.objects.get(source_key=difference.source_key).duration_seconds


# -- another organization's ids


def other_project(other_org: Organization) -> tuple[Project, Person]:
    return ProjectFactory.create(organization=other_org), PersonFactory.create(organization=other_org)


@pytest.fixture
def other_run(other_org: Organization) -> SyncRun:
    foreign_project, foreigner = other_project(other_org)
    synced_logs(foreign_project, foreigner, date(2026, 3, 1), 2)
    return runs.clear_project(foreign_project)


@pytest.mark.parametrize("suffix", ["", "changes.csv", "undo/"])
def test_another_organizations_run_is_not_found_under_our_project(
    manager_client: Client, project: Project, other_run: SyncRun, suffix: str
) -> None:
    url = f"/acme/projects/{project.pk}/hubstaff/runs/{other_run.pk}/{suffix}"
    response = manager_client.post(url) if suffix == "undo/" else manager_client.get(url)
    assert response.status_code == 404
    assert not WorkLog.objects.filter(project=other_run.project).exists()  # not undone


def test_another_organizations_difference_cannot_be_accepted(
    all_roles_client: Client, project: Project, other_org: Organization
) -> None:
    foreign_project, foreigner = other_project(other_org)
    (log,) = synced_logs(foreign_project, foreigner, date(2026, 3, 14), 1)
    foreign = LockedDifference.objects.create(
        organization=other_org,
        project=foreign_project,
        person=foreigner,
        date=log.date,
        source_key=log.source_key,
        worklog_id=log.pk,
        hubstaff_seconds=60,
        kept_seconds=3600,
    )
    response = all_roles_client.post(
        f"/acme/projects/{project.pk}/hubstaff/locked-differences/accept/", {"difference": foreign.pk}
    )
    assert response.status_code == 404
    assert WorkLog.objects.get(pk=log.pk).duration_seconds == 3600


def test_another_organizations_person_filters_nothing_and_clears_nothing(
    manager_client: Client, project: Project, sam: Person, other_org: Organization
) -> None:
    stranger = PersonFactory.create(organization=other_org)
    synced_logs(project, sam, date(2026, 3, 1), 2)
    response = manager_client.post(
        f"/acme/projects/{project.pk}/hubstaff/clear/", {"person": stranger.pk}, follow=True
    )
    assert "Clear data: enter the dates" in response.content.decode()
    assert WorkLog.objects.filter(project=project).count() == 2
    run = runs.clear_project(project)
    text = page(manager_client, f"/acme/projects/{project.pk}/hubstaff/runs/{run.pk}/?person={stranger.pk}")
    assert text.count("Work log deleted") == 2  # an unknown person: everyone's changes


def test_the_run_of_a_queued_sync_has_a_page_without_undo(
    manager_client: Client, project: Project, org: Organization
) -> None:
    run = SyncRun.objects.create(organization=org, project=project, mode="reset", status="queued")
    text = page(manager_client, f"/acme/projects/{project.pk}/hubstaff/runs/{run.pk}/")
    assert "Only a run that succeeded changed anything" in text and "Undo this run</button>" not in text
    assert runs.active_run(project) == run


def test_the_planning_report_lists_the_differences_to_administrators_only(
    all_roles_client: Client, manager_client: Client, difference: LockedDifference
) -> None:
    words = "Hubstaff now says 6.00 h for Sam Smith on 14 Mar 2026; Primetric keeps 8.00 h, locked."
    assert words in page(all_roles_client, "/acme/planning/report/")
    assert words not in page(manager_client, "/acme/planning/report/")
