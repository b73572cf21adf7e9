"""The question page in a real browser: reading, answering, voting, phones, privacy, keyboards."""

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from mindwell.accounts.models import User
from mindwell.qa import actions
from mindwell.qa.models import Post, Vote
from mindwell.qa.templatetags.qa import short_number
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def votes_block(page: Page, post: Post) -> Locator:
    return page.locator(f"#votes-{post.pk}")


def log_in(page: Page, user: User) -> None:
    """Log in through the real form, as a person would."""
    page.goto("/login")
    page.get_by_label("Display name").fill(user.display_name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_visitor_reads_a_question_and_posts_an_anonymous_answer_with_a_name(
    page: Page, question: Post, alice: User, bob: User, carol: User
) -> None:
    actions.cast_vote(post=question, user=bob, value=1)
    actions.cast_vote(post=question, user=carol, value=1)
    alice.refresh_from_db()

    page.goto(question.get_absolute_url())

    expect(page).to_have_title(re.compile(r"^How do I talk to my partner about money\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text(question.title)
    expect(votes_block(page, question).locator(".score")).to_have_text("+2 votes")
    asked = page.locator(".question .meta").first
    expect(asked.locator(".author")).to_have_text("Alice")
    expect(asked.locator(".points")).to_have_text(f"({short_number(alice.points)} points)")
    expect(page.locator(".question .body strong")).to_have_text("money")  # Markdown rendered
    expect(page.get_by_role("heading", name="0 answers")).to_be_visible()

    answer_form = page.locator("section.answer-form")
    answer_form.get_by_label("Your answer").fill(
        "Agree on a small budget for each of you that needs no discussion."
    )
    answer_form.get_by_label("Your name to display (optional)").fill("Quiet Reader")
    page.get_by_role("button", name="Post your answer").click()

    page.wait_for_url(re.compile(r"#post-\d+$"))
    expect(page.get_by_role("heading", name="1 answer", exact=True)).to_be_visible()
    posted = page.locator("article.answer")
    expect(posted.locator(".body")).to_have_text(
        "Agree on a small budget for each of you that needs no discussion."
    )
    expect(posted.locator(".meta .author.visitor")).to_have_text("Quiet Reader")

    answer = Post.objects.get(question=question, kind=Post.Kind.ANSWER)
    assert answer.anon_name == "Quiet Reader"
    assert answer.author is None
    assert page.url.endswith(f"#post-{answer.pk}")


def test_every_field_on_the_question_page_is_named_by_its_own_label(
    page: Page, question: Post, answer: Post
) -> None:
    page.goto(question.get_absolute_url())
    repeated = page.evaluate(
        """() => {
            const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
            return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
        }"""
    )
    assert repeated == [], f"ids used more than once: {repeated}"
    answer_form = page.locator("section.answer-form")
    expect(page.get_by_label("Your name to display (optional)")).to_have_count(3)
    expect(page.get_by_role("textbox", name="Your answer")).to_have_attribute("name", "body")
    expect(answer_form.get_by_label("Your answer")).to_be_visible()


def test_a_member_votes_and_the_score_updates_in_place(
    page: Page, question: Post, answer: Post, carol: User
) -> None:
    log_in(page, carol)
    page.goto(question.get_absolute_url())
    votes = votes_block(page, question)
    expect(votes.locator(".score")).to_have_text("0 votes")

    # A full page load would wipe this; an htmx swap of the votes block leaves it.
    page.evaluate("window.stillTheSamePage = true")
    with page.expect_response(lambda r: r.url.endswith(f"/posts/{question.pk}/vote")) as voted:
        votes.get_by_role("button", name="Vote up").click()
    assert voted.value.status == 200
    expect(votes.locator(".score")).to_have_text("1 vote")
    withdraw = votes.get_by_role("button", name="Withdraw your up vote")
    expect(withdraw).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.stillTheSamePage") is True
    # The answer's votes were not touched.
    expect(page.locator("article.answer .score")).to_have_text("0 votes")
    assert Vote.objects.filter(post=question, user=carol, value=1).exists()
    question.refresh_from_db()
    assert question.score == 1

    withdraw.click()
    expect(votes.locator(".score")).to_have_text("0 votes")
    expect(votes.get_by_role("button", name="Vote up")).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("window.stillTheSamePage") is True
    assert not Vote.objects.filter(post=question, user=carol).exists()
    question.refresh_from_db()
    assert question.score == 0


@pytest.fixture
def busy_question(question: Post, answer: Post, alice: User) -> Post:
    """The question with a best answer, a visitor's answer, comments and long words."""
    actions.select_answer(question=question, answer=answer, user=alice)
    actions.post_answer(
        question=question,
        author=None,
        anon_name="Someone who has been there",
        body="We wrote down every shared cost for a month: "
        "https://example.org/a-very-long-address-with-no-spaces-in-it-at-all-for-budgets\n\n"
        "- It took the heat out of it.\n- Then we talked about what we wanted.",
    )
    actions.post_comment(parent=question, author=None, body="Same here, thank you for asking.")
    actions.post_comment(
        parent=answer,
        author=make_user("Dmitri Konstantinovich Alexandrovsky"),
        body="Averylongwordwithoutanyspacesthatcouldpushthepagesidewaysonasmallphonescreen.",
    )
    # Scores as a popular question has them; only the display matters here.
    Post.objects.filter(pk=question.pk).update(score=15, upvotes=15)
    Post.objects.filter(pk=answer.pk).update(score=12, upvotes=12)
    return question


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A page in a 360 pixel wide phone: the narrowest common Android width."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 360, "height": 800},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield context.new_page()
    context.close()


def test_the_page_fits_a_360_pixel_phone_without_sideways_scrolling(
    phone: Page, busy_question: Post
) -> None:
    phone.goto(busy_question.get_absolute_url())
    expect(phone.get_by_text("✓ Best answer")).to_be_visible()
    expect(phone.locator(".comment")).to_have_count(2)
    phone.get_by_text("Add a comment").first.click()  # an open comment form must fit too

    width = phone.evaluate("document.documentElement.scrollWidth")
    too_wide = phone.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 360.5)
            .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""
    )
    assert width <= 360, f"The page is {width}px wide; too wide: {too_wide[:10]}"


def test_on_a_phone_each_score_stays_inside_its_votes_column(
    phone: Page, busy_question: Post
) -> None:
    phone.goto(busy_question.get_absolute_url())
    spills = phone.evaluate(
        """() => [...document.querySelectorAll('.votes')].flatMap(column => {
            const c = column.getBoundingClientRect();
            const s = column.querySelector('.score').getBoundingClientRect();
            const spilt = s.left < Math.max(c.left, 0) - 0.5 || s.right > c.right + 0.5;
            return spilt ? [`${column.id}: score ${Math.round(s.left)}..${Math.round(s.right)}`
                            + ` in column ${Math.round(c.left)}..${Math.round(c.right)}`] : [];
        })"""
    )
    assert spills == []


# None stands for the question page, whose address is only known inside the test.
SITE_PAGES = [
    "/",
    "/questions/",
    None,
    "/ask",
    "/categories/",
    "/tags/",
    "/users/",
    "/login",
    "/register",
]


def test_no_request_leaves_the_site(
    page: Page, live_server: LiveServer, question: Post, answer: Post
) -> None:
    requests: list[str] = []
    console: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    failed: list[str] = []
    # A request cut short by the next navigation (net::ERR_ABORTED, e.g. the icon) is not
    # a failure of the site; anything else is.
    page.on(
        "requestfailed",
        lambda request: (
            None
            if "ERR_ABORTED" in (request.failure or "")
            else failed.append(f"{request.url}: {request.failure}")
        ),
    )

    for path in SITE_PAGES:
        response = page.goto(path or question.get_absolute_url())
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        assert "default-src 'self'" in response.headers.get("content-security-policy", "")

    site = urlsplit(live_server.url)
    assert requests, "no requests were recorded"
    elsewhere = [url for url in requests if urlsplit(url)[:2] != site[:2]]
    assert elsewhere == [], f"requests left the site: {elsewhere}"
    assert any(url.endswith(".css") for url in requests)  # the stylesheet and htmx were loaded
    assert any(url.endswith(".js") for url in requests)
    assert failed == []
    csp = [line for line in console if "Content Security Policy" in line or "CSP" in line]
    assert csp == [], csp
    assert [line for line in console if line.startswith(("error", "pageerror"))] == []


def test_keyboard_users_see_where_focus_is(page: Page, question: Post, answer: Post) -> None:
    page.goto(question.get_absolute_url())

    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Skip to content")
    box = focused.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, f"skip link off screen: {box}"

    # Every stop along the way shows where focus is, up to the answer form's button.
    unmarked = []
    for _ in range(80):
        name, outline_style, outline_width = page.evaluate(
            """() => {
                const e = document.activeElement;
                const s = getComputedStyle(e);
                const text = (e.textContent || e.getAttribute('aria-label') || '').trim();
                return [`${e.tagName.toLowerCase()} "${text.slice(0, 30)}"`,
                        s.outlineStyle, s.outlineWidth];
            }"""
        )
        if outline_style == "none" or outline_width == "0px":
            unmarked.append(name)
        if name.startswith('button "Post your answer'):
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("80 presses of Tab never reached the “Post your answer” button")
    assert unmarked == [], f"focused without a visible outline: {unmarked}"

    # The skip link skips: after following it, the next Tab lands in the main content.
    page.goto(question.get_absolute_url())
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    page.keyboard.press("Tab")
    expect(page.locator("main :focus")).to_have_count(1)
