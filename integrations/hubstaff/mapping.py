"""Hubstaff's JSON reshaped into what Primetric keeps of it.

The client hands out Hubstaff's objects as documented (docs/hubstaff.md); the few places that turn them into our
shapes call these, so that a change of Hubstaff's format is met here.

Every text Hubstaff sends that we keep or show goes through `people.text.clean_text` here, once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from people.text import clean_text

from . import rules
from .windows import organization_date

# Why a Hubstaff user is not matched to a person, for the run's missing teammates.
NO_VISIBLE_EMAIL = "no visible e-mail in Hubstaff"
NO_PERSON_WITH_EMAIL = "no person with this e-mail"


def email(user: dict[str, Any]) -> str | None:
    """A user's e-mail; None when Hubstaff shows none (the key absent, null or blank are alike)."""
    value = user.get("email")
    return clean_text(value) or None if isinstance(value, str) else None


def member_users(page: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A /members page (with `include[]=users`) as users (id, name, email, ...) with their membership fields.

    Members have no id of their own: they are keyed by `user_id`. The user comes from the side-loaded top-level
    `users` list, else the member's own `user`, else is known by id only. `removed` is true for a member who left
    (`removed_at` set, or a status other than active).
    """
    users = {u.get("id"): u for u in page.get("users") or [] if isinstance(u, dict)}
    for member in page["members"]:
        user_id = member.get("user_id")
        if user_id is None:
            continue
        side_loaded = users.get(user_id) or member.get("user")
        user = dict(side_loaded) if isinstance(side_loaded, dict) else {"name": ""}
        user["id"] = user_id
        user["name"] = _text(user.get("name"))
        user["email"] = email(user)
        user["membership_role"] = member.get("membership_role")
        user["membership_status"] = member.get("membership_status")
        user["removed"] = bool(member.get("removed_at")) or member.get("membership_status") not in (
            None,
            "active",
        )
        yield user


def hubstaff_user(user: dict[str, Any]) -> rules.HubstaffUser:
    """A user of `member_users` as the rules take it."""
    return rules.HubstaffUser(int(user["id"]), _text(user.get("name")), email(user))


def activity(row: dict[str, Any], count_work_breaks: bool = True) -> tuple[int, str, int, int, int]:
    """A daily-activity row's (id, date text, user id, Hubstaff project id, seconds of work).

    Hubstaff counts work-break seconds inside `tracked`; without `count_work_breaks` they are taken out. Raises
    KeyError, TypeError or ValueError for a row that is not as documented.
    """
    seconds = int(row.get("tracked") or 0)
    if not count_work_breaks:
        seconds = max(0, seconds - int(row.get("work_break") or 0))
    return int(row["id"]), row["date"], int(row["user_id"]), int(row["project_id"]), seconds


def activity_date(row: dict[str, Any]) -> date:
    """A daily-activity row's date (the organization's day, as Hubstaff dates it)."""
    return date.fromisoformat(row["date"])


def edit_log_days(entry: dict[str, Any], time_zone: str | None) -> set[date]:
    """The organization's days a time edit log entry may have changed: the days of its start and original start,
    one day either side (a day's rows may start the evening before in another reading of the time zone)."""
    days: set[date] = set()
    for key in ("starts_at", "original_starts_at", "stops_at", "original_stops_at"):
        value = entry.get(key)
        if not isinstance(value, str) or not value:
            continue
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            continue
        day = organization_date(moment, time_zone)
        days.update(day + timedelta(days=offset) for offset in (-1, 0, 1))
    return days


def account(user: dict[str, Any]) -> dict[str, Any]:
    """The signed-in user of /users/me as the installation keeps it."""
    return {
        "id": user.get("id"),
        "name": _text(user.get("name")),
        "email": _text(user.get("email")),
        "time_zone": _text(user.get("time_zone")),
    }


def organization(hubstaff_organization: dict[str, Any]) -> dict[str, Any]:
    """A Hubstaff organization as the installation keeps it."""
    return {"id": hubstaff_organization.get("id"), "name": _text(hubstaff_organization.get("name"))}


def project_fields(project: dict[str, Any], hubstaff_organization: dict[str, Any]) -> dict[str, Any]:
    """A Hubstaff project of `hubstaff_organization` (see `organization`) as a HubstaffProject's fields."""
    return {
        "hubstaff_id": project["id"],
        "name": (_text(project.get("name")) or f"Project {project['id']}")[:300],
        "status": _text(project.get("status"))[:30],
        "hubstaff_organization_id": hubstaff_organization["id"],
        "hubstaff_organization_name": _text(hubstaff_organization["name"])[:300],
    }


def edit_log_concerns(entry: dict[str, Any], project_ids: set[int]) -> bool:
    """Whether a time edit log entry may have changed time of these Hubstaff projects: its project or its original
    project is one of them, or it names neither (then it may be any project's)."""
    named = [
        value for value in (entry.get("project_id"), entry.get("original_project_id")) if value is not None
    ]
    if not named:
        return True
    try:
        return any(int(project_id) in project_ids for project_id in named)
    except (TypeError, ValueError):
        return True


def organization_time_zone(link_time_zone: str, account: dict[str, Any] | None) -> str:
    """The Hubstaff organization's time zone, which Hubstaff does not publish: the link's setting, else the
    installing account's own (owners usually live where their organization does), else UTC."""
    return link_time_zone or (account or {}).get("time_zone") or "UTC"


def _text(value: object) -> str:
    """A text field of Hubstaff's, safe to keep and show ("" for a missing or non-text value)."""
    return clean_text(value) if isinstance(value, str) else ""
