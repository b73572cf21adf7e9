"""The one gate for identity: how a post's author is shown to a viewer.

Templates, lists and (later) feeds, notifications and the API all call
`byline`, so a visitor's email or a hidden identity cannot leak through a
forgotten template.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from mindwell.accounts.models import User
from mindwell.moderation.audit import audit
from mindwell.qa.models import Post


@dataclass(frozen=True)
class Byline:
    name: str
    points: int | None = None  # None: not a member, no points shown
    url: str | None = None  # the profile link, for members only

    @property
    def is_member(self) -> bool:
        return self.url is not None


ANONYMOUS = Byline("anonymous")


def byline(post: Post, viewer: User | AnonymousUser | None = None) -> Byline:
    """The author as `viewer` may see them. Reads post.author, so select_related it.

    A member's anonymous post is "anonymous" to everyone, moderators and the
    author included: a page that looks the same to all cannot leak by mistake.
    Moderators learn the account only through `reveal_author`, which is audited.
    """
    if post.anonymous:
        return ANONYMOUS
    author = post.author
    if author is not None:
        return Byline(author.display_name, author.points, author.get_absolute_url())
    if post.anon_name:
        return Byline(post.anon_name)
    return ANONYMOUS


def editor_byline(post: Post, editor: User | None) -> Byline | None:
    """Who edited (a post's "edited by", a revision's editor): the author of an
    anonymous post is anonymous in its history too. None when nobody is named."""
    if editor is None:
        return None
    if post.anonymous and editor.pk == post.author_id:
        return ANONYMOUS
    return Byline(editor.display_name, editor.points, editor.get_absolute_url())


def reveal_author(*, post: Post, moderator: User, reason: str) -> User | None:
    """The account behind an anonymous post, for a moderator with a recorded reason.

    The reveal is written to the audit log (who, which post, when, why) in the
    same transaction, so no account is shown without its entry.
    """
    if not moderator.is_moderator:
        raise PermissionDenied("Only moderators can reveal the author of an anonymous post.")
    if not post.anonymous:
        raise ValidationError("This post is not anonymous.")
    if not reason.strip():
        raise ValidationError("Give a reason for revealing the author: it is recorded.")
    with transaction.atomic():
        audit(actor=moderator, action="reveal author", post=post, reason=reason.strip())
    return post.author
