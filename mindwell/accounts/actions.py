"""Writes to members' data. Other apps change accounts only through these functions."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from mindwell.accounts.models import PointsEntry, User


@dataclass(frozen=True)
class PointsChange:
    user_id: int
    delta: int
    reason: str
    post_id: int | None = None


def change_points(changes: Iterable[PointsChange]) -> None:
    """Apply point changes and record each in the ledger, in the caller's transaction.

    F() updates so that two votes on different posts by the same author never
    lose an update to a read-modify-write race.
    """
    changes = [c for c in changes if c.delta]
    if not changes:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("points must change in the transaction of the fact that moves them")
    per_user: dict[int, int] = {}
    for change in changes:
        per_user[change.user_id] = per_user.get(change.user_id, 0) + change.delta
    for user_id, delta in sorted(per_user.items()):
        if delta:
            User.objects.filter(pk=user_id).update(points=F("points") + delta)
    PointsEntry.objects.bulk_create(
        PointsEntry(user_id=c.user_id, delta=c.delta, reason=c.reason, post_id=c.post_id)
        for c in changes
    )
