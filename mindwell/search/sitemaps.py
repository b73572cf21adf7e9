"""sitemap.xml: every public question (unless marked noindex), category and tag."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.sitemaps import Sitemap

from mindwell.qa.models import Category, Post, Tag


class QuestionSitemap(Sitemap):
    limit = 10_000
    changefreq = "daily"

    def items(self) -> Any:
        return (
            Post.objects.visible_to(None)
            .questions()
            .filter(noindex=False)  # the author asked search engines not to list it
            .only("pk", "kind", "title", "last_activity_at")
            .order_by("-pk")
        )

    def lastmod(self, item: Post) -> datetime:
        return item.last_activity_at


class CategorySitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> Any:
        return Category.objects.all()


class TagSitemap(Sitemap):
    limit = 10_000

    def items(self) -> Any:
        return Tag.objects.filter(question_count__gt=0).order_by("name")


SITEMAPS: dict[str, type[Sitemap]] = {
    "questions": QuestionSitemap,
    "categories": CategorySitemap,
    "tags": TagSitemap,
}
