"""The benchmark's tables (Markdown), and their place in docs/performance.md."""

from .environment import ROOT

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
# p95 a user should not wait longer than (docs/performance.md).
PAGE_TARGETS_MS = {"project page": 100, "planning report": 200}


def _f(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(_f(c) if not isinstance(c, str) else c for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render(results):
    """The Markdown of a run: the machine, then each section the run measured, in the document's order."""
    s = results.get("sync")
    out = _machine(results)
    if s:
        out += _sync_section(s)
        if s.get("incremental"):
            out += _incremental_section(s["incremental"])
    if results.get("growth"):
        out += _growth_section(results["growth"], s)
    if results.get("pages"):
        out += _pages_section(results["pages"])
    if results.get("fanout"):
        out += _fanout_section(results["fanout"])
    if results.get("budget"):
        out += _budget_section(results["budget"])
    if results.get("latency"):
        out += _latency_section(results["latency"])
    if results.get("live"):
        out += _live_section(results["live"])
    if results.get("fleet"):
        out += _fleet_section(results["fleet"])
    return "\n".join(out)


def _machine(results):
    """Where and when the run was made."""
    m = results["machine"]
    return [
        f"Run: `python -m bench{'' if results['kind'] == 'full' else ' --' + results['kind']}` on {m['date']}, commit "
        f"{m['commit']}; {m['cpu']}, {m['cores']} cores, {m['memory']}; {m['os']}; Python {m['python']}, PostgreSQL "
        f"{m['postgresql']}; load average at start {m['load_at_start']}. "
        f"Total {results['total_seconds'] / 60:.1f} min.",
        "",
    ]


def _sync_section(s):
    """1. A reset and sync at scale, beside its limits."""
    return [
        f"### 1. Reset and sync at scale ({s['users']} users, {s['projects']} projects, {s['days']} days: "
        f"{s['activity_rows']:,} daily activities; median of {s['runs']} runs, each beside its limit)",
        "",
        _table(
            ["figure", "value"],
            [
                [
                    "sync wall time (s)",
                    f"{s['sync_seconds']:.1f} (runs: {', '.join(map(str, s['sync_seconds_all']))})",
                ],
                ["work logs written", s["worklogs"]],
                ["assignments created", s["assignments_created"]],
                [
                    "API requests (sandbox stats)",
                    f"{s['requests']} (minimum {s['minimum_requests']}: "
                    f"{s['minimum_requests'] - 1} full pages of 500 in 31-day windows + 1 members page)",
                ],
                [
                    "database statements",
                    f"{s['statements']:,} ({s['statements_per_page']:.1f} per page of 500 rows)",
                ],
                [
                    "peak memory of the sync process (MiB)",
                    f"{s['peak_mib']:.0f} (growth during the sync: {_f(s['peak_growth_mib'])})",
                ],
                ["daily activities per second", f"{s['rows_per_second']:,.0f}"],
                [
                    "limit: bare HTTP paging, same listing (s)",
                    f"{s['bare_http_seconds']:.1f} ({s['pages']} pages)",
                ],
                [
                    "limit: COPY of the same work logs into a table of the same shape (s)",
                    f"{s['copy_seconds']:.1f} ({s['copy_rows']:,} rows)",
                ],
                ["**sync / limit**", f"**{s['ratio']:.2f}x** (limit {s['limit_seconds']:.1f} s)"],
                [
                    f"stricter: the bare loop with {s['streams']} windows at once, as the sync fetches (s)",
                    f"{s['bare_http_streams_seconds']:.1f}; sync / (that + COPY) = **{s['ratio_streams']:.2f}x**",
                ],
                [
                    "same reset again (nothing changes)",
                    f"{s['idempotent_rerun']['seconds']:.1f} s, "
                    f"{s['idempotent_rerun']['worklogs_created']}/{s['idempotent_rerun']['worklogs_updated']}/"
                    f"{s['idempotent_rerun']['worklogs_deleted']} created/updated/deleted, "
                    f"{s['idempotent_rerun']['statements']:,} statements",
                ],
            ],
        ),
        "",
    ]


def _incremental_section(inc):
    """3. The daily incremental sync after the full one."""
    return [
        "### 3. Daily incremental sync after the full one (one day edited for 50 users, 5 activities deleted; "
        f"median of {len(inc['updated'])} rounds)",
        "",
        _table(
            ["figure", "value"],
            [
                [
                    "wall time (s)",
                    f"{inc['seconds']:.2f} = **{100 * inc['time_fraction']:.1f} %** of the full sync",
                ],
                [
                    "API requests",
                    f"{inc['requests']:.0f} = **{100 * inc['request_fraction']:.1f} %** of the full sync "
                    f"({', '.join(f'{k.split()[1]}: {v}' for k, v in inc['routes'].items())})",
                ],
                ["database statements", f"{inc['statements']:.0f}"],
                [
                    "work logs updated / deleted / created per round",
                    f"{inc['updated']} / {inc['deleted']} / {inc['created']}",
                ],
                ["edits and deletions in the result", "yes" if inc["correct"] else "**NO**"],
            ],
        ),
        "",
    ]


def _growth_section(g, s):
    """2. How a reset from empty grows with users and days (the scale run among them)."""
    rows = sorted(g + ([s] if s else []), key=lambda r: (r["users"], r["days"]))
    return [
        "### 2. Growth (reset from empty; medians)",
        "",
        _table(
            [
                "users",
                "days",
                "daily activities",
                "work logs",
                "sync (s)",
                "µs per activity",
                "requests (minimum)",
                "statements",
                "statements per page",
                "peak MiB",
                "sync / limit",
                "sync / stricter limit",
            ],
            [
                [
                    r["users"],
                    r["days"],
                    r["activity_rows"],
                    r["worklogs"],
                    r["sync_seconds"],
                    1e6 * r["sync_seconds"] / max(1, r["activity_rows"]),
                    f"{r['requests']} ({r['minimum_requests']})",
                    r["statements"],
                    r["statements_per_page"],
                    r["peak_mib"],
                    f"{r['ratio']:.2f}x",
                    f"{r['ratio_streams']:.2f}x" if "ratio_streams" in r else "–",
                ]
                for r in rows
            ],
        ),
        "",
    ]


def _pages_section(p):
    """4. The project page and the work-log API on a big project; the planning report of a big organization."""
    pl = p.get("planning")
    names = [n for n in ("project page", "work-log API list", "planning report") if n in p]
    intro = (
        f"The project page and the work-log API list: a project with {p['worklogs']:,} work logs and "
        f"{p['assignments']} assignments (SQL queries also counted on one with {p['small_worklogs']:,} logs)."
    )
    if pl:
        intro += (
            f" The planning report: the whole period of an organization of {pl['people']:,} people over "
            f"{pl['days']} days ({pl['worklogs']:,} work logs on 10 projects; SQL queries also counted with "
            f"{pl['small_people']} people)."
        )
    return [
        "### 4. Pages (gunicorn, 2 workers; one client, sequential requests)",
        "",
        intro,
        "",
        _table(
            [
                "page",
                "requests",
                "median (ms)",
                "p95 (ms)",
                "p95 target (ms)",
                "max (ms)",
                "bytes",
                "SQL queries",
                "SQL queries (small)",
            ],
            [
                [
                    name,
                    p[name]["requests"],
                    p[name]["median_ms"],
                    p[name]["p95_ms"],
                    PAGE_TARGETS_MS.get(name, "–"),
                    p[name]["max_ms"],
                    p[name]["bytes"],
                    p["queries"][name],
                    p["queries_small"][name],
                ]
                for name in names
            ],
        ),
        "",
    ]


def _fanout_section(f):
    """5. The scheduler's day of beats over many linked projects."""
    return [
        f"### 5. Scheduler fan-out ({f['links']:,} linked projects in {f['organizations']:,} organizations; "
        f"a simulated day of {f['ticks']} beats of 15 min, queueing into Redis)",
        "",
        _table(
            ["figure", "value"],
            [
                ["syncs queued over the day", f["queued"]],
                [
                    "queued per beat: min / median / max (mean)",
                    f"{f['per_tick_min']} / {f['per_tick_median']:.0f} / "
                    f"{f['per_tick_max']} ({f['mean_per_tick']:.0f})",
                ],
                ["most slots in one minute", f["per_minute_max"]],
                [
                    "beat task per tick: median / max (s)",
                    f"{f['tick_median_s']:.2f} / {f['tick_max_s']:.2f}",
                ],
                ["beat task, whole day (s)", f"{f['day_seconds']:.1f}"],
                ["statements per queued sync", f"{f['statements_per_queued']:.1f}"],
                [
                    "due_links query (EXPLAIN ANALYZE, ms)",
                    f"{f['due_query_ms']:.1f} ({'; '.join(f['due_query_scans'])})",
                ],
                [
                    "catch-up: all due at once",
                    f"{f['catch_up_queued']:,} queued in {f['catch_up_seconds']:.1f} s "
                    f"({f['catch_up_per_second']:,.0f}/s, {f['catch_up_statements']:,} statements; target 10 s)",
                ],
                [
                    "catch-up: then sent to Redis a message each by a worker (s)",
                    _f(f.get("catch_up_fan_out_seconds")),
                ],
            ],
        ),
        "",
    ]


def _latency_section(lat):
    """6. The reset sync with every Hubstaff request answered after a latency, at 1, 2 and 4 streams."""
    return [
        f"### 7. Far away: every API request answered after {lat['latency']} s ({lat['users']} users, "
        f"{lat['projects']} projects, {lat['days']} days: {lat['activity_rows']:,} daily activities; reset from "
        f"empty; {lat['repeats']} run(s) per setting)",
        "",
        "The limit is the network's: requests x latency / streams (windows fetched at once, "
        "`HUBSTAFF_FETCH_STREAMS`); target: sync / limit within 1.3x. The floor also knows the "
        f"{lat['windows']} windows: the members listing first, then each stream pages through one window after "
        "another. The bare loop pages through the same windows with the same streams and latency, doing nothing "
        "else: it also pays the sandbox's time per page. The last columns are the same reset with the apply after "
        "the fetch (`HUBSTAFF_APPLY_WHILE_FETCHING=false`, as before it was applied while fetched).",
        "",
        _table(
            ["streams", "sync (s)", "requests", "limit (s)", "**sync / limit**", "floor (s)", "sync / floor"]
            + ["bare loop (s)", "sync / bare loop", "work logs", "apply after the fetch (s)", "its ratio"],
            [
                [
                    c["streams"],
                    f"{c['seconds']:.1f}"
                    + (f" ({', '.join(map(str, c['seconds_all']))})" if len(c["seconds_all"]) > 1 else ""),
                    c["requests"],
                    f"{c['limit_seconds']:.1f}",
                    f"**{c['ratio']:.2f}x**",
                    f"{c['floor_seconds']:.1f}",
                    f"{c['ratio_floor']:.2f}x",
                    _f(c.get("bare_seconds")),
                    f"{c['ratio_bare']:.2f}x" if "ratio_bare" in c else "–",
                    c["worklogs"],
                    _f(c.get("after_fetch_seconds")),
                    f"{c['after_fetch_ratio']:.2f}x" if "after_fetch_ratio" in c else "–",
                ]
                for c in lat["curve"]
            ],
        ),
        "",
    ]


def write_docs(text):
    path = ROOT / "docs" / "performance.md"
    current = path.read_text() if path.exists() else f"# Performance\n\n{START}\n{END}\n"
    if START not in current or END not in current:
        current += f"\n{START}\n{END}\n"
    head, rest = current.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{text}\n{END}{tail}")


def _budget_section(b):
    """6. A reset needing four rate windows, paced to the request budget."""
    from .budget import limit_seconds

    limit = limit_seconds(b)
    rows = []
    for name in ("one attempt", "resumed"):
        r = b[name]
        rows.append(
            [
                name,
                r["seconds"],
                f"{r['seconds'] / limit:.2f}" if limit else "–",
                f"{r['seconds'] / b['window']:.2f}",
                r["requests"],
                f"+{r['requests'] - b['minimum']} ({(r['requests'] - b['minimum']) / b['windows']:.1f} a window)",
                r["refused"],
                r["attempts"],
                "yes" if r["same_work_logs"] else "NO",
            ]
        )
    return [
        f"### 6. A reset needing {b['windows']} rate windows ({b['users']} users, {b['projects']} projects, "
        f"{b['days']} days; budget {b['budget']} requests per {b['window']:.0f} s window, the sandbox enforcing "
        "the same)",
        "",
        f"Unlimited, the reset makes {b['minimum']} requests (the minimum) in {b['unlimited_seconds']:.1f} s. "
        f"Limit: it cannot end before the start of its last window plus that window's share of the unlimited "
        f"time, {limit:.1f} s ({b['windows']} windows take {b['windows'] * b['window']:.0f} s).",
        "",
        _table(
            [
                "waiting",
                "seconds",
                "ratio to the limit",
                "windows",
                "requests",
                "above the minimum",
                "429s",
                "attempts",
                "same work logs",
            ],
            rows,
        ),
        "",
    ]


def _live_section(live):
    """8. Live updates: freshness of a working day's timer stops, its requests, and the lossy day's hours."""
    clean, lossy = live["clean"], live["lossy"]

    def row(name, d):
        return [
            name,
            d["events"],
            f"{d['deliveries']:,} ({d['deliveries_lost']} lost, {d['deliveries_repeated']} repeated)",
            f"{d['events_readable']} / {d['events']}",
            _f(d["p50_seconds"]),
            f"**{_f(d['p95_seconds'])}**",
            _f(d["max_seconds"]),
            d["requests"],
            f"{d['requests_per_event']:.3f}",
            f"**{100 * d['budget_share']:.1f} %**",
        ]

    return [
        f"### 8. Live updates: a working day of {live['users']} people's timer stops ({live['projects']} projects; "
        f"09:00-18:00 played in {live['day_seconds']} s, {live['compression']:.0f}x compressed; coalescing "
        f"{live['coalesce_seconds']:.0f} s)",
        "",
        "gunicorn serves Hubstaff's signed deliveries and the API, a Celery worker runs the coalesced syncs. "
        "Freshness: from the stop asked of the sandbox to the first API poll (every "
        f"{live['poll_seconds']:.0f} s) showing the hours; goal p95 under 60 s. Requests: Hubstaff API requests "
        f"of the whole day; goal under 20 % of the hourly budget ({live['budget_per_hour']}). Event runs, both "
        f"days: {live['event_runs']}.",
        "",
        _table(
            [
                "day",
                "timer stops",
                "deliveries",
                "readable by the events",
                "p50 (s)",
                "**p95 (s)**",
                "max (s)",
            ]
            + ["requests", "per event", "**of the hourly budget**"],
            [row("clean", clean), row("20 % lost, 10 % repeated", lossy)],
        ),
        "",
        f"Lossy day, then the hourly check as beat's next hour runs it ({lossy['fallback_syncs']} syncs queued, "
        f"{lossy['fallback_requests']} requests with theirs): the API shows "
        f"{lossy['hours_primetric']:.2f} h where Hubstaff has {lossy['hours_hubstaff']:.2f} h; of "
        f"{lossy['keys']} (person, day) totals, {lossy['keys_equal']} equal, {lossy['keys_short']} short, "
        f"{lossy['keys_over']} over (counted twice). Event ids recorded: {lossy['events_recorded']} for "
        f"{lossy['events_sent']} distinct events delivered.",
        "",
    ] + _real_day(live)


def _real_day(live):
    """The same stops over a real day: batches modelled, requests at the measured requests per batch."""
    real = live.get("real_day")
    if not real:
        return []
    return [
        f"Event batches of the clean day: {live['clean']['event_batches']} "
        f"({real['requests_per_batch']:.2f} requests each). Over a real, uncompressed day the same stops would make "
        f"{real['batches']} batches (a model of the batch delay's rule with the event share set to "
        f"{100 * real['budget_share_setting']:.0f} %), {real['requests']:.0f} requests: "
        f"**{100 * real['busiest_hour_share']:.0f} % of the hourly budget in the busiest hour** "
        f"({real['busiest_hour_batches']} batches), {100 * real['day_share_of_an_hour']:.0f} % of one hour's budget "
        f"for the whole day; an event waits {real['p50_wait_seconds']:.0f} s for its batch at the median, "
        f"{real['p95_wait_seconds']:.0f} s at the 95th percentile.",
        "",
    ]


def _fleet_section(fleet):
    """9. Daily syncs drained by 1, 2, 4 (8) worker processes; a person's run meanwhile; fairness; the cost."""
    t, i, f = fleet["throughput"], fleet["interactive"], fleet["fairness"]
    return [
        f"### 9. The sync fleet ({fleet['links']} linked projects in {fleet['organizations']} organizations, "
        f"{fleet['latency']} s a request)",
        "",
        "Every link's daily incremental sync queued at once on `scheduled` and drained by worker processes (one a "
        "worker, `-Q interactive,scheduled`, as on separate hosts); a round cut at its time limit counts the runs "
        "done by then:",
        "",
        _table(
            [
                "processes",
                "runs",
                "failed",
                "seconds",
                "runs/min",
                "speed-up",
                "efficiency",
                "DB connections (peak)",
                "Redis MB (peak)",
            ],
            [
                [
                    r["workers"],
                    f"{r.get('done', r['runs']):,} of {r['runs']:,}",
                    r["failed"],
                    r["seconds"],
                    r["runs_per_minute"],
                    f"{r['speed_up']:.2f}x",
                    f"{r['efficiency']:.0%}",
                    r["peak_connections"],
                    r["redis_bytes"] / 2**20,
                ]
                for r in t
            ],
        ),
        "",
        f"What each round cost ({t[0].get('cores', '?')} cores): the machine's CPU busy share, CPU milliseconds a "
        "run by kind of process, and the share of looks (every 0.2 s) that found a database session waiting on a "
        "lock:",
        "",
        _table(
            [
                "processes",
                "machine busy",
                "workers ms/run",
                "PostgreSQL ms/run",
                "Redis ms/run",
                "sandbox ms/run",
                "lock waits (share of looks, most at once)",
            ],
            [
                [
                    r["workers"],
                    f"{r['machine_busy']:.0%}",
                    r["cpu_ms_per_run_workers"],
                    r["cpu_ms_per_run_postgres"],
                    r["cpu_ms_per_run_redis"],
                    r["cpu_ms_per_run_sandbox"],
                    f"{r['lock_wait_share']:.0%}, {r['peak_lock_waits']}",
                ]
                for r in t
            ],
        ),
        "",
        f"A person's Reset and sync of a small project every few seconds while {i['backlog']} daily syncs wait on "
        f"{i['workers']} processes (the scheduled queue {i['depth_min']}-{i['depth_max']} messages deep at the "
        f"clicks; {i['clicks']} clicks, {i['failed']} failed): to running p50 "
        f"{_f(i['running_p50'], 2)} s, p95 {_f(i['running_p95'], 2)} s (max {_f(i['running_max'], 2)} s; goal: p95 "
        f"under 2 s); to succeeded p50 {_f(i['succeeded_p50'], 2)} s, p95 {_f(i['succeeded_p95'], 2)} s. "
        f"{i['backlog_done']} of the backlog's runs were done by then; the rest was dropped. The same click sent to "
        f"the scheduled queue behind {i['fifo_backlog']} daily syncs waited {_f(i['fifo_running'], 1)} s to run.",
        "",
        f"Fairness: {f['big_runs']} runs of one organization queued ahead of one run of each of {f['small_runs']} "
        f"others, on {f['workers']} processes, at most {f['per_installation']} runs of an installation at once "
        f"(HUBSTAFF_RUNS_PER_INSTALLATION): the small organizations' longest wait for a worker "
        f"{_f(f['small_wait_max'], 1)} s (median {_f(f['small_wait_p50'], 1)} s); the big organization's last run "
        f"finished {_f(f['big_done_max'], 1)} s after it was queued.",
        "",
    ]
