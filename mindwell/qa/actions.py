"""Every write to questions, answers, comments, votes and revisions goes through these verbs.

Each runs in one transaction, keeps the stored counters (scores, answer counts,
category and tag counts, points) right with F() updates in that transaction,
and leaves the flow readable top to bottom: no signals, no save() overrides.
What follows a write (notifications, cache versions) is listed in `qa.events`.
Views (HTML and, later, the API) validate input first and then call these.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from mindwell.accounts.actions import PointsChange, change_points
from mindwell.accounts.models import User
from mindwell.qa import events, permissions, points
from mindwell.qa.events import Event
from mindwell.qa.markdown import render_markdown
from mindwell.qa.models import Category, Post, Revision, Tag, Vote
from mindwell.safety.actions import screen_post
from mindwell.search import index as search_index

PUBLISHED = Post.State.PUBLISHED


def _new_post(
    kind: str,
    body: str,
    author: User | None,
    anon_name: str,
    anon_email: str,
    notify_by_email: bool,
    **fields: object,
) -> Post:
    now = timezone.now()
    return Post.objects.create(
        kind=kind,
        body=body,
        body_html=render_markdown(body),
        author=author,
        # A member posts under their own name; only visitors give a name or email.
        anon_name="" if author else anon_name.strip(),
        anon_email="" if author else anon_email.strip(),
        notify_by_email=bool(notify_by_email and (author or anon_email)),
        created_at=now,
        last_activity_at=now,
        **fields,
    )


def ask_question(
    *,
    author: User | None,
    title: str,
    body: str,
    category: Category,
    tags: list[str],
    anon_name: str = "",
    anon_email: str = "",
    notify_by_email: bool = False,
) -> Post:
    with transaction.atomic():
        question = _new_post(
            Post.Kind.QUESTION,
            body,
            author,
            anon_name,
            anon_email,
            notify_by_email,
            title=title.strip(),
            category=category,
        )
        _set_tags(question, tags)
        _record_revision(question, author, note="asked")
        screen_post(question)
        if question.state == PUBLISHED:
            _count_question(question, +1)
        search_index.refresh_question(question.pk)
        change_points(points.difference([], points.units_of(question)))
        events.happened(Event(events.Kind.ASKED, question, author))
    return question


def post_answer(
    *,
    question: Post,
    author: User | None,
    body: str,
    anon_name: str = "",
    anon_email: str = "",
    notify_by_email: bool = False,
) -> Post:
    with transaction.atomic():
        question = Post.objects.select_for_update().get(pk=question.pk, kind=Post.Kind.QUESTION)
        if question.state != PUBLISHED or question.is_closed:
            raise PermissionDenied("This question is not open for answers.")
        answer = _new_post(
            Post.Kind.ANSWER,
            body,
            author,
            anon_name,
            anon_email,
            notify_by_email,
            parent=question,
            question=question,
        )
        _record_revision(answer, author, note="answered")
        screen_post(answer)
        Post.objects.filter(pk=question.pk).update(
            answer_count=F("answer_count") + 1, last_activity_at=answer.created_at
        )
        search_index.refresh_question(question.pk)
        change_points(points.difference([], points.units_of(answer, question)))
        events.happened(Event(events.Kind.ANSWERED, answer, author))
    return answer


def post_comment(
    *,
    parent: Post,
    author: User | None,
    body: str,
    anon_name: str = "",
    anon_email: str = "",
    notify_by_email: bool = False,
) -> Post:
    if parent.is_comment:
        raise ValidationError("Comments go on a question or an answer.")
    with transaction.atomic():
        question = parent.root
        comment = _new_post(
            Post.Kind.COMMENT,
            body,
            author,
            anon_name,
            anon_email,
            notify_by_email,
            parent=parent,
            question=question,
        )
        _record_revision(comment, author, note="commented")
        screen_post(comment)
        Post.objects.filter(pk=question.pk).update(last_activity_at=comment.created_at)
        search_index.refresh_question(question.pk)
        events.happened(Event(events.Kind.COMMENTED, comment, author))
    return comment


def edit_post(
    *, post: Post, editor: User, title: str, body: str, tags: list[str], note: str = ""
) -> Post:
    """Change a post's title, body and (questions) tags, keeping the old version as a revision."""
    permissions.check(permissions.edit_refusal(editor, post))
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        old_tags = _tag_names(post)
        new_title = title.strip() if post.is_question else ""
        if post.is_question and sorted(tags) != sorted(old_tags) and post.author_id != editor.pk:
            permissions.check(permissions.retag_refusal(editor, post))
        if (new_title, body, sorted(tags if post.is_question else [])) == (
            post.title,
            post.body,
            sorted(old_tags),
        ):
            return post  # nothing changed: no revision, no "edited by"
        now = timezone.now()
        post.title, post.body, post.body_html = new_title, body, render_markdown(body)
        post.edited_at, post.edited_by = now, editor
        post.save(update_fields=["title", "body", "body_html", "edited_at", "edited_by"])
        if post.is_question:
            counted = post.state == PUBLISHED
            if counted:
                _count_question(post, -1)
            _set_tags(post, tags)
            if counted:
                _count_question(post, +1)
        _record_revision(post, editor, note=note or "edited")
        screen_post(post)
        Post.objects.filter(pk=post.question_id or post.pk).update(last_activity_at=now)
        search_index.refresh_question(post.question_id or post.pk)
        events.happened(Event(events.Kind.EDITED, post, editor))
    return post


