import pytest
from django.test import Client

from mindwell.qa.models import Post, Revision, Tag
from tests.conftest import logged_in


def ask(client: Client, **fields):
    data = {
        "title": "How can I sleep better before exams?",
        "body": "I lie awake for hours.",
        "category": "couples",
        "tags": "sleep exams",
    }
    data.update(fields)
    return client.post("/ask", data)


def test_a_member_asks_a_question_and_lands_on_its_page(alice, category):
    response = ask(logged_in(alice))
    question = Post.objects.get(kind="Q")
    assert response.status_code == 302
    assert response["Location"] == question.get_absolute_url()
    assert question.author == alice
    assert question.body_html == "<p>I lie awake for hours.</p>\n"
    assert sorted(question.tags.values_list("name", flat=True)) == ["exams", "sleep"]
    assert Revision.objects.filter(post=question, number=1).exists()
    category.refresh_from_db()
    assert category.question_count == 1
    assert Tag.objects.get(name="sleep").question_count == 1


def test_a_visitor_asks_with_a_display_name_and_an_email_that_is_never_shown(client, category):
    ask(client, anon_name="Night owl", anon_email="owl@example.test", notify_by_email="on")
    question = Post.objects.get(kind="Q")
    assert question.author is None
    assert question.anon_name == "Night owl"
    assert question.notify_by_email
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Night owl" in page
    assert "owl@example.test" not in page


def test_a_visitor_without_a_name_shows_as_anonymous(client, category):
    ask(client)
    page = client.get(Post.objects.get(kind="Q").get_absolute_url()).content.decode()
    assert 'by <span class="author visitor">anonymous</span>' in page


def test_the_ask_page_offers_the_categories(client, category):
    page = client.get("/ask").content.decode()
    assert 'value="couples"' in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "Please give your question a title."),
        ({"title": "   "}, "Please give your question a title."),
        ({"title": "Too short"}, "at least 10 characters"),
        ({"title": "x" * 151}, "under 150 characters"),
        ({"body": ""}, "Please write something here."),
        ({"body": "x" * 30_001}, "under 30000 characters"),
        ({"category": "no-such-category"}, "That category does not exist."),
        ({"category": ""}, "Please choose a category."),
        ({"tags": "a b c d e f"}, "Use at most 5 tags"),
        ({"tags": "self_care"}, "may only contain letters, digits and hyphens"),
        ({"tags": "<script>"}, "may only contain letters, digits and hyphens"),
        ({"anon_name": "n" * 41}, "at most 40 characters"),
        ({"anon_email": "not-an-email"}, "Enter a valid email address."),
        ({"notify_by_email": "on"}, "Give an email address to be notified"),
    ],
)
def test_bad_input_comes_back_with_a_message_and_saves_nothing(client, category, fields, message):
    response = ask(client, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Post.objects.exists()
    assert not Tag.objects.exists()


def test_the_form_keeps_what_was_typed_after_an_error(client, category):
    response = ask(client, title="short", body="My words are kept")
    assert "My words are kept" in response.content.decode()


def test_tags_in_other_scripts_are_letters_too(alice, category):
    ask(logged_in(alice), tags="ansiedad тревога 不安")
    assert Tag.objects.count() == 3


def test_visitors_cannot_ask_when_anonymous_posting_is_off(client, category, settings):
    settings.MINDWELL_ANONYMOUS_POSTING = False
    response = ask(client)
    assert response.status_code == 302
    assert response["Location"].startswith("/login")
    assert not Post.objects.exists()
