"""A preview predicts exactly what its Apply does, in hours and dates, as the product runs it.

`test_preview_matches_apply.py` compares counts and spans inside one outer transaction, where the apply writes
inline. Here each generated project is previewed and applied as a worker does it, outside any transaction: the
preview's apply is written inline and rolled back, the Apply's reset runs the apply while the fetch goes on
(early.py) through the writer thread (writer.py). Per person, the preview's work logs created, updated and
deleted and their hours (before and after) must be what the Apply changed in the database, and the assignments
it created or made longer must end on the dates the Apply gives them: an open-ended project linked for the first
time (its new assignments ending where the last batch's time ends) included in every seed's first cases.
"""

import random
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from integrations.models import SyncRun
from integrations.services import apply, runs, sync
from projects.models import Assignment, Project
from worklogs.models import WorkLog

from .test_preview_matches_apply import TODAY, Example, Teammate, set_up

pytestmark = pytest.mark.django_db(transaction=True)

CASES = 30


def generated(rng: random.Random, first: bool) -> Example:
    """A project and its Hubstaff time drawn from `rng`; `first`: open-ended, nothing synced, nobody assigned."""
    team = []
    for _ in range(rng.randint(1, 4)):
        starts = rng.randint(0, 60)
        team.append(
            Teammate(
                has_person=rng.random() < 0.85,
                assigned=None if first else rng.choice([None, "manual", "sync"]),
                span=(starts, starts + rng.randint(0, 30)),
            )
        )
    days = rng.randint(1, 90)
    rows = [
        (rng.randrange(len(team)), rng.randint(-5, days + 40), rng.choice([0, 900, 3600, 19800, 14400]))
        for _ in range(rng.randint(0, 40))
    ]
    before = [] if first else [(i, d, s) for i, d, s in rows[: rng.randint(0, 8)] if s > 0]
    return Example(
        start=date(2026, 1, 1) + timedelta(days=rng.randint(0, 60)),
        days=days,
        open_ended=first or rng.random() < 0.5,
        prevent=not first and rng.random() < 0.3,
        trim=not first and rng.random() < 0.4,
        teammates=team,
        activities=rows,
        # An earlier sync's logs, some with other hours than Hubstaff has now (updated by the reset).
        synced_before=[(i, d, s + rng.choice([0, 900])) for i, d, s in before],
    )


def logs(project: Project) -> dict[str, tuple[int, date, int]]:
    rows = WorkLog.objects.filter(project=project, source="hubstaff").values_list(
        "source_key", "person_id", "date", "duration_seconds"
    )
    return {key: (person, day, seconds) for key, person, day, seconds in rows}


def spans(project: Project) -> dict[int, tuple[int, str, str]]:
    rows = Assignment.objects.filter(project=project).values_list("pk", "person_id", "start_date", "end_date")
    return {pk: (person, str(start), str(end)) for pk, person, start, end in rows}


def made(before: tuple[Any, Any], after: tuple[Any, Any]) -> dict[str, Any]:
    """What the Apply changed, per person: counts and seconds; the assignments created and made longer."""
    (logs0, spans0), (logs1, spans1) = before, after
    people: Counter[tuple[int, str]] = Counter()
    for key in logs1.keys() - logs0.keys():
        people[(logs1[key][0], "created")] += 1
        people[(logs1[key][0], "created_seconds")] += logs1[key][2]
    for key in logs0.keys() - logs1.keys():
        people[(logs0[key][0], "deleted")] += 1
        people[(logs0[key][0], "deleted_seconds")] += logs0[key][2]
    changed = set()
    for key in logs0.keys() & logs1.keys():
        if logs0[key][2] != logs1[key][2]:
            person = logs1[key][0]
            people[(person, "updated_from_seconds")] += logs0[key][2]
            people[(person, "updated_to_seconds")] += logs1[key][2]
            changed.add((person, str(logs1[key][1]), logs0[key][2], logs1[key][2]))
    return {
        "people": +people,
        "changed": sorted(changed),
        "created": sorted(span for pk, span in spans1.items() if pk not in spans0),
        "stretched": sorted(
            (pk, *span[1:]) for pk, span in spans1.items() if pk in spans0 and spans0[pk] != span
        ),
    }


def said(preview: SyncRun) -> dict[str, Any]:
    """What the preview's report said, in the same terms."""
    report = preview.preview
    people: Counter[tuple[int, str]] = Counter()
    changed = set()
    for row in report["people"]:
        for what in (
            "created",
            "deleted",
            "created_seconds",
            "deleted_seconds",
            "updated_from_seconds",
            "updated_to_seconds",
        ):
            people[(row["person_id"], what)] += row[what]
        assert row["changed_more"] == 0, "the cases change at most a few days per person"
        changed |= {(row["person_id"], d["date"], d["from"], d["to"]) for d in row["changed"]}
    return {
        "people": +people,
        "changed": sorted(changed),
        "created": sorted((a["person_id"], a["start"], a["end"]) for a in report["assignments_created"]),
        "stretched": sorted(
            (a["assignment_id"], a["start"], a["end"]) for a in report["assignments_stretched"]
        ),
    }


def carry_out(project: Project, mode: str, client: Any, preview: SyncRun | None = None) -> SyncRun:
    queued = runs.request_sync(project, mode=mode, trigger="manual", send_task=False, applies_preview=preview)
    done = sync.run_sync(queued.pk, today=TODAY, parts=sync.Parts(client=client))
    assert done is not None and done.status == "succeeded", done and done.error
    return done


@pytest.mark.parametrize("seed", [1, 2])
def test_a_preview_predicts_its_applys_hours_and_assignment_dates(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(apply, "APPLY_BATCH_DAYS", 3)  # several batches a fetch window
    rng = random.Random(seed)
    for case in range(CASES):
        example = generated(rng, first=case < 5)
        project, client = set_up(example)
        preview = carry_out(project, "preview", client)
        before = (logs(project), spans(project))
        applied = carry_out(project, "reset", client, preview=preview)
        assert applied.preview_fetch == "used"
        counts = ("worklogs_created", "worklogs_updated", "worklogs_deleted", "assignments_created")
        assert [getattr(applied, c) for c in counts] == [getattr(preview, c) for c in counts], (seed, case)
        assert said(preview) == made(before, (logs(project), spans(project))), (seed, case, example)


def test_an_open_ended_project_linked_for_the_first_time_previews_the_end_its_apply_gives() -> None:
    """The case seen in the product: Bobby's time from 1 Jan to 26 Mar on an open-ended project, read in batches;
    the new assignment is previewed to end on 26 Mar (not where the first batch's time ends) and the Apply ends
    it there."""
    bobby = Teammate(has_person=True, assigned=None, span=(0, 0))
    days = [5, 36, 50, 84]  # 6 Jan, 6 Feb, 20 Feb, 26 Mar 2026
    example = Example(
        start=date(2026, 1, 1),
        days=30,
        open_ended=True,
        prevent=False,
        trim=False,
        teammates=[bobby],
        activities=[(0, d, 19800) for d in days],
        synced_before=[],
    )
    project, client = set_up(example)
    preview = carry_out(project, "preview", client)
    assert [(a["start"], a["end"]) for a in preview.preview["assignments_created"]] == [
        ("2026-01-01", "2026-03-26")
    ]
    row = preview.preview["people"][0]
    assert (row["created"], row["created_seconds"]) == (4, 4 * 19800)
    carry_out(project, "reset", client, preview=preview)
    assert list(spans(project).values())[0][1:] == ("2026-01-01", "2026-03-26")
