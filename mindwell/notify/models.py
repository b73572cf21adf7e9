"""Facts of notifications: follows, email choices, in-app notifications and email deliveries.

An email address is never copied here: a delivery names its recipient (a member,
or the anonymous post whose visitor typed an address) and the address is read
only when the message is built. `address_hash` (an HMAC, not the address) is
what lets us recognise an anonymous address again: for unsubscribes and for the
first-email explanation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone


class Kind(models.TextChoices):
    """What a notification is about; each kind of email can be turned off on its own."""

    ANSWER = "answer", "new answers to my questions"
    COMMENT = "comment", "comments on my posts and replies to my comments"
    SELECTED = "selected", "my answer selected as best"
    FOLLOWED = "followed", "new activity on questions, categories and tags I follow"
    MENTION = "mention", "posts that mention me"
    DIGEST = "digest", "daily digest"
    CONFIRM = "confirm", "email address confirmation"
    # Moderators and admins only, written by `safety.actions`; never an email choice.
    AT_RISK = "at_risk", "someone may be at risk"
    ESCALATED = "escalated", "someone who may be at risk is still waiting"


# The kinds a member (or visitor) can be notified of about a post, in order of
# precedence: someone who is both the asker and a follower hears "new answer".
POST_KINDS = [Kind.SELECTED, Kind.ANSWER, Kind.COMMENT, Kind.MENTION, Kind.FOLLOWED]
# Crisis alerts: they point at the at-risk list, not at the post, and name nobody.
CRISIS_KINDS = [Kind.AT_RISK, Kind.ESCALATED]


class Follow(models.Model):
    """A member following one question, category or tag (exactly one of them)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(
        "qa.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        "qa.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey(
        "qa.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(question__isnull=False, category=None, tag=None)
                | Q(question=None, category__isnull=False, tag=None)
                | Q(question=None, category=None, tag__isnull=False),
                name="follow_one_target",
            ),
            models.UniqueConstraint(fields=["user", "question"], name="follow_question_once"),
            models.UniqueConstraint(fields=["user", "category"], name="follow_category_once"),
            models.UniqueConstraint(fields=["user", "tag"], name="follow_tag_once"),
        ]

    def __str__(self) -> str:
        return f"follow {self.question_id or self.category_id or self.tag_id}"


FOLLOW_SECONDS = 600


def is_following(user_id: int, kind: str, pk: int) -> bool:
    """Whether the member follows this question, category or tag (`kind`): the follow button.

    Kept in the cache while the page cache is on (so the cache is shared, or there
    is one process); every save or delete of a follow (cascades included) forgets
    its answer, now and again after commit, by the signals below.
    """
    from mindwell.qa import pagecache

    if not pagecache.enabled():
        return Follow.objects.filter(user_id=user_id, **{f"{kind}_id": pk}).exists()
    key = f"notify:follow:{user_id}:{kind}:{pk}"
    following: bool | None = cache.get(key)
    if following is None:
        following = Follow.objects.filter(user_id=user_id, **{f"{kind}_id": pk}).exists()
        cache.set(key, following, FOLLOW_SECONDS)
    return following


@receiver(post_save, sender=Follow, dispatch_uid="notify-follow-save")
@receiver(post_delete, sender=Follow, dispatch_uid="notify-follow-delete")
def _forget_follow(instance: Follow, **kwargs: Any) -> None:
    keys = [
        f"notify:follow:{instance.user_id}:{kind}:{pk}"
        for kind in ("question", "category", "tag")
        if (pk := getattr(instance, f"{kind}_id"))
    ]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


class EmailSettings(models.Model):
    """Which notification emails a member wants. No row means the defaults (all on, no digest)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_settings"
    )
    answer = models.BooleanField(default=True)
    comment = models.BooleanField(default=True)
    selected = models.BooleanField(default=True)
    followed = models.BooleanField(default=True)
    mention = models.BooleanField(default=True)
    # One email a day listing everything, instead of one email per notification.
    digest = models.BooleanField(default=False)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"email settings of {self.user_id}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind, False))


UNREAD_SECONDS = 300


def unread_count(user_id: int) -> int:
    """The member's unread notifications (the bell on every page), kept in the cache.

    Every write of notifications forgets the count of each member it touches, now
    and again after commit: a save or delete (cascades included) by the signals
    below, `bulk_create` and `update` by `NotificationQuerySet`.
    """
    key = f"notify:unread:{user_id}"
    count: int | None = cache.get(key)
    if count is None:
        count = Notification.objects.filter(user_id=user_id, read_at=None).count()
        cache.set(key, count, UNREAD_SECONDS)
    return count


def forget_unread(user_ids: Iterable[int]) -> None:
    keys = [f"notify:unread:{pk}" for pk in set(user_ids)]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


class NotificationQuerySet(models.QuerySet["Notification"]):
    def bulk_create(self, objs: Iterable[Notification], *args: Any, **kwargs: Any) -> Any:
        created: list[Any] = list(objs)
        forget_unread(notification.user_id for notification in created)
        return super().bulk_create(created, *args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        forget_unread(self.values_list("user_id", flat=True))
        return super().update(**kwargs)


class Notification(models.Model):
    """One in-app notification: `post` is what happened (the answer, comment, …)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    post = models.ForeignKey("qa.Post", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # The digest email that carried it, for members who chose a daily digest.
    digest = models.ForeignKey(
        "Delivery", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "post"], name="notification_once")
        ]
        indexes = [
            models.Index(
                fields=["user"], condition=Q(read_at=None), name="notification_unread_idx"
            ),
            models.Index(fields=["user", "-created_at"], name="notification_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on post {self.post_id}"


@receiver(post_save, sender=Notification, dispatch_uid="notify-unread-save")
@receiver(post_delete, sender=Notification, dispatch_uid="notify-unread-delete")
def _forget_unread(instance: Notification, **kwargs: Any) -> None:
    forget_unread([instance.user_id])


class Delivery(models.Model):
    """One email to one recipient for one event; `key` makes it impossible to send twice.

    pending → sending (claimed by one worker until `claimed_until`) → sent;
    a failed attempt goes back to pending with a later `next_attempt_at`, and
    after the last attempt to failed, where an admin can see and retry it.
    """

    class State(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"
        CANCELLED = "cancelled"  # nothing to send any more: unsubscribed, post gone, …

    key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    post = models.ForeignKey(
        "qa.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The recipient: a member, or the anonymous post whose visitor asked for emails.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    address_post = models.ForeignKey(
        "qa.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    address_hash = models.CharField(max_length=64, blank=True, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, address_post=None)
                | Q(user=None, address_post__isnull=False),
                name="delivery_one_recipient",
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return self.key


class Suppression(models.Model):
    """An anonymous address that asked for no more emails of one kind (by hash, not address)."""

    address_hash = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["address_hash", "kind"], name="suppression_once")
        ]

    def __str__(self) -> str:
        return f"no {self.kind} emails"
