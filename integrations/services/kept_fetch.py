"""A preview's fetch kept for a few minutes, so that its Apply (a reset) plans the same rows without asking Hubstaff
again.

A preview run stores what it fetched in `SyncRun.kept_fetch`: zlib-compressed, a JSON header (the fetch windows and
their row counts, the Hubstaff users, and the fingerprint of what was asked) followed by the staged rows as packed
64-bit integers. A reset of the same project within `KEEP_MINUTES`, asking the same (the same Hubstaff projects,
work-break setting, time zone, project window and "today"), fills its staging from it instead of fetching; any
other case fetches as usual. Every sync of the project drops older kept fetches (one is kept per project at most).
"""

import json
import zlib
from array import array
from datetime import date, timedelta

from django.utils import timezone

from integrations.hubstaff import rules
from integrations.models import SyncRun

KEEP_MINUTES = 10


def fingerprint(link, time_zone, today, windows):
    """What a fetch asked for: a kept fetch is used only by a reset asking exactly the same."""
    return {
        "hubstaff_project_ids": sorted(link.hubstaff_project_ids),
        "count_work_breaks": link.count_work_breaks,
        "time_zone": time_zone,
        "today": today.isoformat(),
        "windows": [[start.isoformat(), end.isoformat()] for start, end in windows],
    }


def dump(staging, windows, users, asked):
    """The staged rows of `windows`, the users and the fingerprint `asked`, as bytes for `SyncRun.kept_fetch`."""
    body = array("q")
    counts = []
    for window in windows:
        rows = staging.activities(window)
        counts.append(len(rows))
        for row in rows:
            body.extend((row.id, row.date.toordinal(), row.user_id, row.project_id, row.tracked))
    header = {
        "asked": asked,
        "counts": counts,
        "users": [[u.id, u.name, u.email] for u in users.values()],
    }
    head = json.dumps(header).encode()
    return zlib.compress(len(head).to_bytes(8, "big") + head + body.tobytes())


def take(project, asked, exclude_run_id, *, use=True):
    """The users and rows by window of a kept fetch of `project` that asked `asked`, or None; drops the project's
    kept fetches (older ones, and the one taken: it is used once). `use=False` only drops them (any sync but a
    reset: a newer preview keeps its own)."""
    kept = SyncRun.objects.for_org(project.organization_id).filter(project=project, kept_fetch__isnull=False)
    if not use:
        kept.exclude(pk=exclude_run_id).update(kept_fetch=None)
        return None
    newest = (
        kept.filter(
            mode=SyncRun.Mode.PREVIEW,
            status=SyncRun.Status.SUCCEEDED,
            finished_at__gte=timezone.now() - timedelta(minutes=KEEP_MINUTES),
        )
        .exclude(pk=exclude_run_id)
        .order_by("-finished_at")
        .values_list("kept_fetch", flat=True)
        .first()
    )
    kept.exclude(pk=exclude_run_id).update(kept_fetch=None)
    if newest is None:
        return None
    data = zlib.decompress(bytes(newest))
    size = int.from_bytes(data[:8], "big")
    header = json.loads(data[8 : 8 + size])
    if header["asked"] != asked:
        return None
    values = array("q")
    values.frombytes(data[8 + size :])
    users = {i: rules.HubstaffUser(i, name, email) for i, name, email in header["users"]}
    rows, at = [], 0
    for count in header["counts"]:
        chunk = values[at * 5 : (at + count) * 5]
        it = iter(chunk)
        rows.append(
            [
                rules.DailyActivity(a, date.fromordinal(o), u, p, t)
                for a, o, u, p, t in zip(it, it, it, it, it, strict=True)
            ]
        )
        at += count
    return users, rows
