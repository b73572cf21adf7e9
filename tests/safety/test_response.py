"""The moderators' side of crisis care: alerted at once, a response target, escalation to the
admins when nobody responds in time, a response recorded with a note, readers' worries."""

import threading
from datetime import timedelta
from email import message_from_bytes

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mindwell.accounts.models import Level, User
from mindwell.moderation.models import AuditEntry, Flag
from mindwell.qa import actions
from mindwell.qa.models import Post
from mindwell.safety.models import Screening
from tests.conftest import logged_in, make_user
from tests.safety.test_posting import CALM, RISKY, WORRIED
from tests.sites import free_port


def risky_question(author: User, category) -> Post:
    return actions.ask_question(
        author=author, title="I don't know what to do", body=RISKY, category=category, tags=[]
    )


def test_a_risk_post_alerts_every_moderator_once_after_commit(
    alice, moderator, admin, category, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        question = risky_question(alice, category)
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.test", "mo@example.test"]
    alert = mail.outbox[0]
    assert alert.subject == "Someone may be at risk: please respond"
    assert f"/posts/{question.pk}/" in alert.body and "within 15 minutes" in alert.body
    assert RISKY not in alert.body and "kill" not in alert.body  # the text stays on the site
    assert "alice@example.test" not in alert.body
    screening = Screening.objects.get(post=question)
    assert screening.alerted_at is not None
    assert list(Screening.objects.awaiting_response()) == [screening]
    with django_capture_on_commit_callbacks(execute=True):  # an edit that stays risky
        actions.edit_post(
            post=question, editor=alice, title=question.title, body=RISKY + " Sorry.", tags=[]
        )
    assert len(mail.outbox) == 2


def test_calm_and_concern_posts_alert_nobody(
    alice, moderator, category, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.ask_question(
            author=alice, title="Sleep before exams", body=CALM, category=category, tags=[]
        )
        actions.ask_question(
            author=alice, title="How do I help her?", body=WORRIED, category=category, tags=[]
        )
    assert mail.outbox == []
    assert not Screening.objects.awaiting_response().exists()


def test_a_rolled_back_post_alerts_nobody(
    alice, moderator, category, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            risky_question(alice, category)
            raise RuntimeError("the write failed")
    assert mail.outbox == []


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured)


def test_a_moderator_sees_who_awaits_a_response_and_marks_one_responded(
    alice, bob, moderator, category
):
    first = risky_question(alice, category)
    client = logged_in(moderator)
    client.get("/safety/at-risk")
    one = queries(client, "/safety/at-risk")
    second = risky_question(bob, category)
    actions.post_answer(question=first, author=bob, body=RISKY)
    client.get("/safety/at-risk")  # marks the new alerts read (the bell's count is read again)
    assert queries(client, "/safety/at-risk") == one  # however many are waiting
    page = client.get("/safety/at-risk").content.decode()
    assert "Awaiting a response (3)" in page
    assert page.index(f'id="at-risk-{first.pk}"') < page.index(f'id="at-risk-{second.pk}"')
    response = client.post(
        f"/safety/posts/{first.pk}/respond",
        {"outcome": "reached-out", "note": "Replied and shared Samaritans."},
    )
    assert response.status_code == 302
    screening = Screening.objects.get(post=first)
    assert screening.responded_by == moderator
    assert screening.response_note == "Replied and shared Samaritans."
    entry = AuditEntry.objects.get(action="responded: at risk")
    assert (entry.actor, entry.post_id, entry.reason) == (
        moderator,
        first.pk,
        "Replied and shared Samaritans.",
    )
    page = client.get("/safety/at-risk").content.decode()
    assert "Awaiting a response (2)" in page
    assert "Replied and shared Samaritans." in page.split("Recently responded", 1)[1]


def test_a_response_needs_a_note(alice, moderator, category):
    question = risky_question(alice, category)
    response = logged_in(moderator).post(
        f"/safety/posts/{question.pk}/respond", {"outcome": "safe", "note": "  "}
    )
    assert response.status_code == 400
    assert "Say in a few words how you responded." in response.content.decode()
    assert Screening.objects.get(post=question).responded_at is None
    assert not AuditEntry.objects.exists()


def test_members_and_visitors_may_not_see_or_answer_the_at_risk_list(alice, bob, category):
    question = risky_question(alice, category)
    member = logged_in(bob)
    assert member.get("/safety/at-risk").status_code == 403
    answer = {"outcome": "safe", "note": "hi"}
    assert member.post(f"/safety/posts/{question.pk}/respond", answer).status_code == 403
    assert Client().get("/safety/at-risk").status_code == 302  # to the login page
    assert Screening.objects.get(post=question).responded_at is None


def test_nobody_responding_in_time_alerts_every_moderator_and_admin_once(
    alice, moderator, admin, category, django_capture_on_commit_callbacks
):
    question = risky_question(alice, category)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("safety_escalate")
    assert mail.outbox == []  # not yet due
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("safety_escalate")
    assert mail.outbox == []  # the default target is 15 minutes
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("safety_escalate")
            call_command("safety_escalate")  # run again by cron: nothing new to say
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.test", "mo@example.test"]
    alert = mail.outbox[0]
    assert alert.subject == "No response in 15 minutes: 1 waiting (someone may be at risk)"
    assert f"/posts/{question.pk}/" in alert.body
    assert Screening.objects.get(post=question).escalated_at is not None
    page = logged_in(moderator).get("/safety/at-risk").content.decode()
    assert "overdue: all moderators and admins alerted" in page


@override_settings(MINDWELL_CRISIS_RESPONSE_MINUTES=5)
def test_the_response_target_is_a_setting_and_a_response_in_time_escalates_nothing(
    alice, moderator, admin, category, django_capture_on_commit_callbacks
):
    question = risky_question(alice, category)
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        logged_in(moderator).post(
            f"/safety/posts/{question.pk}/respond", {"outcome": "safe", "note": "Talked."}
        )
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("safety_escalate")
    assert mail.outbox == []


def test_a_reader_who_is_worried_sees_how_to_help_and_the_post_goes_to_the_moderators(
    alice, moderator, category, django_capture_on_commit_callbacks
):
    question = actions.ask_question(
        author=alice, title="Tired of everything", body=CALM, category=category, tags=[]
    )
    reader = make_user("Reader", level=Level.APPROVED)
    client = logged_in(reader)
    assert (
        "I'm worried about this person" in client.get(question.get_absolute_url()).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/safety/posts/{question.pk}/worried", headers={"accept-language": "en-GB"}
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Thank you for looking out for them" in page
    assert "asking does not put the idea in their head" in page
    assert "Samaritans" in page
    assert [m.to for m in mail.outbox] == [["mo@example.test"]]
    flag = Flag.objects.get(post=question)
    assert (flag.user, flag.reason) == (reader, "at-risk")
    screening = Screening.objects.get(post=question)
    assert (screening.label, screening.worried_readers) == ("none", 1)
    assert list(Screening.objects.awaiting_response()) == [screening]
    client.post(f"/safety/posts/{question.pk}/worried")  # a second press counts once
    assert Screening.objects.get(post=question).worried_readers == 1
    assert Post.objects.get(pk=question.pk).state == "published"  # never hidden


def test_a_visitor_can_be_worried_too(alice, moderator, category):
    question = actions.ask_question(
        author=alice, title="Tired of everything", body=CALM, category=category, tags=[]
    )
    response = Client().post(f"/safety/posts/{question.pk}/worried")
    assert response.status_code == 200
    assert Screening.objects.get(post=question).worried_readers == 1
    assert not Flag.objects.exists()


def test_worrying_about_a_post_one_cannot_see_is_not_found(alice, category):
    question = actions.ask_question(
        author=alice, title="Tired of everything", body=CALM, category=category, tags=[]
    )
    Post.objects.filter(pk=question.pk).update(state="deleted")
    assert Client().post(f"/safety/posts/{question.pk}/worried").status_code == 404
    assert Client().post("/safety/posts/999999/worried").status_code == 404
    assert Screening.objects.get(post=question).worried_readers == 0


def test_the_author_sees_no_worried_button_on_their_own_post(alice, category):
    question = actions.ask_question(
        author=alice, title="Tired of everything", body=CALM, category=category, tags=[]
    )
    assert (
        "I'm worried about this person"
        not in logged_in(alice).get(question.get_absolute_url()).content.decode()
    )


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope.content)
        self.received.set()
        return "250 OK"


def test_the_alert_goes_out_over_real_smtp(
    alice, moderator, category, django_capture_on_commit_callbacks
):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        smtp = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
            }
        }
        with override_settings(MAILERS=smtp), django_capture_on_commit_callbacks(execute=True):
            question = risky_question(alice, category)
        assert inbox.received.wait(5)
    finally:
        controller.stop()
    [raw] = inbox.messages
    message = message_from_bytes(raw)
    assert message["To"] == "mo@example.test"
    assert message["Subject"] == "Someone may be at risk: please respond"
    assert f"/posts/{question.pk}/" in message.get_payload(decode=True).decode()


def test_the_task_workers_sweep_escalates_without_cron(
    alice, admin, category, django_capture_on_commit_callbacks
):
    from mindwell.notify.worker import sweep

    question = risky_question(alice, category)
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        with django_capture_on_commit_callbacks(execute=True):
            sweep()
    [alert] = mail.outbox
    assert alert.subject.startswith("No response in 15 minutes")
    assert Screening.objects.get(post=question).escalated_at is not None
