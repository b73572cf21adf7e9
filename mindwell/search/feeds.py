"""Atom feeds: recent questions, a category's, a tag's, and one question's answers.

Feeds are public, so they read posts as a visitor does (`visible_to(None)`) and
name authors through the identity gate, as a visitor sees them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from mindwell.qa.identity import byline
from mindwell.qa.models import Category, Post, PostQuerySet, Tag

FEED_LENGTH = 30


def public_questions() -> PostQuerySet:
    return (
        Post.objects.visible_to(None).questions().select_related("author").order_by("-created_at")
    )


class QuestionFeed(Feed):
    feed_type = Atom1Feed

    def title(self, obj: Any = None) -> str:
        return f"Recent questions · {settings.SITE_NAME}"

    def subtitle(self, obj: Any = None) -> str:
        return f"The newest questions asked on {settings.SITE_NAME}."

    def link(self, obj: Any = None) -> str:
        return reverse("question_list")

    def items(self, obj: Any = None) -> Any:
        return public_questions()[:FEED_LENGTH]

    def item_title(self, item: Post) -> str:
        return item.title

    def item_description(self, item: Post) -> str:
        return item.body_html

    def item_author_name(self, item: Post) -> str:
        return byline(item, None).name

    def item_pubdate(self, item: Post) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Post) -> datetime:
        return item.edited_at or item.created_at


class CategoryFeed(QuestionFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Category:  # type: ignore[override]
        return get_object_or_404(Category, slug=slug)

    def title(self, obj: Any = None) -> str:
        return f"{obj.name} · {settings.SITE_NAME}"

    def subtitle(self, obj: Any = None) -> str:
        return f"The newest questions in {obj.name}."

    def link(self, obj: Any = None) -> str:
        return str(obj.get_absolute_url())

    def items(self, obj: Any = None) -> Any:
        return public_questions().filter(Q(category=obj) | Q(category__parent=obj))[:FEED_LENGTH]


class TagFeed(QuestionFeed):
    def get_object(self, request: HttpRequest, name: str) -> Tag:  # type: ignore[override]
        return get_object_or_404(Tag, name=name)

    def title(self, obj: Any = None) -> str:
        return f"Questions tagged {obj.name} · {settings.SITE_NAME}"

    def subtitle(self, obj: Any = None) -> str:
        return f"The newest questions tagged {obj.name}."

    def link(self, obj: Any = None) -> str:
        return str(obj.get_absolute_url())

    def items(self, obj: Any = None) -> Any:
        return public_questions().filter(tags=obj)[:FEED_LENGTH]


class AnswerFeed(QuestionFeed):
    def get_object(self, request: HttpRequest, pk: int) -> Post:  # type: ignore[override]
        question = public_questions().filter(pk=pk).first()
        if question is None:
            raise Http404("No such question")
        return question

    def title(self, obj: Any = None) -> str:
        return f"Answers to “{obj.title}” · {settings.SITE_NAME}"

    def subtitle(self, obj: Any = None) -> str:
        return f"New answers to “{obj.title}”."

    def link(self, obj: Any = None) -> str:
        return str(obj.get_absolute_url())

    def items(self, obj: Any = None) -> Any:
        return (
            Post.objects.visible_to(None)
            .filter(question=obj, kind=Post.Kind.ANSWER)
            .select_related("author", "question")
            .order_by("-created_at")[:FEED_LENGTH]
        )

    def item_title(self, item: Post) -> str:
        return f"Answer by {byline(item, None).name}"

    def item_link(self, item: Post) -> str:
        return f"{item.root.get_absolute_url()}#post-{item.pk}"
