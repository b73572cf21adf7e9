"""Deleting an account: personal fields cleared at once; posts removed or kept as anonymous.

The row itself stays (inactive, unusable password, placeholder name and email)
so that votes, points and the audit log keep pointing at something and the
counters stay equal to what `mindwell recount` computes: removed posts go
through `qa.actions.set_post_state`, which moves counts and points as a
moderator's deletion would.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from mindwell.accounts.models import User
from mindwell.professionals.actions import retire_pages_showing
from mindwell.qa import actions as qa_actions
from mindwell.qa.models import Post

KEEP_ANONYMOUS = "keep"
REMOVE = "remove"


def delete_account(*, user: User, password: str, posts: str) -> None:
    """Delete `user`'s account after checking their password. Raises ValidationError, changing
    nothing, on a wrong password or an unknown choice."""
    if posts not in (KEEP_ANONYMOUS, REMOVE):
        raise ValidationError("Choose whether your posts are removed or kept as anonymous.")
    if not password or not user.check_password(password):
        raise ValidationError("That password is not right. Your account has not been deleted.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)  # one deletion at a time
        own = Post.objects.filter(author=user).exclude(state=Post.State.DELETED)
        if posts == REMOVE:
            for post in own.order_by("pk"):
                qa_actions.set_post_state(post=post, state=Post.State.DELETED, actor=user)
        else:
            own.update(anonymous=True)
        # Nobody else's data: the name and email are placeholders that cannot be an
        # address (no "@") and cannot collide (they carry the row id).
        user.display_name = f"deleted-{user.pk}"
        user.email = f"deleted-{user.pk}.invalid"
        user.bio, user.country = "", ""
        user.email_confirmed_at = None
        user.is_active = False
        user.set_unusable_password()
        # Cached pages showing the member (as the author of a post kept anonymous, or
        # as an editor) are retired: the name must go from every page at once.
        retire_pages_showing(user.pk)
        # Only these fields: points moved under F() updates while the posts were removed.
        user.save(
            update_fields=[
                "display_name",
                "email",
                "bio",
                "country",
                "email_confirmed_at",
                "is_active",
                "password",
            ]
        )
    # Follows and notifications stay with the inactive row (the notify app owns them);
    # with no address and no login they reach nobody.
