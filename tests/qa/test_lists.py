from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mindwell.qa import actions
from mindwell.qa.models import Category, Post
from tests.conftest import make_user


def ask(author, category, title, tags=("sleep",)):
    return actions.ask_question(
        author=author, title=title, body="Body text", category=category, tags=list(tags)
    )


def titles(html: str, *candidates: str) -> list[str]:
    return sorted((t for t in candidates if t in html), key=html.index)


def test_question_list_sorts_by_newest_active_votes_and_unanswered(
    client: Client, alice, bob, category
):
    first = ask(alice, category, "First question about sleep")
    second = ask(alice, category, "Second question about sleep")
    actions.post_answer(question=first, author=bob, body="An answer brings it back up")
    actions.cast_vote(post=second, user=bob, value=1)
    names = ("First question about sleep", "Second question about sleep")

    newest = client.get("/questions/?sort=newest").content.decode()
    assert titles(newest, *names) == [names[1], names[0]]
    active = client.get("/questions/?sort=active").content.decode()
    assert titles(active, *names) == [names[0], names[1]]
    votes = client.get("/questions/?sort=votes").content.decode()
    assert titles(votes, *names) == [names[1], names[0]]
    unanswered = client.get("/questions/?sort=unanswered").content.decode()
    assert titles(unanswered, *names) == [names[1]]
    assert client.get("/questions/?sort=nonsense").status_code == 200


def test_question_list_is_paginated_with_few_queries(client: Client, alice, category, settings):
    settings.MINDWELL_PAGE_SIZE = 5
    for n in range(12):
        ask(alice, category, f"Numbered question {n:02d}", tags=("a", "b", "c"))
    with CaptureQueriesContext(connection) as queries:
        page1 = client.get("/questions/").content.decode()
    assert "Numbered question 11" in page1 and "Numbered question 06" not in page1
    assert "Page 1 of 3" in page1
    assert len(queries) <= 6
    page3 = client.get("/questions/?page=3").content.decode()
    assert "Numbered question 00" in page3
    assert client.get("/questions/?page=999").status_code == 200  # the last page, not an error
    assert client.get("/questions/?page=abc").status_code == 200


def test_home_shows_recent_activity(client: Client, question, answer):
    page = client.get("/").content.decode()
    assert "Recent activity" in page and question.title in page


def test_category_list_counts_questions_in_each_category_and_its_children(
    client: Client, alice, category
):
    ask(alice, category, "A question about couples")
    parent = category.parent
    ask(alice, parent, "A question about relationships")
    page = client.get("/categories/").content.decode()
    assert "2 questions" in page  # Relationships, with its child
    assert "1 question" in page  # Couples
    detail = client.get(parent.get_absolute_url()).content.decode()
    assert "A question about couples" in detail and "A question about relationships" in detail


def test_category_that_does_not_exist_is_a_404(client: Client, db):
    assert client.get("/categories/nowhere/").status_code == 404


def test_tag_list_and_tag_page(client: Client, alice, category):
    ask(alice, category, "Question tagged with sleep", tags=("sleep", "rest"))
    ask(alice, category, "Another tagged with sleep", tags=("sleep",))
    tags = client.get("/tags/").content.decode()
    assert tags.index(">sleep<") < tags.index(">rest<")  # most used first
    assert "× 2" in tags
    page = client.get("/tags/sleep/").content.decode()
    assert "Question tagged with sleep" in page and "Another tagged with sleep" in page
    assert client.get("/tags/unknown/").status_code == 404


def test_hidden_questions_leave_every_list(client: Client, question, moderator, category):
    actions.set_post_state(post=question, state=Post.State.HIDDEN, actor=moderator)
    for url in ["/", "/questions/", "/tags/money/", category.get_absolute_url()]:
        assert question.title not in client.get(url).content.decode(), url
    category.refresh_from_db()
    assert category.question_count == 0


def test_hidden_question_returns_to_the_counts_when_restored(question, moderator):
    actions.set_post_state(post=question, state=Post.State.HIDDEN, actor=moderator)
    actions.set_post_state(post=question, state=Post.State.PUBLISHED, actor=moderator)
    assert Category.objects.get(slug="couples").question_count == 1


def test_short_points_next_to_authors(client: Client, category):
    sam = make_user("Sam", points=6_500)
    ask(sam, category, "A question from a long-time member")
    assert "(6.5k points)" in client.get("/questions/").content.decode()


def test_page_links_keep_the_chosen_sort(client: Client, alice, category, settings):
    settings.MINDWELL_PAGE_SIZE = 5
    for n in range(7):
        ask(alice, category, f"Numbered question {n:02d}")
    page = client.get("/questions/?sort=votes").content.decode()
    assert 'href="?sort=votes&amp;page=2"' in page
