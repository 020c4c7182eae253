"""A preview's report is exactly what its Apply then makes, over generated projects (hypothesis).

Each example is a project (dates, open-ended or not, Prevent new assignment creation, Trim assignments), people
with and without assignments (manual or made by an earlier sync), synced work logs from before and Hubstaff's daily
activities; the apply works in batches of a few days, so that assignments are created and stretched over several
batches. The sync runs in-process: its Hubstaff client (`sync.Parts(client=...)`) answers from the generated rows
without HTTP. A preview runs, then its Apply (which takes over the preview's fetch); the preview's report is
compared with what the Apply changed in the database: counts, work logs per person, assignments created and
stretched with their dates.
"""

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.hubstaff.client import HubstaffClient
from integrations.models import HubstaffProject, Installation, SyncRun
from integrations.services import apply, runs, sync
from integrations.services.links import update_link
from people.models import Organization
from projects.models import Assignment, Project
from tests.factories import AssignmentFactory, OrganizationFactory, PersonFactory, ProjectFactory
from worklogs.models import WorkLog

TODAY = date(2026, 6, 30)
HUBSTAFF_ORG, HUBSTAFF_PROJECT = 70, 700
SLUGS = count()


@dataclass(frozen=True)
class Teammate:
    """A person and their Hubstaff user: `assigned` None (no assignment), "manual" or "sync" with its span."""

    has_person: bool
    assigned: str | None
    span: tuple[int, int]  # days from the project's start


@dataclass(frozen=True)
class Example:
    start: date
    days: int  # the project's length (its end date, unless open-ended)
    open_ended: bool
    prevent: bool
    trim: bool
    teammates: list[Teammate]
    activities: list[tuple[int, int, int]]  # (teammate, day from the start, seconds)
    synced_before: list[
        tuple[int, int, int]
    ]  # (teammate, day from the start, seconds): logs of an earlier sync


teammates = st.builds(
    Teammate,
    has_person=st.booleans() | st.just(True),
    assigned=st.sampled_from([None, "manual", "sync"]),
    span=st.tuples(st.integers(0, 60), st.integers(0, 30)).map(lambda s: (s[0], s[0] + s[1])),
)


@st.composite
def examples(draw: st.DrawFn) -> Example:
    team = draw(st.lists(teammates, min_size=1, max_size=4))
    days = draw(st.integers(1, 90))
    reach = days + 40  # open-ended: rows up to well after the length drawn
    row = st.tuples(st.integers(0, len(team) - 1), st.integers(-5, reach), st.integers(0, 30_000))
    return Example(
        start=date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 60))),
        days=days,
        open_ended=draw(st.booleans()),
        prevent=draw(st.booleans()),
        trim=draw(st.booleans()),
        teammates=team,
        activities=draw(st.lists(row, max_size=40)),
        synced_before=draw(st.lists(row.filter(lambda r: r[2] > 0), max_size=8)),
    )


def answering(users: list[dict[str, Any]], rows: list[dict[str, Any]]) -> type[HubstaffClient]:
    """A client (for `sync.Parts`) that answers the sync's requests from `users` and `rows`, without HTTP; the
    change listings an Apply asks answer nothing (nothing changed)."""

    class Answering(HubstaffClient):
        def members(self, organization_id: int) -> Iterator[dict[str, Any]]:
            yield from users

        def daily_activity_window_pages(
            self, organization_id: int, windows: Iterable[tuple[date, date]], **_: object
        ) -> Iterator[tuple[tuple[date, date], list[dict[str, Any]] | None]]:
            for window in windows:
                page = [r for r in rows if window[0] <= date.fromisoformat(r["date"]) <= window[1]]
                if page:
                    yield window, page
                yield window, None

        def daily_activity_update_pages(self, *_: object, **__: object) -> Iterator[list[dict[str, Any]]]:
            yield from ()

        def time_edit_log_pages(self, *_: object, **__: object) -> Iterator[list[dict[str, Any]]]:
            yield from ()

    return Answering


