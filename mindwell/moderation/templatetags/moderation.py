from __future__ import annotations

from typing import Any

from django import template

from mindwell.moderation.forms import FlagForm
from mindwell.moderation.permissions import flag_refusal
from mindwell.qa import permissions as qa_permissions
from mindwell.qa.models import Category, Post

register = template.Library()


@register.simple_tag(takes_context=True)
def post_tools(context: template.Context, post: Post) -> dict[str, Any]:
    """What the viewer may do to `post` beyond voting and editing: flag it, moderate it.

    No queries for most viewers: privileges read the levels loaded once per request;
    only a moderator's tools on a question read the categories (to move it).
    """
    user = context["request"].user
    tools: dict[str, Any] = {
        "flag": user.is_authenticated and flag_refusal(user, post) is None,
        "moderate": qa_permissions.moderate_refusal(user, post) is None,
        "close": post.is_question and qa_permissions.close_refusal(user, post) is None,
    }
    if tools["flag"]:
        tools["flag_form"] = FlagForm(auto_id=f"flag-{post.pk}-%s")
    if tools["moderate"] and post.is_question:
        tools["categories"] = list(Category.objects.select_related("parent"))
    return tools
