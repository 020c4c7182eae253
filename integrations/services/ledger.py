"""The ledger: what each committing run changed, packed, written in the run's own transaction.

A run records, per batch of days it applied (and once for its last writes), one `LedgerEntry` row: the work logs
it created (their ids and what it gave them), updated (the values before and after), deleted (their whole content)
and the assignments it created or stretched (the span before and after). "After" values let undo tell a row
changed since (by a later run or a person) from one still as the run left it.

The payload is columns, not rows: each kind is a list per column, ids and dates stored as the difference from the
previous one (consecutive ids and dates become runs of 1s), as JSON compressed by zlib. A year's reset of 500
people (about 180,000 work logs created) takes a few bytes a change.

Dates are ordinals (`date.toordinal()`), times microseconds since the epoch, so that everything is an integer.
"""

import json
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from integrations.models import LedgerEntry, SyncRun
from worklogs.models import WorkLog

# Columns of each kind of change, in order. Columns named in DELTA are stored as differences.
KINDS: dict[str, tuple[str, ...]] = {
    # a work log the run created, as it wrote it
    "created": ("id", "person_id", "date", "seconds", "assignment_id", "hubstaff_project_id"),
    # a work log the run updated: before and after
    "updated": (
        "id",
        "date",
        "person_before",
        "seconds_before",
        "assignment_before",
        "updated_before",
        "person_id",
        "seconds",
        "assignment_id",
    ),
    # a work log the run deleted, whole
    "deleted": (
        "id",
        "person_id",
        "date",
        "seconds",
        "assignment_id",
        "hubstaff_project_id",
        "created_at",
        "updated_at",
        "source_key",
        "note",
    ),
    # an assignment the run created
    "assignment_created": ("id", "person_id", "start", "end"),
    # an assignment the run stretched: the span before and after
    "assignment_stretched": (
        "id",
        "person_id",
        "start_before",
        "end_before",
        "updated_before",
        "start",
        "end",
    ),
}
DELTA = frozenset({"id", "date"})
KIND_LABELS = {
    "created": "Work log created",
    "updated": "Work log updated",
    "deleted": "Work log deleted",
    "assignment_created": "Assignment created",
    "assignment_stretched": "Assignment stretched",
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def retention() -> timedelta:
    """How long a run's ledger is kept, and so how long the run can be undone."""
    return timedelta(days=int(getattr(settings, "SYNC_LEDGER_RETENTION_DAYS", 90)))


@dataclass
class Changes:
    """One batch's changes, kind -> rows (tuples in KINDS' column order)."""

    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def add(self, kind: str, row: tuple[Any, ...]) -> None:
        self.rows.setdefault(kind, []).append(row)

    def extend(self, kind: str, rows: Iterable[tuple[Any, ...]]) -> None:
        self.rows.setdefault(kind, []).extend(rows)

    def __len__(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


def pack(changes: Mapping[str, Sequence[tuple[Any, ...]]]) -> bytes:
    """The payload of a ledger entry: per kind, a list per column (DELTA columns as differences), zlib'd JSON."""
    document: dict[str, list[list[Any]]] = {}
    for kind, rows in changes.items():
        if not rows:
            continue
        names = KINDS[kind]
        columns: list[list[Any]] = [[] for _ in names]
        previous = dict.fromkeys(DELTA, 0)
        for row in rows:
            for index, (name, value) in enumerate(zip(names, row, strict=True)):
                if name in DELTA:
                    columns[index].append(value - previous[name])
                    previous[name] = value
                else:
                    columns[index].append(value)
        document[kind] = columns
    return zlib.compress(json.dumps(document, separators=(",", ":")).encode(), 6)


def unpack(payload: bytes | memoryview) -> dict[str, list[dict[str, Any]]]:
    """A payload back as kind -> rows (dicts by column name, dates as dates)."""
    document = json.loads(zlib.decompress(bytes(payload)))
    result: dict[str, list[dict[str, Any]]] = {}
    for kind, columns in document.items():
        names = KINDS[kind]
        for name, column in zip(names, columns, strict=True):
            if name in DELTA:
                total = 0
                for index, value in enumerate(column):
                    total += value
                    column[index] = total
        rows = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
        for row in rows:
            for name in ("date", "start", "end", "start_before", "end_before"):
                if name in row and row[name] is not None:
                    row[name] = date.fromordinal(row[name])
        result[kind] = rows
    return result


def write(run: SyncRun, seq: int, changes: Changes) -> None:
    """Record one batch's changes of `run` (in the writer's transaction). Nothing recorded for no change."""
    if not len(changes):
        return
    LedgerEntry.objects.create(
        organization_id=run.organization_id,
        run=run,
        project_id=run.project_id,
        seq=seq,
        changes=len(changes),
        payload=pack(changes.rows),
    )


def created_ids(organization_id: int, project_id: int, keys: Sequence[str]) -> dict[str, int]:
    """source key -> id of the project's synced work logs of `keys` (just written by COPY, which returns no id)."""
    if not keys:
        return {}
    table = connection.ops.quote_name(WorkLog._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT source_key, id FROM {table} WHERE organization_id = %s AND project_id = %s AND source = %s "
            "AND source_key = ANY(%s)",
            [organization_id, project_id, WorkLog.Source.HUBSTAFF, list(keys)],
        )
        return dict(cursor.fetchall())


def entries(run: SyncRun) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """The run's ledger, entry by entry, unpacked."""
    for payload in (
        LedgerEntry.objects.for_org(run.organization_id)
        .filter(run=run)
        .order_by("seq")
        .values_list("payload", flat=True)
    ):
        yield unpack(payload)


def has_ledger(run: SyncRun) -> bool:
    return LedgerEntry.objects.for_org(run.organization_id).filter(run=run).exists()


@dataclass(frozen=True)
class ChangeRow:
    """One change of a run, for its page and its CSV."""

    kind: str
    id: int
    person_id: int
    day: date | None  # a work log's date (None for an assignment)
    before: str
    after: str

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def _hours(seconds: int | None) -> str:
    return "" if not seconds else f"{seconds / 3600:.2f} h"


def change_rows(run: SyncRun, person_id: int | None = None) -> list[ChangeRow]:
    """Every change of the run as a line of its page (dates in order, then kinds), optionally of one person."""
    rows: list[ChangeRow] = []
    for entry in entries(run):
        for kind, changes in entry.items():
            for change in changes:
                person = change.get("person_id")
                if person_id is not None and person != person_id and change.get("person_before") != person_id:
                    continue
                rows.append(_change_row(kind, change))
    rows.sort(key=lambda r: (r.day or date.min, r.kind, r.id))
    return rows


def _change_row(kind: str, change: dict[str, Any]) -> ChangeRow:
    if kind == "created":
        return ChangeRow(
            kind, change["id"], change["person_id"], change["date"], "", _hours(change["seconds"])
        )
    if kind == "updated":
        return ChangeRow(
            kind,
            change["id"],
            change["person_id"],
            change["date"],
            _hours(change["seconds_before"]),
            _hours(change["seconds"]),
        )
    if kind == "deleted":
        return ChangeRow(
            kind, change["id"], change["person_id"], change["date"], _hours(change["seconds"]), ""
        )
    if kind == "assignment_created":
        span = f"{change['start']:%d %b %Y} – {change['end']:%d %b %Y}"
        return ChangeRow(kind, change["id"], change["person_id"], None, "", span)
    before = f"{change['start_before']:%d %b %Y} – {change['end_before']:%d %b %Y}"
    after = f"{change['start']:%d %b %Y} – {change['end']:%d %b %Y}"
    return ChangeRow(kind, change["id"], change["person_id"], None, before, after)


def purge(now: datetime | None = None) -> int:
    """Delete the ledger of runs finished longer ago than the retention (they can no longer be undone)."""
    cutoff = (now or timezone.now()) - retention()
    deleted, _ = LedgerEntry.objects.filter(run__finished_at__lt=cutoff).delete()
    return deleted
