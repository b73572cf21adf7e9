import re

import pytest
from django.core import mail
from django.test import Client

from mindwell.accounts.models import User
from mindwell.qa import actions
from tests.conftest import PASSWORD, logged_in, make_user


def register(client: Client, **fields):
    data = {"display_name": "Rowan", "email": "rowan@example.test",
            "password1": PASSWORD, "password2": PASSWORD}  # fmt: skip
    data.update(fields)
    return client.post("/register", data)


def test_registering_logs_you_in_with_the_base_points(client: Client, db):
    response = register(client)
    user = User.objects.get(display_name="Rowan")
    assert response["Location"] == user.get_absolute_url()
    assert user.points == 100 and user.check_password(PASSWORD)
    assert "Rowan" in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"display_name": ""}, "This field is required."),
        ({"display_name": "n" * 41}, "at most 40 characters"),
        ({"display_name": "ALICE"}, "That display name is taken."),
        ({"display_name": "Anonymous"}, "That name is reserved."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"email": "Alice@Example.test"}, "This email cannot be used to register."),
        ({"password2": "something else"}, "The two password fields didn’t match."),
        ({"password1": "123", "password2": "123"}, "This password is too short."),
    ],
)
def test_bad_registrations_save_nothing(client: Client, alice, fields, message):
    response = register(client, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.count() == 1


def test_log_in_with_display_name_or_email_and_log_out(client: Client, alice):
    for login in ["Alice", "alice@example.test", "ALICE"]:
        response = client.post("/login", {"username": login, "password": PASSWORD})
        assert response.status_code == 302, login
        client.post("/logout")
    bad = client.post("/login", {"username": "Alice", "password": "wrong"})
    assert bad.status_code == 200
    assert "Please enter a correct" in bad.content.decode()


def test_password_reset_sends_a_link_that_sets_a_new_password(client: Client, alice):
    client.post("/password-reset", {"email": "alice@example.test"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.test"]
    assert "Reset your Mindwell password" in message.subject
    link = re.search(r"http://testserver(/password-reset/\S+)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    new = "another careful passphrase"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    alice.refresh_from_db()
    assert alice.check_password("another careful passphrase")


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client: Client, db):
    response = client.post("/password-reset", {"email": "nobody@example.test"}, follow=True)
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []


def test_profile_shows_points_level_questions_and_answers(client: Client, question, answer, bob):
    page = client.get(bob.get_absolute_url()).content.decode()
    assert "Bob" in page and "140</strong> points" in page and "Basic" in page
    assert "1 answer" in page and question.title in page


def test_profile_of_a_missing_member_is_a_404(client: Client, db):
    assert client.get("/users/99999/").status_code == 404


def test_users_page_lists_members_by_points(client: Client, db):
    make_user("Low", points=150)
    make_user("High", points=6_500)
    page = client.get("/users/").content.decode()
    assert page.index("High") < page.index("Low")
    assert "6.5k points" in page


def test_points_history_lists_what_changed_the_points(client: Client, question, answer, alice, bob):
    actions.select_answer(question=question, answer=answer, user=alice)
    page = client.get(f"/users/{bob.pk}/points").content.decode()
    assert "Answer posted" in page and "+40" in page
    assert "Answer selected as best" in page and "+300" in page
    assert "440 points now" in page


def test_no_page_shows_a_members_email(question, answer, bob):
    pages = ["/", "/questions/", question.get_absolute_url(), f"/users/{bob.pk}/",
             f"/users/{bob.pk}/points", "/users/", "/tags/", "/categories/"]  # fmt: skip
    client = logged_in(make_user("Reader"))
    for url in pages:
        html = client.get(url).content.decode()
        assert "bob@example.test" not in html and "alice@example.test" not in html, url
