"""Crisis care around posting: the check-in before a risky post, and the notes after it."""

import html
import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mindwell.qa import actions
from mindwell.qa.models import Post
from mindwell.safety.models import Screening
from tests.conftest import logged_in, make_user

RISKY = "I want to kill myself tonight. I cannot go on."
WORRIED = "My friend said she wants to die and I do not know how to help her."
CALM = "I lie awake for hours before every exam."


def ask(client: Client, headers: dict[str, str] | None = None, **fields: str):
    data = {
        "title": "How can I sleep better before exams?",
        "body": CALM,
        "category": "couples",
        "tags": "sleep exams",
    }
    data.update(fields)
    return client.post("/ask", data, headers=headers or {})


def hidden_fields(page: str) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return {name: html.unescape(value) for name, value in found}


def check_in_panel(page: str) -> str:
    """The check-in section alone (the site's footer names helplines too)."""
    return page.split('<section class="check-in"', 1)[1].split("</section>", 1)[0]


def notes(page: str) -> list[str]:
    """The support notes shown above posts."""
    return re.findall(r'<aside class="care-note".*?</aside>', page, re.DOTALL)


def test_a_risky_question_shows_the_check_in_page_with_helplines_and_saves_nothing(alice, category):
    response = ask(logged_in(alice), body=RISKY, headers={"accept-language": "en-GB,en;q=0.8"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Before you post: are you safe right now?" in page
    assert "I need to talk to someone now" in page
    assert "Samaritans" in page and "116 123" in page
    assert "I'm safe, post my question" in page
    assert 'href="/ask"' in page
    assert not Post.objects.exists()
    assert not Screening.objects.exists()


def test_confirming_the_check_in_posts_the_question_and_stores_a_risk_screening(alice, category):
    client = logged_in(alice)
    page = ask(client, body=RISKY).content.decode()
    response = client.post("/ask", hidden_fields(page))
    question = Post.objects.get(kind="Q")
    assert response.status_code == 302
    assert response["Location"] == question.get_absolute_url()
    assert question.body == RISKY
    assert question.screening.label == "risk"
    assert "kill myself" in question.screening.matched
    assert question.screening.score > 0.5


def test_a_question_with_nothing_to_screen_posts_straight_away(alice, category):
    response = ask(logged_in(alice))
    question = Post.objects.get(kind="Q")
    assert response.status_code == 302
    assert question.screening.label == "none"
    assert question.screening.matched == []


def test_the_check_in_page_keeps_every_field_a_visitor_typed(client: Client, category):
    typed = {
        "title": "I can't see a way forward anymore",
        "body": f"{RISKY}\nSecond line & <more>.",
        "category": "couples",
        "tags": "hopeless night",
        "anon_name": "Night owl",
        "anon_email": "owl@example.test",
        "notify_by_email": "on",
    }
    page = ask(client, **typed).content.decode()
    assert "Before you post" in page
    kept = hidden_fields(page)
    assert kept.pop("safety_confirmed") == "1"
    assert {k: v for k, v in kept.items() if k != "csrfmiddlewaretoken"} == typed
    response = client.post("/ask", {**typed, "safety_confirmed": "1"})
    question = Post.objects.get(kind="Q")
    assert response.status_code == 302
    assert (question.title, question.anon_name, question.notify_by_email) == (
        typed["title"],
        "Night owl",
        True,
    )
    assert sorted(question.tags.values_list("name", flat=True)) == ["hopeless", "night"]


def test_helplines_follow_the_browser_language(client: Client, category):
    def helplines(language: str) -> str:
        page = ask(client, body=RISKY, headers={"accept-language": language}).content.decode()
        return check_in_panel(page)

    british = helplines("en-GB")
    assert "Samaritans" in british and "116 123" in british and "999" in british
    american = helplines("en-US,en;q=0.9")
    assert "988" in american and "Samaritans" not in american
    unknown = helplines("xx")
    assert "Find A Helpline" in unknown
    assert "Samaritans" not in unknown and "988" not in unknown
    assert "your local emergency number" in unknown
    assert "Find A Helpline" in british and "Find A Helpline" in american


def test_readers_see_the_support_banner_on_a_risk_question_and_not_on_others(
    client: Client, alice, category, question
):
    risky = actions.ask_question(
        author=alice, title="I don't know what to do", body=RISKY, category=category, tags=[]
    )
    page = client.get(risky.get_absolute_url(), headers={"accept-language": "en-US"})
    [banner] = notes(page.content.decode())
    assert "If you're struggling right now, you don't have to go through it alone:" in banner
    assert "988" in banner and "Find A Helpline" in banner
    assert notes(client.get(question.get_absolute_url()).content.decode()) == []


def test_a_risk_answer_shows_the_banner_above_it(client: Client, question, bob):
    actions.post_answer(question=question, author=bob, body=RISKY)
    page = client.get(question.get_absolute_url()).content.decode()
    answer_part = page.split('<section class="answers"', 1)[1]
    assert len(notes(page)) == 1
    assert "you don't have to go through it alone" in notes(answer_part)[0]


def test_the_concern_guidance_shows_to_the_author_only(alice, bob, category):
    worried = actions.ask_question(
        author=alice, title="How do I help my friend?", body=WORRIED, category=category, tags=[]
    )
    assert worried.screening.label == "concern"
    [guidance] = notes(logged_in(alice).get(worried.get_absolute_url()).content.decode())
    assert "Worried about someone?" in guidance and "Find A Helpline" in guidance
    assert notes(logged_in(bob).get(worried.get_absolute_url()).content.decode()) == []
    assert notes(Client().get(worried.get_absolute_url()).content.decode()) == []


def test_an_answer_goes_through_the_same_check_in(question, bob):
    client = logged_in(bob)
    page = client.post(f"/posts/{question.pk}/answer", {"body": RISKY}).content.decode()
    assert "Before you post: are you safe right now?" in page
    assert "I'm safe, post my answer" in page
    assert f'action="/posts/{question.pk}/answer"' in page
    assert not Post.objects.filter(kind="A").exists()
    response = client.post(f"/posts/{question.pk}/answer", hidden_fields(page))
    answer = Post.objects.get(kind="A")
    assert response.status_code == 302
    assert answer.screening.label == "risk"


def test_a_comment_goes_through_the_same_check_in(client: Client, question):
    page = client.post(
        f"/posts/{question.pk}/comment", {"body": RISKY, "anon_name": "Lee"}
    ).content.decode()
    assert "I'm safe, post my comment" in page
    assert not Post.objects.filter(kind="C").exists()
    client.post(f"/posts/{question.pk}/comment", hidden_fields(page))
    comment = Post.objects.get(kind="C")
    assert (comment.anon_name, comment.screening.label) == ("Lee", "risk")


def test_an_ordinary_answer_and_comment_post_straight_away(question, bob):
    client = logged_in(bob)
    assert client.post(f"/posts/{question.pk}/answer", {"body": CALM}).status_code == 302
    assert client.post(f"/posts/{question.pk}/comment", {"body": CALM}).status_code == 302
    assert set(Screening.objects.values_list("post__kind", "label")) == {
        ("Q", "none"),
        ("A", "none"),
        ("C", "none"),
    }


def test_an_edit_stores_a_new_screening(alice, question):
    assert question.screening.label == "none"
    before = question.screening.screened_at
    logged_in(alice).post(
        f"/posts/{question.pk}/edit",
        {"title": question.title, "body": RISKY, "tags": "money communication"},
    )
    screening = Screening.objects.get(post=question)
    assert Screening.objects.count() == 1
    assert screening.label == "risk"
    assert screening.screened_at > before


def test_the_banner_costs_no_extra_queries(client: Client, alice, category):
    risky = actions.ask_question(
        author=alice, title="I don't know what to do", body=RISKY, category=category, tags=[]
    )
    calm = actions.ask_question(
        author=alice, title="How do I sleep before exams?", body=CALM, category=category, tags=[]
    )
    writer = make_user("Writer")
    for _ in range(3):
        actions.post_answer(question=risky, author=writer, body=RISKY)
        actions.post_comment(parent=risky, author=writer, body=WORRIED)
    counts = []
    for q in (calm, risky):
        client.get(q.get_absolute_url())
        with CaptureQueriesContext(connection) as queries:
            client.get(q.get_absolute_url())
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_phone_with_two_numbers_links_to_the_first(client: Client, category):
    page = ask(client, body=RISKY, headers={"accept-language": "hi-IN"}).content.decode()
    assert '<a href="tel:14416">14416 or 1-800-891-4416</a>' in check_in_panel(page)
