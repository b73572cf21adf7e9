"""The points scheme (Question2Answer's), as functions of the facts.

A member's points = base + multiple x units, where units come from their
published posts, the votes those posts received (capped per post), the votes
they cast on published posts, and best-answer selections. Only published posts
count: hiding or deleting a post takes its units out, restoring puts them back.

Two uses, one set of rules: `units_of` tells what one post contributes right
now (actions take the difference before and after a change), and
`recount_points` computes every member's total from the facts in SQL.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F, IntegerField, Sum, Value
from django.db.models.functions import Coalesce, Least

from mindwell.accounts.actions import PointsChange
from mindwell.qa.models import Post, Vote

PUBLISHED = Post.State.PUBLISHED


def scheme() -> dict[str, int]:
    """MINDWELL_POINTS as changed on the site settings page (cached: no query per call)."""
    from mindwell.moderation import sitesettings

    return sitesettings.points()


def vote_units(kind: str, upvotes: int, downvotes: int, p: dict[str, int] | None = None) -> int:
    """Units a post's author gets from the votes on it, with the per-post caps.

    `p` is the scheme when the caller has read it already (each read is a cache round trip).
    """
    p = p or scheme()
    if kind == Post.Kind.QUESTION:
        return min(upvotes * p["question_upvote"], p["question_upvote_max"]) - min(
            downvotes * p["question_downvote"], p["question_downvote_max"]
        )
    if kind == Post.Kind.ANSWER:
        return min(upvotes * p["answer_upvote"], p["answer_upvote_max"]) - min(
            downvotes * p["answer_downvote"], p["answer_downvote_max"]
        )
    return 0


def units_of(post: Post, question: Post | None = None) -> list[PointsChange]:
    """Everything `post` contributes to anyone's points now, in units (before the multiple).

    `question` is the answer's question (needed when the answer is the accepted
    one); for a question, its accepted answer is read from the database.
    """
    p = scheme()
    changes: list[PointsChange] = []
    if post.state != PUBLISHED or post.is_comment:
        return changes
    if post.author_id:
        posted = p["post_question"] if post.is_question else p["post_answer"]
        changes.append(
            PointsChange(post.author_id, posted, f"{post.get_kind_display()} posted", post.pk)
        )
        votes = vote_units(post.kind, post.upvotes, post.downvotes, p)
        changes.append(PointsChange(post.author_id, votes, "votes received", post.pk))
    for voter_id in Vote.objects.filter(post=post).values_list("user_id", flat=True):
        changes.append(PointsChange(voter_id, p["vote_cast"], "vote cast", post.pk))
    if post.is_question and post.accepted_answer_id:
        answer = Post.objects.get(pk=post.accepted_answer_id)
        changes += selection_units(post, answer)
    elif post.is_answer and question is not None and question.accepted_answer_id == post.pk:
        changes += selection_units(question, post)
    return changes


def selection_units(question: Post, answer: Post) -> list[PointsChange]:
    """Units for a best-answer selection. Selecting your own answer earns nothing."""
    p = scheme()
    if question.state != PUBLISHED or answer.state != PUBLISHED:
        return []
    if not question.author_id or answer.author_id == question.author_id:
        return []
    changes = [
        PointsChange(question.author_id, p["select_answer"], "selected a best answer", question.pk)
    ]
    if answer.author_id:
        changes.append(
            PointsChange(
                answer.author_id, p["answer_selected"], "answer selected as best", answer.pk
            )
        )
    return changes


def difference(
    before: list[PointsChange], after: list[PointsChange], p: dict[str, int] | None = None
) -> list[PointsChange]:
    """after - before, per (user, reason, post), in points (the multiple applied)."""
    multiple = (p or scheme())["multiple"]
    totals: dict[tuple[int, str, int | None], int] = defaultdict(int)
    for change in before:
        totals[(change.user_id, change.reason, change.post_id)] -= change.delta
    for change in after:
        totals[(change.user_id, change.reason, change.post_id)] += change.delta
    return [
        PointsChange(user_id, units * multiple, reason, post_id)
        for (user_id, reason, post_id), units in totals.items()
        if units
    ]


def recount_points() -> dict[int, int]:
    """Every member's points computed from the facts alone: {user_id: points}."""
    from mindwell.accounts.models import User

    p = scheme()
    units: dict[int, int] = defaultdict(int)
    published = Post.objects.filter(state=PUBLISHED, author__isnull=False)

    def capped(per: str, cap: str, field: str) -> Least:
        return Least(F(field) * Value(p[per]), Value(p[cap]), output_field=IntegerField())

    for kind, posted, up, up_max, down, down_max in [
        (Post.Kind.QUESTION, "post_question", "question_upvote", "question_upvote_max",
         "question_downvote", "question_downvote_max"),
        (Post.Kind.ANSWER, "post_answer", "answer_upvote", "answer_upvote_max",
         "answer_downvote", "answer_downvote_max"),
    ]:  # fmt: skip
        rows = (
            published.filter(kind=kind)
            .values("author_id")
            .annotate(
                n=Count("id"),
                up=Coalesce(Sum(capped(up, up_max, "upvotes")), 0),
                down=Coalesce(Sum(capped(down, down_max, "downvotes")), 0),
            )
        )
        for row in rows:
            units[row["author_id"]] += row["n"] * p[posted] + row["up"] - row["down"]

    cast = Vote.objects.filter(post__state=PUBLISHED).values("user_id").annotate(n=Count("id"))
    for voter in cast:
        units[voter["user_id"]] += voter["n"] * p["vote_cast"]

    selections = (
        Post.objects.filter(
            kind=Post.Kind.QUESTION,
            state=PUBLISHED,
            author__isnull=False,
            accepted_answer__state=PUBLISHED,
        )
        .exclude(accepted_answer__author_id=F("author_id"))
        .values_list("author_id", "accepted_answer__author_id")
    )
    for asker_id, answerer_id in selections:
        units[asker_id] += p["select_answer"]
        if answerer_id:
            units[answerer_id] += p["answer_selected"]

    return {
        user_id: p["base"] + p["multiple"] * units.get(user_id, 0)
        for user_id in User.objects.values_list("pk", flat=True)
    }
