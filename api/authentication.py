from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .tokens import user_for_key


class HashedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, checked against the stored digest of the key (never the key itself)."""

    def authenticate_credentials(self, key):
        user = user_for_key(key)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return (user, None)
