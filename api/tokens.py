"""Per-user API tokens (`Authorization: Token <key>`), issued from the profile page or by create_api_token."""

from django.db import transaction
from rest_framework.authtoken.models import Token


def current_token(user):
    return Token.objects.filter(user=user).first()


@transaction.atomic
def issue_token(user):
    """A new token for the user; the one they had (if any) stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def revoke_token(user):
    """Delete the user's token; returns whether there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
