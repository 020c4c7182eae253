"""Errors as JSON: DRF's shapes, plus Django's ValidationError (raised by services) as a 400 with field messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler

if TYPE_CHECKING:
    from people.invitations import InvitationLimited


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


def throttled(error: InvitationLimited) -> exceptions.Throttled:
    """An invitation refused by its sending limits as a 429 whose Retry-After says when to try again."""
    return exceptions.Throttled(wait=error.wait.total_seconds(), detail=str(error))


def validation_messages(error):
    """A Django ValidationError as {"field": ["message", ...]}; errors without a field go under non_field_errors."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): list(messages)
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": list(error.messages)}


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_messages(exc))
    return exception_handler(exc, context)
