"""Checked reading of the fields of a Hubstaff record: each gives the value, or raises BadField naming the field;
`parsed` turns that into the MalformedResponse of the listing (timesheets.py, availability.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from .errors import MalformedResponse

Item = TypeVar("Item")


class BadField(Exception):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def parsed(item: object, path: str, what: str, parse: Callable[[dict[str, Any]], Item]) -> Item:
    """`parse(item)`, with a bad item raised as MalformedResponse naming the first bad field."""
    if not isinstance(item, dict):
        raise MalformedResponse(f"Hubstaff's answer to GET {path} has {what} that is not an object.")
    try:
        return parse(item)
    except BadField as bad:
        raise MalformedResponse(
            f"Hubstaff's answer to GET {path} has {what} without a valid '{bad.field}'."
        ) from None


def integer(item: dict[str, Any], field: str) -> int:
    value = item.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadField(field)
    return value


def text(item: dict[str, Any], field: str) -> str:
    value = item.get(field)
    if not isinstance(value, str) or not value:
        raise BadField(field)
    return value


def flag(item: dict[str, Any], field: str) -> bool:
    value = item.get(field)
    if not isinstance(value, bool):
        raise BadField(field)
    return value


def day(item: dict[str, Any], field: str) -> date:
    value = item.get(field)
    if not isinstance(value, str) or len(value) != len("2026-01-31"):
        raise BadField(field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadField(field) from None


def moment(item: dict[str, Any], field: str) -> datetime:
    value = item.get(field)
    if not isinstance(value, str) or "T" not in value:
        raise BadField(field)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadField(field) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
