"""Logs as one JSON object a line (production), each line of a sync run carrying the run's id and organization.

The Celery app binds the run when a worker starts a sync run's task (`primetric/celery.py`) and unbinds it when the
task ends; `RunContext`, a logging filter, copies what is bound onto every record, so a log line written anywhere
below (the client, the apply, notifications) names its run without being passed it.

What is bound is kept in a context variable, and also for the whole process: a sync's own threads (the lease's,
the prefetch streams', the apply's and the writer's) start with an empty context, and a worker's pool process
carries out one task at a time, so the process-wide value is the run those threads work for.
"""

import json
import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Bound = dict[str, int | str]

_bound: ContextVar[Bound | None] = ContextVar("primetric_log_context", default=None)
_process_bound: Bound = {}

# Bound fields, in the order a line shows them.
FIELDS = ("run_id", "organization_id", "task", "task_id")


@dataclass(frozen=True)
class Binding:
    """What `unbind` needs to put back what was bound before."""

    token: Token[Bound | None]
    previous: Bound


def bind(**fields: int | str | None) -> Binding:
    """Bind the fields (None ones left out) until `unbind` with what this returns."""
    values: Bound = {name: value for name, value in fields.items() if value is not None}
    binding = Binding(_bound.set(values), dict(_process_bound))
    _process_bound.clear()
    _process_bound.update(values)
    return binding


def unbind(binding: Binding) -> None:
    try:
        _bound.reset(binding.token)
    except ValueError:  # bound in another context (a signal sent from elsewhere): nothing of it is left here
        _bound.set(None)
    _process_bound.clear()
    _process_bound.update(binding.previous)


@contextmanager
def bound(**fields: int | str | None) -> Iterator[None]:
    """The fields on every log line written while the block runs."""
    binding = bind(**fields)
    try:
        yield
    finally:
        unbind(binding)


def current() -> Bound:
    """What is bound now: this context's, or else the process's (a sync's own threads)."""
    found = _bound.get()
    return dict(found) if found is not None else dict(_process_bound)


class RunContext(logging.Filter):
    """Puts what is bound (the run id, its organization, the task) on each record, as attributes."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in current().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the bound fields, and the exception's
    type and traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        line["process"] = record.process
        if record.threadName and record.threadName != "MainThread":
            line["thread"] = record.threadName
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            line["traceback"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        # default=str: a message argument of any type is already in "message"; an odd bound value stays readable.
        return json.dumps(line, ensure_ascii=False, default=str)
