"""Hubstaff's records as API v2 prints them (definitions User, Project and OrganizationMember of the Swagger
document; contract.json lists their fields)."""

from __future__ import annotations

from .store import iso_ts

EFFECTIVE_ROLES = {
    "owner": ("owner", "organization_owner"),
    "manager": ("manager", "organization_manager"),
    "user": ("user", "project_user"),
    "viewer": ("user", "project_viewer"),
}


def user_json(u) -> dict:
    first, _, last = u.name.partition(" ")
    out = {
        "id": u.id,
        "name": u.name,
        "first_name": first,
        "last_name": last,
        "time_zone": u.time_zone,
        "ip_address": f"192.0.2.{u.id % 250 + 1}",
        "status": u.status,
        "created_at": iso_ts(u.created),
        "updated_at": iso_ts(u.created),
    }
    if u.email:  # User.email is optional in the Swagger document: absent when not visible
        out["email"] = u.email
    return out


def project_json(p) -> dict:
    return {
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "status": p.status,
        "type": p.type,
        "client_id": None,
        "billable": p.billable,
        "budget": None,
        "created_at": iso_ts(p.created),
        "updated_at": iso_ts(p.created),
        "metadata": {},
    }


def member_json(m) -> dict:
    role, effective = EFFECTIVE_ROLES[m.role]
    out = {
        "user_id": m.user_id,
        "membership_role": role,
        "membership_status": "removed" if m.removed is not None else m.status,
        "effective_role": effective,
        "trackable": "viewer" if m.role == "viewer" else "true",
        "view_only": m.role == "viewer",
        "last_client_activity": None,
        "metadata": {},
        "created_at": iso_ts(m.created),
        "updated_at": iso_ts(m.removed or m.created),
    }
    if m.removed is not None:
        out["removed_at"] = iso_ts(m.removed)
    return out
