"""Facts of professional verification: one credential per member, decided by moderators."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


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
