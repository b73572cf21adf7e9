"""Template filters and tags of the Q&A, loaded as builtins in every template."""

from django import template
from django.utils.html import format_html

from mindwell.qa.identity import byline as identity_byline
from mindwell.qa.models import Post

register = template.Library()


@register.filter
def short_number(value: int) -> str:
    """Points as Question2Answer shows them: 950, 1.2k, 6.5k, 12k, 1.2m (never rounded up)."""
    n = int(value)
    sign, n = ("-" if n < 0 else ""), abs(n)
    if n < 1_000:
        text = str(n)
    elif n < 10_000:
        text = f"{n // 100 / 10:g}k"
    elif n < 1_000_000:
        text = f"{n // 1_000}k"
    elif n < 10_000_000:
        text = f"{n // 100_000 / 10:g}m"
    else:
        text = f"{n // 1_000_000}m"
    return sign + text


@register.filter
def votes_label(score: int) -> str:
    """ "+19 votes", "-2 votes", "1 vote", "0 votes", as on Question2Answer."""
    n = int(score)
    noun = "vote" if abs(n) == 1 else "votes"
    return f"{'+' if n > 1 else ''}{n} {noun}"


@register.simple_tag(takes_context=True)
def byline(context: template.Context, post: Post) -> str:
    """The author of a post, as the viewer may see them: "Sam (6.5k points)" or "anonymous"."""
    shown = identity_byline(post, context.get("user"))
    if shown.is_member:
        return format_html(
            '<a class="author" href="{}">{}</a> <span class="points">({} points)</span>',
            shown.url,
            shown.name,
            short_number(shown.points or 0),
        )
    return format_html('<span class="author visitor">{}</span>', shown.name)
