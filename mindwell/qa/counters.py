"""Rebuilding every stored counter from the facts (`mindwell recount`).

Scores, answer counts, category and tag counts and points are stored for fast
reads and kept by the actions; this is the check that they can always be
derived again, and the repair when they cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from mindwell.accounts.actions import PointsChange, change_points
from mindwell.accounts.models import User
from mindwell.qa.models import Category, Post, Tag, Vote
from mindwell.qa.points import recount_points

PUBLISHED = Post.State.PUBLISHED


@dataclass
class Recount:
    posts: int  # rows whose votes or answer count were wrong
    categories: int
    tags: int
    users: int  # members whose points were wrong


def _count(queryset: QuerySet[Any]) -> Coalesce:
    return Coalesce(Subquery(queryset, output_field=IntegerField()), Value(0))


def _votes(value: int) -> Coalesce:
    return _count(
        Vote.objects.filter(post=OuterRef("pk"), value=value)
        .values("post")
        .annotate(n=Count("pk"))
        .values("n")
    )


def recount() -> Recount:
    """Set every counter to what the facts say; report how many were wrong."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Facts and counters are read in several statements: hold writers off so a
            # vote landing in between is not "corrected" away. (SQLite's IMMEDIATE
            # transaction already excludes other writers.)
            with connection.cursor() as cursor:
                cursor.execute(
                    "LOCK TABLE qa_post, qa_vote, accounts_user, accounts_pointsentry"
                    " IN SHARE ROW EXCLUSIVE MODE"
                )
        posts = Post.objects.annotate(
            real_up=_votes(1),
            real_down=_votes(-1),
            real_answers=_count(
                Post.objects.filter(parent=OuterRef("pk"), kind=Post.Kind.ANSWER, state=PUBLISHED)
                .values("parent")
                .annotate(n=Count("pk"))
                .values("n")
            ),
        )
        wrong_posts = 0
        for post in posts.iterator():
            answers = post.real_answers if post.is_question else 0
            if (post.upvotes, post.downvotes, post.answer_count) != (
                post.real_up,
                post.real_down,
                answers,
            ):
                wrong_posts += 1
                Post.objects.filter(pk=post.pk).update(
                    upvotes=post.real_up,
                    downvotes=post.real_down,
                    score=post.real_up - post.real_down,
                    answer_count=answers,
                )
            elif post.score != post.upvotes - post.downvotes:
                wrong_posts += 1
                Post.objects.filter(pk=post.pk).update(score=post.upvotes - post.downvotes)

        published = Q(questions__state=PUBLISHED, questions__kind=Post.Kind.QUESTION)
        wrong_categories = _fix_counts(
            Category.objects.annotate(real=Count("questions", filter=published))
        )
        wrong_tags = _fix_counts(Tag.objects.annotate(real=Count("questions", filter=published)))

        points = recount_points()
        stored = dict(User.objects.values_list("pk", "points"))
        corrections = [
            PointsChange(user_id, value - stored[user_id], "recount correction")
            for user_id, value in points.items()
            if value != stored[user_id]
        ]
        change_points(corrections)
    return Recount(wrong_posts, wrong_categories, wrong_tags, len(corrections))


def _fix_counts(rows: QuerySet[Any]) -> int:
    wrong = 0
    for row in rows:
        if row.question_count != row.real:
            wrong += 1
            type(row).objects.filter(pk=row.pk).update(question_count=row.real)
    return wrong
