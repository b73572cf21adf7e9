"""The search page, similar questions while asking, and related questions under a question."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any, overload

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from mindwell.qa import pagecache
from mindwell.qa.forms import TAG_RE
from mindwell.qa.models import Category, Post, PostQuerySet, Tag
from mindwell.search import engine as search_engine
from mindwell.search import query as search_query
from mindwell.search.engine import Engine, Filters, engine
from mindwell.search.forms import SearchForm
from mindwell.search.query import Query

SIMILAR_LIMIT = 5
RELATED_LIMIT = 5
# What a list of question links shows (similar and related questions).
LINK_FIELDS = ("pk", "kind", "title", "answer_count", "score", "accepted_answer_id")


class Results(Sequence[int]):
    """Matching question ids, counted and fetched a page at a time, for Django's Paginator.

    The count stops at engine.COUNT_CAP (`capped` then says there are more), so pages go no
    further than the first COUNT_CAP results.
    """

    def __init__(
        self, engine: Engine, query: Query, filters: Filters, sort: str, page: tuple[int, int]
    ) -> None:
        self.engine, self.query, self.filters, self.sort = engine, query, filters, sort
        self.size, self.number = page
        self._count: int | None = None
        self.capped = False
        self._page: tuple[int, list[int]] | None = None  # (offset, ids) fetched with the count

    def count(self, value: Any = None) -> int:  # type: ignore[override]
        if self._count is None:
            # The page asked for and the total come from one query; a page past the
            # end needs a second one, for the count, and Paginator then asks for the last.
            offset = (self.number - 1) * self.size
            total, ids = self.engine.search_page(
                self.query, self.filters, self.sort, self.size, offset
            )
            self._page = (offset, ids)
            if total is None:
                total = self.engine.count(self.query, self.filters)
            cap = search_engine.COUNT_CAP
            self.capped = total > cap
            self._count = min(total, cap)
        return self._count

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...
    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, int):
            return self.engine.search(self.query, self.filters, self.sort, 1, index)[0]
        start, stop = index.start or 0, index.stop
        if stop is None or stop <= start:
            return []
        if self._page is not None and self._page[0] == start:
            return self._page[1][: stop - start]
        return self.engine.search(self.query, self.filters, self.sort, stop - start, start)


def visible_questions(request: HttpRequest, ids: list[int]) -> PostQuerySet:
    """The questions with these ids that this viewer may see.

    Read by primary key, the visibility gate tested on each row: written as
    `visible_to(...).filter(pk__in=ids)`, SQLite without table statistics walks the
    (kind, state) index over every question instead (11 ms at 100,000 questions).
    """
    gate = Post.objects.visible_to(request.user).questions().filter(pk=OuterRef("pk"))
    return Post.objects.filter(pk__in=ids).filter(Exists(gate))


def in_order(posts: PostQuerySet, ids: list[int]) -> list[Post]:
    by_id = {post.pk: post for post in posts}
    return [by_id[pk] for pk in ids if pk in by_id]


def questions_in_order(request: HttpRequest, ids: list[int]) -> list[Post]:
    """The questions with these ids that this viewer may see, in the order given."""
    if not ids:
        return []
    posts = (
        visible_questions(request, ids)
        .select_related("author", "category")
        .prefetch_related("tags")
    )
    return in_order(posts, ids)


def search(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    # NUL bytes mean nothing in a search; drop them rather than refuse the query.
    data["q"] = data.get("q", "").replace("\x00", "")
    form = SearchForm(data)
    context: dict[str, Any] = {"form": form, "searched": False, "header_search": data["q"][:200]}
    if not form.is_valid():
        return render(request, "search/search.html", context, status=400)
    text = form.cleaned_data["q"]
    query = search_query.parse(text)
    sort = form.cleaned_data["sort"] or ("relevance" if query else "newest")
    context.update(q=text, query=query, searched=bool(text))
    if query:
        index = engine()
        number = request.GET.get("page", "1")
        size = settings.MINDWELL_PAGE_SIZE
        wanted = int(number) if number.isdigit() and 0 < int(number) < 100_000 else 1
        results = Results(index, query, form.filters(), sort, (size, wanted))
        page = Paginator(results, size).get_page(number)
        questions = questions_in_order(request, list(page.object_list))
        snippets = index.snippets(query, [q.pk for q in questions])
        context.update(
            page=page,
            results=[(q, snippets.get(q.pk, "")) for q in questions],
            total=page.paginator.count,
            capped=results.capped,
        )
        pagecache.depends_on(request, questions)
    if not context.get("results"):
        context["categories"] = Category.objects.filter(parent=None)
    response = render(request, "search/search.html", context)
    return pagecache.keep(request, response, lists=True)  # any write may change it


def similar(request: HttpRequest) -> HttpResponse:
    """Questions like the title being typed on the ask page (an htmx fragment)."""
    title = request.GET.get("title", "")[:300]
    checked = bool(search_query.any_words(title).terms)
    return render(
        request,
        "search/_similar.html",
        {"similar": similar_questions(request, title), "checked": checked},
    )


def similar_questions(request: HttpRequest, title: str) -> list[Post]:
    query = search_query.any_words(title)
    if not query.terms:
        return []
    ids = engine().similar(query, SIMILAR_LIMIT)
    return in_order(visible_questions(request, ids).only(*LINK_FIELDS), ids) if ids else []


def related_questions(
    request: HttpRequest, question: Post, tags: Callable[[], list[str]]
) -> list[Post]:
    """Up to five questions sharing words of the title, tags or the category.

    The engine's candidates are cached briefly (ranking them reads many documents);
    the key changes with every edit, answer or comment. `tags` gives the question's
    tag names, asked only when the candidates are not cached. What a member sees of
    them is kept too (`members_related`); everyone else reads them through
    `visible_to`, so a hidden question leaves the list at once.
    """
    key = f"related:{question.pk}:{question.last_activity_at.timestamp()}"
    ids = cache.get(key)
    if ids is None:
        query = search_query.any_words(" ".join([question.title, *tags()]), limit=16)
        ids = engine().related(query, question.category_id, question.pk, RELATED_LIMIT * 2)
        cache.set(key, ids, 600)
    if not ids:
        return []
    user = request.user
    if pagecache.enabled() and user.is_authenticated and not user.is_moderator:
        published, held_by = members_related(ids)
        if user.pk not in held_by:
            return published[:RELATED_LIMIT]
    return in_order(visible_questions(request, ids).only(*LINK_FIELDS), ids)[:RELATED_LIMIT]


def members_related(ids: list[int]) -> tuple[list[Post], set[int]]:
    """The published questions of these (in order), and the authors of the held ones.

    A member who is not a moderator sees, through `visible_to`, the published
    questions and their own held ones: for one who holds none of these, exactly
    the published ones. Kept under the versions of these questions, which every
    change of their state, title or answers bumps: a hidden question leaves the
    list at once. Like a page, it is not kept if one of them was bumped lately.
    """
    started = pagecache.now()
    versions = pagecache.current_versions([pagecache.question_key(pk) for pk in ids])
    shown = [(pk, versions[pagecache.question_key(pk)]) for pk in ids]
    key = f"related:rows:{hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()}"
    kept: tuple[list[Post], set[int]] | None = cache.get(key)
    if kept is not None:
        return kept
    rows = Post.objects.questions().filter(pk__in=ids)
    published = in_order(rows.filter(state=Post.State.PUBLISHED).only(*LINK_FIELDS), ids)
    held_by = set(rows.filter(state=Post.State.HELD).values_list("author_id", flat=True))
    if all(v // 1000 < started - pagecache.SETTLE for v in versions.values()):
        cache.set(key, (published, held_by), pagecache.PAGE_TTL)
    return published, held_by


def tag_suggestions(request: HttpRequest) -> HttpResponse:
    """<option>s completing the last tag being typed, for the ask page's datalist.

    The tags field holds several tags, so each option repeats the ones already
    typed: the browser's datalist matches the field's whole value.
    """
    typed = request.GET.get("tags", "")[:250].lower().replace(",", " ")
    done, _, last = typed.rpartition(" ")
    done = " ".join(done.split())
    if last and not TAG_RE.match(last):
        return render(request, "search/_tag_options.html", {"suggestions": []})
    tags = Tag.objects.filter(question_count__gt=0)
    if last:
        tags = tags.filter(name__startswith=last)
    names = tags.order_by("-question_count", "name").values_list("name", flat=True)[:10]
    suggestions = [f"{done} {name}".strip() for name in names if name not in done.split()]
    return render(request, "search/_tag_options.html", {"suggestions": suggestions})


ROBOTS = """User-agent: *
Disallow: /search
Disallow: /ask
Disallow: /posts/
Disallow: /login
Disallow: /register
Sitemap: {sitemap}
"""


def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri(reverse("sitemap_index"))
    return HttpResponse(ROBOTS.format(sitemap=sitemap), content_type="text/plain; charset=utf-8")
