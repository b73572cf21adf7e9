"""Who is notified of what, written in the transaction of the post that causes it."""

from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from mindwell.accounts.models import User
from mindwell.notify import actions as notify_actions
from mindwell.notify.models import Delivery, EmailSettings, Follow, Notification
from mindwell.notify.reactions import mentioned_names
from mindwell.notify.sending import queue_digests
from mindwell.qa import actions
from mindwell.qa.models import Category, Post, Tag
from tests.conftest import make_user
from tests.notify.conftest import confirm


def kinds(user: User) -> list[tuple[str, int]]:
    return list(Notification.objects.filter(user=user).values_list("kind", "post_id"))


def test_a_new_answer_notifies_the_asker_in_app_and_by_email(
    alice: User, bob: User, question: Post
) -> None:
    confirm(alice)
    answer = actions.post_answer(question=question, author=bob, body="Start with a walk.")
    assert kinds(alice) == [("answer", answer.pk)]
    assert kinds(bob) == []  # not the one who wrote it
    delivery = Delivery.objects.get(user=alice)
    assert (delivery.kind, delivery.post_id, delivery.state) == ("answer", answer.pk, "pending")
    assert DBTaskResult.objects.filter(args_kwargs__args=[delivery.pk]).count() == 1


def test_an_unconfirmed_address_gets_no_email_but_the_bell_still_rings(
    alice: User, bob: User, question: Post
) -> None:
    actions.post_answer(question=question, author=bob, body="Start with a walk.")
    assert len(kinds(alice)) == 1
    assert not Delivery.objects.filter(user=alice).exists()


def test_the_asker_follows_their_question_and_hears_of_comments_on_answers(
    alice: User, bob: User, carol: User, answer: Post, question: Post
) -> None:
    assert Follow.objects.filter(user=alice, question=question).exists()
    comment = actions.post_comment(parent=answer, author=carol, body="This helped me too.")
    assert kinds(bob) == [("comment", comment.pk)]  # on his answer
    assert ("followed", comment.pk) in kinds(alice)  # on the question she follows


def test_a_reply_after_your_comment_notifies_you(
    alice: User, bob: User, carol: User, question: Post
) -> None:
    actions.post_comment(parent=question, author=bob, body="Same here.")
    reply = actions.post_comment(parent=question, author=carol, body="Me too, Bob.")
    assert ("comment", reply.pk) in kinds(bob)
    assert ("comment", reply.pk) in kinds(alice)


def test_a_selected_answer_notifies_its_author(
    alice: User, bob: User, question: Post, answer: Post
) -> None:
    confirm(bob)
    actions.select_answer(question=question, answer=answer, user=alice)
    assert ("selected", answer.pk) in kinds(bob)
    assert Delivery.objects.filter(user=bob, kind="selected", post=answer).count() == 1
    # Unselect and select again: still one email for that event.
    actions.select_answer(question=question, answer=None, user=alice)
    actions.select_answer(question=question, answer=answer, user=alice)
    assert Delivery.objects.filter(user=bob, kind="selected", post=answer).count() == 1


def test_mentions_find_one_and_two_word_names(alice: User, question: Post) -> None:
    carol = make_user("Carol")
    alex = User.objects.create_user("Alex K", "alex@example.test", "x")
    body = "Thanks @Carol and @Alex K. Write to me at someone@example.test"
    assert "example.test" not in " ".join(mentioned_names(body))
    answer = actions.post_answer(question=question, author=make_user("Dee"), body=body)
    assert kinds(carol) == [("mention", answer.pk)]
    assert kinds(alex) == [("mention", answer.pk)]


def test_followers_of_a_category_and_a_tag_hear_of_new_questions(
    alice: User, bob: User, carol: User, category: Category
) -> None:
    assert category.parent is not None
    notify_actions.follow(user=bob, target=category.parent)  # the parent covers its children
    tess = make_user("Tess")
    notify_actions.follow(user=tess, target=Tag.objects.create(name="sleep"))
    first = actions.ask_question(
        author=alice, title="How do I stop worrying?", body="Every night.",
        category=category, tags=["sleep"],
    )  # fmt: skip
    elsewhere = Category.objects.create(name="Sleep", slug="sleep")
    second = actions.ask_question(
        author=carol, title="Is it normal to wake at 4?", body="Every night.",
        category=elsewhere, tags=["sleep"],
    )  # fmt: skip
    assert kinds(bob) == [("followed", first.pk)]
    assert sorted(kinds(tess)) == [("followed", first.pk), ("followed", second.pk)]


def test_a_rolled_back_post_leaves_no_notification_email_or_task(
    alice: User, bob: User, question: Post
) -> None:
    confirm(alice)
    tasks_before = DBTaskResult.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.post_answer(question=question, author=bob, body="Try this.")
        raise RuntimeError("the request failed after the answer was written")
    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert DBTaskResult.objects.count() == tasks_before


def test_email_choices_are_kept_and_a_digest_replaces_single_emails(
    alice: User, bob: User, question: Post
) -> None:
    confirm(alice)
    notify_actions.save_email_settings(user=alice, choices={"comment": True, "answer": False})
    actions.post_answer(question=question, author=bob, body="One.")
    assert not Delivery.objects.filter(user=alice).exists()
    EmailSettings.objects.filter(user=alice).update(answer=True, digest=True)
    actions.post_answer(question=question, author=make_user("Dee"), body="Two.")
    assert not Delivery.objects.filter(user=alice).exists()
    assert queue_digests() == 1
    digest = Delivery.objects.get(user=alice)
    assert digest.kind == "digest"
    assert Notification.objects.filter(user=alice, digest=digest).count() == 2
    assert queue_digests() == 0  # one a day


def test_an_anonymous_poster_who_asked_for_email_gets_one_delivery(
    alice: User, bob: User, category: Category
) -> None:
    question = actions.ask_question(
        author=None, title="Can I ask without an account?", body="Please.", category=category,
        tags=[], anon_email="visitor@example.test", notify_by_email=True,
    )  # fmt: skip
    silent = actions.ask_question(
        author=None, title="And without notifications?", body="Please.", category=category,
        tags=[], anon_email="quiet@example.test", notify_by_email=False,
    )  # fmt: skip
    actions.post_answer(question=question, author=bob, body="Yes.")
    actions.post_answer(question=silent, author=bob, body="Yes.")
    delivery = Delivery.objects.get()
    assert delivery.address_post_id == question.pk and delivery.user is None
    assert "visitor" not in delivery.key and delivery.address_hash


def test_with_a_task_queue_outside_the_database_tasks_are_enqueued_after_commit(
    settings: Any, alice: User, bob: User, question: Post,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail.outbox = []
    confirm(alice)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.post_answer(question=question, author=bob, body="Try a walk together.")
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) >= 1
    assert [m.to for m in mail.outbox] == [["alice@example.test"]]
    assert Delivery.objects.get(user=alice).state == "sent"
