"""Sign-in by e-mail, with a pause after repeated failures.

The throttle lives in the authentication backend, so that every sign-in goes through it: the e-mail sign-in
page, the admin's sign-in page and anything else that calls `django.contrib.auth.authenticate`. Failures are
counted per account (stops an attacker who spreads guesses over many addresses) and per client address (stops
one address trying many accounts); the address limit is higher, so that one person mistyping behind an office's
shared address pauses only their own account.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .emails import normalize_email

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class EmailBackend(ModelBackend):
    """Users sign in with their e-mail (stored as the username, lower-cased); paused after repeated failures."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        email = normalize_email(username or kwargs.get("email"))
        if not email or password is None:
            return None
        address = client_address(request)
        if login_blocked(email, address):
            # PermissionDenied stops `authenticate` at once: no other backend is asked, even the right password
            # fails. The forms tell the pause apart with `login_blocked`.
            raise PermissionDenied("too many failed sign-ins")
        user = self._check(email, password)
        if user is None:
            record_login_failure(email, address)
        else:
            clear_login_failures(email)
        return user

    def _check(self, email: str, password: str) -> User | None:
        user = get_user_model().objects.filter(username=email).first()
        if user is None:
            get_user_model()().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def client_address(request: HttpRequest | None) -> str | None:
    """The address the request came from (`REMOTE_ADDR`), or None when there is no request (a shell, a test)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _account_key(email: str) -> str:
    digest = hashlib.sha256((normalize_email(email) or "").encode()).hexdigest()[:32]
    return f"login-failures:email:{digest}"


def _limits(email: str, address: str | None) -> list[tuple[str, int]]:
    """(cache key, limit) of each counter that applies."""
    limits = [(_account_key(email), settings.LOGIN_FAILURE_LIMIT)]
    if address:
        limits.append((f"login-failures:addr:{address}", settings.LOGIN_ADDRESS_FAILURE_LIMIT))
    return limits


def login_blocked(email: str, address: str | None) -> bool:
    """Whether sign-in for this e-mail, or from this address, is paused."""
    return any((cache.get(key) or 0) >= limit for key, limit in _limits(email, address))


def record_login_failure(email: str, address: str | None) -> None:
    for key, _limit in _limits(email, address):
        cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW)


def clear_login_failures(email: str) -> None:
    """A successful sign-in forgets the account's failures, not the address's: an attacker with an account of
    their own must not reset the counter of the address they spray other accounts from."""
    cache.delete(_account_key(email))
