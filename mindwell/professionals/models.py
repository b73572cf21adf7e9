"""Facts of professional verification: one credential per member, decided by moderators."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

BADGE_SECONDS = 600


def badge_key(user_id: int, day: date) -> str:
    """The cache key of a member's badge on a day (`actions.verified_badges`)."""
    return f"pro:badge:{day.isoformat()}:{user_id}"


class Profession(models.TextChoices):
    THERAPIST = "therapist"
    COUNSELLOR = "counsellor"
    PSYCHOLOGIST = "psychologist"
    PSYCHIATRIST = "psychiatrist"
    SOCIAL_WORKER = "social worker"


class CredentialQuerySet(models.QuerySet["Credential"]):
    def verified(self) -> CredentialQuerySet:
        """Verified and not yet expired: expiry takes effect on the day, before the command runs."""
        return self.filter(status=Credential.Status.VERIFIED, expires_on__gte=timezone.localdate())


class Credential(models.Model):
    """A member's application as a professional, and its outcome.

    One row per member: applying again after a decline or a lapse replaces the
    application, and the audit log keeps what moderators decided before.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "awaiting verification"
        VERIFIED = "verified"
        DECLINED = "declined"
        LAPSED = "lapsed", "lapsed at expiry"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credential"
    )
    profession = models.CharField(max_length=20, choices=Profession.choices)
    licence_number = models.CharField(max_length=60)
    licensing_body = models.CharField(max_length=120)
    country = models.CharField(max_length=2)  # ISO 3166 alpha-2
    expires_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    applied_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.CharField(max_length=200, blank=True)
    # When the "your verification expires soon" email went out, so it goes once.
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = CredentialQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["status", "expires_on"], name="credential_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_profession_display()} ({self.country}), {self.get_status_display()}"

    @property
    def badge(self) -> str:
        """What readers see next to the member's name: "Therapist · GB"."""
        return f"{self.get_profession_display().capitalize()} · {self.country}"

    @property
    def is_verified(self) -> bool:
        return self.status == self.Status.VERIFIED and self.expires_on >= timezone.localdate()


@receiver(post_save, sender=Credential, dispatch_uid="professionals-badge-save")
@receiver(post_delete, sender=Credential, dispatch_uid="professionals-badge-delete")
def _forget_badge(instance: Credential, **kwargs: Any) -> None:
    """Forget the member's kept badge, now and again after commit (today's, and
    tomorrow's for a reader whose day has already turned)."""
    today = timezone.localdate()
    keys = [badge_key(instance.user_id, day) for day in (today, today + timedelta(days=1))]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
