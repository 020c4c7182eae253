"""Per-user API tokens (`Authorization: Token <key>`), issued from the profile page or by create_api_token.

A key is 40 random hex characters; the database keeps only its SHA-256 digest (a key has enough entropy that a
plain, fast digest is safe), so a dump of the database gives nobody a working key.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction

from .models import ApiToken


def key_digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued: the only moment its key exists outside the caller's hands."""

    key: str
    token: ApiToken


def current_token(user):
    return ApiToken.objects.filter(user=user).first()


@transaction.atomic
def issue_token(user):
    """A new token for the user; the one they had (if any) stops working at once."""
    ApiToken.objects.filter(user=user).delete()
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(user=user, digest=key_digest(key), prefix=key[:8])
    return IssuedToken(key=key, token=token)


def revoke_token(user):
    """Delete the user's token; returns whether there was one."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return bool(deleted)


def user_for_key(key):
    """The active user whose token has this key, or None."""
    token = ApiToken.objects.select_related("user").filter(digest=key_digest(key)).first()
    if token is None or not token.user.is_active:
        return None
    return token.user
