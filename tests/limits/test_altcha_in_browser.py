"""The proof-of-work challenge solved by the site's script in a real Chromium.

The browser runs in a thread of its own: the browser tests elsewhere keep one
Playwright (and its event loop) open in the main thread for the whole session,
and a second sync Playwright may not start in a thread whose loop is running.
"""

import re
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from mindwell.qa.models import Post
from tests.e2e.conftest import CHROMIUM_ARGS

pytestmark = pytest.mark.browser


def in_browser(base_url: str, steps: Callable[[Page], Any]) -> Any:
    def run() -> Any:
        executable = shutil.which("chromium")
        assert executable, "the browser tests need Chromium (apt-get install -y chromium)"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(base_url=base_url)
                context.set_default_timeout(15_000)
                return steps(context.new_page())
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def test_a_visitors_browser_solves_the_challenge_and_the_answer_is_posted(
    live_server: LiveServer, question: Post, settings
) -> None:
    settings.MINDWELL_SPAM_CHALLENGE = True
    url = question.get_absolute_url()

    def answer_as_a_visitor(page: Page) -> dict[str, Any]:
        fetched: list[str] = []
        page.on("request", lambda r: fetched.append(r.url) if "/antispam/" in r.url else None)
        page.goto(url)
        form = page.locator("section.answer-form")
        form.get_by_label("Your answer").fill("Small steps, one evening at a time.")
        page.get_by_role("button", name="Post your answer").click()
        page.wait_for_url(re.compile(r"#post-\d+$"))
        expect(page.get_by_text("Small steps, one evening at a time.")).to_be_visible()
        honeypot = page.locator("section.answer-form .visually-hidden:has(input[name=website])")
        return {"challenges": len(fetched), "honeypot": honeypot.bounding_box()}

    seen = in_browser(live_server.url, answer_as_a_visitor)
    answer = Post.objects.get(kind="A")
    assert answer.body == "Small steps, one evening at a time." and answer.author is None
    assert seen["challenges"] == 1  # one challenge, for the one form that was used
    # The honeypot is out of sight: the site's CSS cuts its box to one pixel.
    assert seen["honeypot"]["width"] <= 1 and seen["honeypot"]["height"] <= 1
