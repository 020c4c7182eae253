"""Access logs never hold an OAuth authorization code or `state`.

Hubstaff sends the browser back to /integrations/hubstaff/callback/?code=...&state=..., and a signed-out browser
carries that address on, percent-encoded, in the sign-in page's `?next=` (and in the Referer and Location
headers). Every URL written to an access log (runserver's `django.server` logger, gunicorn's access log) loses
its query string when the query, decoded, names `code=` or `state=` or the callback's path.
"""

import logging
import re
from urllib.parse import unquote

CALLBACK_PATH = "/integrations/hubstaff/callback/"
REDACTED = "[redacted]"
_SENSITIVE = re.compile(r"(?:^|[?&;])(?:code|state)=", re.IGNORECASE)
# A URL's query: from "?" to the next blank or quote.
_QUERY = re.compile(r"(?P<before>[^\s\"'?]*)\?(?P<query>[^\s\"']*)")


def sensitive_query(query, path=""):
    """Whether a query string (of a request to `path`) may carry an authorization code or a `state`."""
    if CALLBACK_PATH in path:
        return bool(query)
    text = query
    for _ in range(3):  # ?next=/integrations/hubstaff/callback/%3Fcode%3D... and doubly encoded forms
        if _SENSITIVE.search(text) or CALLBACK_PATH in text:
            return True
        decoded = unquote(text)
        if decoded == text:
            return False
        text = decoded
    return True  # still encoded after three rounds: not worth the risk


def redact(text):
    """`text` with the query string of every sensitive URL in it replaced by [redacted]."""
    if not isinstance(text, str) or "?" not in text:
        return text

    def replace(match):
        if sensitive_query(match["query"], match["before"]):
            return f"{match['before']}?{REDACTED}"
        return match[0]

    return _QUERY.sub(replace, text)


class RedactQueryStrings(logging.Filter):
    """For runserver's `django.server` logger: its request line is the first of the record's arguments."""

    def filter(self, record):
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        record.msg = redact(record.msg)
        return True
