"""Login throttling with lockout, and the sessions page with "log out everywhere else"."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from mindwell.accounts.models import MemberSession
from tests.conftest import PASSWORD

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Mobile Safari/537.36"
)


def log_in(client: Client, name: str, password: str = PASSWORD, **headers: str):
    return client.post("/login", {"username": name, "password": password}, headers=headers)


def test_a_right_password_logs_in_and_records_the_session(alice):
    client = Client(REMOTE_ADDR="203.0.113.42")
    response = log_in(client, "alice", User_Agent=FIREFOX)
    assert response.status_code == 302
    session = MemberSession.objects.get(user=alice)
    assert session.session_key == client.session.session_key
    assert (session.browser, session.network) == ("Firefox on Linux", "203.0.113.x")


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(alice):
    client = Client()
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        for _ in range(5):
            wrong = log_in(client, "Alice", "wrong password")
            assert wrong.status_code == 200  # Django's login page answers 200
            assert "Please enter a correct display name and password" in wrong.content.decode()
        locked = log_in(client, "alice", Accept="text/html")
        assert locked.status_code == 429
        assert locked["Retry-After"] == "900"
        assert (
            "Too many failed attempts to log in to this account. Please try again in 15 "
            "minutes, or reset your password." in locked.content.decode()
        )
        assert "_auth_user_id" not in client.session
        # Another address gets the same answer: the lock is on the account.
        assert log_in(Client(REMOTE_ADDR="198.51.100.3"), "ALICE").status_code == 429
        clock.shift(timedelta(minutes=15, seconds=1))
        assert log_in(client, "alice").status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_a_lockout_says_nothing_about_whether_the_account_exists(db):
    client = Client()
    for _ in range(5):
        log_in(client, "nobody-here", "guess")
    response = log_in(client, "nobody-here", "guess")
    assert response.status_code == 429
    assert "Too many failed attempts to log in to this account." in response.content.decode()


def test_a_successful_login_forgets_earlier_failures(alice):
    client = Client()
    for _ in range(4):
        log_in(client, "alice", "wrong")
    assert log_in(client, "alice").status_code == 302
    other = Client()
    for _ in range(4):
        assert log_in(other, "alice", "wrong").status_code == 200
    assert log_in(other, "alice").status_code == 302


def test_an_address_trying_many_accounts_is_stopped(db, settings):
    settings.MINDWELL_LIMITS = {**settings.MINDWELL_LIMITS, "ip": {"logins": 3}}
    client = Client()
    for n in range(3):
        assert log_in(client, f"someone{n}", "guess").status_code == 200
    response = log_in(client, "someone-else", "guess")
    assert response.status_code == 429
    assert "Too many failed logins have come from your network this hour" in (
        response.content.decode()
    )


@pytest.mark.parametrize("blank", ["username", "password"])
def test_an_empty_field_is_not_a_failed_login(alice, blank):
    client = Client()
    for _ in range(6):
        data = {"username": "alice", "password": PASSWORD} | {blank: ""}
        assert client.post("/login", data).status_code == 200
    assert log_in(client, "alice").status_code == 302


def test_the_sessions_page_lists_where_you_are_logged_in(alice, bob, django_assert_max_num_queries):
    laptop, phone = Client(REMOTE_ADDR="203.0.113.42"), Client(REMOTE_ADDR="198.51.100.77")
    log_in(laptop, "alice", User_Agent=FIREFOX)
    with django_assert_max_num_queries(8):  # 4 of the page's own, the rest the site's frame
        laptop.get("/account/security")
    log_in(phone, "alice", User_Agent=PHONE)
    log_in(Client(), "bob")
    for _ in range(3):
        log_in(Client(), "alice")
    with django_assert_max_num_queries(8):  # the same with more sessions
        page = laptop.get("/account/security").content.decode()
    assert "Firefox on Linux" in page and "(this one)" in page
    assert "Chrome on Android" in page and "198.51.100.x" in page
    assert "198.51.100.77" not in page and "203.0.113.42" not in page  # never the whole address
    assert page.count("<tr>") == 6  # the header and Alice's five sessions, not Bob's


def test_last_seen_is_refreshed_at_most_every_five_minutes(alice):
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        log_in(client, "alice")
        clock.shift(timedelta(minutes=4))
        client.get("/")
        assert MemberSession.objects.get(user=alice).last_seen_at == start
        clock.shift(timedelta(minutes=2))
        client.get("/")
    assert MemberSession.objects.get(user=alice).last_seen_at == start + timedelta(minutes=6)


def test_log_out_everywhere_else_ends_the_other_sessions(alice, bob):
    laptop, phone, tablet = Client(), Client(), Client()
    for client in (laptop, phone, tablet):
        log_in(client, "alice")
    bobs = Client()
    log_in(bobs, "bob")
    response = laptop.post("/account/sessions/end-others", follow=True)
    assert "Logged out of 2 other sessions." in response.content.decode()
    assert laptop.get("/account/security").status_code == 200
    for client in (phone, tablet):
        assert client.get("/account/security").status_code == 302  # to the login page
        assert "_auth_user_id" not in client.session
    assert list(MemberSession.objects.filter(user=alice).values_list("session_key", flat=True)) == [
        laptop.session.session_key
    ]
    assert bobs.get("/account/security").status_code == 200
    assert Session.objects.count() == 2


def test_ended_sessions_drop_off_the_list(alice):
    laptop, phone = Client(), Client()
    log_in(laptop, "alice")
    log_in(phone, "alice")
    phone.post("/logout")
    page = laptop.get("/account/security").content.decode()
    assert page.count("<tr>") == 2
    assert MemberSession.objects.filter(user=alice).count() == 1


def test_the_security_page_is_for_members(client: Client, db):
    response = client.get("/account/security")
    assert response.status_code == 302 and response["Location"].startswith("/login")
    assert client.get("/account/sessions/end-others").status_code in (302, 405)
