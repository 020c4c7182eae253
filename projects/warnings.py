"""Extension point of the assignment pages: higher apps warn about an assignment just saved (capacity: over-
allocation); a warning never stops the save."""

from collections.abc import Callable

from .models import Assignment

AssignmentCheck = Callable[[Assignment], str | None]
_checks: list[AssignmentCheck] = []


def register_assignment_check(check: AssignmentCheck) -> AssignmentCheck:
    if all(existing is not check for existing in _checks):
        _checks.append(check)
    return check


def assignment_warnings(assignment: Assignment) -> list[str]:
    return [message for message in (check(assignment) for check in _checks) if message]
