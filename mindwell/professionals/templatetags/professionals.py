"""Tags for professional badges, editors of anonymous posts and the medical-advice note.

Loaded as builtins. Pages that show answers put `badges` (member id → badge,
from `actions.verified_badges`, one query) in their context; elsewhere no badge
is shown, so no list page pays a query per author.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from mindwell.accounts.models import User
from mindwell.professionals import medical
from mindwell.qa.identity import editor_byline
from mindwell.qa.models import Post

register = template.Library()


@register.simple_tag(takes_context=True)
def badge(context: template.Context, post: Post) -> str:
    """The author's professional badge; never on an anonymous post, where it would narrow who."""
    shown = "" if post.anonymous else (context.get("badges") or {}).get(post.author_id, "")
    if not shown:
        return ""
    return format_html(
        ' <span class="badge professional" title="Verified professional">✓ {}</span>', shown
    )


@register.simple_tag(takes_context=True)
def answer_label(context: template.Context, post: Post) -> str:
    """ "professional" for a verified professional's answer, "peer" for everyone else's."""
    professional = not post.anonymous and post.author_id in (context.get("badges") or {})
    if professional:
        return format_html('<span class="label professional">{}</span>', "professional")
    return format_html('<span class="label peer">{}</span>', "peer")


@register.simple_tag
def edited_by(post: Post, editor: User | None) -> str:
    shown = editor_byline(post, editor)
    if shown is None:
        return ""
    if shown.url is None:
        return format_html('<span class="author visitor">{}</span>', shown.name)
    return format_html('<a class="author" href="{}">{}</a>', shown.url, shown.name)


@register.simple_tag(takes_context=True)
def advice_note(context: template.Context, post: Post) -> SafeString | str:
    """A visible note under an answer that names doses or gives a diagnosis, unless by a
    verified professional."""
    if not post.is_answer or (
        not post.anonymous and post.author_id in (context.get("badges") or {})
    ):
        return ""
    if not medical.reads_as_advice(post.body):
        return ""
    return format_html(
        '<p class="notice medical-note">{}</p>',
        "This answer mentions medication doses or a diagnosis. It comes from a peer, not"
        " from your doctor: talk to a doctor or pharmacist before changing any treatment.",
    )
