"""`{% safety_note post %}`: the helplines banner above a post that reads as risk, and
the guidance on helping someone else that a "concern" post shows its author."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist

from mindwell.safety.views import helpline_context

register = template.Library()


def stored_label(post: Any) -> str:
    """The label stored for the post, or "none" (fetch `screening` with select_related)."""
    try:
        return str(post.screening.label)
    except ObjectDoesNotExist:
        return "none"


@register.inclusion_tag("safety/_note.html", takes_context=True)
def safety_note(context: template.Context, post: Any) -> dict[str, Any]:
    label = stored_label(post)
    user = context.get("user")
    is_author = bool(
        user is not None and user.is_authenticated and post.author_id and post.author_id == user.pk
    )
    note = "risk" if label == "risk" else "concern" if label == "concern" and is_author else ""
    if not note:
        return {"note": ""}
    return {"note": note, "post": post, **helpline_context(context["request"])}


@register.filter
def tel(phone: str) -> str:
    """The `tel:` number of a phone: digits of the first of "14416 or 1-800-891-4416"."""
    first = re.split(r"\s+or\s+|,|/", phone, maxsplit=1)[0]
    return re.sub(r"[^\d+]", "", first)
