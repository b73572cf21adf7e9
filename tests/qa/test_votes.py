from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mindwell.accounts.models import Level, PointsEntry
from mindwell.qa import actions
from mindwell.qa.models import Post, Vote
from tests.conftest import logged_in, make_user


def vote(client: Client, post: Post, value: str, **headers):
    return client.post(f"/posts/{post.pk}/vote", {"vote": value}, headers=headers)


def test_an_up_vote_as_a_plain_form_post_counts_and_returns_to_the_page(answer, carol, bob):
    response = vote(logged_in(carol), answer, "up")
    assert response.status_code == 302
    answer.refresh_from_db()
    bob.refresh_from_db()
    carol.refresh_from_db()
    assert (answer.score, answer.upvotes) == (1, 1)
    assert bob.points == 100 + 10 * (4 + 2)  # answer posted, one up vote received
    assert carol.points == 100 + 10 * 1  # one vote cast


def test_with_htmx_the_vote_block_comes_back_alone_with_the_new_score(question, bob):
    response = vote(logged_in(bob), question, "up", **{"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<div class="votes" id="votes-{question.pk}">')
    assert "1 vote" in html
    assert 'aria-label="Withdraw your up vote"' in html
    assert "<html" not in html


def test_scores_read_as_on_the_seed(client: Client, question, db):
    voters = [make_user(f"V{n}", level=Level.EXPERT) for n in range(19)]
    for voter in voters:
        actions.cast_vote(post=question, user=voter, value=1)
    assert "+19 votes" in client.get(question.get_absolute_url()).content.decode()
    for voter in voters[:18]:
        actions.cast_vote(post=question, user=voter, value=-1)
    assert "-17 votes" in client.get(question.get_absolute_url()).content.decode()


def test_a_vote_can_be_changed_and_withdrawn(answer, carol):
    carol_expert = make_user("Dee", level=Level.EXPERT)
    for value, expected in [("up", 1), ("down", -1), ("withdraw", 0)]:
        vote(logged_in(carol_expert), answer, value)
        answer.refresh_from_db()
        assert answer.score == expected
    carol_expert.refresh_from_db()
    assert carol_expert.points == 100
    assert not Vote.objects.exists()


def test_voting_the_same_way_twice_counts_once(answer, carol):
    client = logged_in(carol)
    vote(client, answer, "up")
    vote(client, answer, "up")
    answer.refresh_from_db()
    assert answer.score == 1 and Vote.objects.count() == 1


def test_voting_on_your_own_post_is_refused(answer, bob):
    response = vote(logged_in(bob), answer, "up", Accept="text/html")
    assert response.status_code == 403
    assert "You cannot vote on your own post." in response.content.decode()
    answer.refresh_from_db()
    assert answer.score == 0


def test_visitors_are_asked_to_log_in(client: Client, answer):
    response = vote(client, answer, "up", Accept="text/html")
    assert response.status_code == 403
    assert "Please log in to vote." in response.content.decode()
    page = client.get(answer.question.get_absolute_url()).content.decode()
    assert "Log in to vote" in page
    assert not Vote.objects.exists()


def test_a_down_vote_needs_the_privilege_and_says_why(answer, carol):
    response = vote(logged_in(carol), answer, "down")
    assert response.status_code == 403
    assert "You need 1,250 points to vote down (you have 100)" in response.content.decode()
    page = logged_in(carol).get(answer.question.get_absolute_url()).content.decode()
    assert "You need 1,250 points to vote down" in page
    assert not Vote.objects.exists()


def test_a_member_with_enough_points_may_vote_down(answer):
    veteran = make_user("Vet", points=1250)
    vote(logged_in(veteran), answer, "down")
    answer.refresh_from_db()
    assert answer.score == -1


def test_a_scripted_client_gets_a_plain_4xx_message(answer, bob):
    response = vote(logged_in(bob), answer, "up", Accept="application/json")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "You cannot vote on your own post."


@pytest.mark.parametrize("value", ["", "sideways", "1", "UP"])
def test_a_vote_that_is_not_up_down_or_withdraw_is_a_400(answer, carol, value):
    response = vote(logged_in(carol), answer, value)
    assert response.status_code == 400
    assert not Vote.objects.exists()


def test_voting_on_a_missing_post_is_a_404(carol):
    assert vote(logged_in(carol), Post(pk=987654), "up").status_code == 404


@pytest.mark.parametrize("state", [Post.State.HIDDEN, Post.State.DELETED])
def test_voting_on_a_hidden_or_deleted_post_is_refused(answer, carol, moderator, state):
    actions.set_post_state(post=answer, state=state, actor=moderator)
    assert vote(logged_in(carol), answer, "up").status_code == 404
    assert vote(logged_in(moderator), answer, "up").status_code in (403, 404)
    assert not Vote.objects.exists()


def test_comments_cannot_be_voted_on(question, bob, carol):
    comment = actions.post_comment(parent=question, author=bob, body="Hi")
    assert vote(logged_in(carol), comment, "up").status_code == 403
    assert not Vote.objects.exists()


def test_a_vote_costs_ten_queries_and_the_same_vote_again_one(answer, carol):
    """Before the write: the post with the member's vote, the member's category levels.
    In it (six, between two for the transaction): lock the post, read the vote again,
    store it, the counters, both members' points, the ledger. The same vote again only
    reads: it takes no write lock."""
    with CaptureQueriesContext(connection) as first:
        actions.cast_vote(post=answer, user=carol, value=1)
    with CaptureQueriesContext(connection) as again:
        actions.cast_vote(post=answer, user=carol, value=1)
    assert len(first) == 10
    assert len(again) == 1 and again[0]["sql"].startswith("SELECT")
    answer.refresh_from_db()
    assert answer.upvotes == 1 and Vote.objects.filter(post=answer, user=carol, value=1).exists()
    ledger = PointsEntry.objects.filter(post=answer).exclude(reason="answer posted")
    assert {(e.user_id, e.delta, e.reason) for e in ledger} == {
        (carol.pk, 10, "vote cast"),
        (answer.author_id, 20, "votes received"),
    }
    assert all(abs(e.created_at - timezone.now()) < timedelta(minutes=1) for e in ledger)


def test_a_post_hidden_after_the_read_is_refused_under_the_lock(answer, carol, moderator):
    """The privileges are checked again in the transaction when the post's state moved."""
    read = actions.votable(carol).get(pk=answer.pk)
    actions.set_post_state(post=answer, state=Post.State.HIDDEN, actor=moderator)
    with pytest.raises(PermissionDenied, match="cannot be voted on"):
        actions.cast_vote(post=read, user=carol, value=1)
    answer.refresh_from_db()
    assert answer.upvotes == 0 and not Vote.objects.exists()


def test_a_vote_through_the_view_reads_the_post_once(answer, carol, bob):
    """The view's read (visibility, the member's vote) is the one `cast_vote` uses."""
    client = logged_in(carol)
    with CaptureQueriesContext(connection) as queries:
        assert vote(client, answer, "up").status_code == 302
    post_reads = [q for q in queries if q["sql"].startswith('SELECT "qa_post"."id"')]
    assert len(post_reads) == 1
    with CaptureQueriesContext(connection) as queries:
        assert vote(client, answer, "withdraw").status_code == 302
    assert len([q for q in queries if q["sql"].startswith('SELECT "qa_post"."id"')]) == 1
    answer.refresh_from_db()
    bob.refresh_from_db()
    assert (answer.upvotes, answer.score) == (0, 0)
    assert bob.points == 100 + 10 * 4  # answer posted; the vote withdrawn took its points back
    assert not Vote.objects.filter(post=answer).exists()
