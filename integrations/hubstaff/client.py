"""Hubstaff API v2 over HTTP: the one place that knows Hubstaff's addresses, paging, limits and tokens.

Everything here is HTTP and token bookkeeping; nothing maps Hubstaff's data to ours. A `HubstaffClient` is built
for one `Installation` and
- sends every request with a timeout, through requests-oauthlib's `OAuth2Session`;
- pages through listings with a generator (`page_start_id` / `page_limit`), never loading a whole listing;
- splits date ranges into windows within Hubstaff's per-request limit (31 days; docs/hubstaff.md);
- honours 429 `Retry-After` (waits up to HUBSTAFF_MAX_RETRY_AFTER, and records `rate_limited_until` on the
  installation so that every worker of the organization waits too), and retries 5xx, timeouts and connection
  errors with exponential backoff and jitter, at most HUBSTAFF_MAX_RETRIES times;
- refreshes the access token shortly before it expires and once on a 401, under a row lock so that two workers
  never spend the same (rotating) refresh token; a refused refresh marks the installation *needs
  re-authorization* and raises `ReauthorizationRequired`.

Secrets never reach a log line or an exception message: exceptions carry only what a user may read.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from oauthlib.oauth2 import OAuth2Error
from requests_oauthlib import OAuth2Session

from integrations.models import Installation

from .errors import (
    HubstaffError,
    MalformedResponse,
    RateLimited,
    ReauthorizationRequired,
    TransientHubstaffError,
    describe_token_error,
    installation_status_reason,
    refusal,
)
from .windows import MAX_WINDOW_DAYS, date_windows, iso_utc, time_windows  # noqa: F401 (sync.py, until it moves)

logger = logging.getLogger(__name__)

# Hubstaff's limits (docs/hubstaff.md, "API v2 conventions").
MAX_PAGE_LIMIT = 500
# Refresh when the access token has less than this left, so that a request never starts with a dying token.
REFRESH_MARGIN = timedelta(seconds=60)
# Longest single backoff pause between retries of a 5xx or a timeout.
MAX_BACKOFF_SECONDS = 60.0
# The rate limit other workers recorded is read from the database at most this often (not once a request).
RATE_LIMIT_CHECK_SECONDS = 2.0


# --- requests-oauthlib plumbing
# ---------------------------------------------------------------------------------


class _DropDebugRecords(logging.Filter):
    """requests-oauthlib and oauthlib log whole tokens and token responses at DEBUG: never let those through."""

    def filter(self, record):
        return record.levelno > logging.DEBUG


def _silence_token_logging():
    for name in (
        "requests_oauthlib.oauth2_session",
        "requests_oauthlib.oauth2_auth",
        "oauthlib.oauth2.rfc6749.clients.base",
        "oauthlib.oauth2.rfc6749.parameters",
        "oauthlib.oauth2.rfc6749.tokens",
        "oauthlib.oauth2.rfc6749",
        "oauthlib.oauth2",
        "oauthlib",
        "requests_oauthlib",
    ):
        target = logging.getLogger(name)
        if not any(isinstance(f, _DropDebugRecords) for f in target.filters):
            target.addFilter(_DropDebugRecords())


_silence_token_logging()

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def allow_plain_http_to_local_hubstaff(*urls: str) -> None:
    """oauthlib refuses plain HTTP; allow it only when every Hubstaff address is this machine (the sandbox).

    The real Hubstaff is HTTPS-only, so production never sets this.
    """
    for url in urls:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme == "http" and (host in _LOCAL_HOSTS or host.endswith((".test", ".localhost"))):
            os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
            return


def token_auth(installation) -> requests.auth.HTTPBasicAuth | None:
    """Client authentication for the token endpoint: HTTP Basic like Hubstaff's own CLI.

    A personal-access-token installation has no client credentials and refreshes without them.
    """
    if installation.client_id and installation.client_secret:
        return requests.auth.HTTPBasicAuth(installation.client_id, installation.client_secret)
    return None


def raise_for_token_endpoint_status(response):
    """Compliance hook: a 5xx or non-JSON answer of the token endpoint is transient, not an OAuth verdict."""
    if response.status_code >= 500:
        raise TransientHubstaffError(
            f"Hubstaff's token endpoint answered {response.status_code}; try again later."
        )
    return response


def expires_at_from(token: dict) -> datetime | None:
    try:
        seconds = float(token.get("expires_in"))
    except (TypeError, ValueError):
        return None
    return timezone.now() + timedelta(seconds=seconds)


def request_token_refresh(installation, refresh_token: str, *, sleep=time.sleep) -> dict:
    """Spend `refresh_token` at Hubstaff's token endpoint and return the new token response.

    Retries 5xx and connection errors; a refusal (`invalid_grant`, `invalid_client`) raises oauthlib's
    OAuth2Error for the caller to judge. Used by the client and by the personal-access-token install.
    """
    from . import discovery  # discovery imports this module's exceptions

    token_url = discovery.token_endpoint()
    allow_plain_http_to_local_hubstaff(token_url)
    attempts = 0
    while True:
        oauth = OAuth2Session(client_id=installation.client_id or None)
        oauth.register_compliance_hook("refresh_token_response", raise_for_token_endpoint_status)
        try:
            return oauth.refresh_token(
                token_url,
                refresh_token=refresh_token,
                auth=token_auth(installation),
                timeout=settings.HUBSTAFF_REQUEST_TIMEOUT,
                headers={"Accept": "application/json"},
            )
        except (requests.ConnectionError, requests.Timeout, TransientHubstaffError) as exc:
            attempts += 1
            if attempts > settings.HUBSTAFF_MAX_RETRIES:
                if isinstance(exc, TransientHubstaffError):
                    raise
                raise TransientHubstaffError(
                    "Hubstaff's token endpoint could not be reached; try again later."
                ) from None
            sleep(backoff_delay(attempts))
        finally:
            oauth.close()


def backoff_delay(attempt: int) -> float:
    """Exponential backoff with jitter: base * 2^(attempt-1), plus up to as much again at random."""
    base = settings.HUBSTAFF_RETRY_BASE_DELAY * (2 ** (attempt - 1))
    return min(MAX_BACKOFF_SECONDS, base + random.uniform(0, base))


def retry_after_seconds(response) -> float:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); 60 if absent or unreadable."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return 60.0
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 60.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - timezone.now()).total_seconds())


def mark_needs_reauthorization(installation, reason: str) -> None:
    """Record that Hubstaff refused this installation's tokens; forget the dead tokens. Saves immediately."""
    installation.status = Installation.Status.NEEDS_REAUTHORIZATION
    installation.status_reason = reason
    installation.access_token = ""
    installation.refresh_token = ""
    installation.access_token_expires_at = None
    Installation.objects.filter(pk=installation.pk).update(
        status=installation.status,
        status_reason=reason,
        access_token="",
        refresh_token="",
        access_token_expires_at=None,
        updated_at=timezone.now(),
    )
    logger.warning("hubstaff installation %s needs re-authorization: %s", installation.pk, reason)


