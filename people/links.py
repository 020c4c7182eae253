"""The keys inside the links we e-mail (sign-up confirmation, invitations): signed, expiring, single-use.

A link carries `signing.dumps({"id": row id, "key": random key})`: the signature and its timestamp make a
tampered or old link fail before the database is read; the row keeps only the SHA-256 digest of the random key
(as API tokens do) and is marked used once the link has served, which makes the link single-use.
"""

import hashlib
import secrets

from django.core import signing
from django.utils.crypto import constant_time_compare


def key_digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def new_key():
    """A random key and its digest: the key goes into the link, the digest into the row."""
    key = secrets.token_urlsafe(32)
    return key, key_digest(key)


def make_link_token(salt, row_id, key):
    return signing.dumps({"id": row_id, "key": key}, salt=salt, compress=False)


def read_link_token(salt, token, max_age):
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


def key_matches(row, key):
    return constant_time_compare(row.key_digest, key_digest(key))
