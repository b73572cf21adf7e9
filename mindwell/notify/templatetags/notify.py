from typing import Any

from django import template

from mindwell.notify.models import is_following, unread_count
from mindwell.qa.models import Category, Post, Tag

register = template.Library()


@register.inclusion_tag("notify/_bell.html", takes_context=True)
def notification_bell(context: dict[str, Any]) -> dict[str, Any]:
    """The bell with the unread count, for members only (cached: `unread_count`)."""
    return {"unread": unread_count(context["user"].pk)}


@register.inclusion_tag("notify/_follow_button.html", takes_context=True)
def follow_button(context: dict[str, Any], target: Post | Category | Tag) -> dict[str, Any]:
    """Follow or unfollow a question, category or tag, for members only (`is_following`)."""
    user = context["user"]
    key: int | str
    if isinstance(target, Post):
        kind, key = "question", target.pk
    elif isinstance(target, Category):
        kind, key = "category", target.slug
    else:
        kind, key = "tag", target.name
    following = user.is_authenticated and is_following(user.pk, kind, target.pk)
    return {
        "user": user,
        "kind": kind,
        "key": key,
        "following": following,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
