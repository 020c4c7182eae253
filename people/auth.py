"""Sign-in by e-mail, with a pause after repeated failures."""

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from .emails import normalize_email


class EmailBackend(ModelBackend):
    """Users sign in with their e-mail (stored as the username, lower-cased)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = normalize_email(username or kwargs.get("email"))
        if not email or password is None:
            return None
        user = get_user_model().objects.filter(username=email).first()
        if user is None:
            get_user_model()().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def _keys(email, address):
    digest = hashlib.sha256((normalize_email(email) or "").encode()).hexdigest()[:32]
    return [f"login-failures:email:{digest}", f"login-failures:addr:{address or '-'}"]


def login_blocked(email, address):
    limit = settings.LOGIN_FAILURE_LIMIT
    return any((cache.get(key) or 0) >= limit for key in _keys(email, address))


def record_login_failure(email, address):
    for key in _keys(email, address):
        cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW)


def clear_login_failures(email, address):
    cache.delete_many(_keys(email, address))
