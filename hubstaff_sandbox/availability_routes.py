"""Handlers of Hubstaff's time off requests and policies, holidays and limits (API v2), and of their control calls."""

from __future__ import annotations


class AvailabilityRoutesMixin:
    pass
