"""Anonymity that holds: no page, list, feed or history leads from an anonymous post to its
author."""

import re

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from mindwell.accounts.models import User
from mindwell.moderation.models import AuditEntry
from mindwell.qa import actions
from mindwell.qa.models import Category, Post
from tests.conftest import PASSWORD, logged_in, make_user


@pytest.fixture
def writer(db: None) -> User:
    return make_user("Zephyrine Quill")


@pytest.fixture
def anonymous_thread(writer: User, question: Post, bob: User, carol: User, category: Category):
    """An anonymous question, answer and comment by `writer`, voted on and edited by her."""
    asked = actions.ask_question(
        author=writer,
        title="Is it normal to feel numb after a breakup?",
        body="It has been three months and I feel nothing at all.",
        category=category,
        tags=["breakup", "numbness"],
        anonymous=True,
    )
    actions.edit_post(
        post=asked,
        editor=writer,
        title=asked.title,
        body=asked.body + " Nothing.",
        tags=["breakup"],
    )
    answered = actions.post_answer(
        question=question,
        author=writer,
        body="Money talks went better for us on walks.",
        anonymous=True,
    )
    actions.edit_post(
        post=answered, editor=writer, title="", body=answered.body + " Try it.", tags=[]
    )
    commented = actions.post_comment(
        parent=asked, author=writer, body="Thank you all for reading.", anonymous=True
    )
    actions.post_answer(question=asked, author=bob, body="Numbness is common; be gentle.")
    actions.cast_vote(post=asked, user=carol, value=1)
    actions.cast_vote(post=answered, user=carol, value=1)
    return asked, answered, commented


def traces(writer: User, text: str) -> list[str]:
    """Everything in a response that would lead to `writer`."""
    found = [
        needle
        for needle in (writer.display_name, "Zephyrine", f"/users/{writer.pk}/")
        if needle in text
    ]
    found += re.findall(rf'data-[\w-]*(?:user|author)[\w-]*="{writer.pk}"', text)
    found += re.findall(rf'"author(?:_id)?":\s*{writer.pk}\b', text)
    return found


def page_urls(asked: Post, answered: Post, commented: Post) -> list[str]:
    urls = [
        "/",
        "/questions/",
        "/questions/?sort=active",
        asked.get_absolute_url(),
        answered.root.get_absolute_url(),
        f"/posts/{asked.pk}/history",
        f"/posts/{answered.pk}/history",
        f"/posts/{commented.pk}/history",
        f"/posts/{answered.pk}/",
        "/categories/couples/",
        "/categories/relationships/",
        "/tags/breakup/",
        "/tags/money/",
        "/search?q=numb",
        "/search?q=walks",
        "/feeds/questions.atom",
        "/feeds/categories/couples.atom",
        "/feeds/tags/breakup.atom",
        f"/feeds/questions/{answered.root.pk}/answers.atom",
        f"/feeds/questions/{asked.pk}/answers.atom",
        "/sitemap.xml",
        "/sitemap-questions.xml",
    ]
    try:
        urls.append(reverse("notification_list"))
    except NoReverseMatch:  # the notify app's pages are not there yet
        pass
    return urls


@pytest.mark.parametrize("viewer", ["visitor", "member", "asker", "moderator"])
def test_no_page_leads_from_an_anonymous_post_to_its_author(
    anonymous_thread, writer, alice, carol, moderator, viewer
):
    asked, answered, commented = anonymous_thread
    client = {
        "visitor": Client(),
        "member": logged_in(carol),
        "asker": logged_in(alice),  # notified of the anonymous answer to her question
        "moderator": logged_in(moderator),
    }[viewer]
    urls = page_urls(asked, answered, commented)
    if viewer == "moderator":
        # Moderators' own pages: a hidden anonymous post in the queue and the audit log.
        from mindwell.moderation.actions import review_post

        review_post(post=commented, actor=moderator, action="hide", reason="Off topic")
        urls += [reverse("moderation_queue"), reverse("audit_log")]
    checked = 0
    for url in urls:
        response = client.get(url, follow=True)
        if response.status_code == 404 and "notification" in url:
            continue
        assert response.status_code == 200, url
        text = response.content.decode()
        assert traces(writer, text) == [], url
        checked += 1
    assert checked >= 22
    # Searching for her name finds none of her anonymous posts.
    found = client.get("/search?q=Zephyrine").content.decode()
    assert "feel numb" not in found and "on walks" not in found
    # The pages did show the posts, as "anonymous".
    page = client.get(asked.get_absolute_url()).content.decode()
    assert "Is it normal to feel numb" in page and "Thank you all for reading" in page
    assert (
        page.count('<span class="author visitor">anonymous</span>') >= 3
    )  # asker, comment, editor


