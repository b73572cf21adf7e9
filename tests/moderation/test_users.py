from django.test import Client

from mindwell.accounts.models import User
from mindwell.moderation.models import AuditEntry, MemberWarning
from mindwell.qa.models import Post, Vote
from tests.conftest import logged_in


def act(client: Client, member: User, **data):
    return client.post(f"/users/{member.pk}/moderate", data)


def test_a_warning_shows_on_every_page_until_acknowledged(question, carol, moderator):
    act(logged_in(moderator), carol, action="warn", message="Please be kinder in comments.")
    client = logged_in(carol)
    for url in ("/", question.get_absolute_url(), "/tags/"):
        assert "Please be kinder in comments." in client.get(url).content.decode()
    warning = MemberWarning.objects.get()
    response = client.post(f"/warnings/{warning.pk}/acknowledge", {"next": "/tags/"})
    assert response["Location"] == "/tags/"
    assert "Please be kinder" not in client.get("/").content.decode()
    warning.refresh_from_db()
    assert warning.acknowledged_at is not None
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.user, entry.reason) == (
        "warn", carol, "Please be kinder in comments."
    )  # fmt: skip


def test_nobody_else_can_acknowledge_a_warning(carol, bob, moderator):
    act(logged_in(moderator), carol, action="warn", message="Be kind.")
    warning = MemberWarning.objects.get()
    assert logged_in(bob).post(f"/warnings/{warning.pk}/acknowledge").status_code == 404
    warning.refresh_from_db()
    assert warning.acknowledged_at is None


def test_a_suspended_member_reads_but_cannot_post_or_vote(question, answer, carol, moderator):
    response = act(logged_in(moderator), carol, action="suspend", days=7, message="Cooling off")
    assert response.status_code == 302
    client = logged_in(carol)
    assert client.get(question.get_absolute_url()).status_code == 200
    refused = client.post(f"/posts/{question.pk}/answer", {"body": "Let me answer anyway."})
    assert refused.status_code == 403
    assert "suspended until" in refused.content.decode()
    assert client.post(f"/posts/{answer.pk}/vote", {"vote": "up"}).status_code == 403
    assert not Post.objects.filter(author=carol).exists()
    assert not Vote.objects.exists()
    entry = AuditEntry.objects.get()
    assert entry.action == "suspend" and entry.after["suspended_until"]


def test_lifting_a_block_lets_the_member_post_again(question, carol, moderator):
    act(logged_in(moderator), carol, action="block", message="Spam")
    carol.refresh_from_db()
    assert carol.blocked_at is not None
    client = logged_in(carol)
    assert client.post(f"/posts/{question.pk}/comment", {"body": "Hi"}).status_code == 403
    act(logged_in(moderator), carol, action="reinstate")
    assert client.post(f"/posts/{question.pk}/comment", {"body": "Hi"}).status_code == 302
    assert [e.action for e in AuditEntry.objects.order_by("pk")] == ["block", "reinstate"]


def test_a_negative_absurd_or_missing_suspension_is_refused(carol, moderator):
    client = logged_in(moderator)
    for days, message in [
        (-3, "at least 1 day"),
        (0, "at least 1 day"),
        (100000, "at most 365 days"),
        ("soon", "whole number"),
        ("", "how many days"),
    ]:
        response = act(client, carol, action="suspend", days=days, message="Reason")
        assert response.status_code == 400
        assert message in response.content.decode()
    carol.refresh_from_db()
    assert carol.suspended_until is None
    assert not AuditEntry.objects.exists()


def test_a_block_needs_a_reason(carol, moderator):
    response = act(logged_in(moderator), carol, action="block", message=" ")
    assert response.status_code == 400
    carol.refresh_from_db()
    assert carol.blocked_at is None


def test_moderators_cannot_act_on_themselves_or_on_admins(moderator, admin):
    client = logged_in(moderator)
    assert act(client, moderator, action="block", message="x").status_code == 403
    assert act(client, admin, action="block", message="x").status_code == 403
    assert not User.objects.filter(blocked_at__isnull=False).exists()


def test_a_members_page_shows_moderators_their_history(answer, bob, moderator, flaggers, carol):
    logged_in(flaggers[0]).post(f"/posts/{answer.pk}/flag", {"reason": "rude"})
    act(logged_in(moderator), bob, action="warn", message="Mind your tone.")
    page = logged_in(moderator).get(bob.get_absolute_url()).content.decode()
    assert "Moderation (moderators only)" in page
    assert "Mind your tone." in page and "rude or abusive on" in page
    assert "warn user" in page
    assert "Mind your tone." not in logged_in(carol).get(bob.get_absolute_url()).content.decode()
