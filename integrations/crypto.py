"""Encryption of secrets at rest: client secrets and OAuth tokens.

Keys come from settings.FIELD_ENCRYPTION_KEYS (Fernet keys, newest first). MultiFernet encrypts with the
first key and decrypts with any, so a new key can be put in front while old rows are still readable;
`rotate_encryption_keys` (run by `manage.py rotate_encryption_keys`) then re-encrypts every stored secret with
the newest key, after which the old key can be dropped.
"""

from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str | bytes, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key") from exc


def fernet() -> MultiFernet:
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


if TYPE_CHECKING:
    # What the field is set to and what it reads back; Django's own classes take no type parameters at run time.
    _TextField = models.TextField[str | Combinable, str]
else:
    _TextField = models.TextField


class EncryptedTextField(_TextField):
    """A text column stored encrypted; Python code sees the plain text, the database never does."""

    def from_db_value(
        self, value: str | None, expression: object, connection: BaseDatabaseWrapper
    ) -> str | None:
        if not value:  # None or ""
            return value
        return decrypt(value)

    def get_prep_value(self, value: object) -> str | None:
        prepared: str | None = super().get_prep_value(value)
        if not prepared:  # None or ""
            return prepared
        return encrypt(prepared)


# --- key rotation


def encrypted_fields() -> Iterator[tuple[type[models.Model], str]]:
    """(model, field name) of every EncryptedTextField of every installed model."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field.name


def rotate_encryption_keys(batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every stored secret with the newest key of FIELD_ENCRYPTION_KEYS (MultiFernet.rotate).

    Reads the ciphertext as stored (cast to plain text, so the field does not decrypt it) and writes the rotated
    ciphertext back as a plain value (so the field does not encrypt it twice). Returns counts per model.field.
    """
    counts: dict[str, int] = {}
    for model, name in encrypted_fields():
        label = f"{model._meta.label}.{name}"
        counts[label] = 0
        rows = (
            model._base_manager.exclude(**{name: ""})
            .exclude(**{f"{name}__isnull": True})
            .annotate(_ciphertext=Cast(name, output_field=models.TextField()))
            .values_list("pk", "_ciphertext")
            .order_by("pk")
        )
        pending = list(rows.iterator(chunk_size=batch_size))
        for start in range(0, len(pending), batch_size):
            with transaction.atomic():
                for pk, ciphertext in pending[start : start + batch_size]:
                    rotated = rotate(ciphertext)
                    model._base_manager.filter(pk=pk).update(
                        **{name: Value(rotated, output_field=models.TextField())}
                    )
                    counts[label] += 1
    return counts
