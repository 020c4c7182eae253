"""Encryption of secrets at rest: client secrets and OAuth tokens.

Keys come from settings.FIELD_ENCRYPTION_KEYS (Fernet keys, newest first). MultiFernet encrypts with the
first key and decrypts with any, so a new key can be put in front while old rows are still readable;
`manage.py rotate_encryption_keys` then re-encrypts every stored secret with the newest key, after which the
old key can be dropped.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys):
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key") from exc


def fernet():
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS") from exc


def rotate(token: str) -> str:
    return fernet().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees the plain text, the database never does."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)
