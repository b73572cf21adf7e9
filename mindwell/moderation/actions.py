"""Moderation verbs. Every moderator and admin action records an AuditEntry through `audit`.

qa's verbs are imported inside the functions that call them: qa (through
professionals) imports this module for `audit`, so importing qa.actions here
would make a cycle whichever side is imported first.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from mindwell.accounts.models import User
from mindwell.moderation import sitesettings
from mindwell.moderation.audit import audit
from mindwell.moderation.models import Flag, FlagReason, IPBlock, MemberWarning
from mindwell.moderation.permissions import (
    admin_refusal,
    flag_refusal,
    member_refusal,
    moderator_refusal,
)
from mindwell.qa.models import Category, Post

PUBLISHED, HIDDEN, DELETED = Post.State.PUBLISHED, Post.State.HIDDEN, Post.State.DELETED


# --- flags ---------------------------------------------------------------------

FLAGGED = "flagged, pending review"


def flag_post(*, post: Post, user: User, reason: str, text: str = "") -> Flag:
    """Flag a post for moderators. Enough flags hide it; a moderator's flag hides it at once.

    "Someone may be at risk" never hides a post: the person may need the replies
    they are getting; it puts the post at the top of the queue instead.
    """
    from mindwell.qa import actions as qa_actions
    from mindwell.qa import permissions as qa_permissions

    if reason not in FlagReason.values:
        raise ValidationError("Choose why you are flagging this post.")
    text = text.strip()
    if reason == FlagReason.OTHER and not text:
        raise ValidationError("Say what is wrong when you choose “other”.")
    if len(text) > 500:
        raise ValidationError("Please keep the explanation under 500 characters.")
    with transaction.atomic():
        # Lock the post, so two flags arriving together count each other; its
        # question first, as every action does (qa.actions._lock), so no deadlock.
        locked = (
            Post.objects.select_for_update(of=("self",))
            .select_related("category")
            .filter(pk__in=[post.pk, post.question_id or post.pk])
            .order_by("pk")
        )
        post = {p.pk: p for p in locked}[post.pk]
        check(flag_refusal(user, post))
        if Flag.objects.filter(post=post, user=user).exists():
            raise ValidationError(
                "You have already flagged this post. A moderator will look at it."
            )
        flag = Flag.objects.create(post=post, user=user, reason=reason, text=text)
        if reason == FlagReason.AT_RISK:
            return flag
        hider: User | None
        if qa_permissions.state_refusal(user, post, HIDDEN) is None:
            hider, why = user, f"flag: {flag.get_reason_display()}"  # a moderator acts at once
        elif _open_flags(post).exclude(reason=FlagReason.AT_RISK).count() >= sitesettings.get(
            "flags_to_hide"
        ):
            hider, why = None, "enough flags"
        else:
            return flag
        qa_actions.set_post_state(post=post, state=HIDDEN, actor=hider, reason=FLAGGED)
        audit(
            actor=hider,
            action="hide",
            post=post,
            reason=why,
            before={"state": PUBLISHED},
            after={"state": HIDDEN},
        )
    return flag


def _open_flags(post: Post) -> Any:
    return Flag.objects.filter(post=post, resolved_at__isnull=True)


# --- acting on posts --------------------------------------------------------------

REVIEW_STATES = {"approve": PUBLISHED, "restore": PUBLISHED, "hide": HIDDEN, "delete": DELETED}


def review_post(*, post: Post, actor: User, action: str, reason: str = "") -> Post:
    """Approve, restore, hide (with a reason for the author) or delete a post; settles its flags."""
    from mindwell.qa import actions as qa_actions

    if action not in REVIEW_STATES:
        raise ValidationError("Choose approve, restore, hide or delete.")
    reason = reason.strip()
    if action == "hide" and not reason:
        reason = "Hidden by a moderator."
    state = REVIEW_STATES[action]
    with transaction.atomic():
        before = {"state": post.state, "reason": post.state_reason}
        post = qa_actions.set_post_state(post=post, state=state, actor=actor, reason=reason)
        _open_flags(post).update(resolved_at=timezone.now())
        audit(
            actor=actor,
            action=action,
            post=post,
            reason=reason,
            before=before,
            after={"state": post.state, "reason": post.state_reason},
        )
    return post


def close_question(
    *, question: Post, actor: User, reason: str, duplicate_of: Post | None = None
) -> Post:
    from mindwell.qa import actions as qa_actions

    with transaction.atomic():
        question = qa_actions.close_question(
            question=question, actor=actor, reason=reason, duplicate_of=duplicate_of
        )
        after: dict[str, Any] = {"closed": True, "reason": question.close_reason}
        if duplicate_of is not None:
            after["duplicate_of"] = duplicate_of.pk
        audit(
            actor=actor,
            action="close",
            post=question,
            reason=question.close_reason,
            before={"closed": False},
            after=after,
        )
    return question


def reopen_question(*, question: Post, actor: User) -> Post:
    from mindwell.qa import actions as qa_actions

    with transaction.atomic():
        before = {"closed": True, "reason": question.close_reason}
        question = qa_actions.reopen_question(question=question, actor=actor)
        audit(actor=actor, action="reopen", post=question, before=before, after={"closed": False})
    return question


def lock_comments(*, post: Post, actor: User, locked: bool) -> Post:
    from mindwell.qa import actions as qa_actions

    with transaction.atomic():
        post = qa_actions.lock_comments(post=post, actor=actor, locked=locked)
        audit(
            actor=actor,
            action="lock comments" if locked else "unlock comments",
            post=post,
            before={"comments_locked": not locked},
            after={"comments_locked": locked},
        )
    return post


def move_question(*, question: Post, actor: User, category: Category) -> Post:
    from mindwell.qa import actions as qa_actions

    with transaction.atomic():
        before = {"category": str(question.category) if question.category else ""}
        question = qa_actions.move_question(question=question, actor=actor, category=category)
        audit(
            actor=actor,
            action="move",
            post=question,
            before=before,
            after={"category": str(category)},
        )
    return question


def block_ip(*, actor: User, post: Post, reason: str = "") -> IPBlock:
    """Stop the address an anonymous post came from posting without an account."""
    check(moderator_refusal(actor))
    if post.author_id is not None or not post.author_ip:
        raise ValidationError("Only posts by visitors without an account have an address to block.")
    with transaction.atomic():
        block, created = IPBlock.objects.get_or_create(
            ip=post.author_ip, defaults={"reason": reason.strip()[:200], "created_by": actor}
        )
        if created:
            # The address itself stays out of the log's text: the post links to it.
            audit(actor=actor, action="block address", post=post, reason=reason)
    return block


# --- acting on members ---------------------------------------------------------------

MAX_SUSPENSION_DAYS = 365


def warn(*, actor: User, member: User, message: str) -> MemberWarning:
    """A message the member sees on every page until they acknowledge it."""
    check(member_refusal(actor, member))
    message = message.strip()
    if not message:
        raise ValidationError("Write the warning the member will read.")
    with transaction.atomic():
        warning = MemberWarning.objects.create(user=member, message=message, created_by=actor)
        audit(actor=actor, action="warn", user=member, reason=message)
        _forget_warnings(member.pk)
    return warning


def acknowledge_warning(*, user: User, warning: MemberWarning) -> None:
    if warning.user_id != user.pk:
        raise PermissionDenied("That warning is not yours.")
    with transaction.atomic():
        MemberWarning.objects.filter(pk=warning.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now()
        )
        _forget_warnings(user.pk)


def pending_warnings(user: User) -> list[MemberWarning]:
    """Unacknowledged warnings, cached per member: every page asks."""
    key = _warnings_key(user.pk)
    warnings = cache.get(key)
    if warnings is None:
        warnings = list(
            MemberWarning.objects.filter(user=user, acknowledged_at__isnull=True).order_by("pk")
        )
        cache.set(key, warnings, 300)
    return warnings


def _warnings_key(user_id: int) -> str:
    return f"moderation:warnings:{user_id}"


def _forget_warnings(user_id: int) -> None:
    cache.delete(_warnings_key(user_id))
    transaction.on_commit(lambda: cache.delete(_warnings_key(user_id)))


def suspend(*, actor: User, member: User, days: int, reason: str) -> User:
    """Suspend a member for a number of days: they can read but not post, vote or flag."""
    check(member_refusal(actor, member))
    if not 1 <= days <= MAX_SUSPENSION_DAYS:
        raise ValidationError(f"A suspension lasts from 1 to {MAX_SUSPENSION_DAYS} days.")
    until = timezone.now() + timedelta(days=days)
    return _set_standing(actor, member, "suspend", reason, suspended_until=until)


def block(*, actor: User, member: User, reason: str) -> User:
    """Block a member until a moderator lifts it: they can read but not post, vote or flag."""
    check(member_refusal(actor, member))
    return _set_standing(actor, member, "block", reason, blocked_at=timezone.now())


def reinstate(*, actor: User, member: User, reason: str = "") -> User:
    """Lift a suspension and a block."""
    check(member_refusal(actor, member))
    return _set_standing(actor, member, "reinstate", reason, suspended_until=None, blocked_at=None)


def _set_standing(actor: User, member: User, action: str, reason: str, **fields: Any) -> User:
    reason = reason.strip()
    if action != "reinstate" and not reason:
        raise ValidationError("Say why: the reason is kept in the audit log.")
    with transaction.atomic():
        member = User.objects.select_for_update().get(pk=member.pk)
        before = _standing(member)
        # accounts has no verb for standing yet; these two fields are moderation's to set.
        for name, value in fields.items():
            setattr(member, name, value)
        member.save(update_fields=list(fields))
        audit(
            actor=actor,
            action=action,
            user=member,
            reason=reason,
            before=before,
            after=_standing(member),
        )
    return member


def _standing(member: User) -> dict[str, Any]:
    return {
        "suspended_until": member.suspended_until.isoformat() if member.suspended_until else None,
        "blocked": member.blocked_at is not None,
    }


# --- site settings and categories (admins) ---------------------------------------------


def change_settings(*, actor: User, values: dict[str, Any]) -> dict[str, Any]:
    """Store the settings that differ from the current ones; returns what changed."""
    check(admin_refusal(actor))
    current = sitesettings.current()
    changed = {key: value for key, value in values.items() if current.get(key) != value}
    if not changed:
        return {}
    with transaction.atomic():
        sitesettings.store(changed)
        audit(
            actor=actor,
            action="change settings",
            before={key: current.get(key) for key in changed},
            after=changed,
        )
    return changed


def add_category(*, actor: User, name: str, parent: Category | None) -> Category:
    from mindwell.qa import actions as qa_actions

    check(admin_refusal(actor))
    with transaction.atomic():
        category = qa_actions.add_category(name=name, parent=parent)
        audit(actor=actor, action="add category", after={"category": str(category)})
    return category


def rename_category(*, actor: User, category: Category, name: str) -> Category:
    from mindwell.qa import actions as qa_actions

    check(admin_refusal(actor))
    with transaction.atomic():
        before = {"name": category.name}
        category = qa_actions.rename_category(category=category, name=name)
        audit(actor=actor, action="rename category", before=before, after={"name": category.name})
    return category


def move_category(*, actor: User, category: Category, step: int) -> None:
    from mindwell.qa import actions as qa_actions

    check(admin_refusal(actor))
    with transaction.atomic():
        qa_actions.move_category(category=category, step=step)
        audit(
            actor=actor,
            action="reorder categories",
            after={"category": str(category), "moved": "up" if step < 0 else "down"},
        )


def merge_categories(*, actor: User, source: Category, target: Category) -> int:
    from mindwell.qa import actions as qa_actions

    check(admin_refusal(actor))
    with transaction.atomic():
        moved = qa_actions.merge_categories(source=source, target=target)
        audit(
            actor=actor,
            action="merge categories",
            before={"category": str(source)},
            after={"into": str(target), "questions moved": moved},
        )
    return moved


def check(reason: str | None) -> None:
    if reason is not None:
        raise PermissionDenied(reason)
