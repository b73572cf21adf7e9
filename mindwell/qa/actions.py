"""Every write to questions, answers, comments, votes and revisions goes through these verbs.

Each runs in one transaction, keeps the stored counters (scores, answer counts,
category and tag counts, points) right with F() updates in that transaction,
and leaves the flow readable top to bottom: no signals, no save() overrides.
What follows a write (notifications, cache versions) is listed in `qa.events`.
Views (HTML and, later, the API) validate input first and then call these.
"""

# S608: the votes' SQL interpolates only table names; every value is a parameter.
# ruff: noqa: S608
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.text import slugify

from mindwell.accounts.actions import PointsChange, change_points
from mindwell.accounts.models import User
from mindwell.moderation.holds import hold_reason
from mindwell.qa import events, pagecache, permissions, points
from mindwell.qa.events import Event
from mindwell.qa.markdown import render_markdown
from mindwell.qa.models import Category, ContentWarning, Post, Revision, Tag, Vote
from mindwell.safety.actions import screen_post
from mindwell.safety.screening import Screening as Finding
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
    screened: Finding | None = None,
    anonymous: bool = False,
    content_warnings: list[str] | None = None,
    members_only: bool = False,
    noindex: bool = False,
    author_ip: str | None = None,
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
            **_options(author, anonymous, content_warnings),
            members_only=members_only and author is not None,
            noindex=noindex,
            author_ip=author_ip,
        )
        _set_tags(question, tags)
        _record_revision(question, author, note="asked")
        screen_post(question, screened)
        _hold_if_needed(question)
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
    screened: Finding | None = None,
    anonymous: bool = False,
    content_warnings: list[str] | None = None,
    author_ip: str | None = None,
) -> Post:
    with transaction.atomic():
        question = (
            Post.objects.select_for_update(of=("self",))
            .select_related("category")
            .get(pk=question.pk, kind=Post.Kind.QUESTION)
        )
        if question.state != PUBLISHED or question.is_closed:
            raise PermissionDenied("This question is not open for answers.")
        permissions.check(permissions.answer_refusal(author, question))
        answer = _new_post(
            Post.Kind.ANSWER,
            body,
            author,
            anon_name,
            anon_email,
            notify_by_email,
            parent=question,
            question=question,
            **_options(author, anonymous, content_warnings),
            author_ip=author_ip,
            members_only=question.members_only,
        )
        _record_revision(answer, author, note="answered")
        screen_post(answer, screened)
        _hold_if_needed(answer)
        Post.objects.filter(pk=question.pk).update(
            answer_count=F("answer_count") + int(answer.state == PUBLISHED),
            last_activity_at=answer.created_at,
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
    screened: Finding | None = None,
    anonymous: bool = False,
    author_ip: str | None = None,
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
            **_options(author, anonymous, None),
            author_ip=author_ip,
            members_only=question.members_only,
        )
        _record_revision(comment, author, note="commented")
        screen_post(comment, screened)
        _hold_if_needed(comment)
        Post.objects.filter(pk=question.pk).update(last_activity_at=comment.created_at)
        search_index.refresh_question(question.pk)
        events.happened(Event(events.Kind.COMMENTED, comment, author))
    return comment


def edit_post(
    *,
    post: Post,
    editor: User,
    title: str,
    body: str,
    tags: list[str],
    note: str = "",
    content_warnings: list[str] | None = None,
    screened: Finding | None = None,
) -> Post:
    """Change a post's title, body and (questions) tags, keeping the old version as a revision.

    `screened`: the view already screened this text (the writer's check-in), so it is screened once.
    """
    permissions.check(permissions.edit_refusal(editor, post))
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        old_tags = _tag_names(post)
        new_title = title.strip() if post.is_question else ""
        if content_warnings is not None:
            # Warnings are not part of a revision: changing only them is not an edit.
            post.content_warnings = _options(None, False, content_warnings)["content_warnings"]
            post.save(update_fields=["content_warnings"])
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
        screen_post(post, screened)
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


