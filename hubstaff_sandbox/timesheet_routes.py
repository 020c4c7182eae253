"""Handlers of Hubstaff's timesheets (API v2) and of the control calls that submit, approve, deny and reopen them."""

from __future__ import annotations


class TimesheetRoutesMixin:
    pass
