from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from mindwell.moderation.models import DeletedPost
from mindwell.qa import actions
from mindwell.qa.counters import recount
from mindwell.qa.models import Post
from mindwell.search.engine import Filters, engine
from mindwell.search.query import parse
from tests.conftest import logged_in, make_user


def purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_deleted", *args, stdout=out)
    return out.getvalue()


def backdate(post: Post, days: int) -> None:
    DeletedPost.objects.filter(post=post).update(deleted_at=timezone.now() - timedelta(days=days))


def test_purge_removes_posts_deleted_long_enough_ago_and_keeps_counters_right(
    question, answer, alice, bob, carol, moderator
):
    voter = make_user("Voter")
    actions.cast_vote(post=answer, user=voter, value=1)
    actions.cast_vote(post=question, user=carol, value=1)
    recent = actions.post_answer(question=question, author=carol, body="Recent answer")
    logged_in(moderator).post(f"/posts/{recent.pk}/moderate", {"action": "delete"})
    logged_in(alice).post(f"/posts/{question.pk}/state", {"state": "deleted"})
    backdate(question, 40)
    output = purge("--older-than", "30")
    assert "Removed 3 posts" in output  # the question, Bob's answer (still published), Carol's
    assert not Post.objects.exists()
    assert recount() == recount().__class__(0, 0, 0, 0)
    bob.refresh_from_db()
    voter.refresh_from_db()
    assert (bob.points, voter.points) == (100, 100)


def test_purge_keeps_recently_deleted_posts(question, answer, moderator):
    logged_in(moderator).post(f"/posts/{answer.pk}/moderate", {"action": "delete"})
    backdate(answer, 10)
    assert "Removed 0 posts" in purge()  # the default: 30 days
    assert Post.objects.filter(pk=answer.pk).exists()
    assert "Removed 1 post " in purge("--older-than", "5")
    assert not Post.objects.filter(pk=answer.pk).exists()
    assert recount() == recount().__class__(0, 0, 0, 0)


def test_a_restored_post_is_not_purged(answer, moderator):
    client = logged_in(moderator)
    client.post(f"/posts/{answer.pk}/moderate", {"action": "delete"})
    assert DeletedPost.objects.filter(post=answer).exists()
    restore = client.get("/moderation/audit").content.decode()
    assert f'action="/posts/{answer.pk}/moderate"' in restore and 'value="restore"' in restore
    client.post(f"/posts/{answer.pk}/moderate", {"action": "restore"})
    answer.refresh_from_db()
    assert answer.state == "published"
    assert not DeletedPost.objects.exists()
    assert "Removed 0 posts" in purge("--older-than", "0")


def test_a_purged_question_leaves_the_search_index(question, alice, category):
    kept = actions.ask_question(
        author=alice, title="Money worries at home", body="b", category=category, tags=[]
    )
    actions.set_post_state(post=question, state="deleted", actor=alice)
    backdate(question, 31)
    purge()
    assert not Post.objects.filter(pk=question.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM search_document")
        assert cursor.fetchone()[0] == 1  # only the question that was kept
    assert engine().search(parse("money"), Filters(), "relevance", 10) == [kept.pk]
