"""Hourly rate limits per member and per address: refused with when to try again, nothing saved."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client, RequestFactory

from mindwell.accounts.models import User
from mindwell.moderation import limits
from mindwell.moderation.models import Flag
from mindwell.qa.models import Category, Post, Vote
from tests.conftest import PASSWORD, logged_in, make_user

AT_12_48 = datetime(2026, 3, 2, 12, 48, 0, tzinfo=UTC)
HTML = {"Accept": "text/html"}


@pytest.fixture
def low_limits(settings):
    settings.MINDWELL_LIMITS = {
        "user": {"questions": 2, "answers": 2, "comments": 2, "votes": 2, "flags": 1},
        "ip": {"questions": 3, "answers": 3, "comments": 3, "votes": 5, "flags": 2,
               "logins": 3, "registrations": 1},
    }  # fmt: skip
    return settings.MINDWELL_LIMITS


def ask(client: Client, category: Category, n: int, **headers: str):
    data = {"title": f"Question number {n} about sleep", "body": f"Body {n}.",
            "category": category.slug, "tags": "sleep"}  # fmt: skip
    return client.post("/ask", data, headers=headers or {"Accept": "text/html"})


def test_the_eleventh_question_in_an_hour_is_refused_with_when_to_try_again(alice, category):
    client = logged_in(alice)
    with time_machine.travel(AT_12_48, tick=False):
        for n in range(10):  # Question2Answer's default: 10 questions per member per hour
            assert ask(client, category, n).status_code == 302
        response = ask(client, category, 10)
    assert response.status_code == 429
    assert response["Retry-After"] == str(12 * 60)
    page = response.content.decode()
    assert "You have reached the limit of 10 questions an hour." in page
    assert "Please try again in 12 minutes." in page
    assert "Question number 10 about sleep" in page  # the form comes back as typed
    assert Post.objects.questions().count() == 10


def test_a_script_is_refused_with_json_and_retry_after(alice, category, low_limits):
    client = logged_in(alice)
    with time_machine.travel(AT_12_48, tick=False):
        ask(client, category, 1)
        ask(client, category, 2)
        response = ask(client, category, 3, Accept="application/json")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "720"
    assert json.loads(response.content) == {
        "error": "You have reached the limit of 2 questions an hour. "
        "Please try again in 12 minutes.",
        "retry_after": 720,
    }
    assert Post.objects.questions().count() == 2


def test_a_new_hour_starts_a_new_count(alice, category, low_limits):
    client = logged_in(alice)
    with time_machine.travel(AT_12_48, tick=False) as clock:
        ask(client, category, 1)
        ask(client, category, 2)
        assert ask(client, category, 3).status_code == 429
        clock.move_to(AT_12_48 + timedelta(minutes=12))
        assert ask(client, category, 4).status_code == 302
    assert Post.objects.questions().count() == 3


def test_an_address_is_limited_across_visitors_and_members(question, bob, carol, low_limits):
    url = f"/posts/{question.pk}/answer"
    assert Client().post(url, {"body": "From a visitor."}).status_code == 302
    assert logged_in(bob).post(url, {"body": "From Bob."}).status_code == 302
    assert logged_in(carol).post(url, {"body": "From Carol."}).status_code == 302
    response = Client().post(url, {"body": "One too many."}, headers={"Accept": "text/html"})
    assert response.status_code == 429
    assert "Too many answers have come from your network this hour (the limit is 3)." in (
        response.content.decode()
    )
    assert Post.objects.filter(kind="A").count() == 3
    question.refresh_from_db()
    assert question.answer_count == 3
    # Another address is not affected.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post(url, {"body": "From elsewhere."}).status_code == 302


def test_a_form_with_mistakes_costs_nothing(question, bob, low_limits):
    client = logged_in(bob)
    url = f"/posts/{question.pk}/answer"
    for _ in range(3):
        assert client.post(url, {"body": ""}).status_code == 400
    assert client.post(url, {"body": "First."}).status_code == 302
    assert client.post(url, {"body": "Second."}).status_code == 302
    assert client.post(url, {"body": "Third."}, headers={"Accept": "text/html"}).status_code == 429
    assert list(Post.objects.filter(kind="A").values_list("body", flat=True)) == [
        "First.",
        "Second.",
    ]


def test_votes_over_the_limit_are_refused_and_not_counted(answer, carol, low_limits):
    client = logged_in(carol)
    url = f"/posts/{answer.pk}/vote"
    assert client.post(url, {"vote": "up"}).status_code == 302
    assert client.post(url, {"vote": "withdraw"}).status_code == 302
    response = client.post(url, {"vote": "up"}, headers={"Accept": "text/html"})
    assert response.status_code == 429
    assert "limit of 2 votes an hour" in response.content.decode()
    answer.refresh_from_db()
    assert (answer.upvotes, answer.score) == (0, 0)
    assert not Vote.objects.filter(post=answer).exists()
    htmx = client.post(url, {"vote": "up"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 429 and json.loads(htmx.content)["retry_after"] > 0


def test_a_refused_vote_gives_its_slot_back(answer, question, carol, low_limits):
    client = logged_in(carol)
    for _ in range(3):  # down votes need more points: refused, so not counted
        assert client.post(f"/posts/{answer.pk}/vote", {"vote": "down"}).status_code == 403
    assert client.post(f"/posts/{answer.pk}/vote", {"vote": "up"}).status_code == 302
    assert client.post(f"/posts/{question.pk}/vote", {"vote": "up"}).status_code == 302


def test_registrations_are_limited_per_address(db, low_limits):
    client = Client()
    data = {"display_name": "Rowan", "email": "rowan@example.test",
            "password1": PASSWORD, "password2": PASSWORD}  # fmt: skip
    assert client.post("/register", data).status_code == 302
    other = Client()
    data |= {"display_name": "Robin", "email": "robin@example.test"}
    response = other.post("/register", data, headers={"Accept": "text/html"})
    assert response.status_code == 429
    assert "Too many registrations have come from your network this hour" in (
        response.content.decode()
    )
    assert list(User.objects.values_list("display_name", flat=True)) == ["Rowan"]


def test_the_address_behind_trusted_proxies(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1"
    )
    assert limits.client_ip(request) == "10.0.0.2"  # no proxy trusted: a header is not proof
    settings.MINDWELL_PROXY_COUNT = 1
    assert limits.client_ip(request) == "198.51.100.1"
    settings.MINDWELL_PROXY_COUNT = 2
    assert limits.client_ip(request) == "203.0.113.9"


def test_an_ipv6_client_is_counted_by_its_64_bit_prefix():
    one = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2::1")
    other = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert limits.ip_key(one) == limits.ip_key(other) == "2001:db8:1:2::"


def test_flags_over_the_limit_are_refused(question, answer, low_limits):
    flagger = make_user("Flagger", points=200)  # flagging needs 150 points
    client = logged_in(flagger)
    assert client.post(f"/posts/{answer.pk}/flag", {"reason": "spam"}).status_code == 302
    response = client.post(f"/posts/{question.pk}/flag", {"reason": "rude"}, headers=HTML)
    assert response.status_code == 429
    assert "You have reached the limit of 1 flag an hour." in response.content.decode()
    assert list(Flag.objects.values_list("post_id", flat=True)) == [answer.pk]
