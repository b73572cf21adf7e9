from django.test import Client

from mindwell.qa.models import Post
from tests.conftest import logged_in, make_user


def change(client: Client, post: Post, state: str):
    return client.post(f"/posts/{post.pk}/state", {"state": state})


def test_a_moderator_hides_an_answer_and_its_points_go_then_come_back(
    question, answer, bob, moderator
):
    voter = make_user("Voter")
    logged_in(voter).post(f"/posts/{answer.pk}/vote", {"vote": "up"})
    bob.refresh_from_db()
    assert bob.points == 160
    change(logged_in(moderator), answer, "hidden")
    answer.refresh_from_db()
    bob.refresh_from_db()
    voter.refresh_from_db()
    question.refresh_from_db()
    assert answer.state == "hidden" and question.answer_count == 0
    assert (bob.points, voter.points) == (100, 100)
    change(logged_in(moderator), answer, "published")
    bob.refresh_from_db()
    voter.refresh_from_db()
    assert (bob.points, voter.points) == (160, 110)
    assert answer.__class__.objects.get(pk=answer.pk).score == 1  # the votes were kept


def test_the_question_page_offers_moderators_hide_and_authors_delete(
    question, answer, bob, moderator
):
    mod_page = logged_in(moderator).get(question.get_absolute_url()).content.decode()
    assert 'value="hidden"' in mod_page and 'value="deleted"' in mod_page
    author_page = logged_in(bob).get(question.get_absolute_url()).content.decode()
    assert author_page.count('value="deleted"') == 1  # only on Bob's own answer
    assert 'value="hidden"' not in author_page


def test_an_author_deletes_their_own_answer(question, answer, bob):
    response = change(logged_in(bob), answer, "deleted")
    assert response["Location"] == question.get_absolute_url()
    answer.refresh_from_db()
    assert answer.state == "deleted"


def test_deleting_a_question_leads_home(question, alice):
    assert change(logged_in(alice), question, "deleted")["Location"] == "/"


def test_other_members_may_not_hide_or_delete(question, answer, carol):
    assert change(logged_in(carol), answer, "hidden").status_code == 403
    assert change(logged_in(carol), answer, "deleted").status_code == 403
    answer.refresh_from_db()
    assert answer.state == "published"


def test_an_unknown_state_is_a_400(answer, moderator):
    assert change(logged_in(moderator), answer, "vanished").status_code == 400
    answer.refresh_from_db()
    assert answer.state == "published"


def test_visitors_must_log_in(client: Client, answer):
    assert change(client, answer, "deleted").status_code == 302
    answer.refresh_from_db()
    assert answer.state == "published"
