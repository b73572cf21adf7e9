from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mindwell.qa import actions
from mindwell.qa.models import Category, Post
from mindwell.search import engine as search_engine
from mindwell.search import index
from tests.conftest import logged_in, make_user


def ask(author, category, title, body="Some more detail here.", tags=("feelings",)):
    return actions.ask_question(
        author=author, title=title, body=body, category=category, tags=list(tags)
    )


def search(client: Client, **params) -> str:
    response = client.get("/search", params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_a_word_in_a_title_body_answer_comment_or_tag_finds_the_question(
    client: Client, alice, bob, category
):
    question = ask(alice, category, "How can I sleep better", "Nights are long.", ["insomnia"])
    answer = actions.post_answer(question=question, author=bob, body="Try chamomile tea.")
    actions.post_comment(parent=answer, author=alice, body="Melatonin helped my cousin.")
    for word in ("sleep", "nights", "chamomile", "melatonin", "insomnia"):
        assert "How can I sleep better" in search(client, q=word), word


def test_stemming_finds_other_forms_of_a_word(client: Client, alice, category):
    ask(alice, category, "I keep worrying about my exams")
    page = search(client, q="worry")
    assert "I keep worrying about my exams" in page
    assert "<mark>" in page or "1 question found" in page


def test_a_quoted_phrase_must_appear_as_a_phrase(client: Client, alice, category):
    ask(alice, category, "What helps during a panic attack", "My heart races.")
    ask(alice, category, "An attack of nerves before panic sets in", "Odd order of words.")
    page = search(client, q='"panic attack"')
    assert "What helps during a panic attack" in page
    assert "An attack of nerves before panic sets in" not in page
    both = search(client, q="panic attack")
    assert "An attack of nerves before panic sets in" in both


def test_results_are_ranked_title_above_body_above_answers(client: Client, alice, bob, category):
    in_answer = ask(alice, category, "Question one about family", "Nothing here.")
    actions.post_answer(question=in_answer, author=bob, body="Loneliness is common.")
    ask(alice, category, "Question two about family", "I feel loneliness at home.")
    ask(alice, category, "Loneliness after moving city", "New place.")
    page = search(client, q="loneliness")
    order = [
        page.index("Loneliness after moving city"),
        page.index("Question two about family"),
        page.index("Question one about family"),
    ]
    assert order == sorted(order)


def test_snippets_highlight_the_words_found_and_escape_the_text(client: Client, alice, category):
    body = "Setting <b>boundaries</b> with parents is hard & tiring."
    ask(alice, category, "A question about boundaries", body)
    page = search(client, q="parents")
    assert "<mark>parents</mark>" in page
    assert "<b>boundaries</b>" not in page and "hard &amp; tiring" in page


def test_an_edited_post_is_found_by_its_new_words_and_not_its_old_ones(
    client: Client, question, moderator
):
    actions.edit_post(
        post=question,
        editor=moderator,
        title="How do I talk to my partner about savings?",
        body="We disagree about budgets.",
        tags=["savings"],
    )
    assert "talk to my partner about savings" in search(client, q="budgets")
    assert "No questions match" in search(client, q="arguing")
    assert "No questions match" in search(client, q="communication")  # an old tag


def test_an_edited_answer_is_found_by_its_new_words(client: Client, question, answer, bob):
    actions.edit_post(post=answer, editor=bob, title="", body="Journaling together works.", tags=[])
    assert "talk to my partner" in search(client, q="journaling")
    assert "No questions match" in search(client, q="calm moment")


def test_hidden_and_deleted_posts_are_never_found(client: Client, question, answer, moderator):
    actions.set_post_state(post=answer, state=Post.State.HIDDEN, actor=moderator)
    assert "No questions match" in search(client, q="calm moment")
    assert "talk to my partner" in search(client, q="arguing")
    actions.set_post_state(post=question, state=Post.State.HIDDEN, actor=moderator)
    assert "No questions match" in search(client, q="arguing")
    # not even for a moderator, who may see hidden posts elsewhere
    assert "No questions match" in search(logged_in(moderator), q="arguing")
    actions.set_post_state(post=question, state=Post.State.PUBLISHED, actor=moderator)
    assert "talk to my partner" in search(client, q="arguing")
    actions.set_post_state(post=question, state=Post.State.DELETED, actor=moderator)
    assert "No questions match" in search(client, q="arguing")


def test_comments_on_a_hidden_answer_are_not_found(client: Client, question, answer, moderator):
    actions.post_comment(parent=answer, author=None, body="Quinoa salad for dinner")
    assert "talk to my partner" in search(client, q="quinoa")
    actions.set_post_state(post=answer, state=Post.State.HIDDEN, actor=moderator)
    assert "No questions match" in search(client, q="quinoa")


def test_reindex_rebuilds_the_index_from_the_posts(client: Client, question, answer):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_document")
    assert "No questions match" in search(client, q="arguing")
    call_command("reindex", stdout=open("/dev/null", "w"))
    assert "talk to my partner" in search(client, q="arguing")
    assert index.rebuild() == 1


def test_filters_narrow_the_results(client: Client, alice, bob, category):
    other = Category.objects.create(name="Work", slug="work")
    solved = ask(alice, category, "Grief after losing a parent", tags=["grief"])
    best = actions.post_answer(question=solved, author=bob, body="Grief takes time.")
    actions.select_answer(question=solved, answer=best, user=alice)
    ask(alice, other, "Grief at work after a loss", tags=["work"])
    old = ask(alice, category, "Grief years later", tags=["grief"])
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    titles = ("Grief after losing a parent", "Grief at work after a loss", "Grief years later")

    def found(**params):
        page = search(client, q="grief", **params)
        return [t for t in titles if t in page]

    assert len(found()) == 3
    assert found(category="work") == [titles[1]]
    # a parent category includes its children
    assert set(found(category="relationships")) == {titles[0], titles[2]}
    assert set(found(tag="grief")) == {titles[0], titles[2]}
    assert found(status="accepted") == [titles[0]]
    assert set(found(status="unanswered")) == {titles[1], titles[2]}
    since = (timezone.now() - timedelta(days=30)).date().isoformat()
    assert set(found(since=since)) == {titles[0], titles[1]}
    until = (timezone.now() - timedelta(days=300)).date().isoformat()
    assert found(until=until) == [titles[2]]


def test_sorts_order_by_newest_and_by_votes(client: Client, alice, bob, category):
    first = ask(alice, category, "Stress first asked")
    ask(alice, category, "Stress asked second")
    actions.cast_vote(post=first, user=bob, value=1)
    newest = search(client, q="stress", sort="newest")
    assert newest.index("Stress asked second") < newest.index("Stress first asked")
    votes = search(client, q="stress", sort="votes")
    assert votes.index("Stress first asked") < votes.index("Stress asked second")


def test_results_are_paginated(client: Client, alice, category, settings):
    settings.MINDWELL_PAGE_SIZE = 3
    for n in range(7):
        ask(alice, category, f"Numbered question on therapy {n}")
    page1 = search(client, q="therapy", sort="newest")
    assert "7 questions found" in page1 and "Page 1 of 3" in page1
    assert "Numbered question on therapy 6" in page1
    page3 = search(client, q="therapy", sort="newest", page=3)
    assert "Numbered question on therapy 0" in page3
    assert "page=2" in page3 and "q=therapy" in page3
    assert client.get("/search", {"q": "therapy", "page": "x"}).status_code == 200


def test_no_results_suggests_browsing_categories(client: Client, alice, category):
    ask(alice, category, "A question about trust")
    page = search(client, q="xylophone")
    assert "No questions match “xylophone”" in page
    assert 'href="/categories/relationships/"' in page
    empty = search(client, q="")
    assert "What are you looking for?" in empty and "/categories/relationships/" in empty


def test_bad_filters_are_explained_not_failed(client: Client, question):
    response = client.get("/search", {"q": "money", "since": "2024-13-45", "category": "nope"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid date." in page and "That category does not exist" in page


def test_the_header_has_a_search_box(client: Client, question):
    page = client.get("/").content.decode()
    assert 'role="search"' in page and 'action="/search"' in page


@pytest.mark.parametrize("results", [1, 20])
@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_search_page_makes_a_few_queries_however_many_results(
    client: Client, alice, category, results, sort
):
    for n in range(results):
        ask(alice, category, f"Anxiety question {n}", tags=["anxiety", "sleep", "work"])
    with CaptureQueriesContext(connection) as queries:
        page = search(client, q="anxiety", sort=sort)
    assert page.count('class="question-row"') == results
    # count, page of ids, posts, their tags, snippets, the category choices
    assert len(queries) <= 6, [q["sql"] for q in queries]


def test_search_goes_through_the_visibility_gate(client: Client, alice, category, moderator):
    held = ask(alice, category, "A held question about shame")
    # Only published questions are indexed; a held one is found by nobody, not even its author.
    Post.objects.filter(pk=held.pk).update(state=Post.State.HELD)
    index.refresh_question(held.pk)
    assert "No questions match" in search(logged_in(alice), q="shame")
    # And were the index stale, the page still reads through visible_to.
    Post.objects.filter(pk=held.pk).update(state=Post.State.PUBLISHED)
    index.refresh_question(held.pk)
    Post.objects.filter(pk=held.pk).update(state=Post.State.HIDDEN)
    assert "A held question about shame" not in search(client, q="shame")


def test_a_visitor_and_a_member_see_the_same_results(question):
    member = make_user("Member")
    assert "talk to my partner" in search(logged_in(member), q="money")


@pytest.mark.parametrize("params", [{}, {"tag": "therapy"}, {"sort": "newest"}, {"sort": "votes"}])
def test_counting_stops_at_the_cap_and_says_more(
    client: Client, alice, category, settings, monkeypatch, params
):
    # Counting every match of a common word costs more than finding the page: the
    # count stops at COUNT_CAP (1,000), shown here with a cap of 4.
    monkeypatch.setattr(search_engine, "COUNT_CAP", 4)
    settings.MINDWELL_PAGE_SIZE = 2
    for n in range(6):
        ask(alice, category, f"Numbered question on therapy {n}", tags=["therapy"])
    page = search(client, q="therapy", **params)
    assert "More than 4 questions found" in page and "Page 1 of 2" in page
    assert page.count('class="question-row"') == 2
    monkeypatch.setattr(search_engine, "COUNT_CAP", 6)
    assert "6 questions found" in search(client, q="therapy", **params)


@pytest.mark.parametrize("cap", [1000, 6])
def test_newest_and_votes_order_every_page_past_the_cap(
    client: Client, alice, category, settings, monkeypatch, cap
):
    # Past the cap PostgreSQL walks the questions in date or vote order for the first
    # pages (WALK_MAX results), and sorts all matches for later pages: same order.
    # Pages stop at the cap.
    monkeypatch.setattr(search_engine, "COUNT_CAP", cap)
    monkeypatch.setattr(search_engine, "WALK_MAX", 4)
    settings.MINDWELL_PAGE_SIZE = 2
    now = timezone.now()
    for n in range(7):
        q = ask(alice, category, f"Sorted question on grief {n}")
        score = (n * 3) % 7  # votes in another order than dates
        Post.objects.filter(pk=q.pk).update(created_at=now - timedelta(days=n), score=score)
    ask(alice, category, "Unrelated question on chores")
    by_date = [f"Sorted question on grief {n}" for n in range(7)]
    by_votes = [t for _, t in sorted(((n * 3) % 7, t) for n, t in enumerate(by_date))][::-1]
    for sort, expected in (("newest", by_date), ("votes", by_votes)):
        seen = []
        for number in range(1, (min(7, cap) + 1) // 2 + 1):
            page = search(client, q="grief", sort=sort, page=number)
            seen += sorted((page.index(t), t) for t in expected if t in page)
        assert [t for _, t in seen] == expected[:cap], sort
