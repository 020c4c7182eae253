"""What the time edit log records (the ``edit_log`` reading) and listings refused on command (``refuse``)."""

import pytest

from hubstaff_sandbox.testing import SandboxError

from .helpers import REDIRECT


def token(hs) -> str:
    app = hs.create_app("Readings", [REDIRECT])
    return hs.issue_tokens("alice@acme.test", client_id=app["client_id"])["access_token"]


def test_with_the_manual_reading_tracked_time_edited_or_deleted_leaves_no_entry(fresh):
    fresh.fault(edit_log="manual")
    tracked = fresh.add_activity(user="bobby@acme.test", project="Project A", date="2026-06-01", tracked=3600)
    manual = fresh.add_activity(
        user="bobby@acme.test", project="Project A", date="2026-06-02", tracked=1800, manual=1800
    )
    fresh.edit_activity(tracked["id"], tracked=1200)
    fresh.delete_activity(tracked["id"])
    fresh.delete_activity(manual["id"])
    assert [e["action"] for e in fresh.time_edit_logs()] == ["add", "delete"]  # the manual row's only
    fresh.fault(edit_log="all")
    again = fresh.add_activity(user="bobby@acme.test", project="Project A", date="2026-06-03", tracked=600)
    fresh.delete_activity(again["id"])
    assert [e["action"] for e in fresh.time_edit_logs()] == ["add", "delete", "delete"]


@pytest.mark.parametrize("status", [403, 404])
def test_a_refused_listing_answers_its_status_and_other_routes_answer(hs, status):
    org = hs.ids()["orgs"]["Acme Hubstaff"]
    access = token(hs)
    hs.fault(refuse={"time_edit_logs": status})
    edits = hs.api_get(
        f"/organizations/{org}/time_edit_logs",
        access,
        **{"created[start]": "2026-06-01T00:00:00Z", "created[stop]": "2026-06-02T00:00:00Z"},
    )
    assert edits.status_code == status and edits.json()["error"]
    members = hs.api_get(f"/organizations/{org}/members", access)
    assert members.status_code == 200
    hs.fault(refuse={})
    assert hs.api_get(
        f"/organizations/{org}/time_edit_logs",
        access,
        **{"created[start]": "2026-06-01T00:00:00Z", "created[stop]": "2026-06-02T00:00:00Z"},
    ).ok


def test_an_unknown_refusal_is_refused(hs):
    with pytest.raises(SandboxError, match="refuse maps"):
        hs.fault(refuse={"members": 403})
    with pytest.raises(SandboxError):
        hs.fault(edit_log="some")
