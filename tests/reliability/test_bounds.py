"""Bounds that keep one typo or one odd header from spending an organization's Hubstaff budget (issue 15).

- a project's dates lie within 2000-01-01 .. 2100-12-31: the page, the API and the database refuse others;
- a Retry-After is read as one hour at most, wherever it is read.
"""

from datetime import date, timedelta

import pytest
from celery.utils.time import get_exponential_backoff_interval
from django.db import IntegrityError, transaction
from django.utils import timezone

from api.tests.conftest import url
from conftest import token_client
from integrations import tasks
from integrations.hubstaff.retries import MAX_RETRY_AFTER
from integrations.hubstaff.tokens import recorded_rate_limit
from integrations.models import Installation, SyncRun
from integrations.services import runs, sync
from projects.models import DATE_RANGE_MESSAGE, Project
from tests.factories import ProjectFactory

OUTSIDE = [("0001-01-01", None), ("1999-12-31", None), ("2026-01-01", "2101-01-01"), ("2101-01-01", None)]


@pytest.mark.parametrize(("start", "end"), OUTSIDE)
def test_the_project_form_refuses_dates_outside_2000_to_2100(manager_client, org, start, end):
    data = {"name": "Typo", "start_date": start, **({"end_date": end} if end else {})}
    response = manager_client.post("/acme/projects/new/", data)
    assert response.status_code == 200
    assert "Enter a date between 01 Jan 2000 and 31 Dec 2100." in response.content.decode()
    assert not Project.objects.filter(name="Typo").exists()


@pytest.mark.parametrize(("start", "end"), OUTSIDE)
def test_the_api_refuses_project_dates_outside_2000_to_2100(manager, org, start, end):
    api = token_client(manager)
    response = api.post(
        url("projects/"), {"name": "Typo", "start_date": start, "end_date": end}, format="json"
    )
    assert response.status_code == 400
    assert DATE_RANGE_MESSAGE in str(response.json())
    assert not Project.objects.filter(name="Typo").exists()


def test_the_api_refuses_moving_a_project_start_to_year_one(manager, org):
    project = ProjectFactory(organization=org, name="Apollo", start_date=date(2026, 1, 1), end_date=None)
    response = token_client(manager).patch(
        url(f"projects/{project.pk}/"), {"start_date": "0001-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"start_date": [DATE_RANGE_MESSAGE]}
    project.refresh_from_db()
    assert project.start_date == date(2026, 1, 1)


def test_the_bounds_themselves_are_accepted(manager_client, org):
    response = manager_client.post(
        "/acme/projects/new/", {"name": "Long", "start_date": "2000-01-01", "end_date": "2100-12-31"}
    )
    assert response.status_code == 302
    assert Project.objects.filter(name="Long").exists()


@pytest.mark.parametrize(
    "dates", [{"start_date": date(1, 1, 1)}, {"start_date": date(2026, 1, 1), "end_date": date(2200, 1, 1)}]
)
def test_the_database_refuses_project_dates_outside_the_bounds(org, dates):
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.create(organization=org, name="Raw", **dates)


def test_a_retry_after_of_centuries_waits_an_hour_at_most(project_a, hs):
    """A 429 with Retry-After: 100000000000 (year 5195): the organization waits an hour, the task an hour."""
    hs.fault(storm={"count": 1, "retry_after": 100000000000})
    run = runs.request_sync(
        project_a, mode=SyncRun.Mode.RESET, trigger=SyncRun.Trigger.MANUAL, send_task=False
    )
    before = timezone.now()
    with pytest.raises(runs.Paced) as waiting:
        sync.run_sync(run.pk, final_attempt=False)
    hour = timedelta(seconds=MAX_RETRY_AFTER)
    assert 0 < waiting.value.countdown <= MAX_RETRY_AFTER
    until = Installation.objects.get(organization=project_a.organization).rate_limited_until
    assert before + hour - timedelta(minutes=1) <= until <= timezone.now() + hour
    task = tasks.sync_project_task
    # The task's own retries wait an hour at most too, even the last one.
    last = get_exponential_backoff_interval(task.retry_backoff, task.max_retries - 1, task.retry_backoff_max)
    assert last <= MAX_RETRY_AFTER
    run.refresh_from_db()
    assert run.status == SyncRun.Status.QUEUED
    # The page names the wait's end: an hour from now, not the year 5195.
    assert f"rate limit until {timezone.localtime(until):%H:%M}" in run.progress_label


def test_a_rate_limit_stored_for_centuries_is_read_as_an_hour(project_a):
    """What an older version stored (rate_limited_until in the year 5195) holds the syncs an hour at most."""
    installation = Installation.objects.get(organization=project_a.organization)
    Installation.objects.filter(pk=installation.pk).update(
        rate_limited_until=timezone.now() + timedelta(days=365 * 3000)
    )
    assert recorded_rate_limit(installation) <= timezone.now() + timedelta(seconds=MAX_RETRY_AFTER)
