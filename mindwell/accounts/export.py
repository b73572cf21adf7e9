"""A member's own data as one JSON document: "own your data".

Everything the member wrote or chose: profile and settings, every post
(anonymous ones included: they are theirs), revisions they made, votes, the
points ledger, their professional credential, follows, notifications and email
settings. Other people's data is not included: a notification names the post it
is about, never who wrote it.
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from mindwell.accounts.models import User
from mindwell.qa.models import Post, Revision, Vote

FORMAT_VERSION = 1
LOCK_SECONDS = 120


class ExportBusy(Exception):
    """An export for this member is already being prepared."""


def export_user_data(user: User) -> dict[str, Any]:
    """The member's data. Refuses a second export while one is running (ExportBusy).

    The lock is a cache `add` (atomic in every Django cache backend, shared
    between servers with Redis), so a double click never builds two documents;
    the data is read in one transaction, so the document is one consistent moment.
    """
    key = f"export-lock:{user.pk}"
    if not cache.add(key, 1, LOCK_SECONDS):
        raise ExportBusy("Your data export is already being prepared. Try again in a minute.")
    try:
        with transaction.atomic():
            return _document(user)
    finally:
        cache.delete(key)


def export_json(user: User) -> str:
    return json.dumps(export_user_data(user), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


def _document(user: User) -> dict[str, Any]:
    posts = Post.objects.filter(author=user).order_by("pk").prefetch_related("tags")
    return {
        "format": f"mindwell-export-{FORMAT_VERSION}",
        "exported_at": timezone.now(),
        "profile": {
            "id": user.pk,
            "display_name": user.display_name,
            "email": user.email,
            "bio": user.bio,
            "country": user.country,
            "date_joined": user.date_joined,
            "points": user.points,
            "level": user.get_level_display(),
            "email_confirmed_at": user.email_confirmed_at,
        },
        "settings": {
            "content_warnings": user.content_warnings,
            "email": _rows("notify", "EmailSettings", user, exclude=("id", "user")),
        },
        "posts": [
            {
                "id": p.pk,
                "kind": p.get_kind_display(),
                "question_id": p.question_id,
                "parent_id": p.parent_id,
                "title": p.title,
                "body": p.body,
                "tags": [t.name for t in p.tags.all()] if p.is_question else [],
                "anonymous": p.anonymous,
                "content_warnings": p.content_warnings.split(),
                "members_only": p.members_only,
                "noindex": p.noindex,
                "state": p.state,
                "score": p.score,
                "created_at": p.created_at,
                "edited_at": p.edited_at,
            }
            for p in posts
        ],
        "revisions": list(
            Revision.objects.filter(editor=user)
            .order_by("pk")
            .values("post_id", "number", "title", "body", "tags", "note", "created_at")
        ),
        "votes": list(
            Vote.objects.filter(user=user).order_by("pk").values("post_id", "value", "created_at")
        ),
        "points_history": list(
            user.points_entries.order_by("pk").values("delta", "reason", "post_id", "created_at")
        ),
        "professional_credential": _rows(
            "professionals", "Credential", user, exclude=("id", "user", "decided_by")
        ),
        "follows": _rows("notify", "Follow", user, exclude=("id", "user")),
        "notifications": _rows("notify", "Notification", user, exclude=("id", "user", "digest")),
    }


def _rows(app: str, model_name: str, user: User, exclude: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows of another app's model that belong to the member (the app may not be installed)."""
    try:
        model = apps.get_model(app, model_name)
    except LookupError:
        return []
    names = [f.attname for f in model._meta.concrete_fields if f.name not in exclude]
    return list(model.objects.filter(user=user).order_by("pk").values(*names))
