"""Where a sync keeps the activities it fetched until it applies them: a temporary file of packed integers.

The apply's transaction commits only after the whole fetch, so what was fetched must wait somewhere without
filling memory. Rows are kept per fetch window as five 64-bit integers (activity id, date as an ordinal, user id,
project id, tracked seconds), in memory up to `IN_MEMORY_BYTES` and then in an anonymous temporary file that the
operating system removes when it is closed or the process ends. A window's rows also come out and go back in as
bytes (`packed`, `load`), which is how the run's checkpoint keeps a window (checkpoint.py).

Nothing here decides anything: repeated activity ids, zero seconds and dates outside the window are kept as Hubstaff
sent them, for the rules to judge. A row that is not as documented (a field missing, not a number, not a date) is a
`MalformedResponse`, as a page that is not JSON is.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from array import array
from collections import defaultdict
from collections.abc import Container, Iterable, Sequence
from datetime import date
from typing import Any, Self, TypeAlias

from integrations.hubstaff import mapping
from integrations.hubstaff.errors import MalformedResponse
from integrations.hubstaff.rules import DailyActivity

# Rows are held in memory up to this many before they are written out (a few pages).
BUFFER_ROWS = 2000
# The file stays in memory up to this size (small syncs never touch the disk).
IN_MEMORY_BYTES = 2 * 1024 * 1024
_FIELDS = 5
_ITEM = array("q").itemsize

# A fetch window: the first and last dates Hubstaff is asked for.
Window: TypeAlias = tuple[date, date]


class Staging:
    """Activities fetched by one sync, by window: `add(window, page, wanted)`, then `activities(window)`."""

    def __init__(self) -> None:
        # Closed by close() (the staging is the context manager).
        self._file = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES, prefix="primetric-sync-")  # noqa: SIM115
        # (offset, rows) of each window's segments in the file.
        self._segments: defaultdict[Window, list[tuple[int, int]]] = defaultdict(list)
        # Rows not written yet (windows may be fetched at once, their pages interleaved).
        self._buffers: dict[Window, array[int]] = {}
        self._ordinals: dict[str, int] = {}  # date text -> ordinal (a window has a few dozen dates)
        # The file's position is shared: a window applied while others are fetched (early.py) is read back
        # from another thread than the one adding pages.
        self._file_lock = threading.Lock()
        self.rows = 0

    def add(
        self,
        window: Window,
        page: Iterable[dict[str, Any]],
        wanted_projects: Container[int],
        count_work_breaks: bool = True,
    ) -> int:
        """Keep the page's rows of the wanted Hubstaff projects under `window`; return how many were kept.

        A row's seconds are as `mapping.activity` reads them (work breaks counted or not)."""
        buffer = self._buffers.get(window)
        if buffer is None:
            buffer = self._buffers[window] = array("q")
        ordinals = self._ordinals
        before = len(buffer)
        as_activity = mapping.activity
        try:
            for row in page:
                project_id = row.get("project_id")
                if project_id is None or int(project_id) not in wanted_projects:
                    continue
                activity_id, day, user_id, project_id, seconds = as_activity(row, count_work_breaks)
                ordinal = ordinals.get(day)
                if ordinal is None:
                    ordinal = ordinals[day] = date.fromisoformat(day).toordinal()
                buffer.extend((activity_id, ordinal, user_id, project_id, seconds))
        except (AttributeError, KeyError, TypeError, ValueError, OverflowError) as exc:
            del buffer[before:]
            raise MalformedResponse(
                f"Hubstaff sent a daily activity that is not as documented ({exc.__class__.__name__}: {exc})."
            ) from None
        kept = (len(buffer) - before) // _FIELDS
        self.rows += kept
        if len(buffer) >= BUFFER_ROWS * _FIELDS:
            self._flush(window)
        return kept

    def add_activities(self, window: Window, activities: Sequence[DailyActivity]) -> None:
        """Keep rules' DailyActivity rows (already read, e.g. a preview's kept fetch) under `window`."""
        buffer = self._buffers.setdefault(window, array("q"))
        for row in activities:
            buffer.extend((row.id, row.date.toordinal(), row.user_id, row.project_id, row.tracked))
        self.rows += len(activities)
        self._flush(window)

    def _flush(self, window: Window) -> None:
        buffer = self._buffers.pop(window, None)
        if not buffer:
            return
        with self._file_lock:
            self._file.seek(0, 2)
            self._segments[window].append((self._file.tell(), len(buffer) // _FIELDS))
            buffer.tofile(self._file)

    def row_count(self, window: Window) -> int:
        """How many rows are kept under `window` so far."""
        buffered = len(self._buffers.get(window) or ()) // _FIELDS
        return buffered + sum(rows for _, rows in self._segments.get(window, ()))

    def packed(self, window: Window, skip: int = 0) -> bytes:
        """The rows kept under `window`, after the first `skip`, as little-endian bytes (for the checkpoint)."""
        values = self._values(window)[skip * _FIELDS :]
        if sys.byteorder != "little":
            values.byteswap()
        return values.tobytes()

    def load(self, window: Window, data: bytes | memoryview) -> None:
        """Keep rows given as `packed` gave them under `window` (a window fetched by an earlier attempt)."""
        values = array("q")
        values.frombytes(bytes(data))
        if sys.byteorder != "little":
            values.byteswap()
        self._flush(window)
        self._buffers[window] = values
        self.rows += len(values) // _FIELDS
        self._flush(window)

    def _values(self, window: Window) -> array[int]:
        self._flush(window)
        values = array("q")
        with self._file_lock:
            for offset, rows in self._segments.get(window, ()):
                self._file.seek(offset)
                values.frombytes(self._file.read(rows * _FIELDS * _ITEM))
        return values

    def activities(
        self, window: Window, first: date | None = None, last: date | None = None
    ) -> list[DailyActivity]:
        """The rows kept under `window` (of dates first..last, if given), as DailyActivity rows in the order fetched."""
        low = first.toordinal() if first is not None else -1
        high = last.toordinal() if last is not None else 1 << 62
        values = self._values(window)
        dates: dict[int, date] = {}
        result: list[DailyActivity] = []
        it = iter(values)
        for activity_id, ordinal, user_id, project_id, tracked in zip(it, it, it, it, it, strict=False):
            if ordinal < low or ordinal > high:
                continue
            day = dates.get(ordinal)
            if day is None:
                day = dates[ordinal] = date.fromordinal(ordinal)
            result.append(DailyActivity(activity_id, day, user_id, project_id, tracked))
        return result

    @property
    def closed(self) -> bool:
        return self._file.closed

    def close(self) -> None:
        self._file.close()
        self._segments.clear()
        self._buffers.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
