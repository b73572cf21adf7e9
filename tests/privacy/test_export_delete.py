"""Own your data: the JSON export, and deleting an account."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from mindwell.accounts.models import User
from mindwell.qa import actions
from mindwell.qa.counters import Recount, recount
from mindwell.qa.models import Post
from tests.conftest import PASSWORD, logged_in


@pytest.fixture
def anonymous_question(alice, category) -> Post:
    return actions.ask_question(
        author=alice,
        title="A question I asked without my name",
        body="Private worries.",
        category=category,
        tags=["worry"],
        anonymous=True,
        content_warnings=["other"],
    )


def test_a_member_downloads_all_their_data(
    alice, bob, question, answer, anonymous_question, django_assert_max_num_queries
):
    actions.cast_vote(post=answer, user=alice, value=1)
    client = logged_in(alice)
    assert "Download my data" in client.get("/settings/export").content.decode()
    with django_assert_max_num_queries(16):
        response = client.post("/settings/export")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["profile"]["email"] == "alice@example.test"
    assert data["settings"]["content_warnings"] == "collapse"
    titles = {p["title"]: p for p in data["posts"]}
    assert titles["A question I asked without my name"]["anonymous"] is True
    assert titles["A question I asked without my name"]["content_warnings"] == ["other"]
    assert question.title in titles
    assert data["votes"] == [
        {"post_id": answer.pk, "value": 1, "created_at": data["votes"][0]["created_at"]}
    ]
    assert {"follows", "notifications", "points_history", "revisions"} <= data.keys()
    # Nobody else's data: bob's answer and email are not in alice's file.
    assert "bob@example.test" not in response.content.decode()
    assert "Pick a calm moment" not in response.content.decode()


def test_an_export_requested_while_another_runs_is_refused_with_a_message(alice):
    client = logged_in(alice)
    assert cache.add(f"export-lock:{alice.pk}", 1, 60)  # the first request, still building
    try:
        second = client.post("/settings/export")
    finally:
        cache.delete(f"export-lock:{alice.pk}")
    assert second.status_code == 409
    assert "already being prepared" in second.content.decode()
    assert client.post("/settings/export").status_code == 200  # once the first is done


def test_deleting_with_a_wrong_password_changes_nothing(alice, question):
    response = logged_in(alice).post("/settings/delete", {"posts": "remove", "password": "wrong"})
    assert response.status_code == 400
    assert "That password is not right" in response.content.decode()
    alice.refresh_from_db()
    question.refresh_from_db()
    assert (alice.email, alice.is_active, question.state) == (
        "alice@example.test",
        True,
        "published",
    )


def test_deleting_and_keeping_posts_leaves_them_anonymous(alice, bob, question, answer):
    actions.cast_vote(post=question, user=bob, value=1)
    client = logged_in(alice)
    response = client.post("/settings/delete", {"posts": "keep", "password": PASSWORD})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert "@" not in alice.email and "alice" not in alice.email.lower()
    assert alice.display_name != "Alice" and alice.bio == "" and not alice.is_active
    assert not Client().login(username="Alice", password=PASSWORD)
    question.refresh_from_db()
    assert question.state == "published" and question.anonymous
    page = Client().get(question.get_absolute_url()).content.decode()
    assert "Alice" not in page and "anonymous" in page
    assert recount() == Recount(0, 0, 0, 0)


def test_deleting_and_removing_posts_keeps_every_counter_right(
    alice, bob, carol, question, answer, category
):
    own_answer = actions.post_answer(
        question=question, author=alice, body="Adding to my own question."
    )
    bobs = actions.ask_question(
        author=bob, title="Bob asks something else here", body="B", category=category, tags=["x"]
    )
    alices_answer = actions.post_answer(question=bobs, author=alice, body="An answer of Alice's")
    actions.cast_vote(post=alices_answer, user=carol, value=1)
    actions.cast_vote(post=answer, user=alice, value=1)
    actions.select_answer(question=bobs, answer=alices_answer, user=bob)
    response = logged_in(alice).post("/settings/delete", {"posts": "remove", "password": PASSWORD})
    assert response.status_code == 302
    states = set(Post.objects.filter(author=alice).values_list("state", flat=True))
    assert states == {"deleted"}
    assert own_answer.pk and User.objects.filter(email__icontains="alice").count() == 0
    assert recount() == Recount(0, 0, 0, 0)
    bobs.refresh_from_db()
    assert bobs.answer_count == 0


def test_deleting_needs_a_choice_for_the_posts(alice):
    response = logged_in(alice).post("/settings/delete", {"password": PASSWORD})
    assert response.status_code == 400
    assert "Choose whether your posts are removed or kept" in response.content.decode()
    alice.refresh_from_db()
    assert alice.is_active


def test_a_deleted_members_name_leaves_cached_pages_at_once(alice, question, settings):
    settings.MINDWELL_PAGE_CACHE = True
    visitor = Client()
    assert "Alice" in visitor.get(question.get_absolute_url()).content.decode()
    assert "Alice" in visitor.get(question.get_absolute_url()).content.decode()  # from the cache
    logged_in(alice).post("/settings/delete", {"posts": "keep", "password": PASSWORD})
    page = visitor.get(question.get_absolute_url()).content.decode()
    assert "Alice" not in page and "anonymous" in page
    assert "Alice" not in visitor.get("/").content.decode()
