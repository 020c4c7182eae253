"""Hubstaff API v2 over HTTP: the one place that knows Hubstaff's addresses, paging and limits.

Everything here is HTTP; nothing maps Hubstaff's data to ours (mapping.py does) and nothing writes a database row
(tokens.py does, for the client). A `HubstaffClient` is built for one `Installation` and
- sends every request with a timeout, through requests-oauthlib's `OAuth2Session`;
- pages through listings with a generator (`page_start_id` / `page_limit`), never loading a whole listing, and
  with `prefetch` sends the next page's request from a background thread while the caller works on a page;
- asks for date ranges in windows within Hubstaff's per-request limit (windows.py);
- takes each request from the installation's shared request budget first (budget.py);
- honours 429 `Retry-After` as pacing: the limit's end is recorded on the installation and the budget's window
  counts as spent until then, so that every worker waits too (a 429 is not a failure; retries.py);
- retries 5xx, timeouts and connection errors (retries.py);
- sends the access token `tokens.InstallationTokens` keeps fresh, and has it refreshed once on a 401;
- writes (webhooks: POST, DELETE) follow the same rules, except that a request Hubstaff may have carried out
  (a 5xx, a timeout, a broken connection) is sent again only when sending it twice does no harm: activating and
  deleting a webhook are; creating one is not (Hubstaff lists no webhooks, so a second one would go unseen and
  deliver every event twice), so its failure is raised as it is and the caller decides.

Secrets never reach a log line or an exception message: exceptions carry only what a user may read (errors.py).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from requests_oauthlib import OAuth2Session

from integrations.models import Installation
from primetric import counters

from . import mapping
from .budget import RequestBudget
from .errors import (
    MalformedResponse,
    NotFound,
    RateLimited,
    TransientHubstaffError,
    refusal_error,
)
from .retries import Sleep, backoff_delay, retry_after_seconds
from .tokens import InstallationTokens, record_rate_limit, recorded_rate_limit
from .windows import iso_utc, time_windows

logger = logging.getLogger(__name__)

# Hubstaff's limits (docs/hubstaff.md, "API v2 conventions").
MAX_PAGE_LIMIT = 500
# The rate limit other workers recorded is read from the database at most this often (not once a request).
RATE_LIMIT_CHECK_SECONDS = 2.0

# A request's query: texts and numbers, and lists of ids (sent as `name[]=1&name[]=2`).
Params = dict[str, str | int | list[int]]
# A request sent ahead, as its URL and query; and what its thread hands back: the response, and its JSON if it
# is a 200 that decodes.
PendingKey = tuple[str, tuple[tuple[str, str | int | tuple[int, ...]], ...]]
Sent = tuple[requests.Response, object]


def _pending_key(url: str, params: Params | None) -> PendingKey:
    """A request's identity for matching a page sent ahead with the page asked for (params' lists made hashable)."""
    return url, tuple(
        sorted(
            (name, tuple(value) if isinstance(value, list) else value)
            for name, value in (params or {}).items()
        )
    )


# --- the client


class HubstaffClient:
    """Hubstaff API v2 for one installation. Not thread-safe: one client per worker/task."""

    def __init__(
        self,
        installation: Installation,
        *,
        session: requests.Session | None = None,
        sleep: Sleep = time.sleep,
        prefetch: bool = False,
    ) -> None:
        """`session` (an OAuth2Session by default) and `sleep` are the seams tests inject faults and time through.

        `prefetch`: while the caller works on a page of a listing, the request of the next page is already sent
        from a background thread (one per listing fetched at once, see daily_activity_window_pages). Only the
        HTTP exchange runs there; every database read or write (rate limit, tokens) and every retry decision
        stays in the caller's thread.
        """
        self.installation = installation
        self.prefetch = prefetch
        # (url, params) -> (access token, future) of each request sent ahead
        self._pending: dict[PendingKey, tuple[str, Future[Sent]]] = {}
        self._executor: ThreadPoolExecutor | None = None
        self._executor_workers = 0
        # one HTTP session per background thread (threads share no session)
        self._worker_sessions: list[requests.Session] = []
        self._local = threading.local()
        # time.monotonic() of the last read of rate_limited_until
        self._rate_limit_checked_at: float | None = None
        self.session: requests.Session = (
            session if session is not None else OAuth2Session(client_id=installation.client_id or None)
        )
        self.sleep = sleep
        self.requests_made = 0  # every HTTP request sent to the API, retries included
        self.tokens = InstallationTokens(installation, sleep=sleep)
        self.budget = RequestBudget(installation, sleep=sleep)
        self._waited_until: datetime | None = None  # the rate-limit end this client already slept through
        api_url: str = settings.HUBSTAFF_API_URL
        self.api_url = api_url.rstrip("/")

    # --- public calls
    def me(self) -> dict[str, Any]:
        return self._expect(self._get("/users/me"), "user", "/users/me")

    def organizations(self) -> Iterator[dict[str, Any]]:
        for page in self._pages("/organizations", "organizations"):
            yield from page["organizations"]

    def projects(self, organization_id: int, status: str = "all") -> Iterator[dict[str, Any]]:
        path = f"/organizations/{int(organization_id)}/projects"
        for page in self._pages(path, "projects", {"status": status}):
            yield from page["projects"]

    def members(self, organization_id: int) -> Iterator[dict[str, Any]]:
        """The organization's users (id, name, email, time_zone, status, ...) with their membership fields.

        People who left the organization are included (`include_removed`, false by default at Hubstaff): their
        past time is still in the daily activities and must stay theirs.
        """
        path = f"/organizations/{int(organization_id)}/members"
        for page in self._pages(path, "members", {"include[]": "users", "include_removed": "true"}):
            yield from mapping.member_users(page)

    def listing(self, path: str, key: str, params: Params | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a paged listing under `key` (GET `path`, relative to the API URL), page after page;
        side-loads (`users`, ...) are on each page's body, which `listing_pages` gives."""
        for page in self._pages(path, key, params):
            yield from page[key]

    def listing_pages(self, path: str, key: str, params: Params | None = None) -> Iterator[dict[str, Any]]:
        """Each page's whole body of a paged listing (its `key` list and side-loads)."""
        yield from self._pages(path, key, params)

    def time_edit_log_pages(
        self,
        organization_id: int,
        *,
        since: datetime,
        until: datetime,
        project_ids: Iterable[int] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of the time edit log entries created in [since, until), window by window (GET .../time_edit_logs).

        Entries record additions, edits, moves and deletions of time with the new and the original start; a
        project filter also matches entries that moved time away from that project (docs/hubstaff.md).
        """
        path = f"/organizations/{int(organization_id)}/time_edit_logs"
        yield from self._time_window_pages(path, "time_edit_logs", "created", since, until, project_ids)

    def daily_activity_window_pages(
        self,
        organization_id: int,
        windows: Iterable[tuple[date, date]],
        *,
        project_ids: Iterable[int] | None = None,
        user_ids: Iterable[int] | None = None,
        streams: int = 1,
    ) -> Iterator[tuple[tuple[date, date], list[dict[str, Any]] | None]]:
        """Daily-activity rows of each window (start, stop; at most windows.MAX_WINDOW_DAYS dates), page by page.

        Yields (window, rows) for each page with rows, then (window, None) once the window is complete. With
        `prefetch` on, `streams` windows are fetched at once, each with its next page in flight, and their pages
        come interleaved: the same requests as one window after the other, in less time. A window is not started
        while the budget has no room for it and another is still being read (budget.py: a window cut short by a
        wait is read again from its first page).
        """
        path = f"/organizations/{int(organization_id)}/activities/daily"
        filters = self._id_filters(project_ids=project_ids, user_ids=user_ids)
        streams = max(1, streams) if self.prefetch else 1
        waiting = iter(windows)
        # (window, its pages)
        open_windows: deque[tuple[tuple[date, date], Generator[dict[str, Any]]]] = deque()

        def open_next() -> bool:
            window = next(waiting, None)
            if window is None:
                return False
            params: Params = {
                "date[start]": window[0].isoformat(),
                "date[stop]": window[1].isoformat(),
                **filters,
            }
            if self.prefetch:
                self._send_ahead(path, {**params, "page_limit": MAX_PAGE_LIMIT}, workers=streams)
            open_windows.append((window, self._pages(path, "daily_activities", params, workers=streams)))
            return True

        for _ in range(streams):
            open_next()
        to_open = 0  # windows due to start: held back while the budget has no room for one and others run
        try:
            while open_windows:
                window, pages = open_windows.popleft()
                page = next(pages, None)
                if page is None:
                    yield window, None
                    to_open += 1
                    while to_open and (not open_windows or self.budget.room_for_window()):
                        to_open = to_open - 1 if open_next() else 0
                    continue
                open_windows.append((window, pages))
                if page["daily_activities"]:
                    yield window, page["daily_activities"]
        finally:
            for _, pages in open_windows:
                pages.close()

    def daily_activity_update_pages(
        self,
        organization_id: int,
        *,
        since: datetime,
        until: datetime,
        project_ids: Iterable[int] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of daily-activity rows changed in [since, until), window by window (activities/daily/updates)."""
        path = f"/organizations/{int(organization_id)}/activities/daily/updates"
        yield from self._time_window_pages(path, "daily_activities", "updated", since, until, project_ids)

    def _time_window_pages(
        self,
        path: str,
        key: str,
        field: str,
        since: datetime,
        until: datetime,
        project_ids: Iterable[int] | None,
    ) -> Iterator[list[dict[str, Any]]]:
        """The non-empty `key` lists of each page, window by window of [since, until) on `field[start|stop]`."""
        filters = self._id_filters(project_ids=project_ids)
        for window_start, window_stop in time_windows(since, until):
            params: Params = {
                f"{field}[start]": iso_utc(window_start),
                f"{field}[stop]": iso_utc(window_stop),
                **filters,
            }
            for page in self._pages(path, key, params):
                if page[key]:
                    yield page[key]

    # --- webhooks (writes: they need the hubstaff:write scope)
    def create_organization_webhook(self, organization_id: int, events: list[str], target_url: str) -> str:
        """Subscribe `target_url` to the organization's `events`; returns the new webhook's id (as text: Hubstaff
        documents no type for it). Never sent twice."""
        path = f"/organizations/{int(organization_id)}/webhooks"
        body = self._write(
            "POST", path, json_body={"events": events, "target_url": target_url}, repeatable=False
        )
        webhook_id = body.get("id") if isinstance(body, dict) else None
        if isinstance(body, dict) and isinstance(body.get("webhook"), dict):
            webhook_id = body["webhook"].get("id")
        if not isinstance(webhook_id, (int, str)) or isinstance(webhook_id, bool) or not str(webhook_id):
            raise MalformedResponse(f"Hubstaff's answer to POST {path} has no webhook id.")
        return str(webhook_id)

    @sensitive_variables("secret")
    def activate_webhook(self, webhook_id: str, secret: str) -> None:
        """Activate a verified webhook with the secret its verification POST carried (safe to send twice)."""
        self._write(
            "POST", f"/webhooks/{quote(webhook_id, safe='')}/activate", headers={"X-Hook-Secret": secret}
        )

    def webhook(self, webhook_id: str) -> dict[str, Any]:
        """The webhook as Hubstaff describes it (id, status, events, target_url)."""
        path = f"/webhooks/{quote(webhook_id, safe='')}"
        body = self._get(path)
        if isinstance(body, dict) and isinstance(body.get("webhook"), dict):
            return dict(body["webhook"])
        if isinstance(body, dict) and "id" in body:
            return body
        raise MalformedResponse(f"Hubstaff's answer to GET {path} has no webhook.")

    def delete_webhook(self, webhook_id: str, *, retry: bool = True) -> None:
        """Delete a webhook; one Hubstaff no longer knows counts as deleted. `retry=False`: one attempt only
        (uninstall does not wait on Hubstaff)."""
        with contextlib.suppress(NotFound):
            self._write("DELETE", f"/webhooks/{quote(webhook_id, safe='')}", repeatable=retry)

    # --- paging
    @staticmethod
    def _id_filters(**lists: Iterable[int] | None) -> dict[str, list[int]]:
        return {f"{name}[]": [int(i) for i in ids] for name, ids in lists.items() if ids}

    def _pages(
        self, path: str, key: str, params: Params | None = None, *, workers: int = 1
    ) -> Generator[dict[str, Any]]:
        """Each page's body of a listing, following `pagination.next_page_start_id` until it is absent."""
        params = {**(params or {}), "page_limit": MAX_PAGE_LIMIT}
        start_id = None
        while True:
            page_params = dict(params)
            if start_id is not None:
                page_params["page_start_id"] = start_id
            body = self._get(path, page_params)
            if not isinstance(body, dict) or not isinstance(body.get(key), list):
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
    def _expect(body: object, key: str, path: str) -> dict[str, Any]:
        value = body.get(key) if isinstance(body, dict) else None
        if not isinstance(value, dict):
            raise MalformedResponse(f"Hubstaff's answer to GET {path} has no '{key}'.")
        return value

    # --- one request, with everything that can go wrong
    def _get(self, path: str, params: Params | None = None) -> object:
        """The JSON body of GET `path`, after the retries, waits and token refresh its failures call for."""
        return self._request("GET", path, params=params)

    def _write(
        self,
        method: str,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        repeatable: bool = True,
    ) -> object:
        """The JSON body (None if empty) of a POST or DELETE, with _get's rules for 401 and 429 (Hubstaff did not
        carry out the request); a 5xx, timeout or connection error is retried only if `repeatable`."""
        return self._request(method, path, json_body=json_body, headers=headers, repeatable=repeatable)

    @sensitive_variables("sent_with", "headers")
    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json_body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        repeatable: bool = True,
    ) -> object:
        """One call's loop for GET and writes: a 401 refreshes the token once, a 429 is waited out (neither was
        carried out); a 5xx, timeout or connection error is backed off and sent again if `repeatable`, else raised.
        A GET may take the request sent ahead for it (prefetch)."""
        url = self.api_url + path
        failures = 0  # 5xx, timeouts and connection errors so far in this call
        limited = 0  # 429s so far in this call (pacing, not failures)
        refreshed_after_401 = False
        while True:
            try:
                if method == "GET":
                    response, sent_with, body = self._exchange(url, params)
                else:
                    sent_with = self._ready_to_send()
                    response = self._send_write(method, url, sent_with, json_body, headers or {})
                    body = None
            except (requests.Timeout, requests.ConnectionError) as exc:
                failures += 1
                timed_out = isinstance(exc, requests.Timeout)
                counters.add(counters.HUBSTAFF_ERRORS, "api", "timeout" if timed_out else "connection")
                kind = "did not answer in time" if timed_out else "could not be reached"
                logger.info("hubstaff %s %s %s (attempt %s)", method, path, kind, failures)
                message = f"Hubstaff {kind} ({method} {path}), {failures} attempts."
                if not repeatable:
                    raise TransientHubstaffError(message) from None
                self._back_off(failures, message)
                continue
            status = response.status_code
            if method == "GET" and status == 200:
                return body if body is not None else self._json(response, method, path)
            if method != "GET" and status in (200, 201, 202, 204):
                return self._json(response, method, path) if response.content else None
            counters.add(counters.HUBSTAFF_ERRORS, "api", str(status))
            if status == 401 and not refreshed_after_401:
                refreshed_after_401 = True
                logger.info("hubstaff %s %s answered 401; refreshing the access token once", method, path)
                self.tokens.refresh(stale_access_token=sent_with)
                continue
            if status == 429:
                limited += 1
                self._wait_out_rate_limit(path, response, limited)
                continue
            if status >= 500:
                failures += 1
                logger.info("hubstaff %s %s answered %s (attempt %s)", method, path, status, failures)
                message = f"Hubstaff answered {status} to {method} {path}, {failures} attempts."
                if not repeatable:
                    raise TransientHubstaffError(message) from None
                self._back_off(failures, message)
                continue
            raise refusal_error(path, response, method)

    @sensitive_variables("access_token", "headers", "sent")
    def _send_write(
        self,
        method: str,
        url: str,
        access_token: str,
        json_body: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> requests.Response:
        sent = {"Accept": "application/json", **headers}
        timeout = settings.HUBSTAFF_REQUEST_TIMEOUT
        if isinstance(self.session, OAuth2Session):
            self.session.token = {"access_token": access_token, "token_type": "Bearer"}
        else:
            sent["Authorization"] = f"Bearer {access_token}"
        response: requests.Response = self.session.request(
            method, url, json=json_body, headers=sent, timeout=timeout
        )
        return response

    @sensitive_variables("sent_with", "ahead")
    def _exchange(self, url: str, params: Params | None) -> tuple[requests.Response, str, object]:
        """(response, access token sent, decoded body or None): the request sent ahead for it, or sent now."""
        ahead = self._take_pending(url, params)
        if ahead is not None:
            sent_with, future = ahead  # sent ahead (prefetch), after the same checks as below
            response, body = future.result()
            return response, sent_with, body
        sent_with = self._ready_to_send()
        return self._send(url, params, sent_with), sent_with, None

    @sensitive_variables("access_token")
    def _ready_to_send(self) -> str:
        """Wait out a rate limit other workers recorded and the budget, count the request, return the token."""
        self._wait_while_rate_limited()
        self.budget.take()
        access_token = self.tokens.access_token()
        self.requests_made += 1
        return access_token

    @staticmethod
    def _json(response: requests.Response, method: str, path: str) -> object:
        try:
            return response.json()
        except ValueError:
            raise MalformedResponse(f"Hubstaff's answer to {method} {path} is not valid JSON.") from None

    def _back_off(self, failures: int, message: str) -> None:
        """Sleep before the next attempt, or raise TransientHubstaffError(message) once the retries are spent."""
        if failures > settings.HUBSTAFF_MAX_RETRIES:
            raise TransientHubstaffError(message) from None
        self.sleep(backoff_delay(failures))

    def _wait_out_rate_limit(self, path: str, response: requests.Response, limited: int) -> None:
        """After a 429: record its end for every worker and as the end of the budget's window, then sleep through
        it, or raise RateLimited (the attempt ends and the run is queued for when Hubstaff said) when it is longer
        than an attempt waits or Hubstaff keeps answering 429 to this request."""
        wait = retry_after_seconds(response)
        until = self._record_rate_limit(wait)
        self.budget.hubstaff_said_wait(until)
        logger.info("hubstaff %s rate limited; Retry-After %.0f s", path, wait)
        if wait > settings.HUBSTAFF_MAX_RETRY_AFTER or limited > settings.HUBSTAFF_MAX_RETRIES:
            counters.add(counters.PACING, "rate_limit", "deferred")
            raise RateLimited.for_seconds(wait)
        counters.waited("rate_limit", wait)
        self.sleep(wait)
        self._waited_until = until

    # --- prefetch: the next page's request in flight while the caller works
    @sensitive_variables("sent_with")
    def _send_ahead(self, path: str, params: Params, *, workers: int = 1) -> None:
        url = self.api_url + path
        self._drop_pending(url, params)
        sent_with = self._ready_to_send()
        if self._executor is None or self._executor_workers < workers:
            self._shutdown_executor()
            self._executor = ThreadPoolExecutor(
                max_workers=workers, thread_name_prefix="hubstaff-prefetch", initializer=self._start_worker
            )
            self._executor_workers = workers
        future = self._executor.submit(self._send_and_decode, url, params, sent_with)
        self._pending[_pending_key(url, params)] = (sent_with, future)

    def _start_worker(self) -> None:
        """A background thread's own HTTP session, of the same kind as the client's."""
        if isinstance(self.session, OAuth2Session):
            session = OAuth2Session(client_id=self.installation.client_id or None)
            self._worker_sessions.append(session)
        else:
            session = self.session  # a session given to the client (tests): used as given
        self._local.session = session

    @sensitive_variables("access_token")
    def _send_and_decode(self, url: str, params: Params | None, access_token: str) -> Sent:
        """In a background thread: the request, and the JSON of a 200 (None if absent or not JSON)."""
        response = self._send(url, params, access_token, session=self._local.session)
        body: object = None
        if response.status_code == 200:
            try:
                body = response.json()
            except ValueError:
                body = None  # _get says so, in the caller's thread
        return response, body

    def _take_pending(self, url: str, params: Params | None) -> tuple[str, Future[Sent]] | None:
        return self._pending.pop(_pending_key(url, params), None)

    def _drop_pending(self, url: str | None = None, params: Params | None = None) -> None:
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

    @sensitive_variables("access_token", "headers")
    def _send(
        self, url: str, params: Params | None, access_token: str, session: requests.Session | None = None
    ) -> requests.Response:
        session = session if session is not None else self.session
        headers = {"Accept": "application/json"}
        timeout = settings.HUBSTAFF_REQUEST_TIMEOUT
        if isinstance(session, OAuth2Session):
            session.token = {"access_token": access_token, "token_type": "Bearer"}
            response: requests.Response = session.request(
                "GET", url, params=params, headers=headers, timeout=timeout
            )
            return response
        headers["Authorization"] = f"Bearer {access_token}"
        return session.request("GET", url, params=params, headers=headers, timeout=timeout)

    # --- rate limit shared by every worker of the installation
    def _wait_while_rate_limited(self) -> None:
        if not self.installation.pk:
            return
        now = time.monotonic()
        if (
            self._rate_limit_checked_at is not None
            and now - self._rate_limit_checked_at < RATE_LIMIT_CHECK_SECONDS
        ):
            return
        self._rate_limit_checked_at = now
        until = recorded_rate_limit(self.installation)
        if until is None or (self._waited_until is not None and until <= self._waited_until):
            return
        wait = (until - timezone.now()).total_seconds()
        if wait <= 0:
            return
        if wait > settings.HUBSTAFF_MAX_RETRY_AFTER:
            counters.add(counters.PACING, "rate_limit", "deferred")
            raise RateLimited.for_seconds(wait)
        counters.waited("rate_limit", wait)
        self.sleep(wait)
        self._waited_until = until

    def _record_rate_limit(self, seconds: float) -> datetime:
        until = timezone.now() + timedelta(seconds=seconds)
        record_rate_limit(self.installation, until)
        return until

    @property
    def token_requests_made(self) -> int:
        """Refreshes this client sent to the token endpoint."""
        return self.tokens.requests_made
