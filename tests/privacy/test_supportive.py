"""Supportive categories: no down-votes and no scores shown."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from mindwell.accounts.models import Level, User
from mindwell.qa import actions
from mindwell.qa.counters import Recount, recount
from mindwell.qa.models import Category, Vote
from tests.conftest import logged_in, make_user


@pytest.fixture
def expert(db: None) -> User:
    return make_user("Esme", level=Level.EXPERT)


def test_a_down_vote_is_refused_in_a_supportive_category(question, answer, category, expert):
    Category.objects.filter(pk=category.pk).update(supportive=True)
    with pytest.raises(PermissionDenied, match="Down-votes are off here"):
        actions.cast_vote(post=answer, user=expert, value=-1)
    response = logged_in(expert).post(
        f"/posts/{answer.pk}/vote", {"vote": "down"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403 and "Down-votes are off here" in response.content.decode()
    assert not Vote.objects.exists()
    actions.cast_vote(post=answer, user=expert, value=1)  # up-votes still count
    answer.refresh_from_db()
    assert answer.score == 1


def test_the_page_shows_no_score_and_no_down_button_in_a_supportive_category(
    question, answer, category, expert
):
    actions.cast_vote(post=answer, user=expert, value=1)
    before = logged_in(expert).get(question.get_absolute_url()).content.decode()
    assert 'value="down"' in before and "1 vote" in before
    Category.objects.filter(pk=category.pk).update(supportive=True)
    for client in (logged_in(expert), Client()):
        page = client.get(question.get_absolute_url()).content.decode()
        assert 'value="down"' not in page and "Vote down" not in page
        assert 'class="score"' not in page
        listed = client.get("/questions/").content.decode()
        assert "talk to my partner about money" in listed and "</strong> vote" not in listed


def test_an_existing_down_vote_stays_counted_and_can_be_withdrawn(
    question, answer, category, expert
):
    actions.cast_vote(post=answer, user=expert, value=-1)
    Category.objects.filter(pk=category.pk).update(supportive=True)
    answer.refresh_from_db()
    assert answer.score == -1
    page = logged_in(expert).get(question.get_absolute_url()).content.decode()
    assert 'aria-label="Withdraw your down vote"' in page
    actions.cast_vote(post=answer, user=expert, value=0)
    answer.refresh_from_db()
    assert (answer.score, Vote.objects.count()) == (0, 0)
    assert recount() == Recount(0, 0, 0, 0)
