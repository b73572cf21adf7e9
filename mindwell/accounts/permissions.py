"""Privileges: what a member may do, by level or by points (settings.MINDWELL_PERMISSIONS,
as changed on the site settings page: `rules()`).

`refusal(user, name)` is the single place that decides; it returns the reason a
user may not do something (shown next to the control instead of a broken
button), or None when they may.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from mindwell.accounts.models import CategoryLevel, Level

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from mindwell.accounts.models import User
    from mindwell.qa.models import Category

CATEGORY_LEVELS_SECONDS = 30
ACTIONS = {
    "vote_up": "vote up",
    "vote_down": "vote down",
    "comment": "comment",
    "flag": "flag posts",
    "edit_others": "edit other people's posts",
    "retag": "retag questions",
    "close": "close and reopen questions",
    "hide": "hide and restore posts",
    "select_others": "select a best answer on other people's questions",
    "moderate": "moderate",
}


def level_in(user: User, category: Category | None) -> int:
    """The user's level, raised by a level given for this category or its parent."""
    if category is None:
        return user.level
    # Read once per user object (one request), not once per control on the page.
    levels: dict[int, int] | None = getattr(user, "_category_levels", None)
    if levels is None:
        levels = category_levels(user.pk)
        user._category_levels = levels  # type: ignore[attr-defined]
    ids = [category.pk, category.parent_id]
    return max([user.level] + [levels[i] for i in ids if i in levels])


def category_levels(user_id: int) -> dict[int, int]:
    """{category id: level} given to this member, from the cache (set_level forgets it).

    With the local (per-process) cache other processes see a change within
    CATEGORY_LEVELS_SECONDS; with Redis at once.
    """
    key = f"accounts:category-levels:{user_id}"
    levels: dict[int, int] | None = cache.get(key)
    if levels is None:
        rows = CategoryLevel.objects.filter(user_id=user_id).values_list("category_id", "level")
        levels = dict(rows)
        cache.set(key, levels, CATEGORY_LEVELS_SECONDS)
    return levels


def forget_category_levels(user_id: int) -> None:
    """After a change, in the caller's transaction: now and again after commit, so a reader
    between the two cannot keep the old levels."""
    key = f"accounts:category-levels:{user_id}"
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def rules(user: User | None = None) -> dict[str, dict[str, int | None]]:
    """Every permission's level and points, from the cached site settings (no query).

    With a user, read once per user object (one request), not once per control on
    the page: a question page asks dozens of times.
    """
    from mindwell.moderation import sitesettings

    found: dict[str, dict[str, int | None]] | None = getattr(user, "_permission_rules", None)
    if found is None:
        found = sitesettings.permissions()
        if user is not None:
            user._permission_rules = found  # type: ignore[attr-defined]
    return found


def refusal(user: User | AnonymousUser, name: str, category: Category | None = None) -> str | None:
    if not user.is_authenticated:
        return f"Log in to {ACTIONS[name]}."
    # Asked dozens of times per page, with few distinct answers: remembered on the
    # user object (one request), keyed by everything about the user it reads.
    key = (
        name,
        category and (category.pk, category.parent_id),
        user.is_active,
        user.points,
        user.level,
        user.blocked_at,
        user.suspended_until,
    )
    answers: dict[tuple[object, ...], str | None] | None = getattr(user, "_refusals", None)
    if answers is None:
        answers = user._refusals = {}  # type: ignore[attr-defined]
    if key not in answers:
        answers[key] = _refusal(user, name, category)
    return answers[key]


def _refusal(user: User, name: str, category: Category | None) -> str | None:
    action = ACTIONS[name]
    if not user.is_active:
        return f"Your account cannot {action}."
    if standing := standing_refusal(user):
        return standing
    rule = rules(user)[name]
    required_level, points = int(rule["level"] or 0), rule["points"]
    if level_in(user, category) >= required_level:
        return None
    if points is not None and user.points >= points:
        return None
    level_name = Level(required_level).label
    if points is None:
        return f"Only members at level {level_name} or above can {action}."
    return (
        f"You need {points:,} points to {action} (you have {user.points:,}), or level {level_name}."
    )


def standing_refusal(user: User | AnonymousUser) -> str | None:
    """Blocked and suspended members can read but not post, vote or flag."""
    if not user.is_authenticated:
        return None
    if user.blocked_at is not None:
        return "Your account is blocked: you can read, but not post or vote."
    if user.suspended_until is not None and user.suspended_until > timezone.now():
        until = timezone.localtime(user.suspended_until).strftime("%-d %B %Y, %H:%M %Z")
        return f"Your account is suspended until {until}: you can read, but not post or vote."
    return None


def has_privilege(user: User | AnonymousUser, name: str, category: Category | None = None) -> bool:
    return refusal(user, name, category) is None
