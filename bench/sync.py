"""Sections 1-3: reset and sync at scale against its physical limit, growth, and the daily incremental sync."""

import io
import json
import math
import os
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import requests

from .environment import ROOT, generated_people, point_at_sandbox
from .measure import Timer, median

END = date(2026, 6, 30)  # the generated data's last day, and the sync's "today"
PAGE_LIMIT = 500
WINDOW_DAYS = 31


class SyncSetup:
    """A generated Hubstaff organization (a running sandbox) linked to one project of a fresh organization."""

    def __init__(self, hs, *, users, projects, days, tag):
        from integrations.services.installation import connect_with_personal_access_token
        from integrations.services.links import update_link
        from people.models import Organization
        from projects.models import Project

        self.hs, self.users, self.projects, self.days = hs, users, projects, days
        point_at_sandbox(hs)
        summary = hs.scenario()
        self.hubstaff_org_id = summary["organizations"][0]["id"]
        self.activity_rows = summary["counts"]["daily_activities"]
        self.organization = Organization.objects.create(name=f"Bench sync {tag}", slug=f"bench-sync-{tag}")
        # All people present: every generated Hubstaff user is a person here (same e-mail).
        generated_people(self.organization, users)
        connect_with_personal_access_token(self.organization, hs.create_pat("user1@example.test"))
        self.start = END - timedelta(days=days - 1)
        self.project = Project.objects.create(
            organization=self.organization, name="Bench project", start_date=self.start
        )
        self.hubstaff_project_ids = sorted(hs.ids()["projects"].values())[:projects]
        update_link(
            self.project,
            enabled=True,
            hubstaff_project_ids=self.hubstaff_project_ids,
            prevent_new_assignments=False,
            trim_assignments=False,
        )
        self.token = hs.issue_tokens("user1@example.test")["access_token"]

    # -- our sync, in a worker process

    def run_sync(self, mode):
        from integrations.models import Installation

        self.hs.reset_stats()
        # Every measured sync starts a fresh request budget: three resets of a year (724 requests each) within
        # the hour would otherwise wait for the budget (HUBSTAFF_RATE_BUDGET, 1000 an hour), which section 6
        # measures on its own.
        Installation.objects.filter(organization=self.organization).update(
            budget_window_started_at=None, budget_used=0, rate_limited_until=None
        )
        spec = {"project_id": self.project.pk, "mode": mode, "today": END.isoformat()}
        out = subprocess.run(
            [sys.executable, "-m", "bench.worker", json.dumps(spec)],
            cwd=ROOT,
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            # The first error (often the cause) and the last lines.
            raise RuntimeError(f"sync worker failed:\n{out.stderr[:4000]}\n...\n{out.stderr[-4000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        if result["status"] != "succeeded":
            raise RuntimeError(f"sync {result['status']}: {result['error']}")
        stats = self.hs.stats()
        result["sandbox_requests"] = stats["total"]
        result["sandbox_routes"] = {route: sum(codes.values()) for route, codes in stats["routes"].items()}
        return result

    def clear(self):
        """Back to an empty project (untimed): no synced work logs, no sync-created assignments.

        Then VACUUM, as autovacuum soon would: otherwise the next run inserts the same keys over as many dead rows
        (each unique-index insert visits them), which neither the first run nor the limit's fresh table pays.
        """
        from django.db import connection

        from integrations.services.runs import clear_project
        from projects.models import Assignment

        clear_project(self.project)
        Assignment.objects.filter(project=self.project, origin=Assignment.Origin.SYNC).delete()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM worklogs_worklog")
            cursor.execute("VACUUM projects_assignment")

    # -- the physical limit

    def bare_http(self, streams=1):
        """Page through the same listing, same windows and filters, doing nothing with the rows.

        `streams` > 1: that many windows at once (a thread each, with its own session), as the sync fetches them.
        """
        windows = []
        window = self.start
        while window <= END:
            stop = min(END, window + timedelta(days=WINDOW_DAYS - 1))
            windows.append((window, stop))
            window = stop + timedelta(days=1)
        url = f"{self.hs.api_url}/organizations/{self.hubstaff_org_id}/activities/daily"
        sessions = []
        local = threading.local()

        def one_window(window):
            session = getattr(local, "session", None)
            if session is None:
                session = local.session = requests.Session()
                session.headers["Authorization"] = f"Bearer {self.token}"
                sessions.append(session)
            params = {
                "date[start]": window[0].isoformat(),
                "date[stop]": window[1].isoformat(),
                "page_limit": PAGE_LIMIT,
                "project_ids[]": self.hubstaff_project_ids,
            }
            rows = pages = 0
            while True:
                response = session.get(url, params=params, timeout=60)
                response.raise_for_status()
                body = response.json()
                pages += 1
                rows += len(body["daily_activities"])
                next_id = (body.get("pagination") or {}).get("next_page_start_id")
                if next_id is None:
                    return rows, pages
                params["page_start_id"] = next_id

        with Timer() as timer:
            if streams == 1:
                results = [one_window(window) for window in windows]
            else:
                with ThreadPoolExecutor(streams) as pool:
                    results = list(pool.map(one_window, windows))
        for session in sessions:
            session.close()
        return {
            "seconds": timer.seconds,
            "rows": sum(r for r, _ in results),
            "pages": sum(p for _, p in results),
            "per_window": [r for r, _ in results],
            "streams": streams,
        }

    def minimum_requests(self, per_window):
        """Pages of the maximum size in each 31-day window, plus the members listing."""
        members_pages = max(1, math.ceil(self.users / PAGE_LIMIT))
        return sum(max(1, math.ceil(n / PAGE_LIMIT)) for n in per_window) + members_pages

    def copy_limit(self):
        """COPY the project's synced work logs into a table of the same shape (indexes and constraints included)."""
        from django.db import connection

        buffer = io.StringIO()
        columns = (
            "organization_id, project_id, person_id, assignment_id, date, duration_seconds, source, source_key, "
            "source_project_id, note, created_at, updated_at"
        )
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_copy_worklog")
            cur.execute("CREATE TABLE bench_copy_worklog (LIKE worklogs_worklog INCLUDING ALL)")
            raw = cur.cursor
            raw.copy_expert(
                f"COPY (SELECT {columns} FROM worklogs_worklog WHERE project_id = {int(self.project.pk)}) TO STDOUT",
                buffer,
            )
            rows = buffer.getvalue().count("\n")
            buffer.seek(0)
            with Timer() as timer:
                raw.copy_expert(f"COPY bench_copy_worklog ({columns}) FROM STDIN", buffer)
                connection.commit() if not connection.get_autocommit() else None
            cur.execute("DROP TABLE bench_copy_worklog")
        return {"seconds": timer.seconds, "rows": rows}

    # -- incremental

    def edit_and_delete(self, *, day, users, deletions, salt):
        """Edit one activity of `day` for `users` users, delete `deletions` activities of a recent day.

        Returns the (hubstaff project, user, date) groups touched, for checking the result afterwards.
        """
        rows = self._rows(day, day)
        touched = set()
        seen_users = set()
        for row in rows:
            if row["user_id"] in seen_users:
                continue
            seen_users.add(row["user_id"])
            self.hs.edit_activity(row["id"], tracked=row["tracked"] + 600 + salt)
            touched.add((row["project_id"], row["user_id"], day))
            if len(seen_users) == users:
                break
        # Hubstaff's updates listing cannot show a deleted row; deletions are found by the re-read of recent
        # days.
        other = END - timedelta(days=1 + salt)
        for row in self._rows(other, other)[:deletions]:
            self.hs.delete_activity(row["id"])
            touched.add((row["project_id"], row["user_id"], other))
        return touched

    def check(self, touched):
        """Whether the work logs of the touched groups equal Hubstaff's sums now (edits and deletions synced)."""
        from integrations.hubstaff.rules import source_key
        from worklogs.models import WorkLog

        wanted = defaultdict(int)
        for day in {d for _, _, d in touched}:
            for row in self._rows(day, day):
                wanted[(row["project_id"], row["user_id"], day)] += row["tracked"]
        keys = {source_key(p, u, d): wanted.get((p, u, d), 0) for p, u, d in touched}
        have = dict(
            WorkLog.objects.filter(project=self.project, source_key__in=list(keys)).values_list(
                "source_key", "duration_seconds"
            )
        )
        return all(have.get(key, 0) == seconds for key, seconds in keys.items())

    def _rows(self, start, stop):
        rows, params = (
            [],
            {"date[start]": start.isoformat(), "date[stop]": stop.isoformat(), "page_limit": PAGE_LIMIT},
        )
        while True:
            body = self.hs.api_get(
                f"/organizations/{self.hubstaff_org_id}/activities/daily", self.token, **params
            ).json()
            rows += [r for r in body["daily_activities"] if r["project_id"] in self.hubstaff_project_ids]
            next_id = (body.get("pagination") or {}).get("next_page_start_id")
            if next_id is None:
                return rows
            params["page_start_id"] = next_id


def sandbox(users, projects, days):
    from hubstaff_sandbox.testing import running_sandbox

    spec = f"users={users},projects={projects},days={days},seed=1,end={END.isoformat()}"
    return running_sandbox(generate=spec, rate_limit=10**9, access_token_ttl=10**6, startup_timeout=600)


def full_sync(users, projects, days, *, repeats, tag, incremental_rounds=0):
    """Sections 1 and 3 for one size: `repeats` rounds of (bare HTTP, COPY, reset sync from empty), side by side."""
    from django.conf import settings

    started = time.perf_counter()
    streams = settings.HUBSTAFF_FETCH_STREAMS
    with sandbox(users, projects, days) as hs:
        setup = SyncSetup(hs, users=users, projects=projects, days=days, tag=tag)
        rounds = _reset_rounds(setup, repeats, streams)
        idempotent = setup.run_sync("reset")
        incremental = _incremental_rounds(setup, incremental_rounds)
    result = _summary(setup, rounds, streams)
    result["idempotent_rerun"] = {
        k: idempotent[k]
        for k in ("seconds", "worklogs_created", "worklogs_updated", "worklogs_deleted", "statements")
    }
    result["wall_seconds"] = time.perf_counter() - started
    if incremental:
        result["incremental"] = _incremental_summary(incremental, result["sync_seconds"], rounds["syncs"][0])
    return result


def _reset_rounds(setup, repeats, streams):
    """Each round: the bare paging (one window at a time, then `streams` at once), the reset sync, the COPY."""
    rounds = {"bare": [], "bare_streams": [], "syncs": [], "copies": []}
    for i in range(repeats):
        if i:
            setup.clear()
        rounds["bare"].append(setup.bare_http())
        rounds["bare_streams"].append(setup.bare_http(streams))
        rounds["syncs"].append(setup.run_sync("reset"))
        rounds["copies"].append(setup.copy_limit())
    return rounds


def _incremental_rounds(setup, count):
    """Each round edits a day for 50 users and deletes 5 activities, syncs incrementally and checks the result."""
    incremental = []
    for i in range(count):
        touched = setup.edit_and_delete(day=END - timedelta(days=40 + 7 * i), users=50, deletions=5, salt=i)
        result = setup.run_sync("incremental")
        result["correct"] = setup.check(touched)
        incremental.append(result)
    return incremental


def _summary(setup, rounds, streams):
    """The reset sync's medians beside its limits (bare paging + COPY)."""
    syncs, bare, copies = rounds["syncs"], rounds["bare"], rounds["copies"]
    sync_s = median([s["seconds"] for s in syncs])
    http_s = median([b["seconds"] for b in bare])
    http_streams_s = median([b["seconds"] for b in rounds["bare_streams"]])
    copy_s = median([c["seconds"] for c in copies])
    first = syncs[0]
    pages = bare[0]["pages"]
    return {
        "users": setup.users,
        "projects": setup.projects,
        "days": setup.days,
        "activity_rows": setup.activity_rows,
        "runs": len(syncs),
        "sync_seconds": sync_s,
        "sync_seconds_all": [round(s["seconds"], 2) for s in syncs],
        "worklogs": first["worklogs_created"],
        "assignments_created": first["assignments_created"],
        "requests": first["sandbox_requests"],
        "requests_made": first["requests_made"],
        "routes": first["sandbox_routes"],
        "minimum_requests": setup.minimum_requests(bare[0]["per_window"]),
        "pages": pages,
        "statements": first["statements"],
        "statements_per_page": first["statements"] / max(1, pages),
        "executemany_rows": first["executemany_rows"],
        "peak_mib": median([s["peak_kib"] for s in syncs]) / 1024,
        "peak_growth_mib": (median([s["peak_growth_kib"] for s in syncs]) / 1024)
        if first["peak_growth_kib"] is not None
        else None,
        "rows_per_second": setup.activity_rows / sync_s,
        "bare_http_seconds": http_s,
        "copy_seconds": copy_s,
        "copy_rows": copies[0]["rows"],
        "limit_seconds": http_s + copy_s,
        "ratio": sync_s / (http_s + copy_s),
        # The same bare loop with as many windows at once as the sync fetches: a stricter limit, reported beside.
        "streams": streams,
        "bare_http_streams_seconds": http_streams_s,
        "ratio_streams": sync_s / (http_streams_s + copy_s),
    }


def _incremental_summary(incremental, sync_s, first):
    """Section 3: the incremental rounds' medians, as fractions of the full sync too."""
    summary = {
        "seconds": median([r["seconds"] for r in incremental]),
        "requests": median([r["sandbox_requests"] for r in incremental]),
        "statements": median([r["statements"] for r in incremental]),
        "updated": [r["worklogs_updated"] for r in incremental],
        "deleted": [r["worklogs_deleted"] for r in incremental],
        "created": [r["worklogs_created"] for r in incremental],
        "correct": all(r["correct"] for r in incremental),
        "routes": incremental[0]["sandbox_routes"],
    }
    summary["time_fraction"] = summary["seconds"] / sync_s
    summary["request_fraction"] = summary["requests"] / first["sandbox_requests"]
    return summary
