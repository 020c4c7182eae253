"""Shared Playwright fixtures: Debian's Chromium, a page on the live server, screenshots, the sandbox's settings.

The product is served on http://localhost:<port> (pytest-django's live_server binds to "localhost") and the
sandbox on http://127.0.0.1:<port>: different hosts, so their cookies never mix, as with the real Hubstaff.
If Chromium cannot start, the `browser` fixture FAILS the test: a browser test that silently skips proves nothing.
"""

import os
import re
import threading
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the tests still use the ORM synchronously.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from datetime import date  # noqa: E402

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from conftest import point_hubstaff_at  # noqa: E402
from integrations.services import runs, sync  # noqa: E402
from integrations.services.installation import connect_with_personal_access_token  # noqa: E402
from integrations.services.links import update_link  # noqa: E402
from tests.factories import PASSWORD, AssignmentFactory, ProjectFactory  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
LOCMEM = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "browser-tests"}
}


@pytest.fixture(scope="session")
def playwright():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # noqa: BLE001 - any failure to start is a failed test, never a skip
        pytest.fail(f"Chromium could not start from {CHROMIUM}: {exc}", pytrace=False)
    yield browser
    browser.close()


@pytest.fixture
def context(browser, live_server, settings):
    settings.SITE_URL = (
        live_server.url
    )  # e-mailed links start with SITE_URL: here the site is the live server
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def screenshot(request):
    """screenshot(page, "name") saves artifacts/screenshots/<test>-NN-name.png (full page) and returns the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")
    counter = iter(range(1, 1000))

    def take(page, name):
        path = SCREENSHOTS / f"{test_name}-{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def sign_in(live_server):
    """sign_in(page, person): the Primetric sign-in page, as a person with a login."""

    def do(page, person):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(person.user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    return do


@pytest.fixture
def hubstaff_sandbox(sandbox, settings, live_server):
    """Point every Hubstaff setting (and the CSP's form-action) at the sandbox, and SITE_URL at the live server."""
    point_hubstaff_at(settings, sandbox, SITE_URL=live_server.url)
    # Authorize posts here and is redirected to Hubstaff: the browser checks that target against form-action.
    settings.CONTENT_SECURITY_POLICY = re.sub(
        r"form-action 'self'[^;]*;", f"form-action 'self' {sandbox.url};", settings.CONTENT_SECURITY_POLICY
    )
    settings.CACHES = LOCMEM
    cache.clear()
    sandbox.reset_faults()
    yield sandbox
    sandbox.reset_faults()
    cache.clear()


@pytest.fixture
def worker_thread(monkeypatch):
    """Run queued syncs in a background thread, as a Celery worker would, so that the page can watch progress."""
    threads = []

    def run_in_thread(task_name, args, queue=None):
        assert task_name == runs.SYNC_TASK, task_name
        (run_id,) = args

        def work():
            try:
                sync.run_sync(run_id)
            finally:
                connection.close()

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        threads.append(thread)

    monkeypatch.setattr(runs, "deliver", run_in_thread)
    yield threads
    for thread in threads:
        thread.join(timeout=60)


@pytest.fixture
def link_project_a(org, hubstaff_sandbox):
    """make(assigned, trim_assignments=False): Project A (1 Jan - 22 Sep 2026) with `assigned` on it by hand,
    Hubstaff installed with Alice's personal access token, and the project linked to the sandbox's Project A."""

    def make(assigned, *, trim_assignments=False):
        project = ProjectFactory(
            organization=org, name="Project A", start_date=date(2026, 1, 1), end_date=date(2026, 9, 22)
        )
        AssignmentFactory(project=project, person=assigned)
        connect_with_personal_access_token(org, hubstaff_sandbox.create_pat("alice@acme.test"))
        update_link(
            project,
            enabled=True,
            hubstaff_project_ids=[hubstaff_sandbox.ids()["projects"]["Project A"]],
            prevent_new_assignments=False,
            trim_assignments=trim_assignments,
        )
        return project

    return make
