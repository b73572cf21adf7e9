"""Anti-spam: honeypot, proof-of-work challenge (and its no-JavaScript wait), link limit for
new members, duplicate-post guard. Every refusal says why and saves nothing."""

import base64
import json
import re
from datetime import timedelta

import pytest
import time_machine
from altcha import ChallengeV1, PayloadV1, solve_challenge_v1
from django.test import Client
from django.utils import timezone

from mindwell.accounts.models import User
from mindwell.qa.models import Post
from tests.conftest import PASSWORD, logged_in

HTML = {"Accept": "text/html"}


@pytest.fixture
def challenge_on(settings):
    settings.MINDWELL_SPAM_CHALLENGE = True


def solved(client: Client) -> str:
    """What the browser's script sends: a fresh challenge from the site, solved."""
    response = client.get("/antispam/challenge")
    assert response["Cache-Control"] == "no-store"
    c = json.loads(response.content)
    challenge = ChallengeV1(
        c["algorithm"], c["challenge"], c["maxNumber"], c["salt"], c["signature"]
    )
    solution = solve_challenge_v1(challenge)
    assert solution is not None
    payload = PayloadV1(c["algorithm"], c["challenge"], solution.number, c["salt"], c["signature"])
    return payload.to_base64()


def wait_token(page: str) -> str:
    """The wait token of the answer form (each comment form has its own)."""
    found = re.search(
        r'<input[^>]*name="altcha" value="(wait:[^"]+)"[^>]*id="id_answer_altcha"', page
    )
    assert found, "the form carries a wait token for browsers without JavaScript"
    return found.group(1)


def answers() -> list[str]:
    return list(Post.objects.filter(kind="A").values_list("body", flat=True))


def test_the_honeypot_is_hidden_from_people_and_refuses_bots(client: Client, question):
    page = client.get(question.get_absolute_url()).content.decode()
    hidden = re.search(r'<div class="visually-hidden" aria-hidden="true">(.*?)</div>', page, re.S)
    assert hidden and 'name="website"' in hidden.group(1) and 'tabindex="-1"' in hidden.group(1)
    assert "style=" not in hidden.group(0)  # hidden by a class: the CSP allows no inline styles
    response = client.post(
        f"/posts/{question.pk}/answer",
        {"body": "Buy cheap pills", "website": "http://spam.example"},
        headers=HTML,
    )
    assert response.status_code == 400
    assert "Please leave the field “Leave this field empty” empty." in response.content.decode()
    assert answers() == []


def test_a_visitor_with_a_solved_challenge_posts_once(client: Client, question, challenge_on):
    url = f"/posts/{question.pk}/answer"
    payload = solved(client)
    assert client.post(url, {"body": "You are not alone.", "altcha": payload}).status_code == 302
    replay = client.post(url, {"body": "Another text.", "altcha": payload}, headers=HTML)
    assert replay.status_code == 400
    assert "This form was already sent once. Please send it again." in replay.content.decode()
    assert answers() == ["You are not alone."]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Our spam check did not finish or has expired."),
        ("bm90IGpzb24=", "Our spam check did not finish or has expired."),
        ("wait:forged:token", "Our spam check did not recognise this form."),
    ],
)
def test_a_missing_or_forged_solution_is_refused(
    client: Client, question, challenge_on, value, message
):
    response = client.post(
        f"/posts/{question.pk}/answer", {"body": "Hello.", "altcha": value}, headers=HTML
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert answers() == []


def test_a_solution_with_a_changed_number_is_refused(client: Client, question, challenge_on):
    payload = json.loads(base64.b64decode(solved(client)))
    payload["number"] += 1
    forged = base64.b64encode(json.dumps(payload).encode()).decode()
    response = client.post(f"/posts/{question.pk}/answer", {"body": "Hi.", "altcha": forged})
    assert response.status_code == 400 and answers() == []


def test_without_javascript_a_short_wait_stands_in_for_the_work(
    client: Client, question, challenge_on
):
    url = f"/posts/{question.pk}/answer"
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        token = wait_token(client.get(question.get_absolute_url()).content.decode())
        clock.shift(timedelta(seconds=5))
        early = client.post(url, {"body": "Typed quickly.", "altcha": token}, headers=HTML)
        assert early.status_code == 400
        assert "please press the button again in 10 seconds" in early.content.decode()
        assert answers() == []
        assert wait_token(early.content.decode()) == token  # the same wait goes on
        clock.shift(timedelta(seconds=10))
        assert client.post(url, {"body": "Typed quickly.", "altcha": token}).status_code == 302
        again = client.post(url, {"body": "And again.", "altcha": token})
        assert again.status_code == 400
    assert answers() == ["Typed quickly."]


def test_members_are_not_asked_for_the_challenge(question, bob, challenge_on):
    client = logged_in(bob)
    page = client.get(question.get_absolute_url()).content.decode()
    assert 'name="altcha"' not in page and 'name="website"' not in page
    assert client.post(f"/posts/{question.pk}/answer", {"body": "Hello."}).status_code == 302


def test_registration_needs_the_challenge(client: Client, db, challenge_on):
    data = {"display_name": "Rowan", "email": "rowan@example.test",
            "password1": PASSWORD, "password2": PASSWORD}  # fmt: skip
    page = client.get("/register").content.decode()
    assert 'name="altcha"' in page and "mindwell/altcha.js" in page
    refused = client.post("/register", data | {"altcha": ""}, headers=HTML)
    assert refused.status_code == 400
    assert "Our spam check did not finish" in refused.content.decode()
    assert not User.objects.exists()
    assert client.post("/register", data | {"altcha": solved(client)}).status_code == 302
    assert User.objects.get().display_name == "Rowan"


THREE_LINKS = "See [one](https://a.example), [two](https://b.example) and <https://c.example>."


def test_new_members_and_visitors_may_add_two_links(client: Client, question, bob):
    url = f"/posts/{question.pk}/answer"
    for poster in (client, logged_in(bob)):
        response = poster.post(url, {"body": THREE_LINKS}, headers=HTML)
        assert response.status_code == 400
        assert (
            "Posts by visitors and new members can have at most 2 links (this one has 3)."
            in response.content.decode()
        )
    assert answers() == []
    User.objects.filter(pk=bob.pk).update(date_joined=timezone.now() - timedelta(days=8))
    assert logged_in(bob).post(url, {"body": THREE_LINKS}).status_code == 302
    assert answers() == [THREE_LINKS]


def test_the_same_text_twice_is_refused_for_a_while(question, bob, carol):
    client = logged_in(bob)
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        url = f"/posts/{question.pk}/answer"
        assert client.post(url, {"body": "Thank you, this helps."}).status_code == 302
        clock.shift(timedelta(minutes=3))
        twice = client.post(url, {"body": "thank you,  this helps."}, headers=HTML)
        assert twice.status_code == 400
        assert (
            "You posted this same text 3 minutes ago. To post it again, please wait and try "
            "in 7 minutes." in twice.content.decode()
        )
        # Another author may say the same thing.
        assert logged_in(carol).post(url, {"body": "Thank you, this helps."}).status_code == 302
        clock.shift(timedelta(minutes=8))
        assert client.post(url, {"body": "Thank you, this helps."}).status_code == 302
    assert Post.objects.filter(kind="A", author=bob).count() == 2
