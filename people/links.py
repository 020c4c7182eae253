"""The keys inside the links we e-mail (sign-up confirmation, invitations): signed, expiring, single-use.

A link carries `signing.dumps({"id": row id, "key": random key})`: the signature and its timestamp make a
tampered or old link fail before the database is read; the row keeps only the SHA-256 digest of the random key
(as API tokens do) and is marked used once the link has served, which makes the link single-use.
"""

import hashlib
import secrets
from typing import Protocol

from django.core import signing
from django.utils.crypto import constant_time_compare


class _KeyedRow(Protocol):
    """A row that keeps a link key's digest (an invitation, a pending sign-up)."""

    key_digest: str


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A random key and its digest: the key goes into the link, the digest into the row."""
    key = secrets.token_urlsafe(32)
    return key, key_digest(key)


def make_link_token(salt: str, row_id: int, key: str) -> str:
    return signing.dumps({"id": row_id, "key": key}, salt=salt, compress=False)


def read_link_token(salt: str, token: str, max_age: int) -> tuple[int, str] | None:
    """(row id, key) from a link's token, or None if it was tampered with, malformed or older than max_age."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("id"), int)
        or not isinstance(data.get("key"), str)
    ):
        return None
    return data["id"], data["key"]


def key_matches(row: _KeyedRow, key: str) -> bool:
    return constant_time_compare(row.key_digest, key_digest(key))
