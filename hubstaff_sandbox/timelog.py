"""The time edit log: one entry for every addition, edit, move and deletion made through the control API.

Fields follow `TimeEditLog` in Hubstaff's Swagger document. What an entry holds for each kind of change is
not public; our choice (docs/hubstaff.md, "Time edit log"):

- ``add``: ``starts_at``/``stops_at`` of the new time, ``original_*`` null, ``added_duration`` = its length;
- ``edit`` (duration, day, project or task changed): ``original_*`` = before, ``starts_at``/``stops_at``,
  ``project_id``/``task_id`` = after; ``added_duration`` / ``deleted_duration`` = seconds of the new / old
  interval outside the other; ``replaced_duration`` = the overlap when project or task changed;
- ``delete``: ``original_*`` = the deleted time, ``starts_at`` = ``stops_at`` = its start,
  ``deleted_duration`` = its length;
- moving time to another person is a ``delete`` for the old person and an ``add`` for the new one (the
  entry has no ``original_user_id``).
"""

from __future__ import annotations

from .store import DataStore, iso_ts


def snapshot(store: DataStore, idx: int) -> dict:
    """What the log needs of a daily row: who, where and the interval it covers."""
    c = store.cols
    start = c["start"][idx]
    return {
        "org": c["org"][idx],
        "user": c["user"][idx],
        "project": c["project"][idx],
        "task": c["task"][idx] or None,
        "start": start,
        "stop": start + c["tracked"][idx],
    }


def _entry(store: DataStore, org: int, blame: int, now: int, action: str, **fields) -> dict:
    entry = {
        "id": store.next_id("edit_log"),
        "created_at": iso_ts(now),
        "starts_at": None,
        "stops_at": None,
        "original_starts_at": None,
        "original_stops_at": None,
        "blame_user_id": blame,
        "user_id": None,
        "original_project_id": None,
        "original_task_id": None,
        "project_id": None,
        "task_id": None,
        "action": action,
        "added_duration": 0,
        "deleted_duration": 0,
        "replaced_duration": 0,
        "reason": "",
        "_org": org,
        "_created": now,
    }
    entry.update(fields)
    store.edit_logs.append(entry)
    return entry


def record_add(store: DataStore, new: dict, blame: int, now: int, reason: str = "") -> dict:
    return _entry(
        store,
        new["org"],
        blame,
        now,
        "add",
        user_id=new["user"],
        project_id=new["project"],
        task_id=new["task"],
        starts_at=iso_ts(new["start"]),
        stops_at=iso_ts(new["stop"]),
        added_duration=new["stop"] - new["start"],
        reason=reason,
    )


def record_delete(store: DataStore, old: dict, blame: int, now: int, reason: str = "") -> dict:
    return _entry(
        store,
        old["org"],
        blame,
        now,
        "delete",
        user_id=old["user"],
        project_id=old["project"],
        task_id=old["task"],
        original_project_id=old["project"],
        original_task_id=old["task"],
        starts_at=iso_ts(old["start"]),
        stops_at=iso_ts(old["start"]),
        original_starts_at=iso_ts(old["start"]),
        original_stops_at=iso_ts(old["stop"]),
        deleted_duration=old["stop"] - old["start"],
        reason=reason,
    )


def record_edit(store: DataStore, old: dict, new: dict, blame: int, now: int, reason: str = "") -> list[dict]:
    """Entries for one change of a row (none if nothing the log shows changed)."""
    if old["user"] != new["user"]:
        return [record_delete(store, old, blame, now, reason), record_add(store, new, blame, now, reason)]
    same_place = (old["project"], old["task"]) == (new["project"], new["task"])
    if same_place and (old["start"], old["stop"]) == (new["start"], new["stop"]):
        return []
    overlap = max(0, min(old["stop"], new["stop"]) - max(old["start"], new["start"]))
    entry = _entry(
        store,
        new["org"],
        blame,
        now,
        "edit",
        user_id=new["user"],
        project_id=new["project"],
        task_id=new["task"],
        original_project_id=old["project"],
        original_task_id=old["task"],
        starts_at=iso_ts(new["start"]),
        stops_at=iso_ts(new["stop"]),
        original_starts_at=iso_ts(old["start"]),
        original_stops_at=iso_ts(old["stop"]),
        added_duration=(new["stop"] - new["start"]) - overlap,
        deleted_duration=(old["stop"] - old["start"]) - overlap,
        replaced_duration=0 if same_place else overlap,
        reason=reason,
    )
    return [entry]


def query(
    store: DataStore,
    org_id: int,
    created: tuple[int, int],
    *,
    user_ids=None,
    project_ids=None,
    task_ids=None,
) -> list[dict]:
    """Entries of ``org_id`` created in [start, stop), matching the filters (a project or task filter matches
    the original one too, so that time moved away from a project shows in that project's log)."""
    out = []
    for e in store.edit_logs:
        if e["_org"] != org_id or not (created[0] <= e["_created"] < created[1]):
            continue
        if user_ids is not None and e["user_id"] not in user_ids:
            continue
        if project_ids is not None and not {e["project_id"], e["original_project_id"]} & project_ids:
            continue
        if task_ids is not None and not {e["task_id"], e["original_task_id"]} & task_ids:
            continue
        out.append(e)
    return out


def public(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if not k.startswith("_")}
