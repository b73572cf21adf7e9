"""Categories that highlight or require verified professionals."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from mindwell.qa import actions
from mindwell.qa.models import Category, Post, Professionals
from tests.conftest import logged_in


def test_a_category_that_requires_professionals_refuses_other_answers(
    question, category, bob, therapist
):
    Category.objects.filter(pk=category.pk).update(professionals=Professionals.REQUIRE)
    question.refresh_from_db()
    response = logged_in(bob).post(f"/posts/{question.pk}/answer", {"body": "A peer's answer."})
    assert response.status_code == 403
    assert "Only verified professionals may answer in Couples" in response.content.decode()
    with pytest.raises(PermissionDenied):
        actions.post_answer(question=question, author=bob, body="Through the action.")
    assert Client().post(f"/posts/{question.pk}/answer", {"body": "A visitor."}).status_code == 403
    assert not Post.objects.filter(kind="A").exists()
    page = logged_in(bob).get(question.get_absolute_url()).content.decode()
    assert "Only verified professionals may answer" in page and "Post your answer" not in page
    assert (
        logged_in(therapist)
        .post(f"/posts/{question.pk}/answer", {"body": "A therapist's answer."})
        .status_code
        == 302
    )
    assert Post.objects.filter(kind="A", author=therapist).exists()


def test_a_highlighting_category_puts_professionals_after_the_best_answer(
    question, category, alice, bob, carol, therapist
):
    peer = actions.post_answer(question=question, author=bob, body="Peer answer with votes.")
    best = actions.post_answer(question=question, author=carol, body="The best answer.")
    pro = actions.post_answer(
        question=question, author=therapist, body="The professional's answer."
    )
    actions.cast_vote(post=peer, user=alice, value=1)
    actions.select_answer(question=question, answer=best, user=alice)

    def order() -> list[int]:
        page = Client().get(question.get_absolute_url()).content.decode()
        return sorted([best.pk, pro.pk, peer.pk], key=lambda pk: page.index(f'id="post-{pk}"'))

    assert order() == [best.pk, peer.pk, pro.pk]
    Category.objects.filter(pk=category.pk).update(professionals=Professionals.HIGHLIGHT)
    assert order() == [best.pk, pro.pk, peer.pk]
