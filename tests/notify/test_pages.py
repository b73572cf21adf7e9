"""The bell, the notifications page, settings, follows, unsubscribe links and bad input."""

from datetime import timedelta

import time_machine
from django.test import Client
from django.utils import timezone

from mindwell.accounts.models import User
from mindwell.notify.models import Delivery, EmailSettings, Follow, Notification, Suppression
from mindwell.notify.tokens import unsubscribe_token
from mindwell.qa import actions
from mindwell.qa.models import Category, Post, Tag
from tests.conftest import logged_in, make_user


def test_the_bell_shows_the_unread_count_on_every_page(
    alice: User, bob: User, question: Post, answer: Post
) -> None:
    actions.post_comment(parent=question, author=bob, body="One more thought.")
    client = logged_in(alice)
    for url in ["/", "/questions/", question.get_absolute_url(), "/tags/"]:
        page = client.get(url).content.decode()
        assert 'aria-label="Notifications: 2 unread"' in page, url
    assert 'class="bell"' not in Client().get("/").content.decode()  # visitors have none


def test_the_bell_count_is_cached_and_follows_every_write(
    alice: User, bob: User, question: Post, answer: Post, django_assert_num_queries: object
) -> None:
    client = logged_in(alice)

    def bell() -> str:
        page = client.get("/tags/").content.decode()
        return page.split('aria-label="Notifications: ')[1].split(" unread")[0]

    assert bell() == "1"
    with django_assert_num_queries(3):  # type: ignore[operator]
        client.get("/tags/")  # the count is kept: no COUNT query (user, tags, follows)
    comment = actions.post_comment(parent=question, author=bob, body="One more thought.")
    assert bell() == "2"  # written by bulk_create
    Notification.objects.filter(post=comment).update(read_at=timezone.now())
    assert bell() == "1"  # an update
    note = Notification.objects.get(post=answer)
    note.read_at = timezone.now()
    note.save()
    assert bell() == "0"  # a save
    Notification.objects.filter(post=comment).update(read_at=None)
    assert bell() == "1"
    Post.objects.filter(pk=comment.pk).delete()
    assert bell() == "0"  # deleted with its post (a cascade)
    actions.post_comment(parent=question, author=bob, body="And another.")
    assert bell() == "1"
    client.post("/notifications/read-all")
    assert bell() == "0"


def test_the_notifications_page_lists_them_and_marks_one_or_all_read(
    alice: User, bob: User, question: Post, answer: Post, django_assert_max_num_queries: object
) -> None:
    for n in range(5):
        actions.post_comment(parent=question, author=make_user(f"Reader{n}"), body="Hugs.")
    client = logged_in(alice)
    with django_assert_max_num_queries(7):  # type: ignore[operator]
        page = client.get("/notifications/")
    text = page.content.decode()
    assert text.count('class="notification unread"') == 6
    assert "Bob" in text and "answered your question" in text

    first = Notification.objects.filter(user=alice, kind="answer").get()
    response = client.post(f"/notifications/{first.pk}/read")
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert 'aria-label="Notifications: 5 unread"' in client.get("/").content.decode()
    # Someone else's notification is not found.
    assert logged_in(bob).post(f"/notifications/{first.pk}/read").status_code == 404

    client.post("/notifications/read-all")
    assert Notification.objects.filter(user=alice, read_at=None).count() == 0


def test_the_settings_page_saves_email_choices_and_lists_follows(
    alice: User, question: Post, category: Category
) -> None:
    client = logged_in(alice)
    page = client.get("/notifications/settings").content.decode()
    assert "We send no notification emails until you confirm your address" in page
    assert question.title in page  # asked, so followed
    response = client.post(
        "/notifications/settings", {"answer": "on", "comment": "on", "digest": "on"}
    )
    assert response.status_code == 302
    choices = EmailSettings.objects.get(user=alice)
    assert (choices.answer, choices.comment, choices.mention, choices.digest) == (
        True, True, False, True,
    )  # fmt: skip


def test_following_and_unfollowing_a_question_a_category_and_a_tag(
    bob: User, question: Post, category: Category
) -> None:
    client = logged_in(bob)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Follow this question" in page
    client.post(f"/follow/question/{question.pk}", {"follow": "1"})
    client.post(f"/follow/category/{category.slug}", {"follow": "1"})
    client.post("/follow/tag/money", {"follow": "1"})
    assert Follow.objects.filter(user=bob).count() == 3
    assert "Unfollow this question" in client.get(question.get_absolute_url()).content.decode()
    assert "Unfollow this tag" in client.get("/tags/money/").content.decode()
    assert "Unfollow this category" in client.get(f"/categories/{category.slug}/").content.decode()
    client.post(f"/follow/tag/{Tag.objects.get(name='money').name}", {"follow": "0"})
    assert Follow.objects.filter(user=bob).count() == 2


def test_following_a_missing_question_is_a_404_and_visitors_must_log_in(
    bob: User, question: Post, answer: Post
) -> None:
    client = logged_in(bob)
    assert client.post("/follow/question/999999", {"follow": "1"}).status_code == 404
    assert client.post(f"/follow/question/{answer.pk}", {"follow": "1"}).status_code == 404
    assert client.post("/follow/tag/no-such-tag", {"follow": "1"}).status_code == 404
    assert client.post("/follow/planet/earth", {"follow": "1"}).status_code == 404
    assert Client().post(f"/follow/question/{question.pk}").status_code == 302  # to log in
    assert not Follow.objects.filter(user=bob).exists()


def test_a_tampered_or_expired_unsubscribe_link_changes_nothing(alice: User) -> None:
    token = unsubscribe_token("answer", user_id=alice.pk)
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    response = Client().post(f"/unsubscribe/{tampered}")
    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        response = Client().post(f"/unsubscribe/{token}")
    assert response.status_code == 400
    assert not EmailSettings.objects.filter(user=alice).exists()
    assert Client().get("/unsubscribe/nonsense").status_code == 400
    # The same link, in time and untouched, works.
    assert Client().post(f"/unsubscribe/{token}").status_code == 200
    assert not EmailSettings.objects.get(user=alice).answer


def test_unsubscribing_an_anonymous_address_cancels_its_queued_emails(
    bob: User, category: Category
) -> None:
    question = actions.ask_question(
        author=None, title="How can I sleep after a fight?", body="I lie awake.",
        category=category, tags=[], anon_email="night@example.test", notify_by_email=True,
    )  # fmt: skip
    actions.post_answer(question=question, author=bob, body="Write it down.")
    token = unsubscribe_token("answer", address="night@example.test")
    Client().post(f"/unsubscribe/{token}")
    assert Delivery.objects.get().state == "cancelled"
    assert Suppression.objects.filter(kind="answer").count() == 1
    actions.post_answer(question=question, author=make_user("Dee"), body="Breathe slowly.")
    assert Delivery.objects.count() == 1  # no new delivery for a suppressed address


def test_an_invalid_email_in_the_visitor_form_is_refused_and_nothing_is_saved(
    question: Post,
) -> None:
    before = Post.objects.count()
    response = Client().post(
        f"/posts/{question.pk}/answer",
        {"body": "You are not alone.", "anon_email": "not-an-address", "notify_by_email": "on"},
    )
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert Post.objects.count() == before
    assert Delivery.objects.count() == 0


def test_a_member_asks_for_the_confirmation_email_again(alice: User) -> None:
    response = logged_in(alice).post("/notifications/confirm")
    assert response.status_code == 302
    assert Delivery.objects.filter(user=alice, kind="confirm").count() == 1
