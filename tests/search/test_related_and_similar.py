from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mindwell.qa import actions
from mindwell.qa.models import Category, Post
from tests.conftest import logged_in


def ask(author, category, title, tags=("anxiety",), body="More detail here."):
    return actions.ask_question(
        author=author, title=title, body=body, category=category, tags=list(tags)
    )


def related_block(html: str) -> str:
    start = html.find('id="related-heading"')
    return html[start : html.find("</aside>", start)] if start >= 0 else ""


def test_a_question_page_lists_related_questions_by_words_tags_and_category(
    client: Client, alice, category
):
    other = Category.objects.create(name="Work", slug="work")
    question = ask(alice, category, "How to cope with anxiety at night", ["anxiety", "sleep"])
    by_words = ask(alice, other, "Night anxiety keeps me awake", ["nights"])
    by_tag = ask(alice, other, "Racing thoughts before bed", ["sleep"])
    ask(alice, other, "Negotiating a pay rise", ["career"])
    block = related_block(client.get(question.get_absolute_url()).content.decode())
    assert by_words.title in block and by_tag.title in block
    assert "Negotiating a pay rise" not in block
    assert question.title not in block  # not itself


def test_related_questions_are_at_most_five_and_prefer_the_same_category(
    client: Client, alice, category
):
    other = Category.objects.create(name="Work", slug="work")
    question = ask(alice, category, "Jealousy in my relationship", ["jealousy"])
    for n in range(6):
        ask(alice, other, f"Jealousy at work number {n}", ["jealousy"])
    same = ask(alice, category, "Jealousy at work number 6", ["jealousy"])
    block = related_block(client.get(question.get_absolute_url()).content.decode())
    assert block.count("<li>") == 5
    assert same.title in block


def test_a_hidden_question_disappears_from_related_at_once(
    client: Client, alice, category, moderator
):
    question = ask(alice, category, "Loneliness in a new city", ["loneliness"])
    hidden = ask(alice, category, "Loneliness after a breakup", ["loneliness"])
    assert hidden.title in related_block(client.get(question.get_absolute_url()).content.decode())
    actions.set_post_state(post=hidden, state=Post.State.HIDDEN, actor=moderator)
    assert hidden.title not in client.get(question.get_absolute_url()).content.decode()


def test_similar_questions_appear_while_typing_a_title(client: Client, alice, category):
    ask(alice, category, "How do I stop worrying about everything?")
    ask(alice, category, "Arguments about chores")
    fragment = client.get(
        "/search/similar", {"title": "worried all the time"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "How do I stop worrying about everything?" in fragment
    assert "Arguments about chores" not in fragment
    assert "<html" not in fragment


def test_similar_questions_are_at_most_five(client: Client, alice, category):
    for n in range(8):
        ask(alice, category, f"Exam stress number {n}")
    fragment = client.get("/search/similar", {"title": "exam stress"}).content.decode()
    assert fragment.count("<li>") == 5


def test_the_ask_page_checks_for_similar_questions_without_javascript(
    client: Client, alice, category
):
    ask(alice, category, "How do I stop worrying about everything?")
    page = client.get("/ask").content.decode()
    assert 'hx-get="/search/similar"' in page and 'hx-trigger="keyup changed delay:400ms' in page
    assert 'name="check_similar"' in page
    response = client.post(
        "/ask", {"title": "Worrying too much", "body": "Draft text", "check_similar": "1"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "How do I stop worrying about everything?" in page
    assert 'value="Worrying too much"' in page and "Draft text" in page  # nothing lost
    assert Post.objects.filter(title="Worrying too much").count() == 0  # nothing posted


def test_the_ask_page_suggests_existing_tags(client: Client, alice, category):
    ask(alice, category, "A question with tags", ["anxiety", "anger"])
    page = client.get("/ask").content.decode()
    assert 'list="tag-suggestions"' in page and '<option value="anxiety">' in page
    options = client.get("/search/tags", {"tags": "sleep an"}).content.decode()
    assert '<option value="sleep anxiety">' in options and '<option value="sleep anger">' in options
    assert client.get("/search/tags", {"tags": "zzz"}).content.decode().strip() == ""


def test_question_page_with_related_questions_makes_the_same_queries_each_time(
    client: Client, alice, category
):
    question = ask(alice, category, "Panic attacks on the train", ["panic"])
    for n in range(5):
        ask(alice, category, f"Panic attacks at work {n}", ["panic"])
    counts = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(question.get_absolute_url()).content.decode()
        assert related_block(page).count("<li>") == 5
        counts.append(len(queries))
    # The first view also asks the engine (then cached); later views only read the posts.
    assert counts[1] == counts[2] <= counts[0] <= counts[1] + 1, counts
    member = logged_in(alice)
    member.get(question.get_absolute_url())
    assert "Panic attacks at work" in member.get(question.get_absolute_url()).content.decode()
