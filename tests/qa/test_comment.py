import re

import pytest
from django.test import Client

from mindwell.qa.models import Post
from tests.conftest import logged_in


def test_a_member_comments_on_a_question(question, bob):
    response = logged_in(bob).post(f"/posts/{question.pk}/comment", {"body": "Following."})
    comment = Post.objects.get(kind="C")
    assert response["Location"] == f"{question.get_absolute_url()}#post-{comment.pk}"
    assert (comment.parent, comment.question, comment.author) == (question, question, bob)


def test_a_visitor_comments_on_an_answer_with_a_name(client: Client, question, answer):
    client.post(f"/posts/{answer.pk}/comment", {"body": "Thank you.", "anon_name": "Lee"})
    comment = Post.objects.get(kind="C")
    assert (comment.parent, comment.question, comment.anon_name) == (answer, question, "Lee")
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Thank you." in page and "Lee" in page


def test_comments_on_comments_are_not_a_thing(client: Client, question, bob):
    logged_in(bob).post(f"/posts/{question.pk}/comment", {"body": "First."})
    comment = Post.objects.get(kind="C")
    assert client.post(f"/posts/{comment.pk}/comment", {"body": "Nested"}).status_code == 404
    assert Post.objects.filter(kind="C").count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"body": ""}, "Please write something here."),
        ({"body": "x" * 5_001}, "under 5000 characters"),
        ({"body": "ok", "anon_name": "n" * 41}, "at most 40 characters"),
    ],
)
def test_bad_comments_come_back_open_with_a_message(client: Client, question, fields, message):
    response = client.post(f"/posts/{question.pk}/comment", fields)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert '<details class="comment-form" open>' in page
    assert not Post.objects.filter(kind="C").exists()


def test_commenting_on_a_missing_post_is_a_404(client: Client, db):
    assert client.post("/posts/999999/comment", {"body": "hi"}).status_code == 404


def test_a_members_bad_comment_comes_back_in_its_own_form_and_the_others_stay_blank(
    question, answer, bob
):
    response = logged_in(bob).post(f"/posts/{answer.pk}/comment", {"body": "x" * 5_001})
    page = response.content.decode()
    assert response.status_code == 400
    (kept,) = re.findall(r'<details class="comment-form" open>.*?</details>', page, re.S)
    assert f'action="/posts/{answer.pk}/comment"' in kept and "x" * 5_001 in kept
    assert f'id="id_comment_{answer.pk}_body"' in kept and "under 5000 characters" in kept
    blank = page.split(f'action="/posts/{question.pk}/comment"', 1)[1].split("</form>", 1)[0]
    assert f'id="id_comment_{question.pk}_body"' in blank and "x" * 50 not in blank
