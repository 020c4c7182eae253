"""``python -m bench [--quick | --smoke] [--only SECTION ...] [--no-write]``: run, print, write the tables.

The tables go to docs/performance.md unless --no-write.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime

from .environment import DB_NAME, ROOT, bench_env, recreate_database, setup_django

SIZES = {
    "full": {
        "scale": (500, 10, 365),
        "repeats": 3,
        "incremental_rounds": 3,
        "growth": [(500, 30), (500, 120), (100, 365), (2000, 120)],
        "growth_repeats": 2,
        "pages": {
            "worklogs": 100_000,
            "assignments": 200,
            "requests_count": 200,
            "planning": {"people": 500, "days": 365},
        },
        "fanout": {"organizations": 1000, "projects_per_org": 10},
        "budget": (60, 2, 365),
        # A year of 500 people at 0.15 s a request: ~2 min at 1 stream, 1 at 2, 30 s at 4 (one run each).
        "latency": {"users": 500, "projects": 10, "days": 365, "latency": 0.15, "repeats": 1},
        # A working day (09:00-18:00) of 500 people played in 4 minutes, twice (clean, then lossy).
        "live": {"users": 500, "projects": 10, "day_seconds": 240},
        # Daily syncs of 2,000 links in 200 organizations at 0.15 s a request, by 1, 2, 4 and 8 worker processes
        # (all but the largest round measured over their first 5 minutes); 20 clicks while 10,000 runs wait; 500
        # projects of one organization beside 199. About an hour, 10 minutes of it making the organizations.
        "fleet": {
            "organizations": 200,
            "projects_per_org": 10,
            "big_org_projects": 500,
            "workers": (1, 2, 4, 8),
            "backlog": 10_000,
            "clicks": 20,
            "round_seconds": 300,
        },
    },
    "quick": {
        "scale": (500, 10, 120),
        "repeats": 2,
        "incremental_rounds": 2,
        "growth": [(500, 30), (100, 120)],
        "growth_repeats": 1,
        "pages": {
            "worklogs": 20_000,
            "assignments": 200,
            "requests_count": 50,
            "planning": {"people": 200, "days": 365},
        },
        "fanout": {"organizations": 200, "projects_per_org": 10},
        "budget": (60, 2, 365),
        "latency": {"users": 500, "projects": 10, "days": 60, "latency": 0.15, "repeats": 1},
        "live": {"users": 200, "projects": 5, "day_seconds": 90},
        "fleet": {"organizations": 20, "projects_per_org": 5, "big_org_projects": 40, "workers": (1, 2, 4)},
    },
    "smoke": {
        "scale": (20, 3, 20),
        "repeats": 1,
        "incremental_rounds": 1,
        "growth": [(10, 10)],
        "growth_repeats": 1,
        "pages": {
            "worklogs": 300,
            "assignments": 10,
            "requests_count": 3,
            "planning": {"people": 25, "days": 30},
        },
        "fanout": {"organizations": 5, "projects_per_org": 4},
        "budget": (20, 2, 120),
        "latency": {"users": 10, "projects": 3, "days": 10, "latency": 0.02, "repeats": 1},
        "live": {"users": 6, "projects": 2, "day_seconds": 3, "coalesce": 1.0},
        "fleet": {
            "organizations": 3,
            "projects_per_org": 2,
            "big_org_projects": 4,
            "workers": (1, 2),
            "latency": 0.02,
            "clicks": 2,
            "click_every": 0.5,
            "round_seconds": 3.0,
        },
    },
}
SECTIONS = ("sync", "growth", "pages", "fanout", "budget", "latency", "live", "fleet")
# The live section starts a web server and a worker and waits for coalesced syncs (about 20 s even at its smoke
# size), the fleet section starts workers again and again: --smoke runs them only when asked (--only live fleet).
SMOKE_SECTIONS = tuple(section for section in SECTIONS if section not in ("live", "fleet"))


def main(argv=None):
    args, parser = _parse(argv)
    if not args.database.startswith("primetric_bench"):
        parser.error("the database name must start with primetric_bench (it is dropped and created)")
    kind = "smoke" if args.smoke else "quick" if args.quick else "full"
    sections = args.only or (SMOKE_SECTIONS if kind == "smoke" else SECTIONS)

    os.environ["BENCH_DATABASE"] = args.database
    bench_env(args.database)
    started = time.perf_counter()
    recreate_database(args.database)
    setup_django()
    results = {"kind": kind, "machine": machine(), "sections": list(sections)}
    results.update(_run_sections(sections, SIZES[kind]))
    results["total_seconds"] = time.perf_counter() - started

    from .report import render, write_docs

    text = render(results)
    print(text)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=1, default=str)
    if not args.no_write and kind != "smoke":
        write_docs(text)
        print(f"Written to {ROOT / 'docs' / 'performance.md'}")
    return results


def _parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smaller sizes (a few minutes)")
    size.add_argument("--smoke", action="store_true", help="tiny sizes, for CI: checks that the code runs")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument(
        "--database", default=DB_NAME, help="PostgreSQL database to (re)create (default %(default)s)"
    )
    parser.add_argument("--no-write", action="store_true", help="do not write docs/performance.md")
    parser.add_argument("--json", help="also write the raw results to this file")
    return parser.parse_args(argv), parser


def _run_sections(sections, sizes):
    """Each asked-for section at the run's sizes, in order: {section: its figures}."""
    # Imported once Django is set up for the bench database.
    from . import budget, fanout, fleet, latency, live, pages, sync

    results = {}
    if "sync" in sections:
        users, projects, days = sizes["scale"]
        print(
            f"[sync] {users} users, {projects} projects, {days} days, {sizes['repeats']} runs ...", flush=True
        )
        results["sync"] = sync.full_sync(
            users,
            projects,
            days,
            repeats=sizes["repeats"],
            tag="scale",
            incremental_rounds=sizes["incremental_rounds"],
        )
    if "growth" in sections:
        results["growth"] = []
        for users, days in sizes["growth"]:
            print(f"[growth] {users} users, {days} days ...", flush=True)
            results["growth"].append(
                sync.full_sync(users, 10, days, repeats=sizes["growth_repeats"], tag=f"g{users}-{days}")
            )
    if "pages" in sections:
        print(f"[pages] {sizes['pages']} ...", flush=True)
        results["pages"] = pages.run(**sizes["pages"])
    if "fanout" in sections:
        print(f"[fanout] {sizes['fanout']} ...", flush=True)
        results["fanout"] = fanout.run(**sizes["fanout"])
    if "budget" in sections:
        print(f"[budget] {sizes['budget']} ...", flush=True)
        results["budget"] = budget.run(*sizes["budget"])
    if "latency" in sections:
        print(f"[latency] {sizes['latency']} ...", flush=True)
        results["latency"] = latency.run(**sizes["latency"])
    if "live" in sections:
        print(f"[live] {sizes['live']} ...", flush=True)
        results["live"] = live.run(**sizes["live"])
    if "fleet" in sections:
        print(f"[fleet] {sizes['fleet']} ...", flush=True)
        results["fleet"] = fleet.run(**sizes["fleet"])
    return results


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = "?"
    try:
        with open("/proc/meminfo") as info:
            kib = int(next(line.split()[1] for line in info if line.startswith("MemTotal")))
            memory = f"{kib / 1024**2:.0f} GiB"
    except (OSError, StopIteration):
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = "?"
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": pg,
        "commit": commit,
        "load_at_start": round(load, 2),
    }


if __name__ == "__main__":
    main(sys.argv[1:])