def set_up(example: Example) -> tuple[Project, type[HubstaffClient]]:
    org: Organization = OrganizationFactory.create(slug=f"prop-{next(SLUGS)}")
    installation = Installation.objects.create(
        organization=org,
        status=Installation.Status.INSTALLED,
        client_id="client",
        access_token="token",
        refresh_token="refresh",
        access_token_expires_at=timezone.now() + timedelta(hours=2),
        account={"id": 1, "name": "Alice", "email": "alice@acme.test", "time_zone": "UTC"},
        hubstaff_organizations=[{"id": HUBSTAFF_ORG, "name": "Acme Hubstaff"}],
    )
    HubstaffProject.objects.create(
        organization=org,
        installation=installation,
        hubstaff_id=HUBSTAFF_PROJECT,
        name="Hubstaff A",
        hubstaff_organization_id=HUBSTAFF_ORG,
    )
    end = None if example.open_ended else example.start + timedelta(days=example.days - 1)
    project = ProjectFactory.create(organization=org, name="P", start_date=example.start, end_date=end)
    update_link(
        project,
        enabled=True,
        hubstaff_project_ids=[HUBSTAFF_PROJECT],
        prevent_new_assignments=example.prevent,
        trim_assignments=example.trim,
    )
    users, people = [], {}
    for i, mate in enumerate(example.teammates):
        email = f"mate{i}@acme.test"
        users.append({"id": 100 + i, "name": f"Mate {i}", "email": email})
        if not mate.has_person:
            continue
        people[i] = person = PersonFactory.create(organization=org, full_name=f"Mate {i}", email=email)
        if mate.assigned:
            first, last = (example.start + timedelta(days=d) for d in mate.span)
            AssignmentFactory.create(
                project=project, person=person, start_date=first, end_date=last, origin=mate.assigned
            )
    for index, day, seconds in example.synced_before:
        if index in people:
            on = example.start + timedelta(days=day)
            WorkLog.objects.get_or_create(
                organization=org,
                project=project,
                source="hubstaff",
                source_key=f"hubstaff:{HUBSTAFF_PROJECT}:{100 + index}:{on}",
                defaults={"person": people[index], "date": on, "duration_seconds": seconds},
            )
    ids = count(1)
    rows = [
        {
            "id": next(ids),
            "date": str(example.start + timedelta(days=day)),
            "user_id": 100 + index,
            "project_id": HUBSTAFF_PROJECT,
            "tracked": seconds,
            "work_break": 0,
        }
        for index, day, seconds in example.activities
    ]
    return project, answering(users, rows)


def run(project: Project, mode: str, client: type[HubstaffClient], preview: SyncRun | None = None) -> SyncRun:
    queued = runs.request_sync(project, mode=mode, trigger="manual", send_task=False, applies_preview=preview)
    done = sync.run_sync(queued.pk, today=TODAY, parts=sync.Parts(client=client))
    assert done is not None and done.status == "succeeded", done and done.error
    return done


def state(project: Project) -> tuple[dict[str, tuple[int, object]], dict[int, tuple[int, date, date]]]:
    """The project's synced work logs (source key -> (person, updated_at)) and assignments (id -> person, dates)."""
    logs = WorkLog.objects.filter(project=project, source="hubstaff").values_list(
        "source_key", "person_id", "updated_at"
    )
    spans = Assignment.objects.filter(project=project).values_list(
        "pk", "person_id", "start_date", "end_date"
    )
    return {key: (person, at) for key, person, at in logs}, {pk: (p, s, e) for pk, p, s, e in spans}


def what_the_apply_made(before: Any, after: Any) -> dict[str, Any]:
    (logs0, spans0), (logs1, spans1) = before, after
    per_person: Counter[tuple[int, str]] = Counter()
    for key in logs1.keys() - logs0.keys():
        per_person[(logs1[key][0], "created")] += 1
    for key in logs0.keys() - logs1.keys():
        per_person[(logs0[key][0], "deleted")] += 1
    for key in logs0.keys() & logs1.keys():
        if logs0[key][1] != logs1[key][1]:
            per_person[(logs1[key][0], "updated")] += 1
    return {
        "people": per_person,
        "created": sorted((p, str(s), str(e)) for pk, (p, s, e) in spans1.items() if pk not in spans0),
        "stretched": sorted(
            (pk, str(s), str(e))
            for pk, (p, s, e) in spans1.items()
            if pk in spans0 and spans0[pk] != (p, s, e)
        ),
    }


def what_the_preview_said(preview: SyncRun) -> dict[str, Any]:
    report = preview.preview
    per_person: Counter[tuple[int, str]] = Counter()
    for row in report["people"]:
        for what in ("created", "updated", "deleted"):
            per_person[(row["person_id"], what)] += row[what]
    return {
        "people": +per_person,
        "created": sorted((a["person_id"], a["start"], a["end"]) for a in report["assignments_created"]),
        "stretched": sorted(
            (a["assignment_id"], a["start"], a["end"]) for a in report["assignments_stretched"]
        ),
    }


COUNTS = (
    "worklogs_created",
    "worklogs_updated",
    "worklogs_deleted",
    "assignments_created",
    "assignments_stretched",
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(example=examples())
def test_a_preview_reports_exactly_what_its_apply_makes(
    example: Example, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(apply, "APPLY_BATCH_DAYS", 3)  # several batches a fetch window
    with transaction.atomic():
        project, client = set_up(example)
        preview = run(project, "preview", client)
        before = state(project)
        applied = run(project, "reset", client, preview=preview)
        assert applied.preview_fetch == "used"  # the preview's own rows, applied
        assert [getattr(applied, c) for c in COUNTS] == [getattr(preview, c) for c in COUNTS]
        assert (applied.missing_teammates, applied.skipped_people) == (
            preview.missing_teammates,
            preview.skipped_people,
        )
        assert what_the_preview_said(preview) == what_the_apply_made(before, state(project))
        transaction.set_rollback(True)