def rollback_post(*, post: Post, editor: User, revision: Revision) -> Post:
    permissions.check(permissions.rollback_refusal(editor, post))
    if revision.post_id != post.pk:
        raise ValidationError("That revision belongs to another post.")
    return edit_post(
        post=post,
        editor=editor,
        title=revision.title,
        body=revision.body,
        tags=revision.tags.split(),
        note=f"rolled back to revision {revision.number}",
    )


def cast_vote(*, post: Post, user: User, value: int) -> Post:
    """Vote up (1), down (-1) or withdraw (0). Voting the same way twice changes nothing.

    The post row is locked for the whole change, so concurrent votes on one post
    queue up and its counters and its author's points stay exact.
    """
    if value not in (1, -1, 0):
        raise ValidationError("A vote is up, down or withdraw.")
    with transaction.atomic():
        post = (
            Post.objects.select_for_update(of=("self",))
            .select_related("category", "question__category")
            .get(pk=post.pk)
        )
        existing = Vote.objects.filter(post=post, user=user).first()
        old = existing.value if existing else 0
        if value == old:
            return post
        permissions.check(permissions.vote_refusal(user, post, value or old))
        if existing and value:
            existing.value = value
            existing.save(update_fields=["value"])
        elif existing:
            existing.delete()
        else:
            Vote.objects.create(post=post, user=user, value=value)
        received_before = points.vote_units(post.kind, post.upvotes, post.downvotes)
        post.upvotes += (value == 1) - (old == 1)
        post.downvotes += (value == -1) - (old == -1)
        post.score = post.upvotes - post.downvotes
        post.save(update_fields=["upvotes", "downvotes", "score"])
        received_after = points.vote_units(post.kind, post.upvotes, post.downvotes)
        scheme = points.scheme()
        changes = [
            PointsChange(
                user.pk, scheme["vote_cast"] * ((value != 0) - (old != 0)), "vote cast", post.pk
            )
        ]
        if post.author_id:
            changes.append(
                PointsChange(
                    post.author_id, received_after - received_before, "votes received", post.pk
                )
            )
        change_points(points.difference([], changes))
        events.happened(Event(events.Kind.VOTED, post, user))
    return post


