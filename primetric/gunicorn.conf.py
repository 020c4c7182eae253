"""gunicorn's settings (`gunicorn -c primetric/gunicorn.conf.py ...`): the access log without OAuth codes or the
secrets of e-mailed links."""

from gunicorn.glogging import Logger

from primetric.access_log import REDACTED, redact, sensitive_query


class RedactingLogger(Logger):
    """The access log's fields (request line, path, query, Referer, Location, any header) lose the query string
    of a URL that may carry an authorization code or `state`, and the secret in an e-mailed link's path
    (primetric/access_log.py)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if name == "q":
                if sensitive_query(value or "", environ.get("PATH_INFO", "")):
                    atoms[name] = REDACTED
            elif name != "t":
                atoms[name] = redact(value)
        return atoms


logger_class = RedactingLogger
accesslog = "-"
