"""How requests-oauthlib and oauthlib are set up for Hubstaff, once, when Django starts (IntegrationsConfig.ready).

- Their DEBUG records hold whole tokens and token responses: a filter drops them on their loggers.
- oauthlib refuses plain HTTP unless OAUTHLIB_INSECURE_TRANSPORT is set in the process environment (it reads
  nothing else). It is set only when a configured Hubstaff address is plain HTTP on this machine, which is the
  sandbox; the real Hubstaff is HTTPS-only, so production never sets it. The decision is taken at startup and
  again when a test points the settings at a sandbox (Django's setting_changed), never on a request path.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit

from django.conf import settings

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
_TOKEN_LOGGERS = (
    "requests_oauthlib.oauth2_session",
    "requests_oauthlib.oauth2_auth",
    "oauthlib.oauth2.rfc6749.clients.base",
    "oauthlib.oauth2.rfc6749.parameters",
    "oauthlib.oauth2.rfc6749.tokens",
    "oauthlib.oauth2.rfc6749",
    "oauthlib.oauth2",
    "oauthlib",
    "requests_oauthlib",
)
HUBSTAFF_URL_SETTINGS = ("HUBSTAFF_ACCOUNT_URL", "HUBSTAFF_API_URL")


class _DropDebugRecords(logging.Filter):
    """requests-oauthlib and oauthlib log whole tokens and token responses at DEBUG: never let those through."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


def silence_token_logging() -> None:
    for name in _TOKEN_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, _DropDebugRecords) for f in target.filters):
            target.addFilter(_DropDebugRecords())


def is_local_plain_http(url: str) -> bool:
    """Whether `url` is plain HTTP to this machine (or a .test / .localhost name): the sandbox, never Hubstaff."""
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower()
    return parts.scheme == "http" and (host in _LOCAL_HOSTS or host.endswith((".test", ".localhost")))


def allow_plain_http_to_local_hubstaff() -> None:
    """Let oauthlib speak plain HTTP if a configured Hubstaff address is local (see the module's docstring)."""
    if any(is_local_plain_http(getattr(settings, name, "")) for name in HUBSTAFF_URL_SETTINGS):
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


def on_setting_changed(*, setting: str, **kwargs: object) -> None:
    """Django's setting_changed receiver: tests that point Hubstaff at a sandbox get the same decision."""
    if setting in HUBSTAFF_URL_SETTINGS:
        allow_plain_http_to_local_hubstaff()


def configure() -> None:
    """Called once from IntegrationsConfig.ready."""
    silence_token_logging()
    allow_plain_http_to_local_hubstaff()
