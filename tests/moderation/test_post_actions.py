from django.test import Client

from mindwell.moderation.models import AuditEntry
from mindwell.qa import actions
from mindwell.qa.counters import recount
from mindwell.qa.models import Category, Post
from tests.conftest import logged_in, make_user


def moderate(client: Client, post: Post, **data):
    return client.post(f"/posts/{post.pk}/moderate", data)


def other_question(author, category) -> Post:
    return actions.ask_question(
        author=author, title="Talking about money with a partner", body="Body",
        category=category, tags=[],
    )  # fmt: skip


def test_closing_as_a_duplicate_links_to_the_original(question, carol, category, moderator):
    original = other_question(carol, category)
    response = moderate(
        logged_in(moderator), question, action="duplicate", duplicate_of=original.pk
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.duplicate_of_id, question.close_reason) == (original.pk, "duplicate")
    page = Client().get(question.get_absolute_url()).content.decode()
    assert f'href="/questions/{original.pk}/">See the original question' in page
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.after["duplicate_of"]) == ("close", original.pk)


def test_a_duplicate_of_itself_a_deleted_or_a_missing_question_is_refused(
    question, carol, category, moderator
):
    client = logged_in(moderator)
    deleted = other_question(carol, category)
    actions.set_post_state(post=deleted, state="deleted", actor=None)
    for target, message in [
        (question.pk, "cannot be a duplicate of itself"),
        (deleted.pk, "The original must be a published question"),
        (999999, "There is no question with that number"),
    ]:
        response = moderate(client, question, action="duplicate", duplicate_of=target)
        assert response.status_code == 400
        assert message in response.content.decode()
    question.refresh_from_db()
    assert not question.is_closed and question.duplicate_of_id is None
    assert not AuditEntry.objects.exists()


def test_closing_needs_a_reason_and_reopening_opens(question, moderator):
    client = logged_in(moderator)
    response = moderate(client, question, action="close", reason="  ")
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    moderate(client, question, action="close", reason="Off-topic here")
    question.refresh_from_db()
    assert question.is_closed
    page = Client().get(question.get_absolute_url()).content.decode()
    assert "Closed: Off-topic here" in page
    moderate(client, question, action="reopen")
    question.refresh_from_db()
    assert not question.is_closed and question.close_reason == ""


def test_locked_comments_refuse_new_comments(answer, moderator, carol):
    moderate(logged_in(moderator), answer, action="lock")
    response = logged_in(carol).post(f"/posts/{answer.pk}/comment", {"body": "One more thing"})
    assert response.status_code == 403
    assert not Post.objects.filter(kind="C").exists()
    moderate(logged_in(moderator), answer, action="unlock")
    logged_in(carol).post(f"/posts/{answer.pk}/comment", {"body": "One more thing"})
    assert Post.objects.filter(kind="C").count() == 1


def test_moving_a_question_keeps_category_counts_right(question, category, moderator):
    family = Category.objects.create(name="Family", slug="family")
    moderate(logged_in(moderator), question, action="move", category=family.pk)
    question.refresh_from_db()
    category.refresh_from_db()
    family.refresh_from_db()
    assert question.category == family
    assert (category.question_count, family.question_count) == (0, 1)
    assert recount().categories == 0


def test_a_moderators_edit_of_someone_elses_post_is_audited_with_before_and_after(
    answer, moderator, bob
):
    logged_in(moderator).post(f"/posts/{answer.pk}/edit", {"body": "Edited by a moderator."})
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.post) == ("edit", moderator, answer)
    assert entry.before["body"] == "Pick a calm moment and start with what you share."
    assert entry.after["body"] == "Edited by a moderator."
    logged_in(bob).post(f"/posts/{answer.pk}/edit", {"body": "The author's own edit."})
    assert AuditEntry.objects.count() == 1  # an author editing their own post is not moderation


def test_a_moderator_blocks_the_address_of_an_abusive_visitor(question, moderator):
    visitor = Client(REMOTE_ADDR="203.0.113.9")
    visitor.post(f"/posts/{question.pk}/comment", {"body": "Abusive words"})
    comment = Post.objects.get(kind="C")
    assert comment.author_ip == "203.0.113.9"
    response = moderate(logged_in(moderator), comment, action="block-address", reason="abuse")
    assert response.status_code == 302
    refused = visitor.post(f"/posts/{question.pk}/comment", {"body": "More abusive words"})
    assert refused.status_code == 403
    assert Post.objects.filter(kind="C").count() == 1
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    elsewhere.post(f"/posts/{question.pk}/comment", {"body": "A kind word"})
    assert Post.objects.filter(kind="C").count() == 2
    assert "203.0.113.9" not in AuditEntry.objects.get().reason


def test_members_posts_keep_no_address(question, carol):
    logged_in(carol).post(f"/posts/{question.pk}/comment", {"body": "Hello"})
    assert Post.objects.get(kind="C").author_ip is None


def test_non_moderators_get_403_and_nothing_changes(question, answer, carol):
    expert = make_user("Expert", points=10**6)
    for user in (carol, expert):
        for data in ({"action": "lock"}, {"action": "hide"}, {"action": "delete"}):
            assert moderate(logged_in(user), answer, **data).status_code == 403
    answer.refresh_from_db()
    assert (answer.state, answer.comments_locked) == ("published", False)
    assert not AuditEntry.objects.exists()


def test_the_question_page_gives_moderators_their_tools_at_a_constant_query_count(
    question, category, bob, moderator, flaggers, django_assert_max_num_queries
):
    crowded = other_question(bob, category)
    actions.post_answer(question=question, author=bob, body="The only answer")
    for n in range(20):
        answer = actions.post_answer(question=crowded, author=bob, body=f"Answer {n}")
        actions.post_comment(parent=answer, author=bob, body=f"Comment {n}")
    for viewer in (moderator, flaggers[0]):
        client, counts = logged_in(viewer), []
        for q in (question, crowded):
            client.get(q.get_absolute_url())
            with django_assert_max_num_queries(16) as captured:
                page = client.get(q.get_absolute_url()).content.decode()
            counts.append(len(captured))
        assert counts[0] == counts[1], counts
        if viewer == moderator:
            assert "Move to category" in page and "Close as duplicate" in page
            assert page.count("Lock comments") == 21  # the question and its 20 answers
        else:
            assert "/moderate" not in page
            assert page.count('class="flag"') == 41  # the question, 20 answers, 20 comments
