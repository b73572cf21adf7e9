"""Two-factor authentication with an authenticator app (TOTP, django-otp): setting it up,
logging in with a code, and moderators who must use it when the setting says so."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from mindwell.accounts.models import User
from mindwell.qa.models import Post
from tests.conftest import PASSWORD, logged_in

HTML = {"Accept": "text/html"}


def code_for(device: TOTPDevice, at_offset: int = 0) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=at_offset):06d}"


def turn_on(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def log_in(client: Client, name: str = "alice"):
    return client.post("/login", {"username": name, "password": PASSWORD})


def test_setting_up_shows_a_qr_code_and_the_key_then_asks_for_a_code(alice):
    client = logged_in(alice)
    page = client.get("/account/two-factor").content.decode()
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    assert '<svg width="' in page and 'class="segno"' in page  # inline: no image request
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page)
    assert secret and secret.group(1).replace(" ", "") in device.config_url
    assert "style=" not in page.split('class="segno"')[1].split("</svg>")[0]

    wrong = client.post("/account/two-factor", {"code": "000000"}, headers=HTML)
    assert wrong.status_code == 400
    assert "That code is not right, or has expired" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=alice, confirmed=True).exists()

    client.get("/account/two-factor")  # a reload keeps the same key
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        # after a wrong code, django-otp makes the next try wait (here 1 s)
        response = client.post("/account/two-factor", {"code": code_for(device)}, follow=True)
    assert "Two-factor authentication is on." in response.content.decode()
    assert list(TOTPDevice.objects.filter(user=alice).values_list("pk", "confirmed")) == [
        (device.pk, True)
    ]


def test_logging_in_asks_for_a_code_after_the_password(alice):
    device = turn_on(alice)
    client = Client()
    response = log_in(client)
    assert response["Location"] == "/login/code"
    assert "_auth_user_id" not in client.session  # not logged in with the password alone
    assert client.get("/account/security").status_code == 302

    wrong = client.post("/login/code", {"code": "123456"}, headers=HTML)
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    assert "_auth_user_id" not in client.session

    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        response = client.post("/login/code", {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert client.get("/account/security").status_code == 200


def test_the_code_step_goes_back_where_the_member_was_going(alice):
    device = turn_on(alice)
    client = Client()
    client.post("/login", {"username": "alice", "password": PASSWORD, "next": "/users/"})
    assert client.post("/login/code", {"code": code_for(device)})["Location"] == "/users/"


def test_the_code_step_expires(alice):
    device = turn_on(alice)
    client = Client()
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        log_in(client)
        clock.shift(timedelta(minutes=6))
        response = client.post("/login/code", {"code": code_for(device)})
    assert response["Location"] == "/login"
    assert "_auth_user_id" not in client.session


def test_a_code_cannot_be_sent_twice(alice):
    device = turn_on(alice)
    first, second = Client(), Client()
    log_in(first)
    log_in(second)
    code = code_for(device)
    assert first.post("/login/code", {"code": code}).status_code == 302
    assert second.post("/login/code", {"code": code}).status_code == 400
    assert "_auth_user_id" not in second.session


def test_turning_it_off_needs_a_code(alice):
    device = turn_on(alice)
    client = logged_in(alice)
    assert client.post("/account/two-factor", {"code": ""}).status_code == 400
    assert TOTPDevice.objects.filter(user=alice).exists()
    response = client.post("/account/two-factor", {"code": code_for(device)}, follow=True)
    assert "Two-factor authentication is off." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=alice).exists()


@pytest.fixture
def required(settings):
    settings.MINDWELL_REQUIRE_2FA_FOR_MODERATORS = True


def test_a_moderator_without_two_factor_is_sent_to_set_it_up(answer, moderator, required):
    client = logged_in(moderator)
    response = client.post(f"/posts/{answer.pk}/state", {"state": "hidden"})
    assert response.status_code == 302 and response["Location"] == "/account/two-factor"
    answer.refresh_from_db()
    assert answer.state == Post.State.PUBLISHED
    page = client.get("/account/two-factor").content.decode()
    assert "Moderators must set up two-factor authentication before moderating." in page
    assert client.get("/moderation/")["Location"] == "/account/two-factor"  # nor the queue
    # Reading is not moderating.
    assert client.get(answer.root.get_absolute_url()).status_code == 200


def test_a_moderator_with_two_factor_shows_a_code_then_moderates(answer, moderator, required):
    device = turn_on(moderator)
    client = logged_in(moderator)  # a session from before two-factor was turned on
    url = f"/posts/{answer.pk}/state"
    assert client.post(url, {"state": "hidden"})["Location"] == "/login/code"
    assert client.post("/login/code", {"code": code_for(device)}).status_code == 302
    assert client.post(url, {"state": "hidden"}).status_code == 302
    answer.refresh_from_db()
    assert answer.state == Post.State.HIDDEN


def test_logging_in_with_two_factor_verifies_the_session(answer, moderator, required):
    device = turn_on(moderator)
    client = Client()
    log_in(client, "Mo")
    client.post("/login/code", {"code": code_for(device)})
    assert client.post(f"/posts/{answer.pk}/state", {"state": "hidden"}).status_code == 302
    answer.refresh_from_db()
    assert answer.state == Post.State.HIDDEN


def test_a_moderator_may_not_turn_it_off_when_it_is_required(moderator, required):
    device = turn_on(moderator)
    client = Client()
    log_in(client, "Mo")
    client.post("/login/code", {"code": code_for(device)})
    response = client.post("/account/two-factor", {"code": code_for(device, 1)})
    assert response.status_code == 400
    assert "Moderators and admins must keep two-factor on." in response.content.decode()
    assert TOTPDevice.objects.filter(user=moderator, confirmed=True).exists()


def test_members_are_not_asked_when_it_is_required_for_moderators(question, bob, required):
    response = logged_in(bob).post(f"/posts/{question.pk}/answer", {"body": "Hello."})
    assert response.status_code == 302
