"""Content warnings: collapsed behind <details>, the reader's preference, the screening's hint."""

import pytest
from django.test import Client

from mindwell.accounts.models import User, WarningPreference
from mindwell.qa import actions
from mindwell.qa.models import Category, Post
from tests.conftest import logged_in

BODY = "Some days it is hard to eat anything at all."


@pytest.fixture
def warned(alice: User, category: Category) -> Post:
    return actions.ask_question(
        author=alice,
        title="Struggling with food again after a good year",
        body=BODY,
        category=category,
        tags=["food"],
        content_warnings=["eating", "self-harm"],
    )


def reader(name: str, preference: str) -> Client:
    user = User.objects.create_user(name, f"{name}@example.test", "x", content_warnings=preference)
    return logged_in(user)


def test_a_warned_body_is_collapsed_until_the_reader_opens_it(warned):
    page = Client().get(warned.get_absolute_url()).content.decode()
    summary = "<summary>Content warning: self-harm, eating disorders. Show this question</summary>"
    assert summary in page
    assert page.index(summary) < page.index(BODY)  # the body is inside the closed <details>
    assert '<details class="content-warning">' in page  # not open


def test_a_reader_who_chose_show_sees_the_body_with_the_label(warned, db):
    page = reader("shower", WarningPreference.SHOW).get(warned.get_absolute_url()).content.decode()
    assert '<details class="content-warning">' not in page
    assert "Content warning: self-harm, eating disorders" in page and BODY in page


def test_a_reader_who_chose_hide_does_not_see_warned_posts_in_lists(warned, question):
    hider = reader("hider", WarningPreference.HIDE)
    for url in [
        "/",
        "/questions/",
        "/categories/couples/",
        "/categories/relationships/",
        "/search?q=food",
    ]:
        page = hider.get(url).content.decode()
        assert "Struggling with food" not in page, url
    assert "Struggling with food" not in hider.get("/tags/food/").content.decode()
    assert "talk to my partner about money" in hider.get("/questions/").content.decode()
    # Others still see it in lists, with its warning.
    listed = Client().get("/questions/").content.decode()
    assert "Struggling with food" in listed and "Content warning: self-harm" in listed
    # The post itself stays reachable, collapsed.
    assert (
        '<details class="content-warning">' in hider.get(warned.get_absolute_url()).content.decode()
    )


def test_the_preference_is_chosen_in_settings(alice):
    client = logged_in(alice)
    assert "Posts with content warnings" in client.get("/settings").content.decode()
    assert client.post("/settings", {"content_warnings": "hide"}).status_code == 302
    alice.refresh_from_db()
    assert alice.content_warnings == WarningPreference.HIDE
    bad = client.post("/settings", {"content_warnings": "sometimes"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()
    alice.refresh_from_db()
    assert alice.content_warnings == WarningPreference.HIDE


def test_authors_choose_warnings_on_the_ask_form_and_change_them_when_editing(alice, category):
    client = logged_in(alice)
    client.post(
        "/ask",
        {
            "title": "Grief at the holidays is heavier this year",
            "body": "My dad died in spring.",
            "category": "couples",
            "content_warnings": ["grief"],
        },
    )
    asked = Post.objects.get(title__startswith="Grief at the holidays")
    assert asked.content_warnings == "grief"
    client.post(
        f"/posts/{asked.pk}/edit",
        {
            "title": asked.title,
            "body": asked.body,
            "tags": "",
            "content_warnings": ["grief", "other"],
        },
    )
    asked.refresh_from_db()
    assert asked.content_warnings == "grief other"


def test_an_unknown_warning_is_refused_and_nothing_is_posted(alice, category):
    response = logged_in(alice).post(
        "/ask",
        {
            "title": "A question with a made up warning",
            "body": "Text.",
            "category": "couples",
            "content_warnings": ["spiders"],
        },
    )
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not Post.objects.filter(title__startswith="A question with a made up").exists()


def test_the_screening_suggests_a_warning_once(alice, question):
    client = logged_in(alice)
    text = "My sister told me she wants to kill herself and I do not know what to do."
    first = client.post(f"/posts/{question.pk}/answer", {"body": text})
    assert first.status_code == 400
    page = first.content.decode()
    assert "A content warning lets readers who are struggling choose" in page
    assert 'name="warning_suggested" value="1"' in page
    assert not Post.objects.filter(body=text).exists()
    # Posting again as it is goes through: a hint, not a refusal.
    again = client.post(f"/posts/{question.pk}/answer", {"body": text, "warning_suggested": "1"})
    assert again.status_code == 302
    assert Post.objects.get(body=text).content_warnings == ""
    with_warning = client.post(
        f"/posts/{question.pk}/answer", {"body": text + " Again.", "content_warnings": ["suicide"]}
    )
    assert with_warning.status_code == 302
    assert Post.objects.get(body=text + " Again.").content_warnings == "suicide"


def test_search_results_keep_a_warned_body_out_of_the_snippet(warned):
    page = Client().get("/search?q=eat").content.decode()
    assert "Struggling with food" in page and "hard to eat" not in page
    shown = reader("shower", WarningPreference.SHOW).get("/search?q=eat").content.decode()
    assert "hard to <mark>eat</mark>" in shown or "hard to eat" in shown
