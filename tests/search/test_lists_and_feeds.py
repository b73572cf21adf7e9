from datetime import timedelta
from xml.etree import ElementTree

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mindwell.qa import actions
from mindwell.qa.models import Post
from mindwell.qa.views import hotness
from tests.conftest import make_user

ATOM = "{http://www.w3.org/2005/Atom}"


def ask(author, category, title, tags=("sleep",)):
    return actions.ask_question(
        author=author, title=title, body="Body text", category=category, tags=list(tags)
    )


def titles(html: str, *candidates: str) -> list[str]:
    return sorted((t for t in candidates if t in html), key=html.index)


def age(post: Post, **delta) -> None:
    when = timezone.now() - timedelta(**delta)
    Post.objects.filter(pk=post.pk).update(created_at=when, last_activity_at=when)


def test_hotness_rises_with_activity_and_falls_with_age():
    assert hotness(5, 2, 100, 1) > hotness(0, 0, 0, 1)
    assert hotness(5, 2, 100, 1) > hotness(5, 2, 100, 48)
    assert hotness(0, 1, 0, 0) > hotness(0, 0, 1, 0)  # an answer counts more than a view


def test_hot_list_puts_active_recent_questions_first(client: Client, alice, bob, category):
    old_busy = ask(alice, category, "Old question with votes")
    actions.cast_vote(post=old_busy, user=bob, value=1)
    age(old_busy, days=20)
    fresh = ask(alice, category, "Fresh question with an answer")
    actions.post_answer(question=fresh, author=bob, body="An answer")
    ask(alice, category, "Fresh quiet question")
    page = client.get("/questions/?sort=hot").content.decode()
    assert titles(
        page, "Old question with votes", "Fresh question with an answer", "Fresh quiet question"
    ) == [
        "Fresh question with an answer",
        "Fresh quiet question",
        "Old question with votes",
    ]


def test_lists_of_most_viewed_top_this_week_and_month_and_no_best_answer(
    client: Client, alice, bob, carol, category
):
    viewed = ask(alice, category, "Question many have read")
    Post.objects.filter(pk=viewed.pk).update(views=50)
    last_month = ask(alice, category, "Voted question from three weeks ago")
    for voter in (bob, carol):
        actions.cast_vote(post=last_month, user=voter, value=1)
    age(last_month, days=21)
    this_week = ask(alice, category, "Voted question from this week")
    actions.cast_vote(post=this_week, user=bob, value=1)
    solved = ask(alice, category, "Question with a best answer")
    best = actions.post_answer(question=solved, author=bob, body="This")
    actions.select_answer(question=solved, answer=best, user=alice)
    names = (viewed.title, last_month.title, this_week.title, solved.title)

    assert titles(client.get("/questions/?sort=views").content.decode(), *names)[0] == viewed.title
    week = client.get("/questions/?sort=week").content.decode()
    assert titles(week, *names)[0] == this_week.title and last_month.title not in week
    month = client.get("/questions/?sort=month").content.decode()
    assert titles(month, *names)[0] == last_month.title
    unselected = client.get("/questions/?sort=unselected").content.decode()
    assert solved.title not in unselected and viewed.title in unselected


def test_hot_list_is_paginated_with_few_queries(client: Client, alice, category, settings):
    settings.MINDWELL_PAGE_SIZE = 5
    for n in range(12):
        ask(alice, category, f"Numbered question {n:02d}")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/questions/?sort=hot").content.decode()
    assert "Page 1 of 3" in page and "Numbered question 11" in page
    assert len(queries) <= 5
    assert "Numbered question 00" in client.get("/questions/?sort=hot&page=3").content.decode()


def feed_titles(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own feed)
    return [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]


def test_atom_feeds_of_recent_questions_a_category_a_tag_and_answers(
    client: Client, question, answer
):
    assert feed_titles(client, "/feeds/questions.atom") == [question.title]
    assert feed_titles(client, "/feeds/categories/couples.atom") == [question.title]
    assert feed_titles(client, "/feeds/categories/relationships.atom") == [question.title]
    assert feed_titles(client, "/feeds/tags/money.atom") == [question.title]
    assert feed_titles(client, f"/feeds/questions/{question.pk}/answers.atom") == ["Answer by Bob"]
    assert client.get("/feeds/tags/no-such-tag.atom").status_code == 404


def test_feeds_name_visitors_as_they_chose_and_never_show_an_email(client: Client, question):
    actions.post_answer(
        question=question,
        author=None,
        body="From a visitor",
        anon_name="Kim",
        anon_email="kim@example.test",
    )
    feed = client.get(f"/feeds/questions/{question.pk}/answers.atom").content.decode()
    assert "Answer by Kim" in feed and "kim@example.test" not in feed


def test_a_hidden_post_disappears_from_feeds(client: Client, question, answer, moderator):
    actions.set_post_state(post=answer, state=Post.State.HIDDEN, actor=moderator)
    assert feed_titles(client, f"/feeds/questions/{question.pk}/answers.atom") == []
    actions.set_post_state(post=question, state=Post.State.HIDDEN, actor=moderator)
    assert feed_titles(client, "/feeds/questions.atom") == []
    assert feed_titles(client, "/feeds/tags/money.atom") == []
    assert client.get(f"/feeds/questions/{question.pk}/answers.atom").status_code == 404


def test_sitemap_lists_public_questions_categories_and_tags(client: Client, question, moderator):
    hidden = actions.ask_question(
        author=make_user("Dee"),
        title="A question that will be hidden",
        body="Body",
        category=question.category,
        tags=[],
    )
    actions.set_post_state(post=hidden, state=Post.State.HIDDEN, actor=moderator)
    unlisted = actions.ask_question(
        author=make_user("Eve"),
        title="A question its asker keeps out of search engines",
        body="Body",
        category=question.category,
        tags=[],
        noindex=True,
    )
    index = client.get("/sitemap.xml").content.decode()
    assert "sitemap-questions.xml" in index
    questions = client.get("/sitemap-questions.xml").content.decode()
    assert question.get_absolute_url() in questions
    assert f"/questions/{hidden.pk}/" not in questions
    assert f"/questions/{unlisted.pk}/" not in questions
    assert "/categories/couples/" in client.get("/sitemap-categories.xml").content.decode()
    assert "/tags/money/" in client.get("/sitemap-tags.xml").content.decode()


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_off_search(client: Client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text and "Disallow: /search" in text


def test_question_pages_have_canonical_and_opengraph_tags(client: Client, question):
    page = client.get(question.get_absolute_url()).content.decode()
    url = f"http://testserver{question.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in page
    assert f'<meta property="og:url" content="{url}">' in page
    assert f'<meta property="og:title" content="{question.title}">' in page
    assert '<meta property="og:type" content="article">' in page
    assert 'property="og:description" content="We keep arguing' in page
    assert f"/feeds/questions/{question.pk}/answers.atom" in page
