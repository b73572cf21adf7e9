from django.test import Client

from mindwell.accounts.models import Level
from mindwell.qa import actions
from mindwell.qa.models import Post
from tests.conftest import logged_in, make_user


def select(client: Client, question: Post, answer: Post | None):
    return client.post(f"/posts/{question.pk}/select", {"answer": answer.pk if answer else ""})


def test_the_asker_selects_a_best_answer_and_both_earn_points(question, answer, alice, bob):
    select(logged_in(alice), question, answer)
    question.refresh_from_db()
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert question.accepted_answer == answer
    assert alice.points == 100 + 10 * (2 + 3)
    assert bob.points == 100 + 10 * (4 + 30)  # "an answer selected as best brings 300"


def test_the_asker_unselects_and_the_points_go(question, answer, alice, bob):
    select(logged_in(alice), question, answer)
    select(logged_in(alice), question, None)
    question.refresh_from_db()
    bob.refresh_from_db()
    assert question.accepted_answer is None
    assert bob.points == 140


def test_selecting_another_answer_moves_the_points(question, answer, alice, bob, carol):
    other = actions.post_answer(question=question, author=carol, body="Another view")
    select(logged_in(alice), question, answer)
    select(logged_in(alice), question, other)
    bob.refresh_from_db()
    carol.refresh_from_db()
    assert (bob.points, carol.points) == (140, 440)


def test_a_moderator_and_an_expert_may_select_on_others_questions(question, answer, moderator):
    select(logged_in(moderator), question, answer)
    question.refresh_from_db()
    assert question.accepted_answer == answer
    expert = make_user("Exp", level=Level.EXPERT)
    select(logged_in(expert), question, None)
    question.refresh_from_db()
    assert question.accepted_answer is None


def test_another_member_may_not_select(question, answer, carol):
    response = select(logged_in(carol), question, answer)
    assert response.status_code == 403
    question.refresh_from_db()
    assert question.accepted_answer is None
    page = logged_in(carol).get(question.get_absolute_url()).content.decode()
    assert "Select as best answer" not in page


def test_an_answer_of_another_question_cannot_be_selected(question, answer, alice, category):
    elsewhere = actions.ask_question(
        author=alice, title="Another question of mine", body="b", category=category, tags=[]
    )
    response = select(logged_in(alice), elsewhere, answer)
    assert response.status_code == 400
    assert "belongs to another question" in response.content.decode()
    elsewhere.refresh_from_db()
    assert elsewhere.accepted_answer is None


def test_selecting_your_own_answer_earns_nothing(question, alice):
    own = actions.post_answer(question=question, author=alice, body="What worked for me")
    before = alice.__class__.objects.get(pk=alice.pk).points
    select(logged_in(alice), question, own)
    alice.refresh_from_db()
    assert alice.points == before


def test_a_bad_answer_id_is_a_400(question, alice):
    assert logged_in(alice).post(f"/posts/{question.pk}/select", {"answer": "x"}).status_code == 400
