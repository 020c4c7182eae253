"""The one e-mail rule: two e-mails are the same when they are equal trimmed and case-insensitively.

Pure Python (no Django), so the sync's pure rules can use it too. The fold is `str.lower`, the same as the
database's unique index on people (`Lower("email")`), Django's `iexact` and login usernames, so the code and the
database agree on which e-mails are one.
"""


def normalize_email(email: str | None) -> str | None:
    """The key e-mails are compared by: trimmed and lower-cased; a blank or missing e-mail is None."""
    if email is None:
        return None
    return email.strip().lower() or None


def stored_email(email: str | None) -> str:
    """An e-mail as a person's row keeps it: trimmed, its case as typed (shown back as the person wrote it)."""
    return (email or "").strip()
