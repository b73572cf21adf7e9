from datetime import timedelta

from django.test import Client
from django.utils import timezone

from mindwell.moderation.actions import flag_post
from mindwell.moderation.models import Flag
from mindwell.moderation.views import queue_size
from mindwell.qa import actions
from mindwell.qa.models import Post
from tests.conftest import logged_in
from tests.safety.test_posting import RISKY


def held_answer(question: Post, author, body: str) -> Post:
    answer = actions.post_answer(question=question, author=author, body=body)
    return actions.set_post_state(post=answer, state="held", actor=None, reason="new member")


def age(post: Post, hours: int) -> None:
    """Make a post's flags (or, unflagged, the post itself) `hours` old."""
    when = timezone.now() - timedelta(hours=hours)
    Flag.objects.filter(post=post).update(created_at=when)
    Post.objects.filter(pk=post.pk).update(created_at=when)


def test_the_queue_puts_someone_at_risk_first_then_flagged_then_held_oldest_first(
    question, bob, carol, moderator, flaggers
):
    rude_new = actions.post_answer(question=question, author=bob, body="Rude and new")
    rude_old = actions.post_answer(question=question, author=bob, body="Rude and old")
    risk = actions.post_answer(question=question, author=carol, body="I can't go on")
    held_answer(question, carol, "Held and new")
    held_old = held_answer(question, carol, "Held and old")
    flag_post(post=rude_new, user=flaggers[0], reason="rude")
    flag_post(post=rude_old, user=flaggers[0], reason="rude")
    flag_post(post=risk, user=flaggers[1], reason="at-risk")
    age(rude_old, 5)
    age(held_old, 5)
    page = logged_in(moderator).get("/moderation/").content.decode()
    order = [
        "Someone may be at risk", "I can&#x27;t go on", "Flagged", "Rude and old",
        "Rude and new", "Held for approval", "Held and old", "Held and new",
    ]  # fmt: skip
    positions = [page.index(text) for text in order]
    assert positions == sorted(positions)
    assert "Flagger0" not in page


def test_the_queue_makes_the_same_few_queries_for_1_or_10_items(
    question, bob, moderator, flaggers, django_assert_max_num_queries
):
    client = logged_in(moderator)
    counts = []
    for n in (1, 10):
        Post.objects.filter(kind="A").delete()
        for i in range(n):
            post = actions.post_answer(question=question, author=bob, body=f"Answer {i}")
            flag_post(post=post, user=flaggers[i % 2], reason="spam")
            held_answer(question, bob, f"Held {i}")
        client.get("/moderation/")
        with django_assert_max_num_queries(8) as captured:
            response = client.get("/moderation/")
        assert response.content.decode().count('class="queue-item"') == 2 * n
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_approving_a_held_post_from_the_queue_publishes_it_and_returns_to_the_queue(
    question, bob, moderator
):
    held = held_answer(question, bob, "Worth the wait")
    response = logged_in(moderator).post(
        f"/posts/{held.pk}/moderate", {"action": "approve", "next": "/moderation/"}
    )
    assert response["Location"] == "/moderation/"
    held.refresh_from_db()
    question.refresh_from_db()
    bob.refresh_from_db()
    assert (held.state, question.answer_count, bob.points) == ("published", 1, 140)
    assert "Worth the wait" in Client().get(question.get_absolute_url()).content.decode()


def test_hiding_from_the_queue_shows_the_author_the_reason(question, answer, bob, moderator):
    logged_in(moderator).post(
        f"/posts/{answer.pk}/moderate", {"action": "hide", "reason": "Please be gentler."}
    )
    answer.refresh_from_db()
    assert (answer.state, answer.state_reason) == ("hidden", "Please be gentler.")
    own_page = logged_in(bob).get(bob.get_absolute_url()).content.decode()
    assert "Please be gentler." in own_page
    assert "Please be gentler." not in Client().get(bob.get_absolute_url()).content.decode()


def test_keeping_a_flagged_post_settles_its_flags(answer, moderator, flaggers):
    flag_post(post=answer, user=flaggers[0], reason="off-topic")
    logged_in(moderator).post(f"/posts/{answer.pk}/moderate", {"action": "approve"})
    answer.refresh_from_db()
    assert answer.state == "published"
    assert Flag.objects.get().resolved_at is not None
    assert "Nothing here." in logged_in(moderator).get("/moderation/").content.decode()


def test_moderators_see_the_queue_size_in_the_header(answer, moderator, flaggers, carol):
    flag_post(post=answer, user=flaggers[0], reason="spam")
    assert 'Queue <span class="count">(1)</span>' in (
        logged_in(moderator).get("/").content.decode()
    )
    assert "/moderation/" not in logged_in(carol).get("/").content.decode()


def test_an_unknown_action_changes_nothing(answer, moderator):
    response = logged_in(moderator).post(f"/posts/{answer.pk}/moderate", {"action": "vanish"})
    assert response.status_code == 400
    answer.refresh_from_db()
    assert answer.state == "published"


def test_a_post_the_screening_reads_as_at_risk_is_first_in_the_queue_without_any_flag(
    question, bob, carol, moderator, flaggers
):
    rude = actions.post_answer(question=question, author=bob, body="Rude and old")
    flag_post(post=rude, user=flaggers[0], reason="rude")
    age(rude, 5)
    risky = actions.post_answer(question=question, author=carol, body=RISKY)
    assert not Flag.objects.filter(post=risky).exists()
    client = logged_in(moderator)
    page = client.get("/moderation/").content.decode()
    at_risk = page.index("Someone may be at risk")
    assert at_risk < page.index(f'id="queue-{risky.pk}"') < page.index("Flagged")
    assert f"/safety/at-risk#at-risk-{risky.pk}" in page
    assert queue_size() == 2  # the header's count includes it


def test_the_queue_links_every_moderation_page_and_admins_see_theirs(moderator, admin):
    links = ["/safety/at-risk", "/professionals/queue", "/moderation/audit"]
    admin_links = ["/moderation/settings", "/safety/helplines", "/notifications/failed"]
    page = logged_in(moderator).get("/moderation/").content.decode()
    assert all(f'href="{link}"' in page for link in links)
    assert not any(f'href="{link}"' in page for link in admin_links)
    page = logged_in(admin).get("/moderation/").content.decode()
    assert all(f'href="{link}"' in page for link in links + admin_links)
    for link in links + admin_links:
        assert logged_in(admin).get(link).status_code == 200, link
