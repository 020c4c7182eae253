"""Command line: ``python -m hubstaff_sandbox --port 8001 [--scenario FILE | --generate SPEC] [--control]``."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time

from .scenario import ScenarioError
from .server import make_server


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m hubstaff_sandbox",
        description="A local Hubstaff (developer site, OAuth/OIDC, API v2).",
    )
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8001, help="0 picks a free port (printed on stdout)")
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--scenario", metavar="FILE", help="scenario JSON file to load")
    src.add_argument(
        "--generate", metavar="SPEC", help="e.g. users=500,projects=10,days=365,seed=1[,orgs=N][,end=DATE]"
    )
    ap.add_argument("--control", action="store_true", help="enable the control API under /_sandbox/")
    ap.add_argument("--public-url", help="issuer and base of absolute URLs (default http://HOST:PORT)")
    ap.add_argument("--rate-limit", type=int, default=1000, help="API requests per hour per application")
    ap.add_argument("--rate-window", type=int, default=3600, help=argparse.SUPPRESS)
    ap.add_argument("--access-token-ttl", type=int, default=7200, help="access token lifetime, seconds")
    args = ap.parse_args(argv)

    server, sb = make_server(
        args.host,
        args.port,
        public_url=args.public_url,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        access_token_ttl=args.access_token_ttl,
        control=args.control,
    )
    started = time.perf_counter()
    try:
        if args.scenario:
            with open(args.scenario, encoding="utf-8") as fh:
                summary = sb.load_scenario(json.load(fh))
        elif args.generate:
            summary = sb.load_scenario(generate=args.generate)
        else:
            summary = sb.summary()
    except (OSError, ValueError, ScenarioError) as e:
        print(f"hubstaff_sandbox: cannot load data: {e}", file=sys.stderr)
        return 2
    counts = summary["counts"]
    print(
        f"hubstaff_sandbox: loaded {counts['organizations']} organizations, {counts['users']} users, "
        f"{counts['projects']} projects, {counts['daily_activities']} daily activities "
        f"in {time.perf_counter() - started:.2f}s",
        file=sys.stderr,
        flush=True,
    )

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    print(
        f"Hubstaff sandbox listening on http://{host}:{port} (public URL {sb.public_url}"
        f"{', control API on' if args.control else ''})",
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    print("hubstaff_sandbox: stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
