"""Hubstaff's JSON reshaped into what Primetric keeps of it.

The client hands out Hubstaff's objects as documented (docs/hubstaff.md); the few places that turn them into our
shapes call these, so that a change of Hubstaff's format is met here.
"""

from __future__ import annotations

from collections.abc import Iterator


def member_users(page: dict) -> Iterator[dict]:
    """A /members page (with `include[]=users`) as users (id, name, email, ...) with their membership fields."""
    users = {u.get("id"): u for u in page.get("users") or [] if isinstance(u, dict)}
    for member in page["members"]:
        user_id = member.get("user_id")
        user = dict(users.get(user_id) or {"id": user_id, "name": "", "email": None})
        user.setdefault("id", user_id)
        user["membership_id"] = member.get("id")
        user["membership_role"] = member.get("membership_role")
        user["membership_status"] = member.get("membership_status")
        yield user


def account(user: dict) -> dict:
    """The signed-in user of /users/me as the installation keeps it."""
    return {"id": user.get("id"), "name": user.get("name", ""), "email": user.get("email", "")}


def organization(hubstaff_organization: dict) -> dict:
    """A Hubstaff organization as the installation keeps it."""
    return {"id": hubstaff_organization.get("id"), "name": hubstaff_organization.get("name", "")}


def project_fields(project: dict, hubstaff_organization: dict) -> dict:
    """A Hubstaff project of `hubstaff_organization` (see `organization`) as a HubstaffProject's fields."""
    return {
        "hubstaff_id": project["id"],
        "name": (project.get("name") or f"Project {project['id']}")[:300],
        "status": (project.get("status") or "")[:30],
        "hubstaff_organization_id": hubstaff_organization["id"],
        "hubstaff_organization_name": (hubstaff_organization["name"] or "")[:300],
    }