def test_the_profile_and_points_history_of_the_author_keep_anonymous_posts_to_themselves(
    anonymous_thread, writer, carol
):
    asked, answered, _ = anonymous_thread
    writer.refresh_from_db()
    assert writer.points > 100  # the up-votes on anonymous posts count for her
    for client in (Client(), logged_in(carol)):
        profile = client.get(writer.get_absolute_url()).content.decode()
        assert "feel numb" not in profile and "0 questions" in profile and "0 answers" in profile
        history = client.get(f"/users/{writer.pk}/points").content.decode()
        assert "feel numb" not in history and "money" not in history.lower()
        assert f"/questions/{asked.pk}/" not in history and "(an anonymous post)" in history
    own = logged_in(writer)
    assert "feel numb" in own.get(writer.get_absolute_url()).content.decode()
    assert f"/questions/{asked.pk}/" in own.get(f"/users/{writer.pk}/points").content.decode()


def test_a_member_can_post_anonymously_from_the_forms(alice, category, question):
    client = logged_in(alice)
    response = client.post(
        "/ask",
        {
            "title": "How do I stop comparing myself to others?",
            "body": "Every evening I scroll and feel worse.",
            "category": "couples",
            "tags": "comparison",
            "anonymous": "on",
        },
    )
    assert response.status_code == 302
    asked = Post.objects.get(title__startswith="How do I stop comparing")
    assert asked.anonymous and asked.author == alice
    client.post(
        f"/posts/{question.pk}/answer", {"body": "Answering my own, quietly.", "anonymous": "on"}
    )
    client.post(f"/posts/{question.pk}/comment", {"body": "A quiet comment.", "anonymous": "on"})
    assert Post.objects.filter(author=alice, anonymous=True).count() == 3


def test_a_visitor_cannot_be_anonymous_twice_over(client, question):
    client.post(f"/posts/{question.pk}/answer", {"body": "From a visitor.", "anonymous": "on"})
    answer = Post.objects.get(body="From a visitor.")
    assert answer.anonymous is False and answer.author is None


def test_a_moderator_reveals_the_author_with_a_reason_and_it_is_audited(
    anonymous_thread, writer, moderator
):
    asked, _, _ = anonymous_thread
    client = logged_in(moderator)
    form = client.get(f"/posts/{asked.pk}/reveal").content.decode()
    assert "Why do you need to know" in form and writer.display_name not in form

    refused = client.post(f"/posts/{asked.pk}/reveal", {"reason": "   "})
    assert refused.status_code == 400
    assert "Give a reason" in refused.content.decode()
    assert writer.display_name not in refused.content.decode()
    assert not AuditEntry.objects.filter(action="reveal author").exists()

    shown = client.post(f"/posts/{asked.pk}/reveal", {"reason": "Threats in a comment"})
    assert shown.status_code == 200 and writer.display_name in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="reveal author")
    assert (entry.actor, entry.post, entry.reason) == (moderator, asked, "Threats in a comment")
    # Revealing once does not make the post less anonymous for anyone.
    assert writer.display_name not in client.get(asked.get_absolute_url()).content.decode()


def test_only_moderators_can_reveal(anonymous_thread, carol, question):
    asked, _, _ = anonymous_thread
    assert (
        logged_in(carol).post(f"/posts/{asked.pk}/reveal", {"reason": "curious"}).status_code == 403
    )
    assert Client().post(f"/posts/{asked.pk}/reveal", {"reason": "x"}).status_code == 302  # log in
    not_anonymous = logged_in(make_user("Mod2", level=80)).post(
        f"/posts/{question.pk}/reveal", {"reason": "x"}
    )
    assert not_anonymous.status_code == 404
    assert not AuditEntry.objects.filter(action="reveal author").exists()


def test_the_author_can_still_log_in_and_edit_their_anonymous_post(anonymous_thread, writer):
    asked, _, _ = anonymous_thread
    client = Client()
    assert client.login(username=writer.display_name, password=PASSWORD)
    assert client.get(f"/posts/{asked.pk}/edit").status_code == 200


def test_notification_emails_about_anonymous_posts_do_not_name_the_author(
    writer, alice, question, category
):
    from mindwell.notify.models import Delivery
    from mindwell.notify.sending import compose

    User.objects.filter(pk=alice.pk).update(email_confirmed_at=question.created_at)
    actions.post_answer(
        question=question, author=writer, body="An anonymous answer to Alice.", anonymous=True
    )
    deliveries = list(Delivery.objects.filter(user=alice))
    assert deliveries, "the asker is emailed about the answer"
    for delivery in deliveries:
        message = compose(delivery)
        assert message is not None
        html = message.alternatives[0].content if message.alternatives else ""
        text = f"{message.subject}\n{message.body}\n{html}"
        assert "An anonymous answer to Alice." in text
        assert traces(writer, text) == []
