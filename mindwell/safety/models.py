from django.db import models
from django.utils import timezone


class Screening(models.Model):
    """What screening found in a post when it was last written: one row per post."""

    class Label(models.TextChoices):
        RISK = "risk", "the writer may be at risk"
        CONCERN = "concern", "the writer worries someone else is at risk"
        NONE = "none", "nothing found"

    post = models.OneToOneField("qa.Post", on_delete=models.CASCADE, related_name="screening")
    label = models.CharField(max_length=10, choices=Label.choices)
    score = models.FloatField()
    matched = models.JSONField(default=list, blank=True)  # the phrases behind the label
    method_detail = models.BooleanField(default=False)
    screened_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"post {self.post_id}: {self.label} ({self.score:.2f})"
