"""Who may moderate what. Each `*_refusal` returns why not (shown to the user), or None."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from mindwell.accounts.models import Level, User
from mindwell.accounts.permissions import refusal, standing_refusal
from mindwell.moderation.models import IPBlock
from mindwell.qa.models import Post

Viewer = User | AnonymousUser


def flag_refusal(user: Viewer, post: Post) -> str | None:
    if user.is_authenticated and post.author_id == user.pk:
        return "You cannot flag your own post."
    if post.state != Post.State.PUBLISHED:
        return "This post cannot be flagged."
    return refusal(user, "flag", post.root.category)


def moderator_refusal(user: Viewer) -> str | None:
    """The queue, the audit log, warnings, suspensions, blocks: moderators and admins."""
    return refusal(user, "moderate")


def member_refusal(actor: Viewer, member: User) -> str | None:
    """Moderators act on members below their own level, never on themselves."""
    if reason := moderator_refusal(actor):
        return reason
    if member.pk == actor.pk:
        return "You cannot warn, suspend or block yourself."
    if isinstance(actor, User) and member.level >= actor.level:
        return "You can only warn, suspend or block members below your own level."
    return None


def admin_refusal(user: Viewer) -> str | None:
    if not user.is_authenticated:
        return "Log in to change site settings."
    if user.level < Level.ADMIN:
        return "Only admins can change site settings."
    return standing_refusal(user)


def visitor_ip(request: HttpRequest) -> str | None:
    """The address a visitor without an account posts from; None for members (not recorded)."""
    if request.user.is_authenticated:
        return None
    return request.META.get("REMOTE_ADDR") or None


def posting_refusal(request: HttpRequest) -> str | None:
    """Blocked or suspended members, and visitors from a blocked address, may not post."""
    if request.user.is_authenticated:
        return standing_refusal(request.user)
    ip = visitor_ip(request)
    if ip and IPBlock.objects.filter(ip=ip).exists():
        return (
            "Posting without an account is blocked from your address. Log in or register to post."
        )
    return None
