"""Moderation's reactions to Q&A writes, run by qa.events.happened() in the write's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mindwell.moderation.audit import audit
from mindwell.moderation.models import DeletedPost

if TYPE_CHECKING:
    from mindwell.qa.events import Event
    from mindwell.qa.models import Revision


def react(event: Event) -> None:
    from mindwell.qa.events import Kind  # qa.events imports this module

    post = event.post
    if event.kind == Kind.STATE_CHANGED:
        # Remember when a post was deleted, for `mindwell purge-deleted`.
        if post.state == post.State.DELETED:
            DeletedPost.objects.get_or_create(post=post)
        else:
            DeletedPost.objects.filter(post=post).delete()
    elif event.kind == Kind.EDITED and event.actor and post.author_id != event.actor.pk:
        # An edit of someone else's post is a moderator's (or editor's) action.
        revisions = list(post.revisions.order_by("-number")[:2])
        if len(revisions) == 2:
            new, old = revisions
            audit(
                actor=event.actor,
                action="edit",
                post=post,
                before=_version(old),
                after=_version(new),
            )


def _version(revision: Revision) -> dict[str, str]:
    return {"title": revision.title, "body": revision.body, "tags": revision.tags}
