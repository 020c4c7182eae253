"""One database transaction written from a second thread, so that PostgreSQL writes while Python plans.

The apply phase of a sync alternates between Python (reading a batch, the rules, formatting rows) and the database
(COPY, UPDATE, DELETE, and the foreign-key checks of every new row). Done in one thread, the two wait for each other;
with `transaction_writer(threaded=True)` the writes go, in order, to a thread that holds the transaction on its own
connection, while the caller goes on with the next batch. Every write is still inside one transaction: it commits
when the block ends normally and rolls back if the block or any write fails, so a failure changes nothing.

The caller's connection does not see the writer's uncommitted rows: it may only read what the writes cannot have
changed (for the sync: the staged rows, and the work logs of dates the writer has not been given yet).

`threaded=False` runs each write at once in the caller's own transaction, with the same interface: that is what
callers already inside a transaction (the tests' transactions) get.
"""

import queue
import threading
from concurrent.futures import Future
from contextlib import contextmanager

from django.db import connection, transaction

# Writes queued ahead of the writer at most: the caller blocks beyond that, so memory stays bounded.
MAX_PENDING = 2

_COMMIT = object()
_ROLLBACK = object()


class WriterStopped(Exception):
    """A write was not run because an earlier write failed (the transaction is rolled back)."""


class _RollBack(Exception):
    """Raised inside the writer's transaction to roll it back."""


class _InlineWriter:
    """Runs each write at once, in the caller's thread and transaction."""

    threaded = False

    def submit(self, fn, *args, **kwargs):
        future = Future()
        future.set_result(fn(*args, **kwargs))
        return future

    def call(self, fn, *args, **kwargs):
        return fn(*args, **kwargs)


class _ThreadedWriter:
    """Runs writes in order in one transaction on its own connection, in its own thread."""

    threaded = True

    def __init__(self, *, name):
        self._jobs = queue.Queue(maxsize=MAX_PENDING)
        self._error = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # -- the caller's side

    def submit(self, fn, *args, **kwargs):
        """Queue `fn(*args, **kwargs)` to run in the writer's transaction; returns a Future of its result.

        If an earlier write failed, its error is raised here at once rather than at the end.
        """
        if self._error is not None:
            raise self._error
        future = Future()
        self._jobs.put((future, fn, args, kwargs))
        return future

    def call(self, fn, *args, **kwargs):
        """Run `fn(*args, **kwargs)` in the writer's transaction after everything queued before; return its result."""
        return self.submit(fn, *args, **kwargs).result()

    def finish(self, commit):
        self._jobs.put(_COMMIT if commit else _ROLLBACK)
        self._thread.join()
        if commit and self._error is not None:
            raise self._error

    # -- the writer's thread

    def _run(self):
        ended = False  # the caller's commit or rollback has been taken off the queue
        try:
            with transaction.atomic():
                # Foreign keys are checked as each statement ends, while the caller plans the next one,
                # rather than all together at COMMIT.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                while True:
                    job = self._jobs.get()
                    ended = job is _COMMIT or job is _ROLLBACK
                    if job is _COMMIT:
                        break
                    if job is _ROLLBACK:
                        raise _RollBack
                    future, fn, args, kwargs = job
                    try:
                        result = fn(*args, **kwargs)
                    except BaseException as exc:
                        future.set_exception(exc)
                        raise
                    future.set_result(result)
        except _RollBack:
            pass
        except BaseException as exc:  # handed to the caller, who raises it
            self._error = exc
            if not ended:
                self._drain()
        finally:
            connection.close()  # this thread's own connection

    def _drain(self):
        """After a failure: fail every queued write until the caller says how to end, so no one waits forever."""
        while True:
            job = self._jobs.get()
            if job is _COMMIT or job is _ROLLBACK:
                return
            job[0].set_exception(WriterStopped("An earlier write of this transaction failed."))


@contextmanager
def transaction_writer(*, threaded, name="writer"):
    """A writer for one transaction: `submit(fn, ...)` queues a write, `call(fn, ...)` waits for its result.

    Threaded: the transaction commits when the block ends and every queued write has run, and rolls back if the
    block raises (the writer's error, if a write failed, is raised by the next `submit` or `call`, or at the end).
    Not threaded: the block is one `transaction.atomic()` of the caller's connection.
    """
    if not threaded:
        with transaction.atomic():
            yield _InlineWriter()
        return
    writer = _ThreadedWriter(name=name)
    try:
        yield writer
    except BaseException:
        writer.finish(commit=False)
        raise
    writer.finish(commit=True)
