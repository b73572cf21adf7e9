"""Who may do what to a post. Each `*_refusal` returns why not (shown to the user), or None."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from mindwell.accounts.models import User
from mindwell.accounts.permissions import refusal, standing_refusal
from mindwell.professionals.actions import is_verified
from mindwell.qa.models import Category, Post, Professionals

Viewer = User | AnonymousUser


def vote_refusal(user: Viewer, post: Post, value: int = 1, withdraw: bool = False) -> str | None:
    if post.is_comment:
        return "Comments cannot be voted on."
    if post.state != Post.State.PUBLISHED or post.root.state != Post.State.PUBLISHED:
        return "This post cannot be voted on."
    if user.is_authenticated and post.author_id == user.pk:
        return "You cannot vote on your own post."
    category = post_category(post)
    if value < 0 and not withdraw and category is not None and category.supportive:
        # Existing down-votes stay counted (points are a function of the votes cast);
        # withdrawing one is always allowed, casting a new one is not.
        return "Down-votes are off here: this category is for sharing experiences."
    return refusal(user, "vote_up" if value > 0 else "vote_down", category)


def answer_refusal(user: Viewer | None, question: Post) -> str | None:
    """Categories that require verified professionals refuse everyone else's answers."""
    category = question.category
    if category is None or category.professionals != Professionals.REQUIRE:
        return None
    if user is not None and is_verified(user):
        return None
    return (
        f"Only verified professionals may answer in {category.name}. "
        "If you are one, apply for verification from your settings."
    )


def edit_refusal(user: Viewer, post: Post) -> str | None:
    if not user.is_authenticated:
        return "Log in to edit."
    if post.author_id == user.pk:
        return standing_refusal(user)
    return refusal(user, "edit_others", post_category(post))


def retag_refusal(user: Viewer, post: Post) -> str | None:
    return refusal(user, "retag", post_category(post))


def state_refusal(user: Viewer, post: Post, state: str) -> str | None:
    """Hiding and restoring take the hide privilege; authors may delete their own posts."""
    if state == Post.State.DELETED and user.is_authenticated and post.author_id == user.pk:
        return None
    if post.state == Post.State.DELETED:
        return refusal(user, "moderate", post_category(post))
    return refusal(user, "hide", post_category(post))


def close_refusal(user: Viewer, question: Post) -> str | None:
    return refusal(user, "close", post_category(question))


def moderate_refusal(user: Viewer, post: Post) -> str | None:
    """Locking comments, moving questions, warning members: moderators."""
    return refusal(user, "moderate", post_category(post))


def rollback_refusal(user: Viewer, post: Post) -> str | None:
    if user.is_authenticated and post.author_id == user.pk:
        return None
    return refusal(user, "moderate", post_category(post))


def select_refusal(user: Viewer, question: Post) -> str | None:
    if user.is_authenticated and question.author_id == user.pk:
        return None
    return refusal(user, "select_others", question.category)


def comment_refusal(user: Viewer, post: Post) -> str | None:
    if post.state != Post.State.PUBLISHED:
        return "This post cannot be commented on."
    if post.comments_locked:
        return "Comments on this post are locked."
    if not user.is_authenticated and settings.MINDWELL_ANONYMOUS_POSTING:
        return None
    return refusal(user, "comment", post_category(post))


def post_category(post: Post) -> Category | None:
    """The category that a post's permissions are judged in: its question's."""
    return post.root.category


def check(reason: str | None) -> None:
    if reason is not None:
        raise PermissionDenied(reason)
