import pytest
from django.test import Client

from mindwell.qa import actions
from mindwell.qa.models import Post
from tests.conftest import logged_in


def answer_url(question: Post) -> str:
    return f"/posts/{question.pk}/answer"


def test_a_visitor_answers_with_a_display_name(client: Client, question):
    response = client.post(
        answer_url(question), {"body": "You are not alone in this.", "anon_name": "Sunny"}
    )
    answer = Post.objects.get(kind="A")
    assert response["Location"] == f"{question.get_absolute_url()}#post-{answer.pk}"
    assert (answer.author, answer.anon_name, answer.anon_email) == (None, "Sunny", "")
    question.refresh_from_db()
    assert question.answer_count == 1
    page = client.get(question.get_absolute_url()).content.decode()
    assert "You are not alone in this." in page and "Sunny" in page


def test_a_visitors_email_is_kept_for_notifications_and_never_shown(client: Client, question):
    client.post(
        answer_url(question),
        {"body": "Try a walk.", "anon_email": "kim@example.test", "notify_by_email": "on"},
    )
    answer = Post.objects.get(kind="A")
    assert answer.anon_email == "kim@example.test" and answer.notify_by_email
    page = client.get(question.get_absolute_url()).content.decode()
    assert "kim@example.test" not in page
    assert "anonymous" in page


def test_a_member_answers_under_their_name_and_earns_points(question, bob):
    logged_in(bob).post(answer_url(question), {"body": "It gets easier.", "anon_name": "ignored"})
    answer = Post.objects.get(kind="A")
    assert answer.author == bob and answer.anon_name == ""
    bob.refresh_from_db()
    assert bob.points == 140  # 100 + 10 x 4 for an answer


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"body": ""}, "Please write something here."),
        ({"body": "   \n  "}, "Please write something here."),
        ({"body": "x" * 30_001}, "under 30000 characters"),
        ({"body": "ok", "anon_name": "n" * 41}, "at most 40 characters"),
        ({"body": "ok", "anon_email": "kim@"}, "Enter a valid email address."),
    ],
)
def test_bad_answers_come_back_with_a_message_and_save_nothing(
    client: Client, question, fields, message
):
    response = client.post(answer_url(question), fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Post.objects.filter(kind="A").exists()
    question.refresh_from_db()
    assert question.answer_count == 0


def test_answering_a_question_that_does_not_exist_is_a_404(client: Client, db):
    assert client.post("/posts/424242/answer", {"body": "hello"}).status_code == 404


def test_answering_with_get_is_not_allowed(client: Client, question):
    assert client.get(answer_url(question)).status_code == 405


def test_visitors_cannot_answer_when_anonymous_posting_is_off(client: Client, question, settings):
    settings.MINDWELL_ANONYMOUS_POSTING = False
    response = client.post(answer_url(question), {"body": "hello"})
    assert response.status_code == 403
    assert not Post.objects.filter(kind="A").exists()
    page = client.get(question.get_absolute_url()).content.decode()
    assert "to answer" in page and "Your name to display" not in page


def test_a_closed_question_takes_no_answers(client: Client, question):
    Post.objects.filter(pk=question.pk).update(closed_at=question.created_at, close_reason="Done")
    response = client.post(answer_url(question), {"body": "late"})
    assert response.status_code == 403
    assert not Post.objects.filter(kind="A").exists()


def test_answers_to_a_hidden_question_are_refused(client: Client, question, moderator):
    actions.set_post_state(post=question, state=Post.State.HIDDEN, actor=moderator)
    assert client.post(answer_url(question), {"body": "hello"}).status_code == 404
