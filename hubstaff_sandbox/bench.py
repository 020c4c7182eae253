"""Paging benchmark: ``python -m hubstaff_sandbox.bench [--generate SPEC]``.

Starts a sandbox with a generated organization, then pages through all of its daily activities the way a
client would: date windows of at most 31 days, ``page_limit`` at the maximum (500), following
``pagination.next_page_start_id``. Prints rows, pages and seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from .testing import running_sandbox


def run(spec: str, end: str = "2026-06-30") -> dict:
    started = time.perf_counter()
    with running_sandbox(generate=f"{spec},end={end}", rate_limit=10**9, startup_timeout=300) as hs:
        load_s = time.perf_counter() - started
        summary = hs.scenario()
        org = summary["organizations"][0]["id"]
        owner = summary["users"][0]["email"]
        token = hs.issue_tokens(owner)["access_token"]
        days = int(dict(p.split("=") for p in spec.split(","))["days"])
        last = dt.date.fromisoformat(end)
        first = last - dt.timedelta(days=days - 1)
        rows = pages = 0
        t0 = time.perf_counter()
        window = first
        while window <= last:
            stop = min(last, window + dt.timedelta(days=30))
            params = {"date[start]": window.isoformat(), "date[stop]": stop.isoformat(), "page_limit": 500}
            while True:
                r = hs.api_get(f"/organizations/{org}/activities/daily", token, **params)
                r.raise_for_status()
                body = r.json()
                pages += 1
                rows += len(body["daily_activities"])
                nxt = body.get("pagination", {}).get("next_page_start_id")
                if not nxt:
                    break
                params["page_start_id"] = nxt
            window = stop + dt.timedelta(days=1)
        seconds = time.perf_counter() - t0
        expected = summary["counts"]["daily_activities"]
    return {
        "rows": rows,
        "expected_rows": expected,
        "pages": pages,
        "seconds": round(seconds, 2),
        "startup_seconds": round(load_s, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generate", default="users=500,projects=10,days=365,seed=1")
    args = ap.parse_args()
    print(run(args.generate))


if __name__ == "__main__":
    main()
