"""The one gate for identity: how a post's author is shown to a viewer.

Templates, lists and (later) feeds, notifications and the API all call
`byline`, so a visitor's email or a hidden identity cannot leak through a
forgotten template.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

from mindwell.accounts.models import User
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
    """The author as `viewer` may see them. Reads post.author, so select_related it."""
    author = post.author
    if author is not None:
        return Byline(author.display_name, author.points, author.get_absolute_url())
    if post.anon_name:
        return Byline(post.anon_name)
    return ANONYMOUS
