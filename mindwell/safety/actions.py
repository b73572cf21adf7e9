"""Writes of the safety app: qa's actions call these inside their own transactions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from mindwell.safety.models import Screening
from mindwell.safety.screening import screen

if TYPE_CHECKING:
    from mindwell.qa.models import Post


def screened_text(title: str, body: str) -> str:
    """What is screened: a question's title and body, or an answer's or comment's body."""
    return f"{title}\n\n{body}" if title.strip() else body


def screen_post(post: Post) -> Screening:
    """Screen the post's current text and store what was found, replacing the last finding."""
    screening = screen(screened_text(post.title, post.body))
    record, _ = Screening.objects.update_or_create(
        post=post,
        defaults={
            "label": screening.label,
            "score": screening.score,
            "matched": list(screening.matched),
            "method_detail": screening.method_detail,
            "screened_at": timezone.now(),
        },
    )
    return record
