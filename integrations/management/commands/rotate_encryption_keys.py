"""Re-encrypt every stored secret with the newest key of FIELD_ENCRYPTION_KEYS (see docs/integrations.md)."""

from typing import Any

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError

from integrations.crypto import rotate_encryption_keys


class Command(BaseCommand):
    help = (
        "Re-encrypt every EncryptedTextField value with the first (newest) key of FIELD_ENCRYPTION_KEYS. "
        "Run it after putting a new key in front; then the old keys can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = rotate_encryption_keys()
        except InvalidToken:
            raise CommandError(
                "A stored secret cannot be decrypted with any key of FIELD_ENCRYPTION_KEYS; "
                "put the key it was encrypted with back in the list and run this again."
            ) from None
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} re-encrypted")
        self.stdout.write(
            self.style.SUCCESS(f"Done: {sum(counts.values())} secrets re-encrypted with the newest key.")
        )
