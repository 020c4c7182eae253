"""Routes, the HTTP error of every handler, and Hubstaff's error body.

API v2 errors have Hubstaff's shape (`Hubstaff_Public_V2_Entities_Error` in Hubstaff's Swagger document):
``{"code": "<string>", "error": "<message>", "error_code": <int>}``, ``code`` and ``error`` always present.
The ``code`` strings and the numbers inside the documented ranges are not public: they are our choice (see
docs/hubstaff.md), so clients must read the status and ``error``, never match ``code``/``error_code``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

# status -> (code, error_code); error_code ranges from the Swagger document: 10000s auth, 11000s validation,
# 12000s resource, 13000s rate limit, 15000s system.
API_ERROR_CODES = {
    400: ("invalid_params", 11000),
    401: ("unauthorized", 10001),
    403: ("forbidden", 10003),
    404: ("not_found", 12000),
    429: ("rate_limit_exceeded", 13000),
}
SYSTEM_ERROR = ("internal_error", 15000)
INACTIVE_PLAN_MESSAGE = "API access is only for organizations on an active plan"


class HTTPError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}
        self.code = code


def api_error_body(e: HTTPError) -> dict:
    code, number = API_ERROR_CODES.get(e.status, SYSTEM_ERROR)
    if e.code == "inactive_plan":
        code, number = "inactive_plan", 10004
    return {"code": code, "error": e.message, "error_code": number}


def invalid(message: str) -> HTTPError:
    """Hubstaff's answer to a parameter it does not accept: 400 "Invalid parameters" (never 422)."""
    return HTTPError(400, message)


ROUTES: list[tuple[str, re.Pattern, str, str]] = []


def route(method: str, template: str):
    """Register a handler method (by name) for ``method`` and a path template with ``{name}`` parts."""
    pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")

    def deco(fn):
        ROUTES.append((method, pattern, template, fn.__name__))
        return fn

    return deco


def parse_date(value: str | None, name: str) -> dt.date:
    if not value:
        raise invalid(f"{name} is missing")
    try:
        return dt.date.fromisoformat(value[:10] if "T" in value else value)
    except ValueError:
        raise invalid(f"{name} is invalid") from None


def parse_time(value: str | None, name: str) -> int:
    if not value:
        raise invalid(f"{name} is missing")
    try:
        d = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise invalid(f"{name} is invalid") from None
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.UTC)
    return int(d.timestamp())


def parse_bool(value: str | None, name: str) -> bool:
    """A Boolean query parameter as Rack/Grape read it; anything else is invalid."""
    if value in (None, ""):
        return False
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise invalid(f"{name} is invalid")


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 February -> 28 February), as Ruby's ``years.ago``."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def month_before(day: dt.date) -> dt.date:
    """The same day of the previous month, clamped to that month's end, as Ruby's ``1.month.ago``."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
