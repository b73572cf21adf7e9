"""Writes to members' data. Other apps change accounts only through these functions."""

# S608: change_points' SQL interpolates only table names and "%s" placeholders;
# every value is a bound parameter.
# ruff: noqa: S608
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from mindwell.accounts.models import CategoryLevel, Level, PointsEntry, User
from mindwell.accounts.permissions import forget_category_levels

if TYPE_CHECKING:
    from mindwell.qa.models import Category


@dataclass(frozen=True)
class PointsChange:
    user_id: int
    delta: int
    reason: str
    post_id: int | None = None


def change_points(changes: Iterable[PointsChange]) -> None:
    """Apply point changes and record each in the ledger, in the caller's transaction.

    One UPDATE for every member (points + CASE id ...: relative to the stored
    value, so two votes on different posts by the same author never lose an
    update to a read-modify-write race) and one INSERT for the ledger, in plain
    SQL: votes call this under the write lock, where the ORM's building of the
    two statements took most of the time.
    """
    changes = [c for c in changes if c.delta]
    if not changes:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("points must change in the transaction of the fact that moves them")
    per_user: dict[int, int] = {}
    for change in changes:
        per_user[change.user_id] = per_user.get(change.user_id, 0) + change.delta
    moved = sorted((user_id, delta) for user_id, delta in per_user.items() if delta)
    users, ledger = User._meta.db_table, PointsEntry._meta.db_table
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        if moved:
            cursor.execute(
                f"UPDATE {users} SET points = points + CASE id"
                + " WHEN %s THEN %s" * len(moved)
                + f" END WHERE id IN ({', '.join(['%s'] * len(moved))})",
                [*(n for pair in moved for n in pair), *(user_id for user_id, _ in moved)],
            )
        cursor.execute(
            f"INSERT INTO {ledger} (user_id, delta, reason, post_id, created_at) VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s)"] * len(changes)),
            [n for c in changes for n in (c.user_id, c.delta, c.reason, c.post_id, now)],
        )


def level_refusal(actor: User, member: User, level: int) -> str | None:
    """Admins set levels, never above their own, and never for someone at or above it."""
    if actor.level >= Level.SUPER:
        return None
    if actor.level < Level.ADMIN:
        return "Only admins can change levels."
    if member.level >= actor.level or level > actor.level:
        return "You can only set levels below your own, for members below your own level."
    return None


def set_level(*, actor: User, member: User, level: int, category: Category | None = None) -> None:
    """Set a member's level globally, or for one category (Level.BASIC there removes it)."""
    if (reason := level_refusal(actor, member, level)) is not None:
        raise PermissionDenied(reason)
    with transaction.atomic():
        if category is None:
            User.objects.filter(pk=member.pk).update(level=level)
        elif level == Level.BASIC:
            CategoryLevel.objects.filter(user=member, category=category).delete()
        else:
            CategoryLevel.objects.update_or_create(
                user=member, category=category, defaults={"level": level}
            )
        if category is not None:
            forget_category_levels(member.pk)