def store_tokens(installation, token: dict, *, refreshed: bool = True) -> None:
    """Put a token response on the installation (in memory; the caller saves)."""
    installation.access_token = token["access_token"]
    # Hubstaff rotates refresh tokens; keep the old one only if none came back (then it was not rotated).
    installation.refresh_token = token.get("refresh_token") or installation.refresh_token
    installation.access_token_expires_at = expires_at_from(token)
    scope = token.get("scope")
    if scope:
        installation.scope = " ".join(scope) if isinstance(scope, (list, tuple)) else str(scope)
    if refreshed:
        installation.last_refreshed_at = timezone.now()


TOKEN_FIELDS = [
    "access_token",
    "refresh_token",
    "access_token_expires_at",
    "scope",
    "last_refreshed_at",
    "updated_at",
]


def _pending_key(url, params):
    """A request's identity for matching a page sent ahead with the page asked for (params' lists made hashable)."""
    return url, tuple(
        sorted(
            (name, tuple(value) if isinstance(value, list) else value)
            for name, value in (params or {}).items()
        )
    )


# --- the client
# -------------------------------------------------------------------------------------------------


class HubstaffClient:
    """Hubstaff API v2 for one installation. Not thread-safe: one client per worker/task."""

    def __init__(self, installation, *, session=None, sleep=time.sleep, prefetch=False):
        self.installation = installation
        # prefetch: while the caller works on a page of a listing, the request of the next page is already
        # sent
        # from a background thread (one per listing fetched at once, see daily_activity_window_pages). Only
        # the HTTP
        # exchange runs there; every database read or write (rate limit, tokens) and every retry decision
        # stays in
        # the caller's thread.
        self.prefetch = prefetch
        self._pending = {}  # (url, params) -> (access token, future) of each request sent ahead
        self._executor = None
        self._executor_workers = 0
        self._worker_sessions = []  # one HTTP session per background thread (a session is not shared between threads)
        self._local = threading.local()
        self._rate_limit_checked_at = None  # time.monotonic() of the last read of rate_limited_until
        self.session = (
            session if session is not None else OAuth2Session(client_id=installation.client_id or None)
        )
        self.sleep = sleep
        self.requests_made = 0  # every HTTP request sent to the API, retries included
        self.token_requests_made = 0  # refreshes sent to the token endpoint
        self._waited_until = None  # the rate-limit end this client already slept through
        self.api_url = settings.HUBSTAFF_API_URL.rstrip("/")
        allow_plain_http_to_local_hubstaff(self.api_url)

    # --- public calls
    # -------------------------------------------------------------------------------------------
    def me(self) -> dict:
        return self._expect(self._get("/users/me"), "user", "/users/me")

    def organizations(self) -> Iterator[dict]:
        for page in self._pages("/organizations", "organizations"):
            yield from page["organizations"]

    def projects(self, organization_id, status="all") -> Iterator[dict]:
        path = f"/organizations/{int(organization_id)}/projects"
        for page in self._pages(path, "projects", {"status": status}):
            yield from page["projects"]

    def members(self, organization_id) -> Iterator[dict]:
        """The organization's users (id, name, email, time_zone, status, ...) with their membership fields."""
        path = f"/organizations/{int(organization_id)}/members"
        for page in self._pages(path, "members", {"include[]": "users"}):
            users = {u.get("id"): u for u in page.get("users") or [] if isinstance(u, dict)}
            for member in page["members"]:
                user_id = member.get("user_id")
                user = dict(users.get(user_id) or {"id": user_id, "name": "", "email": None})
                user.setdefault("id", user_id)
                user["membership_id"] = member.get("id")
                user["membership_role"] = member.get("membership_role")
                user["membership_status"] = member.get("membership_status")
                yield user

    def daily_activity_pages(
        self, organization_id, *, start: date, stop: date, project_ids=None, user_ids=None
    ) -> Iterator[list[dict]]:
        """Pages of daily-activity rows for dates start..stop (inclusive), window by window."""
        windows = date_windows(start, stop)
        for _, rows in self.daily_activity_window_pages(
            organization_id, windows, project_ids=project_ids, user_ids=user_ids
        ):
            if rows is not None:
                yield rows

    def daily_activity_window_pages(
        self,
        organization_id,
        windows: Iterable[tuple[date, date]],
        *,
        project_ids=None,
        user_ids=None,
        streams: int = 1,
    ) -> Iterator[tuple[tuple[date, date], list[dict] | None]]:
        """Daily-activity rows of each window (start, stop; at most MAX_WINDOW_DAYS dates), page by page.

        Yields (window, rows) for each page with rows, then (window, None) once the window is complete. With
        `prefetch` on, `streams` windows are fetched at once, each with its next page in flight, and their pages
        come interleaved: the same requests as one window after the other, in less time.
        """
        path = f"/organizations/{int(organization_id)}/activities/daily"
        filters = self._id_filters(project_ids=project_ids, user_ids=user_ids)
        streams = max(1, streams) if self.prefetch else 1
        waiting = iter(windows)
        open_windows = deque()  # (window, its pages)

        def open_next():
            window = next(waiting, None)
            if window is None:
                return
            params = {"date[start]": window[0].isoformat(), "date[stop]": window[1].isoformat(), **filters}
            if self.prefetch:
                self._send_ahead(path, {**params, "page_limit": MAX_PAGE_LIMIT}, workers=streams)
            open_windows.append((window, self._pages(path, "daily_activities", params, workers=streams)))

        for _ in range(streams):
            open_next()
        try:
            while open_windows:
                window, pages = open_windows.popleft()
                page = next(pages, None)
                if page is None:
                    yield window, None
                    open_next()
                    continue
                open_windows.append((window, pages))
                if page["daily_activities"]:
                    yield window, page["daily_activities"]
        finally:
            for _, pages in open_windows:
                pages.close()

    def daily_activity_update_pages(
        self, organization_id, *, since: datetime, until: datetime, project_ids=None
    ) -> Iterator[list[dict]]:
        """Pages of daily-activity rows changed in [since, until), window by window (activities/daily/updates)."""
        path = f"/organizations/{int(organization_id)}/activities/daily/updates"
        filters = self._id_filters(project_ids=project_ids)
        for window_start, window_stop in time_windows(since, until):
            params = {
                "updated[start]": iso_utc(window_start),
                "updated[stop]": iso_utc(window_stop),
                **filters,
            }
            for page in self._pages(path, "daily_activities", params):
                if page["daily_activities"]:
                    yield page["daily_activities"]

    # --- paging
    # -------------------------------------------------------------------------------------------------
    @staticmethod
    def _id_filters(**lists):
        return {f"{name}[]": [int(i) for i in ids] for name, ids in lists.items() if ids}

    def _pages(self, path: str, key: str, params: dict | None = None, *, workers: int = 1) -> Iterator[dict]:
        """Each page's body of a listing, following `pagination.next_page_start_id` until it is absent."""
        params = {**(params or {}), "page_limit": MAX_PAGE_LIMIT}
        start_id = None
        while True:
            page_params = dict(params)
            if start_id is not None:
                page_params["page_start_id"] = start_id
            body = self._get(path, page_params)
            items = body.get(key) if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise MalformedResponse(f"Hubstaff's answer to GET {path} has no '{key}' list.")
            next_id = (body.get("pagination") or {}).get("next_page_start_id")
            if self.prefetch and next_id is not None and next_id != start_id:
                self._send_ahead(path, {**params, "page_start_id": next_id}, workers=workers)
            try:
                yield body
            except GeneratorExit:
                self._drop_pending()
                raise
            if next_id is None:
                return
            if next_id == start_id:
                raise MalformedResponse(f"Hubstaff's paging of GET {path} does not advance.")
            start_id = next_id

    @staticmethod
    def _expect(body, key: str, path: str):
        if not isinstance(body, dict) or not isinstance(body.get(key), dict):
            raise MalformedResponse(f"Hubstaff's answer to GET {path} has no '{key}'.")
        return body[key]

    # --- one request, with everything that can go wrong
    # -----------------------------------------------------------
    def _get(self, path: str, params: dict | None = None):
        url = self.api_url + path
        failures = 0  # 5xx, timeouts, connection errors and 429s so far in this call
        refreshed_after_401 = False
        while True:
            ahead = self._take_pending(url, params)
            body = None
            if ahead is not None:
                sent_with, future = ahead  # sent ahead (prefetch), after the same checks as below
            else:
                self._wait_while_rate_limited()
                self._ensure_fresh_token()
                sent_with = self.installation.access_token
                self.requests_made += 1
            try:
                if ahead is not None:
                    response, body = future.result()
                else:
                    response = self._send(url, params, sent_with)
            except (requests.Timeout, requests.ConnectionError) as exc:
                failures += 1
                kind = (
                    "did not answer in time" if isinstance(exc, requests.Timeout) else "could not be reached"
                )
                logger.info("hubstaff GET %s %s (attempt %s)", path, kind, failures)
                if failures > settings.HUBSTAFF_MAX_RETRIES:
                    raise TransientHubstaffError(
                        f"Hubstaff {kind} (GET {path}), {failures} attempts."
                    ) from None
                self.sleep(backoff_delay(failures))
                continue

            status = response.status_code
            if status == 200:
                if body is not None:
                    return body
                try:
                    return response.json()
                except ValueError:
                    raise MalformedResponse(f"Hubstaff's answer to GET {path} is not valid JSON.") from None
            if status == 401 and not refreshed_after_401:
                refreshed_after_401 = True
                logger.info("hubstaff GET %s answered 401; refreshing the access token once", path)
                self._refresh(stale_access_token=sent_with)
                continue
            if status == 429:
                failures += 1
                wait = retry_after_seconds(response)
                until = self._record_rate_limit(wait)
                logger.info("hubstaff GET %s rate limited; Retry-After %.0f s", path, wait)
                if wait > settings.HUBSTAFF_MAX_RETRY_AFTER or failures > settings.HUBSTAFF_MAX_RETRIES:
                    raise RateLimited.for_seconds(wait)
                self.sleep(wait)
                self._waited_until = until
                continue
            if status >= 500:
                failures += 1
                logger.info("hubstaff GET %s answered %s (attempt %s)", path, status, failures)
                if failures > settings.HUBSTAFF_MAX_RETRIES:
                    raise TransientHubstaffError(
                        f"Hubstaff answered {status} to GET {path}, {failures} attempts."
                    )
                self.sleep(backoff_delay(failures))
                continue
            raise HubstaffError(refusal(path, response))

    # --- prefetch: the next page's request in flight while the caller works
    # ----------------------------------
    def _send_ahead(self, path: str, params: dict, *, workers: int = 1) -> None:
        url = self.api_url + path
        self._drop_pending(url, params)
        self._wait_while_rate_limited()
        self._ensure_fresh_token()
        sent_with = self.installation.access_token
        self.requests_made += 1
        if self._executor is None or self._executor_workers < workers:
            self._shutdown_executor()
            self._executor = ThreadPoolExecutor(
                max_workers=workers, thread_name_prefix="hubstaff-prefetch", initializer=self._start_worker
            )
            self._executor_workers = workers
        future = self._executor.submit(self._send_and_decode, url, params, sent_with)
        self._pending[_pending_key(url, params)] = (sent_with, future)

    def _start_worker(self):
        """A background thread's own HTTP session, of the same kind as the client's."""
        if isinstance(self.session, OAuth2Session):
            session = OAuth2Session(client_id=self.installation.client_id or None)
            self._worker_sessions.append(session)
        else:
            session = self.session  # a session given to the client (tests): used as given
        self._local.session = session

    def _send_and_decode(self, url, params, access_token):
        """In a background thread: the request, and the JSON of a 200 (None if absent or not JSON)."""
        response = self._send(url, params, access_token, session=self._local.session)
        body = None
        if response.status_code == 200:
            try:
                body = response.json()
            except ValueError:
                body = None  # _get says so, in the caller's thread
        return response, body

    def _take_pending(self, url, params):
        return self._pending.pop(_pending_key(url, params), None)

    def _drop_pending(self, url=None, params=None) -> None:
        """Wait for requests sent ahead that nobody will read: all of them, or the one of (url, params)."""
        if url is None:
            dropped = list(self._pending.values())
            self._pending.clear()
        else:
            dropped = [
                entry for entry in [self._pending.pop(_pending_key(url, params), None)] if entry is not None
            ]
        for _, future in dropped:
            try:
                future.result()
            except Exception as exc:  # nobody asked for this page: its failure is nobody's
                logger.debug("hubstaff request sent ahead and dropped: %s", exc.__class__.__name__)

    def _shutdown_executor(self) -> None:
        self._drop_pending()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        for session in self._worker_sessions:
            session.close()
        self._worker_sessions = []

    def close(self) -> None:
        self._shutdown_executor()

    def _send(self, url, params, access_token, session=None):
        session = session if session is not None else self.session
        headers = {"Accept": "application/json"}
        timeout = settings.HUBSTAFF_REQUEST_TIMEOUT
        if isinstance(session, OAuth2Session):
            session.token = {"access_token": access_token, "token_type": "Bearer"}
            return session.request("GET", url, params=params, headers=headers, timeout=timeout)
        headers["Authorization"] = f"Bearer {access_token}"
        return session.request("GET", url, params=params, headers=headers, timeout=timeout)

    # --- rate limit shared by every worker of the installation
    # ----------------------------------------------------
    def _wait_while_rate_limited(self):
        if not self.installation.pk:
            return
        now = time.monotonic()
        if (
            self._rate_limit_checked_at is not None
            and now - self._rate_limit_checked_at < RATE_LIMIT_CHECK_SECONDS
        ):
            return
        self._rate_limit_checked_at = now
        until = (
            Installation.objects.filter(pk=self.installation.pk)
            .values_list("rate_limited_until", flat=True)
            .first()
        )
        if until is None or (self._waited_until is not None and until <= self._waited_until):
            return
        wait = (until - timezone.now()).total_seconds()
        if wait <= 0:
            return
        if wait > settings.HUBSTAFF_MAX_RETRY_AFTER:
            raise RateLimited.for_seconds(wait)
        self.sleep(wait)
        self._waited_until = until

    def _record_rate_limit(self, seconds: float) -> datetime:
        until = timezone.now() + timedelta(seconds=seconds)
        self.installation.rate_limited_until = until
        if self.installation.pk:
            from django.db.models import Q

            Installation.objects.filter(pk=self.installation.pk).filter(
                Q(rate_limited_until__isnull=True) | Q(rate_limited_until__lt=until)
            ).update(rate_limited_until=until)
        return until

    # --- tokens
    # ---------------------------------------------------------------------------------------------------
    @staticmethod
    def _expiring(installation) -> bool:
        expires_at = installation.access_token_expires_at
        return expires_at is not None and expires_at - timezone.now() < REFRESH_MARGIN

    def _ensure_fresh_token(self):
        inst = self.installation
        if inst.needs_reauthorization:
            raise ReauthorizationRequired(installation_status_reason(inst))
        if not inst.access_token or self._expiring(inst):
            self._refresh(stale_access_token=inst.access_token)

    def _refresh(self, *, stale_access_token: str):
        """Get a new access token, unless another worker already did while we waited for the lock.

        The row lock (SELECT ... FOR UPDATE on PostgreSQL; SQLite's write transaction serializes the same way)
        is held across the token request, so that a rotating refresh token is spent exactly once.
        """
        refusal = None
        with transaction.atomic():
            try:
                current = Installation.objects.select_for_update().get(pk=self.installation.pk)
            except Installation.DoesNotExist:
                raise ReauthorizationRequired("The Hubstaff integration was uninstalled.") from None
            if current.needs_reauthorization:
                self._adopt(current)
                raise ReauthorizationRequired(installation_status_reason(current))
            if (
                current.access_token
                and current.access_token != stale_access_token
                and not self._expiring(current)
            ):
                self._adopt(current)  # another worker refreshed already: use theirs
                return
            if not current.refresh_token:
                refusal = "Hubstaff gave no refresh token, so the access cannot be renewed."
            else:
                self.token_requests_made += 1
                try:
                    token = request_token_refresh(current, current.refresh_token, sleep=self.sleep)
                except OAuth2Error as exc:
                    refusal = f"Hubstaff refused to renew the access ({describe_token_error(exc)})."
                    if getattr(exc, "error", "") not in (
                        "invalid_grant",
                        "invalid_client",
                        "unauthorized_client",
                    ):
                        raise HubstaffError(
                            f"Hubstaff's token endpoint answered with an error ({describe_token_error(exc)})."
                        ) from None
                else:
                    store_tokens(current, token)
                    current.save(update_fields=TOKEN_FIELDS)
                    logger.info("hubstaff installation %s: access token refreshed", current.pk)
        if refusal:
            mark_needs_reauthorization(self.installation, refusal)
            raise ReauthorizationRequired(installation_status_reason(self.installation))
        self._adopt(current)

    def _adopt(self, current):
        for name in (
            "access_token",
            "refresh_token",
            "access_token_expires_at",
            "scope",
            "last_refreshed_at",
            "status",
            "status_reason",
            "rate_limited_until",
        ):
            setattr(self.installation, name, getattr(current, name))
