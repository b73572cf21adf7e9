"""Whole pages for visitors, cached under versions that every write bumps.

A page is cached only for a request that carries no cookie but the CSRF one (no
session, no flash message, no preference), and is stored with the versions of
everything it shows: its question, the related questions listed under it, and
every member whose name and points appear on it. A read fetches those versions
in one `get_many` and serves the page only if every one still matches, so a
vote on another question that changes an author's points retires this page too.
A hit costs two cache round trips and no SQL.

The per-request parts are cut out of the stored HTML and put back on every
response: the CSRF token of the forms and the CSP nonce (both are the request's
own), and the view count, which is counted in the cache and written to the
database every `FLUSH_VIEWS` views.

Versions are `<microseconds since the epoch><3 random digits>`. A page is built
after its versions are known only for the question; its authors are found while
building, so their versions are read afterwards. A version bumped less than
`SETTLE` before the build started may belong to a write the build did not see:
such a page is served but not kept.

The cache must be shared by every process that serves or writes: Redis
(`REDIS_URL`), or the local cache of a single process. `MINDWELL_PAGE_CACHE`
turns it on; it is on by default only with Redis.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

from mindwell.safety.helplines import resolve_country
from mindwell.server.middleware import WROTE_COOKIE

if TYPE_CHECKING:
    from mindwell.qa.events import Event
    from mindwell.qa.models import Post

FORMAT = 2  # of a stored Entry: change it with the Entry class, so no old one is read
PAGE_TTL = 600  # seconds: bounds what no event bumps ("3 hours ago", a renamed member)
LIST_TTL = 60  # lists also move with time ("hot", "this week")
SETTLE = 5_000_000  # microseconds: a bump this recent may be of a write the build missed
FLUSH_VIEWS = 50  # views counted in the cache are written to the database in steps of this
LISTS = "v:lists"  # home and question lists: bumped by every write
SITE = "v:site"  # every page: bumped by what changes them all (`retire_all`)
CSRF_MARK = "\x00csrf\x00"
NONCE_MARK = "\x00nonce\x00"
VIEWS_MARK = "\x00views\x00"
VIEWS_SENTINEL = 987_654_321  # rendered in place of the view count, then cut out
EDGE_TOKEN = "@@mindwell-csrf-cookie@@"  # noqa: S105 (a placeholder nginx fills in)
CSRF_SECRET = re.compile(r"[A-Za-z0-9]{32}")
CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{32,64}(")')


def enabled() -> bool:
    return bool(settings.MINDWELL_PAGE_CACHE)


def question_key(pk: int) -> str:
    return f"v:q:{pk}"


def member_key(pk: int) -> str:
    return f"v:u:{pk}"


def now() -> int:
    return time.time_ns() // 1000


def new_version() -> int:
    return now() * 1000 + secrets.randbelow(1000)


# --- writes ------------------------------------------------------------------------


def written(event: Event) -> None:
    """Bump the versions of everything `event` changes, now and again after commit.

    The bump after commit is the one that matters: a reader between a bump and
    the commit would build from the old rows and keep them under the new
    version. The bump now makes the writer's own transaction (and a test, whose
    transaction never commits) read fresh pages as well.
    """
    if not enabled():
        return
    keys = changed_by(event)
    bump(keys)
    transaction.on_commit(lambda: bump(keys))


def changed_by(event: Event) -> list[str]:
    """The versions a write moves: its question, the lists, and every member whose points move."""
    from mindwell.qa.events import Kind
    from mindwell.qa.models import Post, Vote

    post = event.post
    question_id = post.question_id or post.pk
    members = {event.actor.pk if event.actor else None, post.author_id}
    if event.kind in (Kind.SELECTED, Kind.STATE_CHANGED):
        # Points of a selection or of votes move with the post: the asker, every
        # answerer (the old best answer's too), and whoever voted on the post.
        thread = Post.objects.filter(pk=question_id) | Post.objects.filter(question_id=question_id)
        members.update(thread.values_list("author_id", flat=True))
        members.update(Vote.objects.filter(post=post).values_list("user_id", flat=True))
    return [
        question_key(question_id),
        LISTS,
        *(member_key(pk) for pk in sorted(m for m in members if m)),
    ]


def bump(keys: list[str]) -> None:
    cache.set_many(dict.fromkeys(keys, new_version()), None)


def retire_all() -> None:
    """Retire every cached page (the site's name or welcome text changed), now and after commit."""
    if enabled():
        bump([SITE])
        transaction.on_commit(lambda: bump([SITE]))


# --- reads -------------------------------------------------------------------------


@dataclass
class Entry:
    """A stored page: HTML with the per-request parts cut out, and what it was built from."""

    html: str
    versions: dict[str, int]
    content_type: str
    expires: float  # time.time() when it is too old to serve
    redirect_slug: str = ""  # question pages: the canonical slug
    views: tuple[int, int] | None = None  # (count shown when built, view counter then)


def cacheable(request: HttpRequest, query: bool = False) -> bool:
    """A visitor with no cookie but the CSRF one asking for a page (no query unless `query`)."""
    return (
        enabled()
        and request.method == "GET"
        and (query or not request.GET)
        and not request.COOKIES.keys() - {settings.CSRF_COOKIE_NAME, WROTE_COOKIE}
    )


def page_key(request: HttpRequest, name: str) -> str:
    # The host and scheme are in the canonical link; the helplines of a crisis
    # banner depend on the country the browser's language points to.
    country = resolve_country(None, request.headers.get("Accept-Language")) or ""
    query = request.GET.urlencode() if request.GET else ""
    return f"page{FORMAT}:{name}:{request.scheme}:{request.get_host()}:{country}:{query}"


def cached(request: HttpRequest, name: str) -> Entry | None:
    """The stored page if every version it was built from is still current, else None."""
    if not cacheable(request, query=True):
        return None
    request.page_cache_started = now()  # type: ignore[attr-defined]
    key = page_key(request, name)
    entry = recent.get(key)
    if entry is None or not is_current(entry):
        entry = cache.get(key)
        if entry is None or not is_current(entry):
            recent.pop(key, None)
            return None
        remember(key, entry)
    request.page_cache_hit = True  # type: ignore[attr-defined]
    return entry


# Pages this process served lately, so that a hit fetches only the versions: a
# copy, checked against the shared versions on every use like the stored page.
recent: dict[str, Entry] = {}
RECENT_PAGES = 200


def remember(key: str, entry: Entry) -> None:
    if len(recent) >= RECENT_PAGES:
        recent.pop(next(iter(recent), ""), None)
    recent[key] = entry


def is_current(entry: Entry) -> bool:
    return entry.expires > time.time() and cache.get_many(list(entry.versions)) == entry.versions


def depends_on(request: HttpRequest, posts: Iterable[Post], related: Iterable[Post] = ()) -> None:
    """Record what the page being built shows: the members of these posts, these questions."""
    keys: set[str] = getattr(request, "page_cache_keys", set())
    for post in posts:
        keys.add(question_key(post.question_id or post.pk))
        for member in (post.author_id, post.edited_by_id):
            if member:
                keys.add(member_key(member))
    keys.update(question_key(q.pk) for q in related)
    request.page_cache_keys = keys  # type: ignore[attr-defined]


def keep(
    request: HttpRequest, name: str, response: HttpResponse, *, lists: bool = False, **extra: Any
) -> HttpResponse:
    """Store a freshly built page if its versions are settled; answer with this request's parts."""
    started = getattr(request, "page_cache_started", None)
    if started is None or response.status_code != 200 or response.has_header("Set-Cookie"):
        return response
    # The forms' token is this request's masked secret: cut it out.
    html = CSRF_INPUT.sub(rf"\g<1>{CSRF_MARK}\g<2>", response.content.decode())
    nonce = getattr(request, "_csp_nonce", None)
    if nonce:
        html = html.replace(str(nonce), NONCE_MARK)
    if extra.get("views"):
        html = html.replace(f"{VIEWS_SENTINEL} views", VIEWS_MARK)
    keys = sorted(
        getattr(request, "page_cache_keys", set()) | {SITE} | ({LISTS} if lists else set())
    )
    versions = current_versions(keys)
    ttl = LIST_TTL if lists else PAGE_TTL
    entry = Entry(html, versions, response["Content-Type"], time.time() + ttl, **extra)
    if all(v // 1000 < started - SETTLE for v in versions.values()):
        cache.set(page_key(request, name), entry, ttl)
    return respond(request, entry, entry.views[1] if entry.views else 0)


def current_versions(keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        # Never bumped (or evicted): a version from time zero, agreed on with add().
        for key in missing:
            cache.add(key, secrets.randbelow(1000), None)
        found.update(cache.get_many(missing))
    return found


def respond(request: HttpRequest, entry: Entry, counter: int = 0) -> HttpResponse:
    html = entry.html
    if for_edge(request):
        html = html.replace(CSRF_MARK, EDGE_TOKEN)
        # The build rendered tokens of the visitor's own cookie: no need to send it again,
        # and a response with a cookie is one nginx will not cache.
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
    elif CSRF_MARK in html:
        html = html.replace(CSRF_MARK, get_token(request))
    if NONCE_MARK in html:
        html = html.replace(NONCE_MARK, str(request._csp_nonce))  # type: ignore[attr-defined]
    if entry.views is not None:
        shown = entry.views[0] + max(0, counter - entry.views[1])
        html = html.replace(VIEWS_MARK, f"{shown} view{'' if shown == 1 else 's'}")
        html = html.replace(str(VIEWS_SENTINEL), str(shown))
    response = HttpResponse(html, content_type=entry.content_type)
    if getattr(request, "page_cache_hit", False):
        response["X-Page-Cache"] = "hit"  # for operators (and tests) to see the cache work
    return response


def for_edge(request: HttpRequest) -> bool:
    """nginx caches this response and writes each visitor's own CSRF cookie into its forms.

    docs/nginx.conf sends the header only for requests whose one cookie is a
    well-formed CSRF secret; Django accepts that raw secret as the form token.
    """
    return request.headers.get("X-Mindwell-Edge") == "csrf-cookie" and bool(
        CSRF_SECRET.fullmatch(request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""))
    )


# --- views of a question ---------------------------------------------------------------


def count_view(question_id: int) -> int:
    """Count one view in the cache; every FLUSH_VIEWS-th view writes them to the database.

    Returns the cache's counter. Up to FLUSH_VIEWS - 1 views of a question can
    be lost if the cache is, which a view count can afford.
    """
    from mindwell.qa.models import Post

    key = f"views:{question_id}"
    try:
        counter = cache.incr(key)
    except ValueError:
        cache.add(key, 0, None)
        counter = cache.incr(key)
    if counter % FLUSH_VIEWS == 0:
        Post.objects.filter(pk=question_id).update(views=F("views") + FLUSH_VIEWS)
    return int(counter)


def record_view(request: HttpRequest, question: Post) -> tuple[int, int] | None:
    """Count the view; set `question.views` to the count to show.

    Returns (count shown, counter) when the page will be kept, for `keep`.
    """
    from mindwell.qa import actions

    if not enabled():
        actions.record_view(question)
        question.views += 1  # the page counts the view it is showing
        return None
    counter = count_view(question.pk)
    question.views += counter % FLUSH_VIEWS
    if getattr(request, "page_cache_started", None) is None:
        return None
    shown = question.views
    question.views = VIEWS_SENTINEL
    return (shown, counter)
