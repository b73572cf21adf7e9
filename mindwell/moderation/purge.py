"""Removing deleted posts for good after the retention period (`mindwell purge-deleted`)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from mindwell.accounts.actions import change_points
from mindwell.moderation.models import DeletedPost
from mindwell.qa import points
from mindwell.qa.models import Post
from mindwell.search import index as search_index


def purge_deleted(older_than_days: int) -> int:
    """Delete posts deleted more than `older_than_days` ago; returns how many posts went.

    A purged question takes its answers and comments with it. Deleted posts are
    already uncounted, but a deleted question's answers may still be published
    and earn points: those points are taken out first, in the same transaction,
    so that `mindwell recount` finds nothing to correct afterwards.
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    removed = 0
    with transaction.atomic():
        ids = list(
            DeletedPost.objects.filter(
                deleted_at__lt=cutoff, post__state=Post.State.DELETED
            ).values_list("post_id", flat=True)
        )
        doomed = Post.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        for post in doomed:
            if not Post.objects.filter(pk=post.pk).exists():
                continue  # an answer or comment already gone with its purged question
            if post.is_question:
                for answer in Post.objects.filter(question=post, kind=Post.Kind.ANSWER):
                    change_points(points.difference(points.units_of(answer, post), []))
                removed += 1 + Post.objects.filter(question=post).count()
            else:
                removed += 1 + Post.objects.filter(parent=post).count()
            root_id = post.question_id or post.pk
            post.delete()
            # The index holds published questions only; this drops a purged one's
            # document (a no-op for a deleted question, already dropped).
            search_index.refresh_question(root_id)
    return removed
