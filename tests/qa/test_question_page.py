import re
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mindwell.accounts.models import User
from mindwell.qa import actions, forms
from mindwell.qa.models import Post
from tests.conftest import logged_in, make_user


def test_question_page_shows_every_part_a_reader_expects(client: Client, question, answer, bob):
    actions.post_comment(parent=question, author=bob, body="Same here, following.")
    actions.post_comment(parent=answer, author=None, body="This helped me.", anon_name="Kim")
    voter = make_user("Voter")
    actions.cast_vote(post=question, user=voter, value=1)

    page = client.get(question.get_absolute_url()).content.decode()

    assert "How do I talk to my partner about money?" in page
    assert "1 vote" in page
    assert 'href="/categories/couples/"' in page and "Couples" in page
    assert "Relationships" in page  # the parent category in the breadcrumbs
    assert "Alice" in page and "(130 points)" in page  # 100 + 10 x (2 for asking + 1 for the vote)
    assert "<strong>money</strong>" in page  # the body, rendered
    assert 'href="/tags/money/"' in page
    assert "Same here, following." in page and "This helped me." in page and "Kim" in page
    assert "Pick a calm moment" in page and "Bob" in page
    assert "Your answer" in page
    assert "Your name to display (optional)" in page
    assert "Email me at this address if my answer is selected or commented on" in page
    assert "Privacy: Your email address will only be used for sending these notifications." in page


def test_edited_question_says_who_edited_it(client: Client, question, moderator):
    actions.edit_post(
        post=question, editor=moderator, title=question.title, body="Clearer now.", tags=["money"]
    )
    page = client.get(question.get_absolute_url()).content.decode()
    assert "edited by" in page and "Mo" in page


def test_logged_in_members_do_not_see_the_visitor_fields(question, bob):
    page = logged_in(bob).get(question.get_absolute_url()).content.decode()
    assert "Your answer" in page
    assert "Your name to display" not in page


def test_a_wrong_slug_redirects_to_the_canonical_url(client: Client, question):
    response = client.get(f"/questions/{question.pk}/wrong-words")
    assert response.status_code == 302
    assert response["Location"] == question.get_absolute_url()
    assert client.get(f"/questions/{question.pk}/").status_code == 302


def test_canonical_url_is_slugged(question):
    assert (
        question.get_absolute_url()
        == f"/questions/{question.pk}/how-do-i-talk-to-my-partner-about-money"
    )


def test_a_question_that_does_not_exist_is_a_404_page(client: Client, db):
    response = client.get("/questions/999999/anything")
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.content.decode()


def test_an_answer_id_is_not_a_question_page(client: Client, answer):
    assert client.get(f"/questions/{answer.pk}/x").status_code == 404


def test_an_answer_link_leads_into_its_question(client: Client, question, answer):
    response = client.get(answer.get_absolute_url())
    assert response["Location"] == f"{question.get_absolute_url()}#post-{answer.pk}"


def test_viewing_counts_a_view(client: Client, question):
    client.get(question.get_absolute_url())
    page = client.get(question.get_absolute_url()).content.decode()
    question.refresh_from_db()
    assert question.views == 2
    assert "· 2 views" in page


def test_hidden_question_is_a_404_for_readers_but_visible_to_moderators(
    client: Client, question, moderator
):
    actions.set_post_state(post=question, state=Post.State.HIDDEN, actor=moderator)
    assert client.get(question.get_absolute_url()).status_code == 404
    page = logged_in(moderator).get(question.get_absolute_url())
    assert page.status_code == 200
    assert "This question is hidden" in page.content.decode()


def test_best_answer_is_shown_first_and_marked(client: Client, question, answer, alice, carol):
    later = actions.post_answer(question=question, author=carol, body="Write it down together.")
    actions.cast_vote(post=later, user=make_user("Fan"), value=1)  # the higher score...
    actions.select_answer(question=question, answer=answer, user=alice)  # ...but this is best
    page = client.get(question.get_absolute_url()).content.decode()
    assert page.index("Pick a calm moment") < page.index("Write it down together.")
    assert "✓ Best answer" in page


def _thread(question: Post, answers: int, authors: list[User]) -> None:
    for n in range(answers):
        author = authors[n % len(authors)]
        answer = actions.post_answer(question=question, author=author, body=f"Answer {n}")
        for m in range(2):
            actions.post_comment(parent=answer, author=authors[m], body=f"Comment {m} on {n}")


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_question_page_makes_the_same_few_queries_for_1_or_50_answers(question, category, viewer):
    authors = [make_user(f"Writer{n}") for n in range(5)]
    other = actions.ask_question(
        author=authors[0],
        title="A second question with many answers",
        body="Body",
        category=category,
        tags=["a", "b", "c", "d", "e"],
    )
    _thread(question, 1, authors)
    _thread(other, 50, authors)
    reader = make_user("Reader")
    for post in Post.objects.filter(question=other, kind=Post.Kind.ANSWER)[:10]:
        actions.cast_vote(post=post, user=reader, value=1)
    client = logged_in(reader) if viewer == "member" else Client()

    counts = []
    for q in (question, other):
        client.get(q.get_absolute_url())  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(q.get_absolute_url())
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= {"visitor": 5, "member": 8}[viewer], counts
    assert response.content.decode().count('class="post answer') == 50


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_each_comment_form_has_its_own_ids_and_its_labels_point_to_them(
    client: Client, question, answer, bob, viewer
):
    reader = logged_in(bob) if viewer == "member" else client
    page = reader.get(question.get_absolute_url()).content.decode()
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # no id twice on the page
    assert forms.CommentForm.ID_SLOT not in page
    for post in (question, answer):
        form = page.split(f'action="/posts/{post.pk}/comment"', 1)[1].split("</form>", 1)[0]
        assert f'<label for="id_comment_{post.pk}_body">' in form
        assert f'id="id_comment_{post.pk}_body"' in form
    if viewer == "member":
        helptext = f"id_comment_{answer.pk}_anonymous_helptext"
        assert f'id="{helptext}"' in page and f'aria-describedby="{helptext}"' in page


def test_a_members_blank_forms_are_rendered_once_per_process(question, answer, bob, carol):
    forms.blank_fields.cache_clear()
    with mock.patch.object(forms, "fields_html", wraps=forms.fields_html) as render:
        first = logged_in(bob).get(question.get_absolute_url()).content.decode()
        assert render.call_count == 2  # the comment form (not once per post), the answer form
        second = logged_in(carol).get(question.get_absolute_url()).content.decode()
        assert render.call_count == 2  # none for the next page
    for page in (first, second):
        assert page.count('name="body"') == 3  # a comment form under each post, the answer form
        assert 'id="id_answer_anonymous"' in page and 'id="id_comment_POST_' not in page
