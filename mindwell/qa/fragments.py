"""The posts of a member's question page as fragments, shared by members who see them alike.

Most of a question page is the same for every member: the posts, their comments,
their authors. What differs is small: the member's own votes, the controls they
may use (vote, edit, comment, hide, flag), which posts are theirs. Each post (the
question, or an answer, with its comments) is rendered as one fragment and kept
in the cache under a key made of

- the versions of what it shows, from the page cache (`pagecache`): its question,
  which every write in the thread bumps, the members named on it (their points),
  and the site; and
- the viewer's state for it (`viewer_state`): everything about the viewer that
  changes its HTML.

So a write retires every fragment showing what it changed (the next reader
renders it again), and members in the same state share a fragment. A version
bumped less than `pagecache.SETTLE` before the build started may belong to a
write the build did not see: such a fragment is used but not kept.

The per-request parts are cut out and put back on every use: the CSRF token, the
view count and the follow button (per viewer), and the "3 hours ago" times,
recomputed from the datetime beside them, so a page from fragments is the page
rendered afresh.

Rendered every time, as before: visitors' posts (their whole page is cached, and
their comment forms carry a spam token each), posts with a safety note (its
helplines follow the viewer's country), a question the viewer may moderate (its
tools list the categories), and every post of a page whose comment form came back
with an error.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from mindwell.moderation.permissions import flag_refusal
from mindwell.qa import pagecache, permissions
from mindwell.qa.models import Post
from mindwell.safety.templatetags.safety import stored_label

if TYPE_CHECKING:
    from mindwell.accounts.models import User
    from mindwell.qa.views import PostCard

FORMAT = 1  # of a stored fragment: change it with the template, so no old one is used
PARTS = {True: "qa/question.html#question_post", False: "qa/question.html#answer_post"}
CSRF_MARK = pagecache.CSRF_MARK
VIEWS_MARK = pagecache.VIEWS_MARK
FOLLOW_MARK = "\x00follow\x00"
TIME = re.compile(r'(<time datetime="([-0-9T:.+]+)">)[^<]* ago(</time>)')


def render_cards(cards: list[PostCard], context: dict[str, Any], *, shared: bool) -> None:
    """Set `card.html` for every card: its kept fragment if current, else rendered.

    `context` holds what the posts' partials read besides `card`: the question,
    user, request, csrf_token, follow_html, badges... `shared`: this viewer may
    use and keep fragments (a member, the page cache on, no form with errors).
    """
    if not shared:
        for card in cards:
            card.html = render(card, context)
        return
    started = pagecache.now()
    user = context["user"]
    names = {card.post.pk: version_names(card) for card in cards}
    versions = pagecache.current_versions(sorted(set().union(*names.values())))
    keys: dict[int, str] = {}
    for card in cards:
        state = viewer_state(user, card, context)
        if state is None:
            card.html = render(card, context)
            continue
        shown = [(name, versions[name]) for name in sorted(names[card.post.pk])]
        digest = hashlib.blake2b(repr((shown, state)).encode(), digest_size=16).hexdigest()
        keys[card.post.pk] = f"frag{FORMAT}:{card.post.pk}:{digest}"
    found = cache.get_many(list(keys.values()))
    settled = all(v // 1000 < started - pagecache.SETTLE for v in versions.values())
    built: dict[str, str] = {}
    for card in cards:
        if (key := keys.get(card.post.pk)) is None:
            continue
        html = found.get(key)
        if html is None:
            html = render_slotted(card, context)
            if settled:
                built[key] = html
        card.html = fill(html, context)
    if built:
        cache.set_many(built, pagecache.PAGE_TTL)


def render(card: PostCard, context: dict[str, Any]) -> SafeString:
    html = get_template(PARTS[card.post.is_question]).render({**context, "card": card})
    return mark_safe(html)  # noqa: S308 (the template's own escaped output)


def render_slotted(card: PostCard, context: dict[str, Any]) -> str:
    """The card's HTML with marks where the per-request parts go."""
    question = context["question"]
    views, question.views = question.views, pagecache.VIEWS_SENTINEL
    try:
        html = render(card, {**context, "csrf_token": CSRF_MARK, "follow_html": FOLLOW_MARK})
    finally:
        question.views = views
    return str(html).replace(f"{pagecache.VIEWS_SENTINEL} views", VIEWS_MARK)


def fill(html: str, context: dict[str, Any]) -> SafeString:
    """Put this request's parts into a fragment: token, view count, follow button, times."""
    views = context["question"].views
    html = (
        html.replace(CSRF_MARK, str(context["csrf_token"]))
        .replace(VIEWS_MARK, f"{views} view{'' if views == 1 else 's'}")
        .replace(FOLLOW_MARK, str(context["follow_html"]))
    )
    # Still safe: the marks were in Django's escaped HTML, and what fills them is too.
    return mark_safe(TIME.sub(ago, html))  # noqa: S308


def ago(match: re.Match[str]) -> str:
    """A `<time>` of the partials with its "… ago" as `timesince` gives it now."""
    try:
        since = timesince(datetime.fromisoformat(match[2]))
    except ValueError:
        return match[0]
    return f"{match[1]}{since} ago{match[3]}"


def version_names(card: PostCard) -> set[str]:
    """The page-cache versions of what the card shows: its thread, its members, the site."""
    names = {pagecache.SITE, pagecache.question_key(card.post.question_id or card.post.pk)}
    for post in [card.post, *card.comments]:
        names.update(pagecache.member_key(pk) for pk in (post.author_id, post.edited_by_id) if pk)
    return names


def viewer_state(user: User, card: PostCard, context: dict[str, Any]) -> tuple[Any, ...] | None:
    """Everything about the viewer that the card's HTML depends on; None: not to be shared.

    Mirrors what the partials of qa/question.html read about the viewer, includes
    included: a new per-viewer part there must be added here (tests compare a page
    from fragments with one rendered afresh).
    """
    posts = [card.post, *card.comments]
    if any(stored_label(post) in ("risk", "concern") for post in posts):
        return None  # a safety note: its helplines follow the viewer's country
    tools = [post_tools(user, post) for post in posts]
    if card.post.is_question and tools[0][1]:
        return None  # a moderator's tools on a question list the categories
    badges = context["badges"]
    return (
        card.my_vote,
        card.up_refusal,  # shown, as the reasons a vote button is off
        card.down_refusal,
        not card.edit_refusal,  # the others are not shown: only whether there is one
        not card.comment_refusal,
        card.state_changes,
        card.supportive,
        user.is_moderator,
        context["collapse_warnings"],
        not context["select_refusal"],
        [
            (post.pk, post.author_id == user.pk, tool)
            for post, tool in zip(posts, tools, strict=True)
        ],
        sorted({(p.author_id, badges[p.author_id]) for p in posts if p.author_id in badges}),
    )


def post_tools(user: User, post: Post) -> tuple[bool, bool, bool]:
    """What `{% post_tools %}` (moderation/_post_tools.html) offers: flag, moderate, close."""
    return (
        flag_refusal(user, post) is None,
        permissions.moderate_refusal(user, post) is None,
        post.is_question and permissions.close_refusal(user, post) is None,
    )
