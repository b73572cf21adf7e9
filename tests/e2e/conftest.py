"""A real Chromium, driven through Playwright's sync API, against pytest-django's live server.

Playwright's own browser download is not used: the tests drive the system's Chromium
(Debian's `chromium` package), which CI installs with `apt-get install -y chromium`.
"""

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

# Playwright's sync API keeps an asyncio event loop marked as running in the main
# thread from sync_playwright().start() until stop(), and Django refuses synchronous
# ORM calls from a thread with a running loop (SynchronousOnlyOperation). The tests
# here only ever call the ORM between browser steps, never from inside the loop, so
# the check guards nothing for them. Because the browser lives for the whole
# session, this must hold for every test that runs after the first browser test.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "The browser tests need Chromium, and `chromium` is not on PATH. "
            "Install it with `apt-get install -y chromium` (Debian/Ubuntu), "
            "or deselect these tests with `-m 'not browser'`.",
            pytrace=False,
        )
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """A fresh browser profile per test: no cookies or storage carried over."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1200, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
