"""Which new posts wait for a moderator's approval before anyone else sees them.

`hold_reason(post)` is called by qa.actions right after a new post is screened.
Each rule looks at the post and returns why it is held, or ""; the first reason
wins and is shown to the author. The thresholds are site settings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from mindwell.moderation import sitesettings

if TYPE_CHECKING:
    from mindwell.qa.models import Post

# Addresses as written, linked or not: a bare "www.…" is as much a link to a spammer.
LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


def posted_anonymously(post: Post) -> str:
    if post.author_id is None and sitesettings.get("hold_anonymous"):
        return "Posts by visitors without an account are checked by a moderator first."
    return ""


def few_points(post: Post) -> str:
    under = sitesettings.get("hold_under_points")
    author = post.author
    if under and author is not None and author.points < under and not author.is_moderator:
        return (
            f"Posts by members with fewer than {under:,} points are checked by a moderator first."
        )
    return ""


def many_links(post: Post) -> str:
    over = sitesettings.get("hold_over_links")
    moderator = post.author is not None and post.author.is_moderator
    if over is not None and not moderator and len(LINK.findall(post.body)) > over:
        links = "link" if over == 1 else "links"
        return f"Posts with more than {over} {links} are checked by a moderator first."
    return ""


def describes_method(post: Post) -> str:
    # Crisis care: a post that details a means of suicide or self-harm can harm the
    # readers most at risk, so it waits for a moderator. Its writer is not silenced:
    # they saw the check-in and the helplines, and the moderators were alerted.
    screening = getattr(post, "screening", None)
    if screening is not None and screening.method_detail:
        return (
            "A moderator will look at your post soon, because it describes a way of"
            " harming yourself. You are not in trouble: please reach out to one of the"
            " helplines below now."
        )
    return ""


def medical_advice(post: Post) -> str:
    # professionals imports qa, and so this module, while it loads: import it on first use.
    from mindwell.professionals.medical import hold_reason as medical_hold_reason

    return medical_hold_reason(post)


# The first reason wins: crisis care's comes first, so its author sees the kindest one.
RULES: list[Callable[[Post], str]] = [
    describes_method,
    posted_anonymously,
    few_points,
    many_links,
    medical_advice,
]


def hold_reason(post: Post) -> str:
    """Why `post` should be held for approval, or "" to publish it."""
    for rule in RULES:
        if reason := rule(post):
            return reason
    return ""
