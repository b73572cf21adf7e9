"""Crisis care's later parts: the outcome of a response, the "no reply from a person" rule,
the moderators' in-app alert, the limit on "I'm worried about this person", and the
member's choice to turn off private wellbeing check-ins."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from mindwell.accounts.models import Level, User
from mindwell.moderation.models import AuditEntry, Flag
from mindwell.qa import actions
from mindwell.qa.models import Post
from mindwell.safety.models import Screening, WellbeingPreference
from tests.conftest import logged_in, make_user
from tests.safety.test_posting import CALM, RISKY
from tests.safety.test_response import risky_question

# --- the outcome of a response ---------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "shown"),
    [
        ("reached-out", "Reached out"),
        ("safe", "Safe"),
        ("emergency", "Escalated to emergency services"),
    ],
)
def test_a_moderator_records_an_outcome_which_is_stored_shown_and_audited(
    alice, moderator, category, outcome, shown
):
    question = risky_question(alice, category)
    client = logged_in(moderator)
    form = client.get("/safety/at-risk").content.decode()
    assert f'name="outcome" value="{outcome}"' in form
    response = client.post(
        f"/safety/posts/{question.pk}/respond", {"outcome": outcome, "note": "Called 999 with her."}
    )
    assert response.status_code == 302
    screening = Screening.objects.get(post=question)
    assert (screening.response_outcome, screening.response_note) == (
        outcome,
        "Called 999 with her.",
    )
    entry = AuditEntry.objects.get(action="responded: at risk")
    assert (entry.actor, entry.post_id, entry.after["outcome"]) == (moderator, question.pk, outcome)
    responded = client.get("/safety/at-risk").content.decode().split("Recently responded", 1)[1]
    assert f'<strong class="outcome">{shown}</strong>: Called 999 with her.' in responded


def test_a_response_needs_an_outcome(alice, moderator, category):
    question = risky_question(alice, category)
    client = logged_in(moderator)
    response = client.post(f"/safety/posts/{question.pk}/respond", {"note": "Replied."})
    assert response.status_code == 400
    assert "Choose what came of your response." in response.content.decode()
    response = client.post(
        f"/safety/posts/{question.pk}/respond", {"outcome": "ignored", "note": "Replied."}
    )
    assert response.status_code == 400
    assert Screening.objects.get(post=question).responded_at is None
    assert not AuditEntry.objects.exists()


# --- no reply from a person --------------------------------------------------------------


def escalate_at(minutes: int, capture) -> list:
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + timedelta(minutes=minutes)):
        with capture(execute=True):
            call_command("safety_escalate")
    return [m for m in mail.outbox if m.subject.startswith("No reply")]


def test_a_risk_question_nobody_else_replied_to_in_2_hours_alerts_everyone_once(
    alice, bob, moderator, admin, category, django_capture_on_commit_callbacks
):
    question = risky_question(alice, category)
    # A moderator's response (by private message, say) is not a reply the writer sees.
    logged_in(moderator).post(
        f"/safety/posts/{question.pk}/respond", {"outcome": "reached-out", "note": "Messaged."}
    )
    # Her own comment, and an answer held for review that she cannot see, are no reply.
    actions.post_comment(parent=question, author=alice, body="Is anyone there?")
    held = actions.post_answer(question=question, author=bob, body="You matter to us here.")
    Post.objects.filter(pk=held.pk).update(state=Post.State.HELD)
    assert escalate_at(119, django_capture_on_commit_callbacks) == []
    alerts = escalate_at(121, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in alerts) == ["ada@example.test", "mo@example.test"]
    assert alerts[0].subject == "No reply in 2 hours: 1 question from someone who may be at risk"
    assert f"/posts/{question.pk}/" in alerts[0].body
    assert RISKY not in alerts[0].body  # the text stays on the site
    assert Screening.objects.get(post=question).unanswered_escalated_at is not None
    assert escalate_at(180, django_capture_on_commit_callbacks) == []  # once


@pytest.mark.parametrize("reply", ["answer", "comment", "visitor's answer"])
def test_a_reply_from_someone_else_stops_the_2_hour_escalation(
    alice, bob, moderator, category, django_capture_on_commit_callbacks, reply
):
    question = risky_question(alice, category)
    if reply == "answer":
        actions.post_answer(question=question, author=bob, body="I hear you. Please stay.")
    elif reply == "comment":
        actions.post_comment(parent=question, author=bob, body="Please call a helpline.")
    else:
        actions.post_answer(question=question, author=None, body="You are not alone in this.")
    assert escalate_at(121, django_capture_on_commit_callbacks) == []
    assert Screening.objects.get(post=question).unanswered_escalated_at is None


@override_settings(MINDWELL_CRISIS_UNANSWERED_MINUTES=45)
def test_the_unanswered_target_is_a_setting_and_only_risk_questions_count(
    alice, bob, moderator, category, django_capture_on_commit_callbacks
):
    question = risky_question(alice, category)
    calm = actions.ask_question(
        author=bob, title="Sleep before exams", body=CALM, category=category, tags=[]
    )
    # A risk answer is before the moderators, but the rule is about questions.
    answer = actions.post_answer(question=calm, author=alice, body=RISKY)
    alerts = escalate_at(46, django_capture_on_commit_callbacks)
    assert [m.subject for m in alerts] == [
        "No reply in 45 minutes: 1 question from someone who may be at risk"
    ]
    assert f"/posts/{question.pk}/" in alerts[0].body
    assert f"/posts/{answer.pk}/" not in alerts[0].body


def test_the_task_workers_sweep_runs_the_2_hour_rule(
    alice, moderator, category, django_capture_on_commit_callbacks
):
    from mindwell.notify.worker import sweep

    question = risky_question(alice, category)
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + timedelta(minutes=121)):
        with django_capture_on_commit_callbacks(execute=True):
            sweep()
    assert "No reply in 2 hours: 1 question from someone who may be at risk" in [
        m.subject for m in mail.outbox
    ]
    assert Screening.objects.get(post=question).unanswered_escalated_at is not None


# --- the moderators' in-app alert --------------------------------------------------------


def test_moderators_see_who_may_be_at_risk_in_the_header_of_every_page(
    alice, bob, moderator, category
):
    client = logged_in(moderator)
    assert "Someone may be at risk (" not in client.get("/").content.decode()
    question = risky_question(alice, category)
    for url in ("/", question.get_absolute_url(), "/helplines"):
        page = client.get(url).content.decode()
        assert '<a class="at-risk-link" href="/safety/at-risk">' in page
        assert "Someone may be at risk (1)" in page
    assert "Someone may be at risk" not in logged_in(bob).get("/").content.decode()
    client.post(f"/safety/posts/{question.pk}/respond", {"outcome": "safe", "note": "Talked."})
    assert "Someone may be at risk (" not in client.get("/").content.decode()


# --- "I'm worried about this person": at most N reports an hour per reporter ------------------


def calm_questions(author: User, category, n: int) -> list[Post]:
    return [
        actions.ask_question(
            author=author, title=f"Tired of everything {i}", body=CALM, category=category, tags=[]
        )
        for i in range(n)
    ]


@override_settings(MINDWELL_WORRIED_PER_HOUR=2)
def test_a_member_may_report_worries_about_so_many_posts_an_hour(alice, moderator, category):
    first, second, third = calm_questions(alice, category, 3)
    reader = make_user("Reader", level=Level.APPROVED)
    client = logged_in(reader)
    for post in (first, second):
        assert client.post(f"/safety/posts/{post.pk}/worried").status_code == 200
    response = client.post(f"/safety/posts/{third.pk}/worried", headers={"accept": "text/html"})
    page = response.content.decode()
    assert response.status_code == 429
    assert "You have told us about 2 people this hour" in page
    assert "asking does not put the idea in their head" in page  # still shown how to help
    assert "Our moderators have been told" not in page
    assert Screening.objects.get(post=third).worried_readers == 0
    assert not Flag.objects.filter(post=third).exists()
    assert list(Screening.objects.awaiting_response().values_list("post_id", flat=True)) == [
        first.pk,
        second.pk,
    ]
    # Another reader is not held back by this one.
    other = logged_in(make_user("Other", level=Level.APPROVED))
    assert other.post(f"/safety/posts/{third.pk}/worried").status_code == 200
    assert Screening.objects.get(post=third).worried_readers == 1
    # The next hour opens a fresh window.
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert client.post(f"/safety/posts/{third.pk}/worried").status_code == 200


@override_settings(MINDWELL_WORRIED_PER_HOUR=1)
def test_visitors_are_limited_by_address(alice, category):
    first, second = calm_questions(alice, category, 2)
    assert Client().post(f"/safety/posts/{first.pk}/worried").status_code == 200
    response = Client().post(f"/safety/posts/{second.pk}/worried")  # a new session
    assert response.status_code == 429
    assert response["Retry-After"]
    assert Screening.objects.get(post=second).worried_readers == 0
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post(f"/safety/posts/{second.pk}/worried").status_code == 200


# --- wellbeing check-ins -------------------------------------------------------------------


def test_a_member_turns_off_check_ins_and_moderators_are_told_not_to_message_them(
    alice, moderator, category
):
    notice = "The writer has turned off wellbeing check-ins: do not message them privately."
    client = logged_in(alice)
    assert 'href="/safety/check-ins"' in client.get("/helplines").content.decode()
    page = client.get("/safety/check-ins").content.decode()
    assert 'name="check_ins"' in page and "checked" in page  # on unless turned off
    question = risky_question(alice, category)
    at_risk = logged_in(moderator)
    assert notice not in at_risk.get("/safety/at-risk").content.decode()

    response = client.post("/safety/check-ins", {})  # the box unticked
    assert response.status_code == 302
    assert WellbeingPreference.objects.get(user=alice).check_ins is False
    assert "checked" not in client.get("/safety/check-ins").content.decode()
    page = at_risk.get("/safety/at-risk").content.decode()
    item = page.split(f'id="at-risk-{question.pk}"', 1)[1].split("</article>", 1)[0]
    assert notice in item
    # She is still screened and still before the moderators: nobody at risk is silenced.
    assert Screening.objects.awaiting_response().filter(post=question).exists()

    client.post("/safety/check-ins", {"check_ins": "on"})
    assert WellbeingPreference.objects.get(user=alice).check_ins is True
    assert notice not in at_risk.get("/safety/at-risk").content.decode()


def test_check_ins_are_a_members_setting(db):
    assert Client().get("/safety/check-ins").status_code == 302  # to the login page
    assert 'href="/safety/check-ins"' not in Client().get("/helplines").content.decode()
