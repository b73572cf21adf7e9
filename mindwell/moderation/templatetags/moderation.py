from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from mindwell.moderation.forms import FlagForm
from mindwell.moderation.permissions import flag_refusal
from mindwell.qa import permissions as qa_permissions
from mindwell.qa.forms import fields_html
from mindwell.qa.models import Category, Post

register = template.Library()


# In the blank flag form's ids where the post id goes; not digits, so never a real id.
ID_SLOT = "flag-POST-"


def blank_flag_fields(request: HttpRequest, post_id: int) -> SafeString:
    """The flag form's fields for one post, rendered once per request.

    A flag form sits under every post and rendering form fields is the dearest
    part of a question page; the forms differ only in their ids, so the fields
    are rendered once with a slot for the post id (as the comment form is,
    `qa.forms.CommentForm.for_each_post`) and every label still points to its input.
    """
    html = getattr(request, "_blank_flag_fields", None)
    if html is None:
        html = fields_html(FlagForm(auto_id=f"{ID_SLOT}%s"))
        request._blank_flag_fields = html  # type: ignore[attr-defined]
    # Still safe: a fixed id prefix in Django's escaped HTML becomes one with digits.
    return mark_safe(html.replace(ID_SLOT, f"flag-{post_id}-"))  # noqa: S308


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
        tools["flag_fields"] = blank_flag_fields(context["request"], post.pk)
    if tools["moderate"] and post.is_question:
        tools["categories"] = list(Category.objects.select_related("parent"))
    return tools
