"""projects/{id}/worklogs/: filters, a narrow constant number of queries, and manual logs as on the Log time page."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.tests.conftest import url
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory, WorkLogFactory
from worklogs.models import WorkLog


@pytest.fixture
def bobby(org):
    return PersonFactory(organization=org, full_name="Bobby", email="bobby@acme.test")


def synced(project, person, day, seconds=3600, hubstaff_project_id=77, **kwargs):
    return WorkLogFactory(
        project=project,
        person=person,
        date=day,
        duration_seconds=seconds,
        source=WorkLog.Source.HUBSTAFF,
        source_key=f"{hubstaff_project_id}:{person.pk}:{day}",
        source_project_id=hubstaff_project_id,
        **kwargs,
    )


def test_items_have_the_contract_fields(manager_api, project, bobby):
    assignment = AssignmentFactory(project=project, person=bobby)
    log = synced(project, bobby, date(2026, 2, 1), seconds=5400, assignment=assignment)
    response = manager_api.get(url(f"projects/{project.pk}/worklogs/"))
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": log.pk,
            "person": bobby.pk,
            "date": "2026-02-01",
            "duration_seconds": 5400,
            "source": "hubstaff",
            "assignment": assignment.pk,
            "hubstaff_project_id": 77,
        }
    ]


def test_filters(manager_api, project, bobby, org):
    sam = PersonFactory(organization=org)
    a = synced(project, bobby, date(2026, 2, 1))
    b = synced(project, bobby, date(2026, 3, 19))
    c = WorkLogFactory(project=project, person=sam, date=date(2026, 3, 1))

    def ids(**q):
        return [
            w["id"] for w in manager_api.get(url(f"projects/{project.pk}/worklogs/"), q).json()["results"]
        ]

    assert ids() == [b.pk, c.pk, a.pk]
    assert ids(person=bobby.pk) == [b.pk, a.pk]
    assert ids(date_after="2026-03-01") == [b.pk, c.pk]
    assert ids(date_before="2026-03-01") == [c.pk, a.pk]
    assert ids(date_after="2026-02-02", date_before="2026-03-18") == [c.pk]
    assert ids(source="manual") == [c.pk]
    assert ids(source="hubstaff") == [b.pk, a.pk]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"person": "bobby"}, "person"),
        ({"date_after": "yesterday"}, "date_after"),
        ({"source": "jira"}, "source"),
        ({"date_after": "2026-03-02", "date_before": "2026-03-01"}, "date_before"),
        ({"person": str(2**70)}, "person"),
    ],
)
def test_bad_filters_are_a_400(manager_api, project, query, field):
    response = manager_api.get(url(f"projects/{project.pk}/worklogs/"), query)
    assert response.status_code == 400 and field in response.json()


def test_only_this_projects_logs(manager_api, project, bobby, org, other_project):
    WorkLogFactory(project=ProjectFactory(organization=org), person=bobby)
    WorkLogFactory(project=other_project)
    assert manager_api.get(url(f"projects/{project.pk}/worklogs/")).json()["count"] == 0


def test_constant_narrow_queries_whatever_the_number_of_logs(manager_api, project, bobby):
    start = date(2026, 1, 1)
    WorkLog.objects.bulk_create(
        WorkLog(
            organization=project.organization,
            project=project,
            person=bobby,
            date=start + timedelta(days=n % 200),
            duration_seconds=60 + n,
            source=WorkLog.Source.HUBSTAFF,
            source_key=f"k{n}",
            source_project_id=n,
        )
        for n in range(600)
    )

    def queries(**params):
        with CaptureQueriesContext(connection) as captured:
            response = manager_api.get(url(f"projects/{project.pk}/worklogs/"), params)
        assert response.status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    queries(page_size=1)  # the token's last use is written at most once a minute: by this first request
    small, big = queries(page_size=10), queries(page_size=500, person=bobby.pk)
    # Token, membership, project, count, page: the same few queries for 10 rows or 500.
    assert len(small) == len(big) <= 5
    page_query = big[-1]
    assert "note" not in page_query and "created_at" not in page_query
    assert "ORDER BY" in page_query and page_query.rstrip().endswith("LIMIT 500")


def test_manager_logs_time(manager_api, project, bobby):
    assignment = AssignmentFactory(project=project, person=bobby)
    response = manager_api.post(
        url(f"projects/{project.pk}/worklogs/"),
        {"person": bobby.pk, "date": "2026-02-02", "hours": "1.5", "note": "Call"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["duration_seconds"], body["source"], body["assignment"], body["note"]) == (
        5400,
        "manual",
        assignment.pk,
        "Call",
    )
    assert WorkLog.objects.get(pk=body["id"]).organization_id == project.organization_id


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"date": "2025-01-01", "hours": 1}, "date"),
        ({"date": "2026-02-02", "hours": 0}, "hours"),
        ({"date": "2026-02-02", "hours": 25}, "hours"),
        ({"date": "2026-02-02"}, "hours"),
    ],
)
def test_bad_time_is_a_400(manager_api, project, bobby, payload, field):
    response = manager_api.post(
        url(f"projects/{project.pk}/worklogs/"), {"person": bobby.pk, **payload}, format="json"
    )
    assert response.status_code == 400 and field in response.json()


def test_person_of_another_organization_is_a_400(manager_api, project, other_org):
    stranger = PersonFactory(organization=other_org)
    response = manager_api.post(
        url(f"projects/{project.pk}/worklogs/"),
        {"person": stranger.pk, "date": "2026-02-02", "hours": 1},
        format="json",
    )
    assert response.status_code == 400 and "person" in response.json()


def test_read_and_delete_a_manual_log(manager_api, project, bobby):
    log = WorkLogFactory(project=project, person=bobby)
    path = url(f"projects/{project.pk}/worklogs/{log.pk}/")
    assert manager_api.get(path).json()["duration_seconds"] == 3600
    assert manager_api.delete(path).status_code == 204
    assert not WorkLog.objects.filter(pk=log.pk).exists()


def test_synced_log_cannot_be_deleted_one_by_one(manager_api, project, bobby):
    log = synced(project, bobby, date(2026, 2, 1))
    response = manager_api.delete(url(f"projects/{project.pk}/worklogs/{log.pk}/"))
    assert response.status_code == 409
    assert WorkLog.objects.filter(pk=log.pk).exists()


def test_employee_may_not(employee_api, project):
    assert employee_api.get(url(f"projects/{project.pk}/worklogs/")).status_code == 403


def test_another_organizations_logs_are_404_and_unchanged(manager_api, other_project, project):
    theirs = WorkLogFactory(project=other_project)
    assert manager_api.get(url(f"projects/{other_project.pk}/worklogs/")).status_code == 404
    assert (
        manager_api.post(url(f"projects/{other_project.pk}/worklogs/"), {}, format="json").status_code == 404
    )
    for path in (
        url(f"projects/{other_project.pk}/worklogs/{theirs.pk}/"),
        url(f"projects/{project.pk}/worklogs/{theirs.pk}/"),
    ):
        assert manager_api.get(path).status_code == 404
        assert manager_api.delete(path).status_code == 404
    assert WorkLog.objects.filter(pk=theirs.pk).exists()


def test_unauthenticated_gets_401(anonymous_api, project):
    assert anonymous_api.get(url(f"projects/{project.pk}/worklogs/")).status_code == 401
