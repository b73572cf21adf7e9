from typing import Any

from django import template

from mindwell.notify.models import Follow, unread_count
from mindwell.qa.models import Category, Post, Tag

register = template.Library()


@register.inclusion_tag("notify/_bell.html", takes_context=True)
def notification_bell(context: dict[str, Any]) -> dict[str, Any]:
    """The bell with the unread count, for members only (cached: `unread_count`)."""
    return {"unread": unread_count(context["user"].pk)}


@register.inclusion_tag("notify/_follow_button.html", takes_context=True)
def follow_button(context: dict[str, Any], target: Post | Category | Tag) -> dict[str, Any]:
    """Follow or unfollow a question, category or tag: one query, for members only."""
    user = context["user"]
    field: dict[str, Any]
    key: int | str
    if isinstance(target, Post):
        kind, key, field = "question", target.pk, {"question": target}
    elif isinstance(target, Category):
        kind, key, field = "category", target.slug, {"category": target}
    else:
        kind, key, field = "tag", target.name, {"tag": target}
    following = (
        user.is_authenticated and Follow.objects.filter(user=user, **field).exists()  # type: ignore[misc]
    )
    return {
        "user": user,
        "kind": kind,
        "key": key,
        "following": following,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
