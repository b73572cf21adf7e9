from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone


class ScreeningQuerySet(models.QuerySet["Screening"]):
    def awaiting_response(self) -> ScreeningQuerySet:
        """Posts whose writer may be at risk and that no moderator has answered for yet.

        The moderation queue's "someone may be at risk" group: a risk screening,
        or a reader's "I'm worried about this person", on a post nobody deleted.
        """
        return (
            self.filter(alerted_at__isnull=False, responded_at__isnull=True)
            .exclude(post__state="deleted")
            .order_by("alerted_at")
        )

    def overdue(self, now: datetime | None = None) -> ScreeningQuerySet:
        """Awaiting a response for longer than the response target, and not yet escalated."""
        target = settings.MINDWELL_CRISIS_RESPONSE_MINUTES
        deadline = (now or timezone.now()) - timedelta(minutes=target)
        return self.awaiting_response().filter(alerted_at__lte=deadline, escalated_at__isnull=True)

    def unanswered(self, now: datetime | None = None) -> ScreeningQuerySet:
        """Questions read as risk that nobody but their writer has replied to within
        MINDWELL_CRISIS_UNANSWERED_MINUTES of the alert, and not yet escalated for it.

        A moderator's private message is not a reply the writer's readers can see,
        so this holds whether or not a moderator has marked the post responded.
        """
        from mindwell.qa.models import Post

        target = settings.MINDWELL_CRISIS_UNANSWERED_MINUTES
        deadline = (now or timezone.now()) - timedelta(minutes=target)
        # A published answer or comment anywhere under the question, by anyone else:
        # a visitor (no author), or a member who is not the writer (who may be a visitor).
        replies = Post.objects.filter(
            question_id=OuterRef("post_id"), state=Post.State.PUBLISHED
        ).filter(
            Q(author__isnull=True)
            | Q(author__isnull=False, question__author__isnull=True)
            | ~Q(author_id=F("question__author_id"))
        )
        return (
            self.filter(
                label=Screening.Label.RISK,
                post__kind=Post.Kind.QUESTION,
                alerted_at__lte=deadline,
                unanswered_escalated_at__isnull=True,
            )
            .exclude(post__state=Post.State.DELETED)
            .exclude(Exists(replies))
            .order_by("alerted_at")
        )


class Screening(models.Model):
    """What screening found in a post when it was last written: one row per post.

    It also carries the post's place in the "someone may be at risk" queue: when
    moderators were alerted, who responded and how, and whether everyone was
    called in because nobody did in time.
    """

    class Label(models.TextChoices):
        RISK = "risk", "the writer may be at risk"
        CONCERN = "concern", "the writer worries someone else is at risk"
        NONE = "none", "nothing found"

    class Outcome(models.TextChoices):
        REACHED_OUT = "reached-out", "reached out"
        SAFE = "safe", "safe"
        EMERGENCY = "emergency", "escalated to emergency services"

    post = models.OneToOneField("qa.Post", on_delete=models.CASCADE, related_name="screening")
    label = models.CharField(max_length=10, choices=Label.choices)
    score = models.FloatField()
    matched = models.JSONField(default=list, blank=True)  # the phrases behind the label
    method_detail = models.BooleanField(default=False)
    screened_at = models.DateTimeField(default=timezone.now)

    # The response: the clock starts when moderators are alerted.
    alerted_at = models.DateTimeField(null=True, blank=True)
    worried_readers = models.PositiveIntegerField(default=0)  # "I'm worried about this person"
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    response_note = models.TextField(blank=True)
    # What the moderator who responded found or did (blank before a response).
    response_outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # A risk question nobody else replied to in time; once per post, never reset.
    unanswered_escalated_at = models.DateTimeField(null=True, blank=True)

    objects = ScreeningQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["alerted_at"],
                condition=Q(alerted_at__isnull=False, responded_at__isnull=True),
                name="screening_awaiting_idx",
            )
        ]

    def __str__(self) -> str:
        return f"post {self.post_id}: {self.label} ({self.score:.2f})"

    @property
    def due_at(self) -> datetime | None:
        if self.alerted_at is None:
            return None
        return self.alerted_at + timedelta(minutes=settings.MINDWELL_CRISIS_RESPONSE_MINUTES)


class WellbeingPreference(models.Model):
    """A member's choice about being contacted by moderators when they may be at risk.

    The site sends no automatic check-ins: moderators reach out by hand. A member who
    turns check-ins off is still screened, still shown helplines and still put before
    the moderators (nobody at risk is silenced); the at-risk list tells moderators to
    reply on the site rather than message them privately.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wellbeing"
    )
    check_ins = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"user {self.user_id}: check-ins {'on' if self.check_ins else 'off'}"


class HelplineCountry(models.Model):
    """A country the helpline directory lists, with its emergency number."""

    code = models.CharField(max_length=2, unique=True)  # ISO 3166-1 alpha-2
    name = models.CharField(max_length=60)
    emergency = models.CharField(max_length=40)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "helpline countries"

    def __str__(self) -> str:
        return self.name


class Helpline(models.Model):
    """One service on the crisis panel. Admins edit these; `helplines.directory()` reads them."""

    country = models.CharField(max_length=3)  # a HelplineCountry code, or "INT" for everywhere
    position = models.PositiveSmallIntegerField(default=0)  # the order within the country
    name = models.CharField(max_length=100)
    phone = models.CharField(max_length=60, blank=True)
    text = models.CharField(max_length=100, blank=True)  # a number to text, with the word
    web = models.URLField(blank=True)
    hours = models.CharField(max_length=100, blank=True)
    topics = models.CharField(max_length=100, blank=True)  # space-separated: crisis suicide …
    # When someone last checked this entry against the service's own site.
    verified_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["country", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"