def select_answer(*, question: Post, answer: Post | None, user: User) -> Post:
    """Make `answer` the question's best answer, or unselect with None."""
    with transaction.atomic():
        question = _lock(question.pk)[question.pk]
        permissions.check(permissions.select_refusal(user, question))
        if question.state != PUBLISHED:
            permissions.check("This question cannot have a best answer selected.")
        answers = _lock(question.accepted_answer_id, answer.pk if answer else None)
        old = answers.get(question.accepted_answer_id or 0)
        if answer is not None:
            answer = answers[answer.pk]
            if answer.question_id != question.pk or not answer.is_answer:
                raise ValidationError("That answer belongs to another question.")
            if answer.state != PUBLISHED:
                raise ValidationError("That answer cannot be selected.")
        if question.accepted_answer_id == (answer.pk if answer else None):
            return question
        before = points.selection_units(question, old) if old else []
        question.accepted_answer = answer
        question.save(update_fields=["accepted_answer"])
        after = points.selection_units(question, answer) if answer else []
        change_points(points.difference(before, after))
        events.happened(Event(events.Kind.SELECTED, question, user))
    return question


def set_post_state(*, post: Post, state: str, actor: User) -> Post:
    """Hide, delete or restore (publish) a post; its votes and points leave and return with it."""
    if state not in Post.State.values:
        raise ValidationError("Unknown state.")
    with transaction.atomic():
        # A post's question never changes, so it can be read before the locks are taken.
        question_id = Post.objects.filter(pk=post.pk).values_list("question_id", flat=True).get()
        question = _lock(question_id)[question_id] if question_id else None
        post = _lock(post.pk)[post.pk]
        if post.is_question and post.accepted_answer_id:
            _lock(post.accepted_answer_id)  # its points move with the question
        permissions.check(permissions.state_refusal(actor, post, state))
        if post.state == state:
            return post
        before = points.units_of(post, question)
        was_published = post.state == PUBLISHED
        post.state = state
        post.save(update_fields=["state"])
        after = points.units_of(post, question)
        now_published = state == PUBLISHED
        if was_published != now_published:
            step = 1 if now_published else -1
            if post.is_question:
                _count_question(post, step)
            elif post.is_answer and question is not None:
                Post.objects.filter(pk=question.pk).update(answer_count=F("answer_count") + step)
        search_index.refresh_question(post.question_id or post.pk)
        change_points(points.difference(before, after))
        events.happened(Event(events.Kind.STATE_CHANGED, post, actor))
    return post


def record_view(question: Post) -> None:
    Post.objects.filter(pk=question.pk).update(views=F("views") + 1)


# --- helpers -----------------------------------------------------------------


def _lock(*ids: int | None) -> dict[int, Post]:
    """Lock posts for the rest of the transaction, in id order.

    Every action locks a question before its answers (a question's id is always
    the smaller), so two actions never wait on each other in opposite orders:
    on PostgreSQL that would be a deadlock. SQLite's IMMEDIATE transactions
    already run one at a time.
    """
    wanted = sorted({pk for pk in ids if pk})
    locked = (
        Post.objects.select_for_update(of=("self",))
        .select_related("category")
        .filter(pk__in=wanted)
        .order_by("pk")
    )
    return {post.pk: post for post in locked}


def _tag_names(post: Post) -> list[str]:
    return sorted(post.tags.values_list("name", flat=True)) if post.is_question else []


def _set_tags(question: Post, names: list[str]) -> None:
    tags = []
    for name in dict.fromkeys(names):  # keep order, drop repeats
        tag, _ = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    question.tags.set(tags)


def _count_question(question: Post, step: int) -> None:
    """Keep the category's and tags' question counts: they count published questions."""
    Category.objects.filter(questions=question).update(question_count=F("question_count") + step)
    Tag.objects.filter(questions=question).update(question_count=F("question_count") + step)


def _record_revision(post: Post, editor: User | None, note: str) -> Revision:
    last = post.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    return Revision.objects.create(
        post=post,
        number=last + 1,
        title=post.title,
        body=post.body,
        tags=" ".join(_tag_names(post)),
        editor=editor,
        note=note,
    )
