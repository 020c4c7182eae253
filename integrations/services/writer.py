"""One database transaction written from a second thread, so that PostgreSQL writes while Python plans.

A sync's apply alternates between Python (the rules, formatting rows) and the database (writes and their
foreign-key checks); in one thread, each waits for the other. With `transaction_writer(threaded=True)` the writes
go, in order, to a thread holding the transaction on its own connection while the caller plans the next batch.
It is still one transaction, so a failure changes nothing.

The caller's connection does not see the writer's uncommitted rows: it may only read what the writes cannot have
changed (for the sync: the staged rows, and the work logs of dates the writer has not been given yet).

`threaded=False`, the same interface in the caller's own transaction, serves callers already inside one.
"""

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from enum import Enum
from typing import Any, ParamSpec, Protocol, TypeAlias, TypeVar

from django.db import connection, transaction

# The caller blocks beyond this many queued writes, so memory stays bounded.
MAX_PENDING = 2

_P = ParamSpec("_P")
_R = TypeVar("_R")


class _End(Enum):
    """How the caller ends the transaction, queued after its writes."""

    COMMIT = "commit"
    ROLLBACK = "rollback"


# Writes of every result type share the queue, hence Any.
_Job: TypeAlias = tuple["Future[Any]", Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class Writer(Protocol):
    """What `transaction_writer` gives: writes queued (`submit`) or waited for (`call`) in its transaction."""

    @property
    def threaded(self) -> bool: ...

    def submit(self, fn: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> Future[_R]: ...

    def call(self, fn: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R: ...


class WriterStopped(Exception):
    """A write was not run because an earlier write failed (the transaction is rolled back)."""


class _RollBack(Exception):
    """Raised inside the writer's transaction to roll it back."""


class _InlineWriter:
    """Runs each write at once, in the caller's thread and transaction."""

    threaded = False

    def submit(self, fn: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> Future[_R]:
        future: Future[_R] = Future()
        future.set_result(fn(*args, **kwargs))
        return future

    def call(self, fn: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
        return fn(*args, **kwargs)


class _ThreadedWriter:
    """Runs writes in order in one transaction on its own connection, in its own thread."""

    threaded = True

    def __init__(self, *, name: str) -> None:
        self._jobs: queue.Queue[_Job | _End] = queue.Queue(maxsize=MAX_PENDING)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # -- the caller's side

    def submit(self, fn: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> Future[_R]:
        """Queue `fn(*args, **kwargs)`; a Future of its result. Raises an earlier write's error at once."""
        if self._error is not None:
            raise self._error
        future: Future[_R] = Future()
        self._jobs.put((future, fn, args, kwargs))
        return future

    def call(self, fn: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """Run `fn(*args, **kwargs)` after everything queued before; return its result."""
        return self.submit(fn, *args, **kwargs).result()

    def finish(self, commit: bool) -> None:
        self._jobs.put(_End.COMMIT if commit else _End.ROLLBACK)
        self._thread.join()
        if commit and self._error is not None:
            raise self._error

    # -- the writer's thread

    def _run(self) -> None:
        ended = False  # the caller's commit or rollback has been taken off the queue
        try:
            with transaction.atomic():
                # Foreign keys checked per statement, while the caller plans, not all at COMMIT.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                while True:
                    job = self._jobs.get()
                    ended = isinstance(job, _End)
                    if job is _End.COMMIT:
                        break
                    if job is _End.ROLLBACK:
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

    def _drain(self) -> None:
        """After a failure: fail every queued write until the caller says how to end, so no one waits forever."""
        while True:
            job = self._jobs.get()
            if isinstance(job, _End):
                return
            job[0].set_exception(WriterStopped("An earlier write of this transaction failed."))


@contextmanager
def transaction_writer(*, threaded: bool, name: str = "writer") -> Iterator[Writer]:
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
