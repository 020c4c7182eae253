"""Per-user API tokens (`Authorization: Token <key>`), issued from the profile page or by create_api_token.

A key is 40 random hex characters; the database keeps only its SHA-256 digest (a key has enough entropy that a
plain, fast digest is safe), so a dump of the database gives nobody a working key. A token ends with its
user's password: setting a new one (reset, change, the admin, `changepassword`) deletes it.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import ApiToken

# A token's last use is recorded to this precision: at most one UPDATE per token per interval, however busy.
LAST_USED_PRECISION = timedelta(minutes=1)


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


def revoke_tokens_on_new_password(instance, **kwargs):
    """pre_save of the user model: a new password (set_password, not yet saved) ends the user's API token.

    Django's set_password keeps the raw password in `_password` until the save, and clears it before saving a
    mere re-hash at sign-in, so only a password someone chose gets here, whichever page or command set it.
    """
    if instance.pk is not None and getattr(instance, "_password", None) is not None:
        ApiToken.objects.filter(user_id=instance.pk).delete()


def user_for_key(key):
    """The active user whose token has this key, or None. Records the token's use, to the minute."""
    token = ApiToken.objects.select_related("user").filter(digest=key_digest(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used is None or token.last_used <= now - LAST_USED_PRECISION:
        # Conditional, so that concurrent requests in the same minute write one row once between them.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used=None) | Q(last_used__lte=now - LAST_USED_PRECISION)
        ).update(last_used=now)
    return token.user
