from django.test import Client

from mindwell.accounts.models import Level
from mindwell.qa import actions
from mindwell.qa.models import Post, Revision, Tag
from tests.conftest import logged_in, make_user


def edit(client: Client, post: Post, **fields):
    data = {"title": post.title, "body": post.body, "tags": "money communication"}
    data.update(fields)
    return client.post(f"/posts/{post.pk}/edit", data)


def test_the_author_edits_title_body_and_tags_and_a_revision_is_kept(question, alice):
    response = edit(
        logged_in(alice),
        question,
        title="How do we talk about money calmly?",
        body="Updated **body**",
        tags="money budgeting",
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.title == "How do we talk about money calmly?"
    assert question.body_html == "<p>Updated <strong>body</strong></p>\n"
    assert question.edited_by == alice and question.edited_at is not None
    assert sorted(question.tags.values_list("name", flat=True)) == ["budgeting", "money"]
    assert Tag.objects.get(name="communication").question_count == 0
    assert Tag.objects.get(name="budgeting").question_count == 1
    revisions = list(Revision.objects.filter(post=question).values_list("number", "title"))
    assert revisions == [
        (1, "How do I talk to my partner about money?"),
        (2, "How do we talk about money calmly?"),
    ]


def test_saving_without_changes_adds_no_revision(question, alice):
    edit(logged_in(alice), question)
    question.refresh_from_db()
    assert question.edited_at is None
    assert Revision.objects.filter(post=question).count() == 1


def test_another_member_may_not_edit(question, bob):
    response = edit(logged_in(bob), question, body="Vandalised")
    assert response.status_code == 403
    assert "20,000 points" in response.content.decode()
    question.refresh_from_db()
    assert question.body != "Vandalised"


def test_an_editor_may_edit_others_posts(question):
    editor = make_user("Eddie", level=Level.EDITOR)
    edit(logged_in(editor), question, body="Tidied")
    question.refresh_from_db()
    assert question.body == "Tidied" and question.edited_by == editor


def test_visitors_are_sent_to_log_in_to_edit(client: Client, question):
    response = edit(client, question, body="x")
    assert response.status_code == 302 and response["Location"].startswith("/login")


def test_bad_edits_change_nothing(question, alice):
    response = edit(logged_in(alice), question, title="short", tags="a b c d e f")
    assert response.status_code == 400
    page = response.content.decode()
    assert "at least 10 characters" in page and "at most 5 tags" in page
    question.refresh_from_db()
    assert question.title == "How do I talk to my partner about money?"


def test_an_answer_edit_has_only_a_body(answer, bob):
    page = logged_in(bob).get(f"/posts/{answer.pk}/edit").content.decode()
    assert 'name="body"' in page and 'name="title"' not in page
    logged_in(bob).post(f"/posts/{answer.pk}/edit", {"body": "Better answer"})
    answer.refresh_from_db()
    assert answer.body == "Better answer"


def test_history_shows_each_revision_as_a_diff(client: Client, question, alice):
    actions.edit_post(
        post=question,
        editor=alice,
        title=question.title,
        body="We keep arguing about money.\nI want us to stop.",
        tags=["money"],
    )
    page = client.get(f"/posts/{question.pk}/history").content.decode()
    assert "Revision 2 (current)" in page and "Revision 1" in page
    assert '<span class="add">+ I want us to stop.</span>' in page
    assert '<span class="del">− tags: communication money</span>' in page


def test_the_author_rolls_back_to_an_earlier_revision(question, alice):
    actions.edit_post(post=question, editor=alice, title=question.title, body="v2", tags=["money"])
    response = logged_in(alice).post(f"/posts/{question.pk}/rollback/1")
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.body == "We keep arguing about **money** and I want to stop."
    assert sorted(question.tags.values_list("name", flat=True)) == ["communication", "money"]
    latest = Revision.objects.filter(post=question).last()
    assert latest is not None and latest.number == 3
    assert latest.note == "rolled back to revision 1"


def test_a_moderator_may_roll_back_and_others_may_not(question, alice, bob, moderator):
    actions.edit_post(post=question, editor=alice, title=question.title, body="v2", tags=["money"])
    assert logged_in(bob).post(f"/posts/{question.pk}/rollback/1").status_code == 403
    question.refresh_from_db()
    assert question.body == "v2"
    logged_in(moderator).post(f"/posts/{question.pk}/rollback/1")
    question.refresh_from_db()
    assert question.body.startswith("We keep arguing")


def test_rolling_back_to_a_revision_that_does_not_exist_is_a_404(question, alice):
    assert logged_in(alice).post(f"/posts/{question.pk}/rollback/99").status_code == 404
