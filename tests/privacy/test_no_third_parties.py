"""No third parties: every page type, in a real browser, asks only its own origin.

The browser runs in a thread of its own: the end-to-end tests keep a session-wide
Playwright (and its asyncio loop) in the main thread, and the sync API refuses
to start a second one there.
"""

import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import sync_playwright
from pytest_django.live_server_helper import LiveServer

from mindwell.accounts.models import Level, User
from mindwell.qa import actions
from mindwell.qa.models import Post
from tests.conftest import make_user
from tests.e2e.conftest import CHROMIUM_ARGS

pytestmark = pytest.mark.browser


@dataclass
class Visit:
    requests: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    script_src: dict[str, str] = field(default_factory=dict)  # page → its CSP script-src
    statuses: dict[str, int] = field(default_factory=dict)


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def browse(base_url: str, cookie: str, paths: list[str]) -> Visit:
    """Load each page in Chromium, logged in by `cookie`, recording what it asks for."""
    visit = Visit()
    executable = shutil.which("chromium")
    assert executable, "The browser tests need Chromium: apt-get install -y chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base_url)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}]
        )
        page = context.new_page()
        page.on("request", lambda request: visit.requests.append(request.url))
        page.on(
            "console",
            lambda message: (
                visit.violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        for path in paths:
            response = page.goto(path)
            assert response is not None, path
            visit.statuses[path] = response.status
            csp = response.headers.get("content-security-policy", "")
            visit.script_src[path] = next(
                (d.strip() for d in csp.split(";") if d.strip().startswith("script-src")), ""
            )
            page.wait_for_load_state("networkidle")
        browser.close()
    return visit


def test_every_page_type_requests_only_the_sites_own_origin(
    live_server: LiveServer, question: Post, answer: Post, alice, bob
) -> None:
    moderator = make_user("Mira", level=Level.MODERATOR)
    anonymous = actions.ask_question(
        author=bob,
        title="An anonymous question with a warning",
        body="Hard days. [a link](https://example.com/x) and ![an image](https://example.com/i.png)",
        category=question.category,
        tags=["money"],
        anonymous=True,
        content_warnings=["grief"],
    )
    actions.edit_post(
        post=question,
        editor=alice,
        title=question.title,
        body=question.body + " More.",
        tags=["money"],
    )
    pages = [
        "/",
        "/questions/",
        "/questions/?sort=hot",
        question.get_absolute_url(),
        anonymous.get_absolute_url(),
        f"/posts/{question.pk}/history",
        "/ask",
        "/categories/",
        "/categories/couples/",
        "/tags/",
        "/tags/money/",
        "/users/",
        alice.get_absolute_url(),
        f"/users/{alice.pk}/points",
        "/search?q=money",
        "/login",
        "/register",
        "/settings",
        "/settings/export",
        "/settings/delete",
        "/professionals/apply",
        "/professionals/queue",
        f"/posts/{anonymous.pk}/reveal",
        "/no-such-page",
    ]
    origin = urlsplit(live_server.url).netloc
    cookie = session_cookie(moderator)
    with ThreadPoolExecutor(max_workers=1) as pool:
        visit = pool.submit(browse, live_server.url, cookie, pages).result(timeout=300)
    assert {p: s for p, s in visit.statuses.items() if s != 200} == {"/no-such-page": 404}
    for path, script_src in visit.script_src.items():
        assert "'nonce-" in script_src and "'unsafe-inline'" not in script_src, path
    others = [
        url
        for url in visit.requests
        if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != origin
    ]
    assert others == []
    assert visit.violations == []
    # The pages did load their own scripts and styles.
    assert any(url.endswith("htmx.min.js") for url in visit.requests)
    assert any(url.endswith(".css") for url in visit.requests)
    assert len(visit.requests) >= len(pages)
