"""The crisis check-in in a real browser: in place with JavaScript, as a page without it."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from mindwell.accounts.models import User
from mindwell.qa import actions
from mindwell.qa.models import Category, Post
from tests.e2e.test_answer_in_browser import log_in

pytestmark = pytest.mark.browser

RISKY = "I want to kill myself tonight. I cannot go on."
TITLE = "I can't see a way forward anymore"


def fill_question(page: Page, body: str) -> None:
    page.goto("/ask")
    page.get_by_label("Your question in one sentence").fill(TITLE)
    page.get_by_label("More detail").fill(body)
    page.get_by_label("Category").select_option("couples")


def test_the_check_in_opens_in_place_and_going_back_keeps_the_text(
    page: Page, alice: User, category: Category
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, alice)
    fill_question(page, RISKY)
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("button", name="Post your question").click()

    dialog = page.get_by_role("dialog", name="Before you post: are you safe right now?")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".helplines")).to_contain_text("Samaritans")  # the browser is en-GB
    expect(dialog.get_by_role("button", name="I'm safe, post my question")).to_be_focused()
    assert page.url.endswith("/ask")
    assert not Post.objects.exists()

    dialog.get_by_role("button", name="Go back without posting").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_label("More detail")).to_have_value(RISKY)
    expect(page.get_by_label("Your question in one sentence")).to_have_value(TITLE)
    assert page.evaluate("window.stillTheSamePage") is True
    assert not Post.objects.exists()
    assert errors == []


def test_choosing_a_country_in_the_dialog_then_posting(
    page: Page, alice: User, category: Category
) -> None:
    log_in(page, alice)
    fill_question(page, RISKY)
    page.get_by_role("button", name="Post your question").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator(".helplines")).to_contain_text("Samaritans")

    dialog.get_by_label("Helplines for").select_option("AU")
    dialog.get_by_role("button", name="Show helplines").click()
    expect(dialog.locator(".helplines")).to_contain_text("Lifeline")
    expect(dialog.locator(".helplines")).not_to_contain_text("Samaritans")
    expect(page.get_by_label("More detail")).to_have_value(RISKY)  # the form is untouched
    alice.refresh_from_db()
    assert alice.country == "AU"

    dialog.get_by_role("button", name="I'm safe, post my question").click()
    page.wait_for_url(re.compile(r"/questions/\d+/"))
    question = Post.objects.get(kind="Q")
    assert (question.title, question.body, question.screening.label) == (TITLE, RISKY, "risk")
    expect(page.locator("aside.care-note")).to_contain_text("Lifeline")


def test_escape_closes_the_dialog_and_keeps_the_text(
    page: Page, alice: User, category: Category
) -> None:
    log_in(page, alice)
    fill_question(page, RISKY)
    page.get_by_role("button", name="Post your question").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_label("More detail")).to_have_value(RISKY)


def test_a_calm_question_posts_without_a_dialog(
    page: Page, alice: User, category: Category
) -> None:
    log_in(page, alice)
    fill_question(page, "I lie awake for hours before every exam.")
    page.get_by_role("button", name="Post your question").click()
    page.wait_for_url(re.compile(r"/questions/\d+/"))
    assert Post.objects.get(kind="Q").screening.label == "none"


def test_an_answer_gets_the_dialog_too(page: Page, question: Post, bob: User) -> None:
    log_in(page, bob)
    page.goto(question.get_absolute_url())
    page.locator("section.answer-form").get_by_label("Your answer").fill(RISKY)
    page.get_by_role("button", name="Post your answer").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("button", name="I'm safe, post my answer")).to_be_visible()
    dialog.get_by_role("button", name="I'm safe, post my answer").click()
    page.wait_for_url(re.compile(r"#post-\d+$"))
    assert Post.objects.get(kind="A").body == RISKY


def test_without_javascript_the_check_in_is_a_page_and_going_back_keeps_the_text(
    browser: Browser, live_server: LiveServer, alice: User, category: Category
) -> None:
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, locale="en-GB"
    )
    try:
        page = context.new_page()
        log_in(page, alice)
        fill_question(page, RISKY)
        page.get_by_role("button", name="Post your question").click()
        expect(
            page.get_by_role("heading", name="Before you post: are you safe right now?")
        ).to_be_visible()
        page.get_by_role("button", name="Go back without posting").click()
        expect(page.get_by_label("More detail")).to_have_value(RISKY)
        page.get_by_role("button", name="Post your question").click()
        page.get_by_role("button", name="I'm safe, post my question").click()
        page.wait_for_url(re.compile(r"/questions/\d+/"))
        assert Post.objects.get(kind="Q").body == RISKY
    finally:
        context.close()


def test_the_writer_s_edit_that_newly_reads_as_risk_gets_the_dialog(
    page: Page, alice: User, category: Category
) -> None:
    question = actions.ask_question(
        author=alice, title=TITLE, body="I lie awake before exams.", category=category, tags=[]
    )
    log_in(page, alice)
    page.goto(f"/posts/{question.pk}/edit")
    page.get_by_label("Text").fill(RISKY)
    page.get_by_role("button", name="Save changes").click()
    dialog = page.get_by_role("dialog", name="Before you save: are you safe right now?")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".helplines")).to_contain_text("Samaritans")
    question.refresh_from_db()
    assert question.body == "I lie awake before exams."  # nothing saved while they choose

    dialog.get_by_role("button", name="Go back without saving").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_label("Text")).to_have_value(RISKY)

    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("dialog").get_by_role("button", name="I'm safe, save my changes").click()
    page.wait_for_url(re.compile(r"/questions/\d+/"))
    question.refresh_from_db()
    assert (question.body, question.screening.label) == (RISKY, "risk")
    expect(page.locator("aside.care-note")).to_contain_text("Samaritans")
