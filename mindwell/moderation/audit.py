"""The audit log's one writer: every moderator and admin action calls `audit` in its transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from mindwell.moderation.models import AuditEntry

if TYPE_CHECKING:
    from mindwell.accounts.models import User
    from mindwell.qa.models import Post


def audit(
    *,
    actor: User | None,
    action: str,
    post: Post | None = None,
    user: User | None = None,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record one action. Call it inside the transaction of the action it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit() records an action inside that action's transaction")
    target = ""
    if post is not None:
        target = f"{post.get_kind_display()} {post.pk}"
    elif user is not None:
        target = f"user {user.pk}"
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        post=post,
        user=user,
        target=target,
        reason=reason,
        before=before or {},
        after=after or {},
    )
