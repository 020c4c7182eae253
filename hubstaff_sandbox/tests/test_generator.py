"""The deterministic generator: in process (fast) and through a running sandbox."""

import datetime as dt
from collections import defaultdict

import pytest

from hubstaff_sandbox.scenario import ScenarioError, generate, generated_user_name, parse_generate
from hubstaff_sandbox.store import DataStore
from hubstaff_sandbox.testing import running_sandbox


def build(spec):
    store = DataStore()
    generate(store, spec)
    return store


def rows(store):
    return [store.row(i) for i in range(len(store)) if store.alive[i]]


def test_same_spec_same_data_and_seed_matters():
    spec = "users=12,projects=4,days=40,seed=7,end=2026-03-31"
    a, b = rows(build(spec)), rows(build(spec))
    assert a == b and len(a) > 100
    assert rows(build(spec.replace("seed=7", "seed=8"))) != a


def test_people_and_patterns():
    store = build("users=30,projects=5,days=56,seed=1,end=2026-03-29")
    emails = sorted(u.email for u in store.users.values())
    assert emails == sorted(f"user{n}@example.test" for n in range(1, 31))
    assert store.users_by_email["user1@example.test"].name == generated_user_name(1) == "Ada Adams 1"
    roles = {m.role for m in store.memberships.values()}
    assert "owner" in roles and "user" in roles
    all_rows = rows(store)
    dates = [dt.date.fromisoformat(r["date"]) for r in all_rows]
    assert min(dates) >= dt.date(2026, 2, 2) and max(dates) <= dt.date(2026, 3, 29)
    weekend = sum(1 for d in dates if d.weekday() >= 5)
    assert weekend < len(dates) * 0.05  # mostly workdays
    projects_per_user = defaultdict(set)
    per_user_day = defaultdict(int)
    tasks_per_day = defaultdict(set)
    for r in all_rows:
        projects_per_user[r["user_id"]].add(r["project_id"])
        per_user_day[(r["user_id"], r["date"])] += r["tracked"]
        tasks_per_day[(r["user_id"], r["date"], r["project_id"])].add(r["task_id"])
    assert all(1 <= len(p) <= 3 for p in projects_per_user.values())
    assert len({len(p) for p in projects_per_user.values()}) > 1
    hours = sorted(per_user_day.values())
    assert hours[0] < hours[-1] and hours[len(hours) // 2] > 3 * 3600  # varying, realistic day lengths
    assert any(len(t) >= 2 for t in tasks_per_day.values())  # several tasks a day
    assert any(None in t for t in tasks_per_day.values())  # some time without a task
    ids = [r["id"] for r in all_rows]
    assert ids == sorted(ids)


def test_several_organizations():
    store = build("users=4,projects=2,days=10,seed=1,orgs=3,end=2026-01-31")
    assert [o.name for o in store.organizations.values()] == [
        "Generated Org 1",
        "Generated Org 2",
        "Generated Org 3",
    ]
    assert len(store.users) == 12 and "user12@example.test" in store.users_by_email
    for org in store.organizations:
        members = {m.user_id for m in store.memberships.values() if m.organization_id == org}
        q = store.query(org, date_range=(0, 10**6))
        assert q and {store.cols["user"][i] for i in q} <= members


@pytest.mark.parametrize("spec", ["users=x", "users=0", "colour=red", "end=2026-13-01", "users"])
def test_bad_specs(spec):
    with pytest.raises(ScenarioError):
        parse_generate(spec)


def test_default_end_is_today():
    opts = parse_generate("users=1")
    assert opts["end"] == dt.datetime.now(dt.UTC).date()


def test_generated_sandbox_serves_pages_by_id():
    with running_sandbox(generate="users=40,projects=3,days=31,seed=2,end=2026-01-31") as sb:
        summary = sb.scenario()
        org = summary["organizations"][0]["id"]
        token = sb.issue_tokens("user1@example.test")["access_token"]  # the owner
        params = {"date[start]": "2026-01-01", "date[stop]": "2026-01-31", "page_limit": 500}
        seen = []
        while True:
            body = sb.api_get(f"/organizations/{org}/activities/daily", token, **params).json()
            seen += [r["id"] for r in body["daily_activities"]]
            if "pagination" not in body:
                break
            params["page_start_id"] = body["pagination"]["next_page_start_id"]
        assert len(seen) == summary["counts"]["daily_activities"] == len(set(seen))
        assert seen == sorted(seen)
