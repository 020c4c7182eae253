"""How long to wait before asking Hubstaff again: backoff with jitter after a failure, Retry-After after a 429."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings
from django.utils import timezone

# Longest single backoff pause between retries of a 5xx or a timeout.
MAX_BACKOFF_SECONDS = 60.0
# What a 429 without a readable Retry-After is taken to mean.
DEFAULT_RETRY_AFTER = 60.0
# The longest wait a Retry-After is believed for: Hubstaff's limit is per hour, and one odd header (a Retry-After
# of 100000000000 s) must not stop an organization's syncs for longer.
MAX_RETRY_AFTER = 3600.0

# How a client waits between attempts: time.sleep, or a test's clock (whatever it returns is not read).
Sleep = Callable[[float], object]


def backoff_delay(attempt: int) -> float:
    """Exponential backoff with jitter: base * 2^(attempt-1), plus up to as much again at random."""
    base: float = settings.HUBSTAFF_RETRY_BASE_DELAY * (2 ** (attempt - 1))
    return min(MAX_BACKOFF_SECONDS, base + random.uniform(0, base))


def capped(seconds: float) -> float:
    """A wait Hubstaff asked for, within 0 .. MAX_RETRY_AFTER (NaN, a negative or an endless one included)."""
    if math.isnan(seconds):
        return DEFAULT_RETRY_AFTER
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


def retry_after_seconds(response: requests.Response) -> float:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), at most an hour; 60 if absent or
    unreadable."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return DEFAULT_RETRY_AFTER
    try:
        return capped(float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return DEFAULT_RETRY_AFTER
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return capped((when - timezone.now()).total_seconds())
