"""A small counter of requests per key in the cache: sign-ups and password-reset e-mails are limited with it,
the same way sign-in failures are counted (people/auth.py)."""

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _cache_key(action: str, ident: str) -> str:
    digest = hashlib.sha256(str(ident or "-").strip().lower().encode()).hexdigest()[:32]
    return f"rate:{action}:{digest}"


def allow_request(
    action: str, idents: Iterable[str | None], limit: int | None = None, window: int | None = None
) -> bool:
    """Count one request for each identity (a client address, an e-mail); False once any is over the limit.

    A refused request is not counted, so that waiting out the window is enough.
    """
    limit = limit or settings.ACCOUNT_REQUEST_LIMIT
    window = window or settings.ACCOUNT_REQUEST_WINDOW
    keys = [_cache_key(action, ident) for ident in idents if ident]
    if any((cache.get(key) or 0) >= limit for key in keys):
        return False
    for key in keys:
        cache.add(key, 0, window)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, window)
    return True


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "-"