def votable(user: User) -> Any:
    """Posts as `cast_vote` needs them: with their category, their question's, and the
    member's vote on each (`mine`). A view reads the post through this and passes it on."""
    mine = Subquery(Vote.objects.filter(post=OuterRef("pk"), user=user).values("value")[:1])
    return Post.objects.select_related("category", "question__category").annotate(mine=mine)


POST, VOTE = Post._meta.db_table, Vote._meta.db_table


def cast_vote(*, post: Post, user: User, value: int) -> Post:
    """Vote up (1), down (-1) or withdraw (0). Voting the same way twice changes nothing.

    The post row is locked for the change and its state, counters and the
    member's vote are read again under the lock, so concurrent votes on one post
    queue up and its counters and its author's points stay exact. Everything
    else is read before the lock (on SQLite it lets one writer in at a time): the
    post and its category, the member's vote (a vote that changes nothing takes
    no lock), the member's privileges (a refusal takes no lock) and the points
    scheme. A post read through `votable` (for this member) is not read again.
    Under the lock the statements are plain SQL (the ORM's building of them was
    most of the lock's CPU), and the privileges are checked again only if what
    they depend on changed meanwhile.
    """
    if value not in (1, -1, 0):
        raise ValidationError("A vote is up, down or withdraw.")
    if "mine" not in post.__dict__:
        post = votable(user).get(pk=post.pk)
    old = post.__dict__.pop("mine") or 0  # used once: the post may be voted on again by others
    if value == old:
        return post
    permissions.check(permissions.vote_refusal(user, post, value or old, withdraw=not value))
    checked = (post.state, post.root.state, old)
    scheme = points.scheme()
    lock = " FOR UPDATE OF p" if connection.features.has_select_for_update_of else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.state, q.state, p.upvotes, p.downvotes FROM {POST} p"
            f" LEFT JOIN {POST} q ON q.id = p.question_id WHERE p.id = %s{lock}",
            [post.pk],
        )
        post.state, question_state, upvotes, downvotes = cursor.fetchone()
        # Read after the lock is granted, not in its statement: on PostgreSQL a
        # statement that waited for the lock still sees the rows of when it began.
        cursor.execute(
            f"SELECT value FROM {VOTE} WHERE post_id = %s AND user_id = %s", [post.pk, user.pk]
        )
        old = (cursor.fetchone() or (0,))[0]
        post.upvotes, post.downvotes = upvotes, downvotes
        if post.question is not None:
            post.question.state = question_state
        if value == old:
            return post
        if (post.state, post.root.state, old) != checked:
            permissions.check(
                permissions.vote_refusal(user, post, value or old, withdraw=not value)
            )
        if old and value:
            cursor.execute(
                f"UPDATE {VOTE} SET value = %s WHERE post_id = %s AND user_id = %s",
                [value, post.pk, user.pk],
            )
        elif old:
            cursor.execute(
                f"DELETE FROM {VOTE} WHERE post_id = %s AND user_id = %s", [post.pk, user.pk]
            )
        else:
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(
                f"INSERT INTO {VOTE} (post_id, user_id, value, created_at) VALUES (%s, %s, %s, %s)",
                [post.pk, user.pk, value, now],
            )
        received_before = points.vote_units(post.kind, upvotes, downvotes, scheme)
        post.upvotes += (value == 1) - (old == 1)
        post.downvotes += (value == -1) - (old == -1)
        post.score = post.upvotes - post.downvotes
        cursor.execute(
            f"UPDATE {POST} SET upvotes = %s, downvotes = %s, score = %s WHERE id = %s",
            [post.upvotes, post.downvotes, post.score, post.pk],
        )
        received = points.vote_units(post.kind, post.upvotes, post.downvotes, scheme)
        changes = [
            PointsChange(
                user.pk, scheme["vote_cast"] * ((value != 0) - (old != 0)), "vote cast", post.pk
            )
        ]
        if post.author_id:
            changes.append(
                PointsChange(post.author_id, received - received_before, "votes received", post.pk)
            )
        change_points(points.difference([], changes, scheme))
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


