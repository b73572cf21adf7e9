"""Facts of moderation. The audit log is written by actions and never edited from the site."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One moderator or admin action: who did what, to which object, when, why, before/after."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,  # null: the system (a screening hold, an automatic flag threshold)
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=40)  # a verb: "hide", "reveal author", "suspend"
    post = models.ForeignKey(
        "qa.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What the entry was about in words, kept when the object itself is gone.
    target = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at"], name="audit_recent_idx"),
            models.Index(fields=["action", "-created_at"], name="audit_action_idx"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} {self.target}".strip()


class FlagReason(models.TextChoices):
    SPAM = "spam"
    RUDE = "rude", "rude or abusive"
    HARMFUL = "harmful", "harmful advice"
    AT_RISK = "at-risk", "someone may be at risk"
    OFF_TOPIC = "off-topic"
    OTHER = "other"


class Flag(models.Model):
    """One member's flag on one post. Open until a moderator acts on the post."""

    post = models.ForeignKey("qa.Post", on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.CharField(max_length=10, choices=FlagReason.choices)
    text = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="flag_one_per_user")]
        indexes = [models.Index(fields=["resolved_at", "created_at"], name="flag_open_idx")]

    def __str__(self) -> str:
        return f"{self.reason} on post {self.post_id}"


class MemberWarning(models.Model):
    """A moderator's message to a member, shown on every page until they acknowledge it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="warnings"
    )
    message = models.TextField(max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"warning to user {self.user_id}"


class IPBlock(models.Model):
    """An address that may no longer post without an account (abusive anonymous posting)."""

    ip = models.GenericIPAddressField(unique=True)
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.ip


class DeletedPost(models.Model):
    """When a post was deleted: `mindwell purge-deleted` removes it after the retention period."""

    post = models.OneToOneField("qa.Post", on_delete=models.CASCADE, related_name="+")
    deleted_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"post {self.post_id} deleted"


class SiteSetting(models.Model):
    """One setting an admin changed on the site settings page; unset ones come from settings.py."""

    key = models.CharField(max_length=40, unique=True)
    value = models.JSONField()

    def __str__(self) -> str:
        return self.key
