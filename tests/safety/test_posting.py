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


def hidden_fields(page: str, form_class: str = "check-in-confirm") -> dict[str, str]:
    """The hidden fields of one form of the check-in: "check-in-confirm" or "check-in-back"."""
    form = page.split(f'class="{form_class}"', 1)[1].split("</form>", 1)[0]
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
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
    assert hidden_fields(page, "check-in-back")["safety_back"] == "1"
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
    assert client.post(f"/posts/{question.pk}/comment", {"body": "Same here."}).status_code == 302
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
        # Confirmed on the check-in (tests/safety/test_edit_check_in.py).
        {
            "title": question.title,
            "body": RISKY,
            "tags": "money communication",
            "safety_confirmed": "1",
        },
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


def test_going_back_from_the_check_in_brings_the_question_form_back_filled(
    client: Client, category
):
    typed = {"title": "I can't see a way forward", "body": RISKY, "tags": "night"}
    page = ask(client, **typed).content.decode()
    response = client.post("/ask", hidden_fields(page, "check-in-back"))
    form = response.content.decode()
    assert response.status_code == 200
    assert "Ask a question" in form and "Before you post" not in form
    assert 'value="I can&#x27;t see a way forward"' in form
    assert re.search(rf'name="body"[^>]*>\s*{re.escape(RISKY)}</textarea>', form)
    assert '<option value="couples" selected>' in form
    assert 'value="night"' in form
    assert not Post.objects.exists()


def test_going_back_from_an_answer_check_in_keeps_the_answer_in_the_question_page(question, bob):
    client = logged_in(bob)
    page = client.post(f"/posts/{question.pk}/answer", {"body": RISKY}).content.decode()
    assert f'action="/posts/{question.pk}/answer#your-answer" class="check-in-back"' in page
    response = client.post(f"/posts/{question.pk}/answer", hidden_fields(page, "check-in-back"))
    filled = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 200
    assert question.title in filled
    assert re.search(rf'id="id_answer_body">\s*{re.escape(RISKY)}</textarea>', filled)
    assert not Post.objects.filter(kind="A").exists()


def test_going_back_from_a_comment_check_in_reopens_that_comment_form_filled(question, bob):
    client = logged_in(bob)
    page = client.post(f"/posts/{question.pk}/comment", {"body": RISKY}).content.decode()
    response = client.post(f"/posts/{question.pk}/comment", hidden_fields(page, "check-in-back"))
    filled = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 200
    assert '<details class="comment-form" open>' in filled
    assert (
        RISKY in filled.split(f'id="id_comment_{question.pk}_body"', 1)[1].split("</textarea>")[0]
    )
    assert not Post.objects.filter(kind="C").exists()


def test_each_post_is_screened_once(monkeypatch, alice, category):
    from mindwell.safety import actions as safety_actions

    calls: list[str] = []
    real = safety_actions.screen

    def counting(text: str):
        calls.append(text)
        return real(text)

    monkeypatch.setattr(safety_actions, "screen", counting)
    client = logged_in(alice)
    page = ask(client, body=RISKY).content.decode()
    assert len(calls) == 1  # the check-in
    client.post("/ask", hidden_fields(page))
    assert len(calls) == 2  # the confirmed post: screened in the view, stored as is
    question = Post.objects.get(kind="Q")
    assert question.screening.label == "risk"
    assert client.post(f"/posts/{question.pk}/answer", {"body": CALM}).status_code == 302
    assert client.post(f"/posts/{question.pk}/comment", {"body": "Same here."}).status_code == 302
    assert len(calls) == 4
    assert Screening.objects.count() == 3


METHOD = "I bought a rope yesterday and I want to die."


def test_a_post_describing_a_method_is_held_and_its_author_still_sees_helplines(
    alice, bob, category
):
    client = logged_in(alice)
    page = ask(client, body=METHOD, headers={"accept-language": "en-GB"}).content.decode()
    assert "Before you post" in page and "Samaritans" in page  # support at once
    response = client.post("/ask", hidden_fields(page), headers={"accept-language": "en-GB"})
    question = Post.objects.get(kind="Q")
    assert (question.state, question.screening.method_detail) == ("held", True)
    assert "describes a way of harming yourself" in question.state_reason
    own = client.get(response["Location"], headers={"accept-language": "en-GB"}).content.decode()
    [banner] = notes(own)
    assert "Samaritans" in banner
    assert logged_in(bob).get(question.get_absolute_url()).status_code == 404


def test_a_risk_post_without_method_detail_is_published(alice, category):
    question = actions.ask_question(
        author=alice, title="I don't know what to do", body=RISKY, category=category, tags=[]
    )
    assert (question.state, question.state_reason) == ("published", "")


def test_the_script_s_precheck_answers_with_the_panel_for_risk_and_nothing_otherwise(
    client: Client, db
):
    risky = client.post(
        "/safety/check-in",
        {"safety_kind": "answer", "body": RISKY},
        headers={"accept-language": "en-GB"},
    )
    panel = risky.content.decode()
    assert risky.status_code == 200
    assert "<html" not in panel  # a fragment for the dialog
    assert "Before you post: are you safe right now?" in panel and "Samaritans" in panel
    assert 'data-checkin="confirm">I\'m safe, post my answer</button>' in panel
    assert 'data-checkin="back">Go back without posting</button>' in panel
    calm = client.post(
        "/safety/check-in", {"safety_kind": "question", "title": "Sleep", "body": CALM}
    )
    assert (calm.status_code, calm.content) == (204, b"")
    odd = client.post("/safety/check-in", {"safety_kind": "poem", "body": RISKY})
    assert odd.status_code == 400
    assert client.get("/safety/check-in").status_code == 405
    assert not Post.objects.exists() and not Screening.objects.exists()


def test_the_precheck_needs_the_csrf_token(db):
    strict = Client(enforce_csrf_checks=True)
    assert (
        strict.post("/safety/check-in", {"safety_kind": "answer", "body": RISKY}).status_code == 403
    )