def set_post_state(*, post: Post, state: str, actor: User | None, reason: str = "") -> Post:
    """Hide, delete or restore (publish) a post; its votes and points leave and return with it.

    `reason` is shown to the author of a hidden or held post. `actor` None is
    the site itself (enough flags hide a post), which needs no privilege.
    """
    if state not in Post.State.values:
        raise ValidationError("Unknown state.")
    with transaction.atomic():
        # A post's question never changes, so it can be read before the locks are taken.
        question_id = Post.objects.filter(pk=post.pk).values_list("question_id", flat=True).get()
        question = _lock(question_id)[question_id] if question_id else None
        post = _lock(post.pk)[post.pk]
        if post.is_question and post.accepted_answer_id:
            _lock(post.accepted_answer_id)  # its points move with the question
        if actor is not None:
            permissions.check(permissions.state_refusal(actor, post, state))
        if post.state == state:
            return post
        before = points.units_of(post, question)
        was_published = post.state == PUBLISHED
        post.state = state
        post.state_reason = "" if state == PUBLISHED else reason.strip()[:200]
        post.save(update_fields=["state", "state_reason"])
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


def close_question(
    *, question: Post, actor: User, reason: str, duplicate_of: Post | None = None
) -> Post:
    """Close a question to new answers, with a reason or as a duplicate of another question."""
    permissions.check(permissions.close_refusal(actor, question))
    if not question.is_question:
        raise ValidationError("Only questions can be closed.")
    reason = reason.strip()
    with transaction.atomic():
        question = _lock(question.pk)[question.pk]
        if question.is_closed:
            raise ValidationError("This question is already closed.")
        if duplicate_of is not None:
            if duplicate_of.pk == question.pk:
                raise ValidationError("A question cannot be a duplicate of itself.")
            original = Post.objects.filter(pk=duplicate_of.pk).first()
            if original is None or not original.is_question or original.state != PUBLISHED:
                raise ValidationError("The original must be a published question.")
            reason = reason or "duplicate"
        elif not reason:
            raise ValidationError("Say why the question is closed.")
        question.closed_at, question.close_reason = timezone.now(), reason[:200]
        question.duplicate_of = duplicate_of
        question.save(update_fields=["closed_at", "close_reason", "duplicate_of"])
        events.happened(Event(events.Kind.MODERATED, question, actor))
    return question


def reopen_question(*, question: Post, actor: User) -> Post:
    permissions.check(permissions.close_refusal(actor, question))
    with transaction.atomic():
        question = _lock(question.pk)[question.pk]
        if not question.is_closed:
            raise ValidationError("This question is not closed.")
        question.closed_at, question.close_reason, question.duplicate_of = None, "", None
        question.save(update_fields=["closed_at", "close_reason", "duplicate_of"])
        events.happened(Event(events.Kind.MODERATED, question, actor))
    return question


def lock_comments(*, post: Post, actor: User, locked: bool) -> Post:
    """Lock (or unlock) a question's or answer's comments: no new comments while locked."""
    permissions.check(permissions.moderate_refusal(actor, post))
    if post.is_comment:
        raise ValidationError("Comments go on questions and answers; lock those.")
    with transaction.atomic():
        post = _lock(post.pk)[post.pk]
        if post.comments_locked == locked:
            return post
        post.comments_locked = locked
        post.save(update_fields=["comments_locked"])
        events.happened(Event(events.Kind.MODERATED, post, actor))
    return post


