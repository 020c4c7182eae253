"""Small measuring tools: statement counter, memory of this process, medians and percentiles."""

import statistics
import threading
import time
from contextlib import contextmanager, suppress


class StatementCounter:
    """Counts what Django's connections send: one per execute(), one per executemany() (rows counted apart)."""

    def __init__(self):
        self.statements = 0
        self.executemany_rows = 0
        self._lock = threading.Lock()  # the sync's writer thread has a connection of its own

    def __call__(self, execute, sql, params, many, context):
        with self._lock:
            self.statements += 1
            if many:
                with suppress(TypeError):  # a generator of rows has no length
                    self.executemany_rows += len(params)
        return execute(sql, params, many, context)

    def count(self, n=1):
        with self._lock:
            self.statements += n


@contextmanager
def counting_statements():
    """Count the statements of this thread's connection and of every connection opened meanwhile (other threads)."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    counter = StatementCounter()

    def watch(connection, **kwargs):  # Django sends the signal's arguments by keyword
        if counter not in connection.execute_wrappers:
            connection.execute_wrappers.append(counter)

    connection_created.connect(watch)
    try:
        with connection.execute_wrapper(counter):
            yield counter
    finally:
        connection_created.disconnect(watch)


def rss_kib():
    """(current RSS, peak RSS) of this process in KiB, from /proc (Linux)."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":")
                values[key] = int(value.split()[0])
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def reset_peak_rss():
    """Make VmHWM start again from the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def median(values):
    return statistics.median(values) if values else float("nan")


def percentile(values, pct):
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


class Timer:
    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
