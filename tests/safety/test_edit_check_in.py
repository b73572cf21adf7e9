"""The check-in before a writer saves an edit that newly reads as risk, as before posting."""

from django.test import Client

from mindwell.qa import actions
from mindwell.qa.models import Post
from tests.conftest import logged_in
from tests.safety.test_posting import CALM, RISKY, check_in_panel, hidden_fields

HEADERS = {"accept-language": "en-GB"}


def edit(client: Client, post: Post, **fields: str):
    data = {"body": post.body, "content_warnings": []}
    if post.is_question:
        data.update(title=post.title, tags="sleep exams")
    data.update(fields)
    return client.post(f"/posts/{post.pk}/edit", data, headers=HEADERS)


def calm_question(author, category) -> Post:
    return actions.ask_question(
        author=author, title="Sleep before exams", body=CALM, category=category, tags=["sleep"]
    )


def test_an_edit_that_newly_reads_as_risk_shows_the_check_in_and_saves_nothing(alice, category):
    question = calm_question(alice, category)
    client = logged_in(alice)
    response = edit(client, question, body=RISKY)
    assert response.status_code == 200
    page = response.content.decode()
    panel = check_in_panel(page)
    assert "Before you save: are you safe right now?" in panel
    assert "Samaritans" in panel and "116 123" in panel
    assert "I'm safe, save my changes" in page and "Go back without saving" in page
    question.refresh_from_db()
    assert question.body == CALM and question.revisions.count() == 1  # nothing saved yet
    assert question.screening.label == "none"
    # "I'm safe": everything typed comes back, and the edit is saved.
    confirm = hidden_fields(page)
    assert confirm["body"] == RISKY and confirm["safety_confirmed"] == "1"
    assert confirm["title"] == "Sleep before exams"
    saved = client.post(f"/posts/{question.pk}/edit", confirm, headers=HEADERS)
    assert saved.status_code == 302
    question.refresh_from_db()
    assert (question.body, question.screening.label) == (RISKY, "risk")
    assert question.screening.alerted_at is not None


def test_going_back_brings_the_edit_back_as_typed(alice, category):
    question = calm_question(alice, category)
    client = logged_in(alice)
    page = edit(client, question, body=RISKY, title="Nothing helps").content.decode()
    back = client.post(
        f"/posts/{question.pk}/edit", hidden_fields(page, "check-in-back"), headers=HEADERS
    )
    assert back.status_code == 200
    form = back.content.decode()
    assert "<h1>Edit question</h1>" in form
    assert RISKY in form and 'value="Nothing helps"' in form
    assert 'data-checkin-kind="edit"' in form  # with JavaScript, the dialog asks again
    question.refresh_from_db()
    assert (question.title, question.body) == ("Sleep before exams", CALM)


def test_an_answer_and_a_comment_edit_get_it_too(alice, bob, question):
    answer = actions.post_answer(question=question, author=bob, body=CALM)
    comment = actions.post_comment(parent=question, author=bob, body="Same here, sadly.")
    client = logged_in(bob)
    for post in (answer, comment):
        page = edit(client, post, body=RISKY).content.decode()
        assert "I'm safe, save my changes" in page, post.kind
        post.refresh_from_db()
        assert post.body != RISKY


def test_a_calm_edit_saves_at_once(alice, category):
    question = calm_question(alice, category)
    response = edit(logged_in(alice), question, body=CALM + " Any tips welcome.")
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.body.endswith("Any tips welcome.")


def test_a_post_that_already_read_as_risk_is_not_asked_about_again(alice, category):
    question = actions.ask_question(
        author=alice, title="I don't know", body=RISKY, category=category, tags=["sleep"]
    )
    client = logged_in(alice)
    form = client.get(f"/posts/{question.pk}/edit").content.decode()
    assert "data-checkin-kind" not in form
    response = edit(client, question, body=RISKY + " Sorry for the typos.")
    assert response.status_code == 302  # saved: they saw the check-in, readers the helplines
    question.refresh_from_db()
    assert question.body.endswith("Sorry for the typos.")


def test_a_moderator_editing_someone_s_post_is_not_asked(alice, moderator, category):
    question = calm_question(alice, category)
    client = logged_in(moderator)
    assert "data-checkin-kind" not in client.get(f"/posts/{question.pk}/edit").content.decode()
    response = edit(client, question, body=RISKY)
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.body, question.screening.label) == (RISKY, "risk")


def test_the_writer_s_edit_form_asks_the_dialog_to_check(alice, category):
    question = calm_question(alice, category)
    form = logged_in(alice).get(f"/posts/{question.pk}/edit").content.decode()
    assert 'data-checkin-kind="edit"' in form


def test_the_dialog_s_precheck_answers_for_an_edit(alice):
    client = logged_in(alice)
    risky = client.post("/safety/check-in", {"safety_kind": "edit", "body": RISKY})
    assert risky.status_code == 200
    panel = risky.content.decode()
    assert "I'm safe, save my changes" in panel and "Go back without saving" in panel
    calm = client.post("/safety/check-in", {"safety_kind": "edit", "body": CALM})
    assert calm.status_code == 204
    assert (
        client.post("/safety/check-in", {"safety_kind": "poem", "body": RISKY}).status_code == 400
    )
