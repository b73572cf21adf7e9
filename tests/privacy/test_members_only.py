"""Members-only and noindex posts; the emergency line in the footer."""

import pytest
from django.test import Client

from mindwell.qa import actions
from mindwell.qa.models import Post
from tests.conftest import logged_in


@pytest.fixture
def members_only(alice, category) -> Post:
    return actions.ask_question(
        author=alice,
        title="Members only: a question about my marriage",
        body="Only members should read this.",
        category=category,
        tags=["marriage"],
        members_only=True,
    )


def test_a_members_only_question_is_hidden_from_visitors_and_crawlers(members_only, bob):
    visitor = Client()
    assert visitor.get(members_only.get_absolute_url()).status_code == 404
    for url in [
        "/",
        "/questions/",
        "/tags/marriage/",
        "/search?q=marriage",
        "/feeds/questions.atom",
        "/sitemap-questions.xml",
    ]:
        assert "a question about my marriage" not in visitor.get(url).content.decode(), url
    answer = actions.post_answer(question=members_only, author=bob, body="A member's reply here.")
    assert visitor.get(f"/posts/{answer.pk}/").status_code == 404
    member = logged_in(bob)
    page = member.get(members_only.get_absolute_url()).content.decode()
    assert (
        "Only members should read this." in page
        and '<meta name="robots" content="noindex">' in page
    )
    assert "a question about my marriage" in member.get("/questions/").content.decode()


def test_a_noindex_question_tells_search_engines_to_stay_away(alice, category):
    post = actions.ask_question(
        author=alice,
        title="Please keep this out of search engines",
        body="B",
        category=category,
        tags=[],
        noindex=True,
    )
    page = Client().get(post.get_absolute_url()).content.decode()
    assert '<meta name="robots" content="noindex">' in page
    plain = actions.ask_question(
        author=alice,
        title="An ordinary question for everyone",
        body="B",
        category=category,
        tags=[],
    )
    assert 'content="noindex"' not in Client().get(plain.get_absolute_url()).content.decode()


def test_the_ask_form_offers_members_only_and_noindex_to_members(alice, category):
    client = logged_in(alice)
    form = client.get("/ask").content.decode()
    assert (
        "Members only" in form
        and "search engines" in form
        and "Peer support, not medical advice" in form
    )
    client.post(
        "/ask",
        {
            "title": "A members-only question from the form",
            "body": "B",
            "category": "couples",
            "members_only": "on",
            "noindex": "on",
        },
    )
    post = Post.objects.get(title="A members-only question from the form")
    assert post.members_only and post.noindex


def test_every_page_says_what_to_do_in_an_emergency(client, db):
    assert "In an emergency" in client.get("/").content.decode()
    assert "In an emergency" in client.get("/login").content.decode()
