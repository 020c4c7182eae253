"""Section 6: the reset sync when Hubstaff is far away: every API request answered after a fixed latency.

Real Hubstaff answers in 100-300 ms; the sandbox in microseconds. With the sandbox's `latency` fault each API
request waits that long before its answer, so the sync's floor is the network's: its requests, one after the
other in each of its streams (windows fetched at once, HUBSTAFF_FETCH_STREAMS), each waiting `latency`:
requests x latency / streams. What the sync does besides waiting (decoding, planning, writing) shows as the
distance above that limit: work that overlaps the waits costs nothing.

Beside it, a stricter floor that knows the windows: the other requests (the members listing) one by one, then the
windows' pages, each stream taking the next window as it finishes one (a window's pages follow one another). And
measured: the bare loop of bench/sync.py paging through the same windows with the same streams and the same
latency, which also pays the sandbox's own time per page (on a busy machine, as much as the latency).

Each setting is also run with the apply after the fetch (HUBSTAFF_APPLY_WHILE_FETCHING=false, the behaviour
before integrations/services/early.py), so that the table shows what applying while fetching gains, measured
minutes apart on the same machine.
"""

import heapq
import os
import time

from .measure import median
from .sync import SyncSetup, sandbox


def run(*, users, projects, days, latency, streams=(1, 2, 4), repeats=1, tag="latency"):
    """For each number of streams: the reset sync's wall time beside requests x latency / streams."""
    started = time.perf_counter()
    previous = {
        name: os.environ.get(name) for name in ("HUBSTAFF_FETCH_STREAMS", "HUBSTAFF_APPLY_WHILE_FETCHING")
    }
    curve = []
    with sandbox(users, projects, days) as hs:
        setup = SyncSetup(hs, users=users, projects=projects, days=days, tag=tag)
        pages_per_window = [max(1, -(-rows // 500)) for rows in setup.bare_http()["per_window"]]
        hs.fault(latency=latency)
        try:
            for count in streams:
                os.environ["HUBSTAFF_FETCH_STREAMS"] = str(count)  # read by the worker's settings
                runs, after_fetch = [], []
                for _ in range(repeats):
                    for early, into in (("true", runs), ("false", after_fetch)):
                        os.environ["HUBSTAFF_APPLY_WHILE_FETCHING"] = early
                        if curve or runs or after_fetch:
                            setup.clear()
                        into.append(setup.run_sync("reset"))
                bare = setup.bare_http(count)["seconds"]
                requests = runs[0]["sandbox_requests"]
                seconds = median([r["seconds"] for r in runs])
                limit = requests * latency / count
                others = requests - sum(pages_per_window)
                floor = latency * (others + makespan(pages_per_window, count))
                curve.append(
                    {
                        "streams": count,
                        "seconds": seconds,
                        "seconds_all": [round(r["seconds"], 1) for r in runs],
                        "requests": requests,
                        "limit_seconds": limit,
                        "ratio": seconds / limit,
                        "floor_seconds": floor,
                        "ratio_floor": seconds / floor,
                        "bare_seconds": bare,
                        "ratio_bare": seconds / bare,
                        "worklogs": runs[0]["worklogs_created"],
                        "after_fetch_seconds": median([r["seconds"] for r in after_fetch]),
                        "after_fetch_ratio": median([r["seconds"] for r in after_fetch]) / limit,
                    }
                )
        finally:
            hs.reset_faults()
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
    return {
        "users": users,
        "projects": projects,
        "days": days,
        "activity_rows": setup.activity_rows,
        "latency": latency,
        "repeats": repeats,
        "windows": len(pages_per_window),
        "curve": curve,
        "wall_seconds": time.perf_counter() - started,
    }


def makespan(pages_per_window, streams):
    """Pages one after the other in the longest stream, when each stream takes the next window as it frees."""
    free_at = [0] * min(streams, max(1, len(pages_per_window)))
    for pages in pages_per_window:
        heapq.heappush(free_at, heapq.heappop(free_at) + pages)
    return max(free_at)
