from django.conf import settings
from django.http import JsonResponse


class ContentSecurityPolicyMiddleware:
    """Send a Content-Security-Policy on every response: only this site's own scripts and styles run."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class ApiJsonErrorsMiddleware:
    """Every error under /api/ is JSON, `{"detail": "..."}`, whoever produced it.

    DRF answers its own errors in JSON, but some are made by Django before or around the view: a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE (RequestDataTooBig), a bad Host header, any other SuspiciousOperation, a crash in
    a middleware, and with DEBUG on the yellow technical pages. First in MIDDLEWARE, so it sees all of them.
    Django refuses a body announced larger than the limit with a 400 (without reading it): here that is a 413,
    Payload Too Large, which says what to change.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        response = self.get_response(request)
        if response.status_code < 400 or _is_json(response):
            return response
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if response.status_code == 400 and limit is not None and _announced_length(request) > limit:
            return _json_error(
                413, f"The request body is larger than the limit of {limit:,} bytes.", response
            )
        return _json_error(response.status_code, response.reason_phrase.rstrip(".") + ".", response)


def _announced_length(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _is_json(response):
    return response.get("Content-Type", "").split(";")[0].strip() in {
        "application/json",
        "application/problem+json",
    }


def _json_error(status, detail, original):
    answer = JsonResponse({"detail": detail}, status=status)
    # Keep what the other middleware added (security headers, Allow, cookies), not the HTML's own.
    for name, value in original.items():
        if name.lower() not in {"content-type", "content-length"}:
            answer.headers[name] = value
    answer.cookies = original.cookies
    return answer
