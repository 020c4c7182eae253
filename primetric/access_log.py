"""Access logs never hold an OAuth authorization code or `state`, nor the secret of an e-mailed link.

Hubstaff sends the browser back to /integrations/hubstaff/callback/?code=...&state=..., and a signed-out browser
carries that address on, percent-encoded, in the sign-in page's `?next=` (and in the Referer and Location
headers). Every URL written to an access log (runserver's `django.server` logger, gunicorn's access log) loses
its query string when the query, decoded, names `code=` or `state=` or the callback's path.

The links we e-mail carry their secret in the path (people/account_urls.py: an invitation, a sign-up
confirmation, a password reset). Wherever such a path appears (request line, Referer, Location), its secret
becomes [redacted] and the route keeps its shape; a query that names such a path (`?next=`) is dropped whole.
So does the key in the address Hubstaff's webhooks post to.
"""

import logging
import re
from urllib.parse import unquote

CALLBACK_PATH = "/integrations/hubstaff/callback/"
REDACTED = "[redacted]"
_SENSITIVE = re.compile(r"(?:^|[?&;])(?:code|state)=", re.IGNORECASE)
# A URL's query: from "?" to the next blank or quote.
_QUERY = re.compile(r"(?P<before>[^\s\"'?]*)\?(?P<query>[^\s\"']*)")
# A path segment: up to the next slash, query, blank or quote.
_SEGMENT = r"[^/?#\s\"']+"
# The e-mailed links' routes (people/account_urls.py) and Hubstaff's webhook address (its installation's key:
# integrations/services/live.py), the secret segment named `secret`. Django's password
# reset swaps the token for "set-password" in its own redirect; that segment is no secret and stays readable.
SECRET_PATHS = re.compile(
    rf"(?P<route>/accounts/invitation/|/signup/confirm/|/accounts/password/reset/{_SEGMENT}/|/hooks/hubstaff/)"
    rf"(?!set-password(?:[/?#\s\"']|$))(?P<secret>{_SEGMENT})"
)


def redact_paths(text):
    """`text` with the secret of every e-mailed link's path in it replaced by [redacted]."""
    return SECRET_PATHS.sub(lambda match: f"{match['route']}{REDACTED}", text)


def sensitive_query(query, path=""):
    """Whether a query string (of a request to `path`) may carry an authorization code, a `state` or the path of
    an e-mailed link."""
    if CALLBACK_PATH in path:
        return bool(query)
    text = query
    for _ in range(3):  # ?next=/integrations/hubstaff/callback/%3Fcode%3D... and doubly encoded forms
        if _SENSITIVE.search(text) or CALLBACK_PATH in text or SECRET_PATHS.search(text):
            return True
        decoded = unquote(text)
        if decoded == text:
            return False
        text = decoded
    return True  # still encoded after three rounds: not worth the risk


def redact(text: str) -> str:
    """`text` with the query string of every sensitive URL in it, and the secret of every e-mailed link's path,
    replaced by [redacted]."""
    if not isinstance(text, str):
        return text
    if "?" in text:

        def replace(match):
            if sensitive_query(match["query"], match["before"]):
                return f"{match['before']}?{REDACTED}"
            return match[0]

        text = _QUERY.sub(replace, text)
    return redact_paths(text)


class RedactQueryStrings(logging.Filter):
    """For runserver's `django.server` logger (its request line is the first of the record's arguments) and
    Django's own request warnings ("Not Found: <path>")."""

    def filter(self, record):
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        record.msg = redact(record.msg)
        return True
