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
