"""Moderators hear in the app at once that someone may be at risk, and again when nobody
responds in time: a notification on the bell that points to the at-risk list and names nobody."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from mindwell.accounts.models import User
from mindwell.notify import actions as notify_actions
from mindwell.notify.models import Kind, Notification
from mindwell.qa import actions
from mindwell.qa.models import Post
from mindwell.safety import actions as safety_actions
from mindwell.safety.models import Screening
from tests.conftest import logged_in
from tests.safety.test_posting import CALM, METHOD, RISKY, WORRIED

TITLE = "I don't know what to do"


def risky_question(author: User | None, category, **fields) -> Post:
    return actions.ask_question(
        author=author, title=TITLE, body=RISKY, category=category, tags=[], **fields
    )


def alerts(kind: str = Kind.AT_RISK) -> list[tuple[str, bool]]:
    """(who, unread) for each crisis notification of this kind."""
    return sorted(
        (n.user.display_name, n.read_at is None)
        for n in Notification.objects.filter(kind=kind).select_related("user")
    )


def bell(client: Client) -> str:
    page = client.get("/").content.decode()
    return page.split('class="bell"', 1)[1].split("</a>", 1)[0]


def notification_list(client: Client) -> str:
    page = client.get("/notifications/").content.decode()
    return page.split('<ul class="notifications">', 1)[1].split("</ul>", 1)[0]


def test_a_risk_post_rings_every_moderator_s_and_admin_s_bell_at_once(
    alice, bob, moderator, admin, category
):
    question = risky_question(alice, category)
    assert alerts() == [("Ada", True), ("Mo", True)]  # not Alice, not Bob
    client = logged_in(moderator)
    assert 'aria-label="Notifications: 1 unread"' in bell(client)
    listed = notification_list(client)
    assert "Someone may be at risk: please respond." in listed
    assert f'href="/safety/at-risk#at-risk-{question.pk}"' in listed
    # It points at the list moderators work from: not the post's title, text or writer.
    assert TITLE not in listed and "kill" not in listed and "Alice" not in listed
    assert 'aria-label="Notifications: 0 unread"' in bell(logged_in(bob))


def test_calm_and_concern_posts_ring_nobody(alice, moderator, category):
    for body in (CALM, WORRIED):
        actions.ask_question(
            author=alice, title="A question", body=body, category=category, tags=[]
        )
    assert not Notification.objects.filter(user=moderator).exists()


def test_a_rolled_back_post_leaves_no_notification(alice, moderator, category):
    with pytest.raises(RuntimeError), transaction.atomic():
        risky_question(alice, category)
        raise RuntimeError("the write failed")
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"anonymous": True},  # a member who chose "anonymous"
        {"author": None, "anon_name": "Quiet Fox"},  # a visitor with a chosen name
    ],
)
def test_an_anonymous_writer_stays_anonymous_in_the_notification(
    alice, moderator, category, fields
):
    author = fields.pop("author", alice)
    risky_question(author, category, **fields)
    listed = notification_list(logged_in(moderator))
    assert "Someone may be at risk" in listed
    assert "Alice" not in listed and "Quiet Fox" not in listed and "anonymous" not in listed


def test_a_moderator_at_risk_is_not_called_to_their_own_post(moderator, admin, category):
    risky_question(moderator, category)
    assert alerts() == [("Ada", True)]
    assert 'aria-label="Notifications: 0 unread"' in bell(logged_in(moderator))


def test_nobody_is_emailed_about_their_own_post_but_everyone_else_is(
    moderator, admin, category, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        risky_question(moderator, category)
    assert [m.to for m in mail.outbox] == [["ada@example.test"]]


def test_a_held_post_describing_a_method_still_shows_in_the_list(alice, moderator, category):
    question = actions.ask_question(
        author=alice, title="Tonight", body=METHOD, category=category, tags=[]
    )
    assert question.state == Post.State.HELD
    listed = notification_list(logged_in(moderator))
    assert f"#at-risk-{question.pk}" in listed


def test_a_deleted_post_drops_out_of_the_list(alice, moderator, category):
    question = risky_question(alice, category)
    Post.objects.filter(pk=question.pk).update(state=Post.State.DELETED)
    assert "Someone may be at risk" not in notification_list(logged_in(moderator))


def test_opening_the_at_risk_list_marks_the_alerts_read(alice, moderator, admin, category):
    question = risky_question(alice, category)
    client = logged_in(moderator)
    page = client.get(f"/safety/at-risk#at-risk-{question.pk}").content.decode()
    assert f'id="at-risk-{question.pk}"' in page
    assert alerts() == [("Ada", True), ("Mo", False)]  # only the one who looked
    assert 'aria-label="Notifications: 0 unread"' in bell(client)


def test_a_recorded_response_clears_everyone_s_alert(alice, moderator, admin, category):
    question = risky_question(alice, category)
    response = logged_in(moderator).post(
        f"/safety/posts/{question.pk}/respond", {"outcome": "reached-out", "note": "Replied."}
    )
    assert response.status_code == 302
    assert alerts() == [("Ada", False), ("Mo", False)]


def test_a_worried_reader_rings_the_bell_too(alice, bob, moderator, category):
    question = actions.ask_question(
        author=alice, title="Exams", body=CALM, category=category, tags=[]
    )
    assert logged_in(bob).post(f"/safety/posts/{question.pk}/worried").status_code == 200
    assert alerts() == [("Mo", True)]


def test_nobody_responding_in_time_rings_again_and_so_does_no_reply(
    alice, moderator, admin, category
):
    question = risky_question(alice, category)
    logged_in(moderator).get("/safety/at-risk")  # Mo saw it, then nobody responded
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        call_command("safety_escalate")
        call_command("safety_escalate")  # nothing new: no second row
    assert alerts(Kind.ESCALATED) == [("Ada", True), ("Mo", True)]
    client = logged_in(moderator)
    listed = notification_list(client)
    assert "Still waiting: someone who may be at risk has had no response" in listed
    assert f'href="/safety/at-risk#at-risk-{question.pk}"' in listed
    client.get("/safety/at-risk")
    assert alerts(Kind.ESCALATED) == [("Ada", True), ("Mo", False)]
    first = Notification.objects.get(user=moderator, kind=Kind.ESCALATED).created_at
    # Two hours on, still no reply from anyone but the writer: back on top, unread.
    with time_machine.travel(timezone.now() + timedelta(minutes=121)):
        call_command("safety_escalate")
    again = Notification.objects.get(user=moderator, kind=Kind.ESCALATED)
    assert again.read_at is None and again.created_at > first
    assert Notification.objects.filter(kind=Kind.ESCALATED).count() == 2


def test_a_post_at_risk_again_after_a_response_rings_again(alice, moderator, category):
    question = risky_question(alice, category)
    screening = Screening.objects.get(post=question)
    safety_actions.record_response(
        screening=screening, moderator=moderator, outcome="safe", note="Talked."
    )
    actions.edit_post(post=question, editor=alice, title=TITLE, body=CALM, tags=[])
    actions.edit_post(post=question, editor=alice, title=TITLE, body=RISKY, tags=[])
    assert alerts() == [("Mo", True)]  # the same row, unread again
    assert Notification.objects.filter(kind=Kind.AT_RISK).count() == 1


def test_moderators_cannot_turn_the_crisis_email_off(
    alice, moderator, category, django_capture_on_commit_callbacks
):
    client = logged_in(moderator)
    page = client.get("/notifications/settings").content.decode()
    assert "they cannot be turned off" in page
    assert 'name="at_risk"' not in page and 'name="escalated"' not in page
    client.post("/notifications/settings", {"digest": "on", "at_risk": ""})  # every email off
    notify_actions.save_email_settings(user=moderator, choices={"digest": True})
    with django_capture_on_commit_callbacks(execute=True):
        risky_question(alice, category)
    assert [m.to for m in mail.outbox] == [["mo@example.test"]]
    assert (
        "they cannot be turned off"
        not in logged_in(alice).get("/notifications/settings").content.decode()
    )
