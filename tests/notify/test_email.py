"""Emails through the real task worker and a real SMTP server on loopback."""

import re
from email.message import EmailMessage

import pytest
from django.test import Client

from mindwell.accounts.models import Level, User
from mindwell.moderation.models import AuditEntry
from mindwell.notify.models import Delivery, EmailSettings
from mindwell.qa import actions
from mindwell.qa.models import Category, Post
from tests.conftest import PASSWORD, logged_in, make_user
from tests.notify.conftest import SMTPServer, confirm, hours_later, html_of, run_worker, text_of

pytestmark = pytest.mark.django_db(transaction=True)


def subject(message: EmailMessage) -> str:
    # Long subjects are folded into several encoded words; read them as one line.
    return " ".join(str(message["Subject"]).split())


def test_a_new_answer_arrives_as_plain_text_and_html_with_a_one_click_unsubscribe(
    smtp: SMTPServer, alice: User, bob: User, question: Post
) -> None:
    confirm(alice)
    actions.post_answer(question=question, author=bob, body="Pick a *calm* moment.")
    run_worker()

    [message] = smtp.inbox.to("alice@example.test")
    assert subject(message) == "New answer to “How do I talk to my partner about money?”"
    assert "Bob answered your question" in text_of(message)
    assert "Pick a *calm* moment." in text_of(message)
    assert "Bob answered your question" in html_of(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [raw] = smtp.inbox.raw
    assert b"\r\nList-Unsubscribe: <http://127.0.0.1:8000/unsubscribe/" in raw  # not encoded
    link = re.fullmatch(
        r"<http://127\.0\.0\.1:8000(/unsubscribe/\S+)>", message["List-Unsubscribe"]
    )
    assert link is not None
    assert "Why you got this email" not in text_of(message)  # she registered the address

    # RFC 8058: the mail client POSTs, without a CSRF token or a session.
    response = Client(enforce_csrf_checks=True).post(
        link.group(1), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert not EmailSettings.objects.get(user=alice).answer
    assert EmailSettings.objects.get(user=alice).comment  # only that kind
    assert Delivery.objects.get(user=alice).state == "sent"


def test_an_anonymous_posters_first_email_says_why_it_came(
    smtp: SMTPServer, bob: User, carol: User, category: Category
) -> None:
    question = actions.ask_question(
        author=None, title="Is it normal to feel numb after a breakup?", body="Two months now.",
        category=category, tags=[], anon_email="Visitor@Example.test", notify_by_email=True,
    )  # fmt: skip
    actions.post_answer(question=question, author=bob, body="Yes, it is common.")
    run_worker()
    actions.post_comment(parent=question, author=carol, body="It gets better.")
    run_worker()

    first, second = smtp.inbox.to("Visitor@Example.test")
    assert "Is it normal to feel numb" in subject(first)
    assert "Why you got this email" in text_of(first)
    assert "Why you got this email" not in text_of(second)
    assert subject(second) == "New comment on “Is it normal to feel numb after a breakup?”"

    # Their unsubscribe link stops that kind for the address, and says so.
    link = re.search(r"/unsubscribe/\S+", text_of(second))
    assert link is not None
    page = Client().get(link.group(0))
    assert "Stop emails for" in page.content.decode()
    Client().post(link.group(0))
    actions.post_comment(parent=question, author=bob, body="Take care.")
    run_worker()
    assert len(smtp.inbox.to("Visitor@Example.test")) == 2


def test_an_email_sent_while_the_smtp_server_is_down_arrives_after_the_retry(
    smtp: SMTPServer, alice: User, bob: User, question: Post
) -> None:
    confirm(alice)
    smtp.stop()
    actions.post_answer(question=question, author=bob, body="Try writing it down first.")
    run_worker()
    delivery = Delivery.objects.get(user=alice)
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in delivery.last_error

    smtp.start()
    run_worker()
    assert smtp.inbox.messages == []  # the retry waits
    with hours_later(1):
        run_worker()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 2)
    assert len(smtp.inbox.to("alice@example.test")) == 1


def test_an_email_that_keeps_failing_ends_failed_and_an_admin_retries_it(
    smtp: SMTPServer, alice: User, bob: User, question: Post
) -> None:
    confirm(alice)
    smtp.stop()
    actions.post_answer(question=question, author=bob, body="Try writing it down first.")
    for hours in range(6):
        with hours_later(hours):
            run_worker()
    delivery = Delivery.objects.get(user=alice)
    assert (delivery.state, delivery.attempts) == ("failed", 6)

    admin = make_user("Ada", level=Level.ADMIN)
    page = logged_in(admin).get("/notifications/failed")
    assert page.status_code == 200
    assert "Alice" in page.content.decode() and "alice@example.test" not in page.content.decode()
    assert logged_in(bob).get("/notifications/failed").status_code == 403
    assert logged_in(bob).post(f"/notifications/failed/{delivery.pk}/retry").status_code == 403

    smtp.start()
    response = logged_in(admin).post(f"/notifications/failed/{delivery.pk}/retry")
    assert response.status_code == 302
    assert AuditEntry.objects.filter(actor=admin, action="retry email").count() == 1
    run_worker()
    delivery.refresh_from_db()
    assert delivery.state == "sent"
    assert len(smtp.inbox.to("alice@example.test")) == 1


def test_a_delivery_is_sent_once_however_many_tasks_name_it(
    smtp: SMTPServer, alice: User, bob: User, question: Post
) -> None:
    from mindwell.notify.tasks import send_delivery

    confirm(alice)
    actions.post_answer(question=question, author=bob, body="Breathe.")
    delivery = Delivery.objects.get(user=alice)
    send_delivery.enqueue(delivery.pk)  # a second task for the same delivery
    send_delivery.enqueue(delivery.pk)
    run_worker()
    assert len(smtp.inbox.to("alice@example.test")) == 1


def test_registration_emails_a_confirmation_link_and_only_then_notifications_go_out(
    smtp: SMTPServer, alice: User, question: Post
) -> None:
    client = Client()
    response = client.post(
        "/register",
        {"display_name": "Dana", "email": "dana@example.test", "password1": PASSWORD,
         "password2": PASSWORD},
    )  # fmt: skip
    assert response.status_code == 302
    run_worker()
    [message] = smtp.inbox.to("dana@example.test")
    assert subject(message) == "Confirm your email address for Mindwell"
    assert message["List-Unsubscribe"] is None
    link = re.search(r"http://127\.0\.0\.1:8000(/email/confirm/\S+)", text_of(message))
    assert link is not None
    dana = User.objects.get(display_name="Dana")
    assert dana.email_confirmed_at is None
    assert client.get(link.group(1)).status_code == 200  # a GET only asks
    dana.refresh_from_db()
    assert dana.email_confirmed_at is None
    assert client.post(link.group(1)).status_code == 200
    dana.refresh_from_db()
    assert dana.email_confirmed_at is not None

    tampered = link.group(1)[:-3] + "abc"
    response = client.post(tampered)
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_a_member_who_chose_the_digest_gets_one_email_listing_everything(
    smtp: SMTPServer, alice: User, bob: User, carol: User, question: Post
) -> None:
    confirm(alice)
    EmailSettings.objects.create(user=alice, digest=True)
    actions.post_answer(question=question, author=bob, body="One idea.")
    actions.post_comment(parent=question, author=carol, body="Another idea.")
    run_worker()  # starts with a sweep, which queues the digest
    [message] = smtp.inbox.to("alice@example.test")
    assert subject(message) == "Your daily Mindwell digest: 2 new"
    text = text_of(message)
    assert "Bob answered on “How do I talk to my partner about money?”" in text
    assert "Carol commented on" in text
    assert message["List-Unsubscribe"] is not None
    run_worker()
    assert len(smtp.inbox.messages) == 1  # one a day
