from django.test import Client

from mindwell.accounts.models import Level
from mindwell.moderation.holds import hold_reason
from mindwell.qa import actions
from mindwell.qa.models import Post
from tests.conftest import logged_in, make_user


def test_visitors_posts_are_held_when_the_setting_says_so(question, settings):
    settings.MINDWELL_HOLD_ANONYMOUS = True
    answer = actions.post_answer(question=question, author=None, body="From a visitor")
    question.refresh_from_db()
    assert answer.state == "held"
    assert "without an account" in answer.state_reason
    assert question.answer_count == 0
    assert "From a visitor" not in Client().get(question.get_absolute_url()).content.decode()


def test_a_held_post_earns_nothing_until_approved(category, moderator, settings):
    settings.MINDWELL_HOLD_UNDER_POINTS = 200
    newcomer = make_user("Newcomer")
    held = actions.ask_question(
        author=newcomer, title="Is it normal to feel this way?", body="Body",
        category=category, tags=["feelings"],
    )  # fmt: skip
    newcomer.refresh_from_db()
    category.refresh_from_db()
    assert (held.state, newcomer.points, category.question_count) == ("held", 100, 0)
    page = logged_in(newcomer).get(held.get_absolute_url()).content.decode()
    assert "fewer than 200 points are checked by a moderator first" in page
    logged_in(moderator).post(f"/posts/{held.pk}/moderate", {"action": "approve"})
    newcomer.refresh_from_db()
    category.refresh_from_db()
    held.refresh_from_db()
    assert (held.state, held.state_reason, newcomer.points) == ("published", "", 120)
    assert category.question_count == 1


def test_posts_with_too_many_links_are_held(question, bob, settings):
    settings.MINDWELL_HOLD_OVER_LINKS = 1
    one = actions.post_answer(question=question, author=bob, body="See https://example.org")
    two = actions.post_answer(
        question=question, author=bob, body="See https://example.org and https://example.net"
    )
    assert (one.state, two.state) == ("published", "held")
    assert two.state_reason == "Posts with more than 1 link are checked by a moderator first."


def test_moderators_are_never_held_and_by_default_nothing_is(question, bob, settings):
    assert hold_reason(Post(body="x", body_html="x", author=bob)) == ""
    settings.MINDWELL_HOLD_UNDER_POINTS = 10**6
    settings.MINDWELL_HOLD_OVER_LINKS = 0
    boss = make_user("Boss", level=Level.MODERATOR)
    post = actions.post_answer(question=question, author=boss, body="<https://example.org>")
    assert post.state == "published"


def test_comments_are_held_too(answer, settings):
    settings.MINDWELL_HOLD_ANONYMOUS = True
    comment = actions.post_comment(parent=answer, author=None, body="Me too")
    assert comment.state == "held"