def move_question(*, question: Post, actor: User, category: Category) -> Post:
    """Move a question to another category, keeping both categories' question counts right."""
    permissions.check(permissions.moderate_refusal(actor, question))
    if not question.is_question:
        raise ValidationError("Only questions have a category.")
    with transaction.atomic():
        question = _lock(question.pk)[question.pk]
        if question.category_id == category.pk:
            return question
        counted = question.state == PUBLISHED
        if counted:
            Category.objects.filter(questions=question).update(
                question_count=F("question_count") - 1
            )
            Category.objects.filter(pk=category.pk).update(question_count=F("question_count") + 1)
        question.category = category
        question.save(update_fields=["category"])
        events.happened(Event(events.Kind.MODERATED, question, actor))
    return question


def add_category(*, name: str, parent: Category | None) -> Category:
    if parent is not None and parent.parent_id is not None:
        raise ValidationError("Categories have two levels at most.")
    name = name.strip()
    slug = slugify(name)[:60]
    if not slug:
        raise ValidationError("A category needs a name with letters or digits.")
    if Category.objects.filter(slug=slug).exists():
        raise ValidationError(f"There is already a category called “{name}”.")
    last = Category.objects.filter(parent=parent).order_by("-position").first()
    pagecache.retire_all()  # every page lists the categories
    return Category.objects.create(
        name=name, slug=slug, parent=parent, position=(last.position + 1) if last else 0
    )


def rename_category(*, category: Category, name: str) -> Category:
    """A new name; the slug (and so every link to the category) stays."""
    name = name.strip()
    if not name:
        raise ValidationError("A category needs a name.")
    category.name = name
    category.save(update_fields=["name"])
    pagecache.retire_all()
    return category


def move_category(*, category: Category, step: int) -> None:
    """Move a category one place up (-1) or down (+1) among its siblings."""
    with transaction.atomic():
        siblings = list(Category.objects.select_for_update().filter(parent_id=category.parent_id))
        order = [c.pk for c in siblings]
        at = order.index(category.pk)
        to = at + step
        if not 0 <= to < len(order):
            return
        order[at], order[to] = order[to], order[at]
        for position, pk in enumerate(order):
            Category.objects.filter(pk=pk).update(position=position)
        pagecache.retire_all()


def merge_categories(*, source: Category, target: Category) -> int:
    """Move every question of `source` into `target` and remove `source`; returns how many moved."""
    if source.pk == target.pk:
        raise ValidationError("Choose two different categories to merge.")
    with transaction.atomic():
        locked = {
            c.pk: c
            for c in Category.objects.select_for_update()
            .filter(pk__in=[source.pk, target.pk])
            .order_by("pk")
        }
        if len(locked) != 2:
            raise ValidationError("That category no longer exists.")
        if Category.objects.filter(parent_id=source.pk).exists():
            raise ValidationError(f"“{source.name}” has sub-categories: move or merge them first.")
        questions = Post.objects.filter(category_id=source.pk)
        published = questions.filter(state=PUBLISHED).count()
        moved = questions.update(category_id=target.pk)
        Category.objects.filter(pk=target.pk).update(question_count=F("question_count") + published)
        Category.objects.filter(pk=source.pk).delete()
        pagecache.retire_all()
    return moved


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


def _hold_if_needed(post: Post) -> None:
    """Hold a new post for a moderator's approval when a rule in moderation/holds.py says so.

    A held post is not counted and earns no points until approved (published).
    """
    if reason := hold_reason(post):
        post.state, post.state_reason = Post.State.HELD, reason[:200]
        post.save(update_fields=["state", "state_reason"])


def _options(author: User | None, anonymous: bool, warnings: list[str] | None) -> dict[str, Any]:
    """A new post's privacy fields. Only members can be anonymous: visitors have no name to hide."""
    chosen = set(warnings or [])
    unknown = chosen - set(ContentWarning.values)
    if unknown:
        raise ValidationError(f"Unknown content warning: {', '.join(sorted(unknown))}.")
    ordered = " ".join(w for w in ContentWarning.values if w in chosen)
    return {"anonymous": bool(anonymous and author is not None), "content_warnings": ordered}


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
