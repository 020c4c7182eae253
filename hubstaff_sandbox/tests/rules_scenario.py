"""A scenario with every case Hubstaff's reference describes and the old sandbox did not model: a member who
left, a user without a visible e-mail, a viewer, a work-break project, an archived project, time without a
task, an organization time zone, and rows of the last days (so that /daily/updates returns them)."""

from __future__ import annotations

import datetime as dt


def rules_scenario(today: dt.date | None = None, time_zone: str = "Europe/Warsaw") -> dict:
    today = today or dt.datetime.now(dt.UTC).date()
    day = [(today - dt.timedelta(days=n)).isoformat() for n in range(8)]
    return {
        "organizations": [
            {"name": "Rules Org", "time_zone": time_zone},
            {"name": "Lapsed Org", "inactive_plan": True},
        ],
        "users": [
            {"name": "Olivia Owner", "email": "olivia@rules.test", "time_zone": "Europe/Warsaw"},
            {"name": "Umar User", "email": "umar@rules.test"},
            {"name": "Nina Noemail", "email": None, "time_zone": "America/New_York"},
            {"name": "Rita Removed", "email": "rita@rules.test"},
            {"name": "Vera Viewer", "email": "vera@rules.test"},
        ],
        "memberships": [
            {"organization": "Rules Org", "user": "olivia@rules.test", "role": "owner"},
            {"organization": "Rules Org", "user": "umar@rules.test", "role": "user"},
            {"organization": "Rules Org", "user": "Nina Noemail", "role": "user"},
            {
                "organization": "Rules Org",
                "user": "rita@rules.test",
                "role": "user",
                "removed_at": f"{day[1]}T12:00:00Z",
            },
            {"organization": "Rules Org", "user": "vera@rules.test", "role": "viewer"},
            {"organization": "Lapsed Org", "user": "olivia@rules.test", "role": "owner"},
        ],
        "projects": [
            {"organization": "Rules Org", "name": "Build", "tasks": ["Backend", "Frontend"]},
            {"organization": "Rules Org", "name": "Break", "type": "work_break"},
            {"organization": "Rules Org", "name": "Old", "status": "archived"},
            {"organization": "Lapsed Org", "name": "Lapsed"},
        ],
        "daily_activities": [
            {"user": "umar@rules.test", "project": "Build", "task": "Backend", "date": day[3], "hours": 6},
            {"user": "umar@rules.test", "project": "Break", "date": day[3], "tracked": 1800},
            {"user": "Nina Noemail", "project": "Build", "task": "Frontend", "date": day[3], "hours": 4},
            {"user": "rita@rules.test", "project": "Build", "date": day[4], "hours": 5},
            {"user": "rita@rules.test", "project": "Build", "task": "Backend", "date": day[3], "hours": 2},
            {"user": "umar@rules.test", "project": "Build", "date": day[2], "hours": 3},
            {
                "user": "olivia@rules.test",
                "project": "Lapsed",
                "organization": "Lapsed Org",
                "date": day[2],
                "hours": 1,
            },
        ],
    }
