"""Checks of answers and requests against ``contract.json`` (Hubstaff's API as the product uses it).

Used by the sandbox's contract test and usable by the product's tests, e.g. after a sync through the
sandbox::

    from hubstaff_sandbox import contract
    assert contract.undeclared_params(hs.stats()) == {}

Every check returns a list of problems (strings); an empty list means the object holds to the contract.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from pathlib import Path

CONTRACT_FILE = Path(__file__).resolve().parent / "contract.json"
# More of the reference, one file per part of the API (timesheets, time off...): their endpoints and definitions
# join contract.json's.
CONTRACT_PARTS = Path(__file__).resolve().parent / "contract.d"
PYTHON_TYPES: dict[str, type | tuple[type, ...]] = {
    "integer": int,
    "number": (int, float),
    "string": str,
    "boolean": bool,
    "object": dict,
    "array": list,
}


@functools.cache
def load() -> dict:
    with open(CONTRACT_FILE, encoding="utf-8") as fh:
        contract = json.load(fh)
    for part in sorted(CONTRACT_PARTS.glob("*.json")):
        with open(part, encoding="utf-8") as fh:
            more = json.load(fh)
        for section in ("endpoints", "definitions"):
            contract[section].update(more.get(section, {}))
        for path, params in more.get("client_requests", {}).items():
            listed = contract["client_requests"].setdefault(path, [])
            listed.extend(param for param in params if param not in listed)
    return contract


def endpoint(path: str) -> dict:
    return load()["endpoints"][path]


def _format_problem(value: str, fmt: str) -> bool:
    try:
        if fmt == "date":
            dt.date.fromisoformat(value)
        elif fmt == "date-time":
            if "T" not in value:
                return True
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif fmt == "uri":
            return not re.match(r"^https?://", value)
    except ValueError:
        return True
    return False


def check_fields(fields: dict, obj, where: str) -> list[str]:
    """Required fields present, types and formats right, nulls only where allowed."""
    if not isinstance(obj, dict):
        return [f"{where}: not an object"]
    problems = []
    for name, spec in fields.items():
        if name not in obj:
            if spec.get("required"):
                problems.append(f"{where}.{name}: required but absent")
            continue
        value = obj[name]
        if value is None:
            if not spec.get("nullable"):
                problems.append(f"{where}.{name}: null")
            continue
        expected = PYTHON_TYPES.get(spec.get("type"), object)
        if not isinstance(value, expected) or (spec.get("type") != "boolean" and isinstance(value, bool)):
            problems.append(f"{where}.{name}: {type(value).__name__}, not {spec.get('type')}")
        elif spec.get("format") and isinstance(value, str) and _format_problem(value, spec["format"]):
            problems.append(f"{where}.{name}: {value!r} is not a {spec['format']}")
    return problems


def check_definition(name: str, obj, where: str | None = None) -> list[str]:
    return check_fields(load()["definitions"][name]["fields"], obj, where or name)


def check_response(path: str, body) -> list[str]:
    """A 200 answer of ``path`` (contract template): its key, items, pagination and side-loads."""
    ep = endpoint(path)
    if not isinstance(body, dict):
        return [f"{path}: body is not an object"]
    key, kind, item = ep["response"]["key"], ep["response"]["kind"], ep["response"]["item"]
    if key not in body:
        return [f"{path}: no {key!r}"]
    problems = []
    if kind == "object":
        problems += check_definition(item, body[key], key)
    elif not isinstance(body[key], list):
        problems.append(f"{path}: {key!r} is not a list")
    else:
        for i, x in enumerate(body[key]):
            problems += check_definition(item, x, f"{key}[{i}]")
    pagination = body.get("pagination")
    if pagination is not None and not isinstance((pagination or {}).get("next_page_start_id"), int):
        problems.append(f"{path}: pagination without an integer next_page_start_id")
    for extra, value in body.items():
        if extra in (key, "pagination"):
            continue
        definition = ep["side_loads"].get(extra)
        if definition is None:
            problems.append(f"{path}: unexpected top-level key {extra!r}")
            continue
        for i, x in enumerate(value if isinstance(value, list) else [value]):
            problems += check_definition(definition, x, f"{extra}[{i}]")
    return problems


def check_error(path: str, status: int, body) -> list[str]:
    """An error answer: a status the endpoint declares (or 5xx) and Hubstaff's error body."""
    problems = []
    if status not in endpoint(path)["errors"] and status < 500:
        problems.append(f"{path}: status {status} is not one the endpoint declares")
    problems += check_definition("Error", body, f"{path} {status}")
    number = body.get("error_code") if isinstance(body, dict) else None
    ranges = load()["conventions"]["error_code_ranges"].values()
    if number is not None and not any(lo <= number <= hi for lo, hi in ranges):
        problems.append(f"{path} {status}: error_code {number} outside the documented ranges")
    return problems


def declared_name(param: str) -> str:
    """``project_ids[]`` is how Rack spells the array parameter ``project_ids``."""
    return param[:-2] if param.endswith("[]") else param


def is_declared(path: str, param: str) -> bool:
    return declared_name(param) in endpoint(path)["query"]


def path_for_route(route: str) -> str | None:
    """The contract's template for a sandbox stats key such as ``GET /v2/organizations/{id}/members``."""
    target = route.split(" ", 1)[-1]
    for path in load()["endpoints"]:
        if re.sub(r"\{[a-z_]+\}", "{id}", path) == target:
            return path
    return None


def undeclared_params(stats: dict) -> dict[str, list[str]]:
    """Query parameters the sandbox received (``stats()["params"]``) that the contract does not declare,
    per route; routes outside the contract are reported with every parameter."""
    out = {}
    for route, names in (stats.get("params") or {}).items():
        path = path_for_route(route)
        bad = sorted(n for n in names if path is None or not is_declared(path, n))
        if bad:
            out[route] = bad
    return out
