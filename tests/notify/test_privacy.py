"""No stored email address appears on any page, as seen by another member, a visitor or an admin."""

import logging

import pytest
from django.test import Client

from mindwell.accounts.models import Level, User
from mindwell.notify import actions as notify_actions
from mindwell.notify.models import Delivery
from mindwell.notify.tokens import confirm_token, unsubscribe_token
from mindwell.qa import actions
from mindwell.qa.models import Category, Post
from tests.conftest import logged_in, make_user
from tests.notify.conftest import SMTPServer, confirm, run_worker


def stored_addresses() -> set[str]:
    users = set(User.objects.values_list("email", flat=True))
    visitors = set(Post.objects.exclude(anon_email="").values_list("anon_email", flat=True))
    return {a.lower() for a in users | visitors if a}


@pytest.mark.django_db(transaction=True)
def test_no_page_shows_a_stored_email_address(
    smtp: SMTPServer, alice: User, bob: User, carol: User, category: Category,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    confirm(alice)
    question = actions.ask_question(
        author=alice, title="How do I talk to my partner about money?", body="We argue. @Bob?",
        category=category, tags=["money"],
    )  # fmt: skip
    visitor_question = actions.ask_question(
        author=None, title="Can someone help me with loneliness?", body="Evenings are hard.",
        category=category, tags=["loneliness"], anon_name="Sky",
        anon_email="sky.private@example.test", notify_by_email=True,
    )  # fmt: skip
    answer = actions.post_answer(
        question=question, author=None, body="Start small.", anon_name="River",
        anon_email="river.private@example.test", notify_by_email=True,
    )  # fmt: skip
    mine = actions.post_answer(question=visitor_question, author=bob, body="You are not alone.")
    actions.post_comment(parent=answer, author=carol, body="Good advice.")
    actions.select_answer(question=question, answer=answer, user=alice)
    actions.edit_post(post=mine, editor=bob, title="", body="You are not alone. Really.", tags=[])
    notify_actions.follow(user=bob, target=question)
    admin = make_user("Ada", level=Level.ADMIN)
    smtp.stop()
    run_worker()  # a failure, so the admin page has rows
    for delivery in Delivery.objects.all():
        Delivery.objects.filter(pk=delivery.pk).update(state="failed")

    pages = [
        "/", "/questions/", "/questions/?sort=unanswered", "/questions/?sort=hot",
        question.get_absolute_url(), visitor_question.get_absolute_url(),
        f"/posts/{answer.pk}/", f"/posts/{mine.pk}/history",
        "/categories/", f"/categories/{category.slug}/", "/tags/", "/tags/money/",
        "/users/", f"/users/{alice.pk}/", f"/users/{bob.pk}/", f"/users/{alice.pk}/points",
        "/search?q=money", "/search?q=loneliness", "/ask",
        "/feeds/questions.atom", f"/feeds/questions/{question.pk}/answers.atom",
        f"/feeds/categories/{category.slug}.atom", "/sitemap.xml",
        "/notifications/", "/notifications/settings",
        f"/unsubscribe/{unsubscribe_token('answer', address='sky.private@example.test')}",
        f"/email/confirm/{confirm_token(alice.pk, alice.email)}",
    ]  # fmt: skip
    viewers = {"visitor": Client(), "bob": logged_in(bob), "admin": logged_in(admin)}
    addresses = stored_addresses()
    assert "sky.private@example.test" in addresses and "alice@example.test" in addresses
    checked = 0
    for name, client in viewers.items():
        for url in [*pages, "/notifications/failed"] if name == "admin" else pages:
            response = client.get(url, follow=True)
            assert response.status_code in (200, 400), (name, url, response.status_code)
            body = response.content.decode().lower()
            leaked = [a for a in addresses if a in body]
            assert leaked == [], (name, url, leaked)
            checked += 1
    assert checked >= 80

    # Nor does any log line of ours (the test SMTP server's own log is not ours).
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]
    assert ours, "the worker logs what it does"
    for record in ours:
        line = record.getMessage().lower()
        assert not [a for a in addresses if a in line], (record.name, line)
