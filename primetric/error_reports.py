"""What Django's error reports (the DEBUG page, error e-mails) may show: no secret of ours.

Django's own filter hides settings named like API, AUTH, TOKEN, KEY, SECRET, PASS, SIGNATURE or HTTP_COOKIE and,
with DEBUG off only, the locals of functions marked with `sensitive_variables`. This one does that with DEBUG on
too, and also hides:

- settings, environment variables and dictionary keys named like an OAuth value (verifier, nonce, state, code)
  or a credential, and the password in any URL (`redis://:password@host`, `postgres://user:password@host`);
- locals named like a secret (`token`, `access_token`, `verifier`, `code`, `secret`, `password`, ...), wherever
  they are, and the keys of that kind in dictionaries held by other locals;
- the OAuth callback's query (`?code=...&state=...`) in the request's GET items, its address, its META and the
  request's own repr (primetric/access_log.py decides which queries are sensitive).
"""

import re

from django.http import HttpRequest
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from .access_log import REDACTED, redact, sensitive_query

_SECRET_NAMES = re.compile(
    "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|COOKIE|CREDENTIAL|VERIFIER|NONCE|STATE|CODE|SESSION|DSN",
    flags=re.IGNORECASE,
)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/@\s:]*):[^/@\s]+@", flags=re.IGNORECASE)
# A local whose name has one of these words (split on "_") is hidden, whatever its value.
_SECRET_WORDS = {
    "token", "tokens", "verifier", "code", "secret", "secrets", "password", "nonce", "state", "credentials",
    "authorization", "auth", "key", "keys", "cookie", "session",
}  # fmt: skip


def _secret_local(name):
    return bool(_SECRET_WORDS.intersection(name.lower().split("_")))


class SecretsFilter(SafeExceptionReporterFilter):
    """settings.DEFAULT_EXCEPTION_REPORTER_FILTER."""

    hidden_settings = _SECRET_NAMES

    def is_active(self, request):
        # Django's filter honours sensitive_variables and sensitive_post_parameters only with DEBUG off; the DEBUG
        # page of `make run` or a developer's laptop is where a token would be seen, so always.
        return True

    def cleanse_setting(self, key, value):
        if key == "QUERY_STRING" and isinstance(value, str) and sensitive_query(value):
            return REDACTED
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str):
            return redact(_URL_PASSWORD.sub(rf"\g<head>:{self.cleansed_substitute}@", cleansed))
        return cleansed

    def cleanse_special_types(self, request, value):
        if isinstance(value, HttpRequest):
            return redact(repr(value))  # <WSGIRequest: GET '/integrations/hubstaff/callback/?[redacted]'>
        value = super().cleanse_special_types(request, value)
        if isinstance(value, dict | list | tuple | str):
            return self.cleanse_setting("", value)
        return value

    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [
            (name, self.cleansed_substitute if _secret_local(name) else value) for name, value in variables
        ]


class SecretsReporter(ExceptionReporter):
    """settings.DEFAULT_EXCEPTION_REPORTER: the request's address and GET items without an OAuth code."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.request is not None:
            query = self.request.META.get("QUERY_STRING", "")
            if sensitive_query(query, self.request.path):
                data["request_GET_items"] = [
                    (name, self.filter.cleansed_substitute) for name in self.request.GET
                ]
            data["request_insecure_uri"] = redact(data["request_insecure_uri"])
        return data
