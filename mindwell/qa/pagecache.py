"""Whole pages for visitors, cached under versions that every write bumps.

A page is cached only for a request that carries no cookie but the CSRF one (no
session, no flash message, no preference), and is stored with the versions of
everything it shows: its question, the related questions listed under it, and
every member whose name and points appear on it. A hit serves the page only if
every one of those versions still matches, so a vote on another question that
changes an author's points retires this page too.

`PageCacheMiddleware`, just below Django's security and static-file layers,
answers hits before the rest of the stack runs: it keeps the pages it served
lately in process memory (`recent`), and a hit is one round trip to the cache
(the versions, and the question's view counter, pipelined) with no SQL, no
session, no template. A miss, or a page some write has retired, goes down the
normal path, which is the only one that builds pages: the view renders it and
`keep` cuts out the per-request parts; the middleware, on the way back up, adds
the headers the rest of the stack set (CSP, X-Frame-Options, Vary, ...) and
stores the whole. Pages are keyed by scheme, host, path, query and the country
of the browser's language (the crisis banner's helplines), so a question asked
for under a wrong slug is never a hit: the view redirects it.

The per-request parts are put back on every response: the CSRF token of the
forms (and the CSRF cookie, as Django's CSRF middleware sends it), the CSP
nonce in the page and in its header, and the view count, which is counted in
the cache and written to the database every `FLUSH_VIEWS` views.

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
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, CsrfViewMiddleware
from django.urls import Resolver404, resolve
from django.utils.csp import LazyNonce

from mindwell.safety.helplines import country_from_accept_language
from mindwell.server.cache import RedisCache
from mindwell.server.middleware import WROTE_COOKIE

if TYPE_CHECKING:
    from mindwell.qa.events import Event
    from mindwell.qa.models import Post

FORMAT = 3  # of a stored Entry: change it with the Entry class, so no old one is read
PAGE_TTL = 600  # seconds: bounds what no event bumps ("3 hours ago", a renamed member)
LIST_TTL = 60  # lists also move with time ("hot", "this week")
SETTLE = 5_000_000  # microseconds: a bump this recent may be of a write the build missed
FLUSH_VIEWS = 50  # views counted in the cache are written to the database in steps of this
LISTS = "v:lists"  # home and question lists: bumped by every write
SITE = "v:site"  # every page: bumped by what changes them all (`retire_all`)
CSRF_MARK = "\x00csrf\x00"
NONCE_MARK = "\x00nonce\x00"
VIEWS_MARK = "\x00views\x00"  # "N views"
COUNT_MARK = "\x00count\x00"  # "N"
SLOTS = re.compile(f"({CSRF_MARK}|{NONCE_MARK}|{VIEWS_MARK}|{COUNT_MARK})")
VIEWS_SENTINEL = 987_654_321  # rendered in place of the view count, then cut out
EDGE_TOKEN = "@@mindwell-csrf-cookie@@"  # noqa: S105 (a placeholder nginx fills in)
CSRF_SECRET = re.compile(r"[A-Za-z0-9]{32}")
CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{32,64}(")')
PAGES = frozenset({"home", "question_list", "question", "search"})  # URL names of cached views


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
    """A stored page: HTML and headers with the per-request parts cut out, and its versions.

    The HTML is kept as UTF-8 `parts` around `slots` (marks of the per-request parts).
    """

    parts: list[bytes]
    slots: list[str]
    versions: dict[str, int]
    expires: float  # time.time() when it is too old to serve
    headers: list[tuple[str, str]] = field(default_factory=list)  # as the normal path sent them
    views: tuple[int, int] | None = None  # (count shown when built, view counter then)
    question: int | None = None  # whose views a hit counts


class ViewCount(NamedTuple):
    """A question page's view, counted while building it (for `keep`)."""

    shown: int
    counter: int
    question: int


def cacheable(request: HttpRequest) -> bool:
    """A visitor's GET with no cookie but the CSRF one (and the brief mark of a write)."""
    return (
        enabled()
        and request.method == "GET"
        and not request.COOKIES.keys() - {settings.CSRF_COOKIE_NAME, WROTE_COOKIE}
    )


@lru_cache(maxsize=1024)
def region(accept_language: str) -> str:
    """The country the browser's language names: the crisis banner's helplines depend on it."""
    return country_from_accept_language(accept_language) or ""


def page_key(request: HttpRequest) -> str:
    # The host and scheme are in the canonical link.
    return (
        f"page{FORMAT}:{request.scheme}://{request.get_host()}{request.path}"
        f"?{request.META.get('QUERY_STRING', '')}"
        f":{region(request.META.get('HTTP_ACCEPT_LANGUAGE', '')[:1000])}"  # all it reads
    )


def is_page(path: str) -> bool:
    """Whether the view at `path` keeps its pages: only then is a page not in `recent` fetched."""
    try:
        return resolve(path).url_name in PAGES
    except Resolver404:
        return False


# Pages this process served lately, so that a hit fetches only the versions: a
# copy, checked against the shared versions on every use like the stored page.
recent: dict[str, Entry] = {}
RECENT_PAGES = 200
recent_lock = threading.Lock()


def remember(key: str, entry: Entry) -> None:
    with recent_lock:
        if key not in recent and len(recent) >= RECENT_PAGES:
            recent.pop(next(iter(recent)))
        recent[key] = entry


class PageCacheMiddleware:
    """Answer a visitor's request for a page in the cache before the rest of the stack runs.

    Placed just below SecurityMiddleware and WhiteNoise (whose parts still run
    around it). A hit sends the page with the headers the rest of the stack set
    when it was built, and this request's own CSRF token and cookie, nonce and
    view count; anything else goes down the normal path, and the page it builds
    is stored on the way back up (`keep` marks it).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not cacheable(request):
            return self.get_response(request)
        started = now()
        key = page_key(request)
        entry = recent.get(key)
        fetched = entry is None
        if fetched:
            if not is_page(request.path_info):
                return self.get_response(request)
            entry = cache.get(key)
        if entry is not None:
            current, counter = check(entry)
            if current:
                if fetched:
                    remember(key, entry)
                return self.hit(request, entry, counter)
            with recent_lock:
                recent.pop(key, None)
            if not fetched and (shared := newer_build(key, entry)) is not None:
                # Another process has built the page since: use it rather than build it again.
                remember(key, shared)
                return self.hit(request, shared, counter)
            if counter is not None:  # counted already: the build must not count it again
                request.page_view_counted = (entry.question, counter)  # type: ignore[attr-defined]
        request.page_cache_started = started  # type: ignore[attr-defined]
        response = self.get_response(request)
        built: tuple[Entry, int] | None = getattr(request, "page_cache_built", None)
        if built is not None:
            self.store(request, key, response, *built)
        return response

    def hit(self, request: HttpRequest, entry: Entry, counter: int | None) -> HttpResponse:
        request._csp_nonce = LazyNonce()  # type: ignore[attr-defined]
        self.csrf.process_request(request)  # the visitor's CSRF cookie, for `csrf_token`
        response = respond(request, entry, counter or 0)
        response["X-Page-Cache"] = "hit"  # for operators (and tests) to see the cache work
        self.csrf.process_response(request, response)  # the cookie, as the normal path sends it
        return response

    def store(
        self, request: HttpRequest, key: str, response: HttpResponse, entry: Entry, ttl: int
    ) -> None:
        """Keep the page with the headers the stack below set, if it sent no cookie of its own."""
        if response.status_code != 200 or response.cookies.keys() - {settings.CSRF_COOKIE_NAME}:
            return
        nonce = getattr(request, "_csp_nonce", None)
        entry.headers = [
            (name, value.replace(str(nonce), NONCE_MARK) if nonce else value)
            for name, value in response.headers.items()
        ]
        cache.set(key, entry, ttl)
        remember(key, entry)


def check(entry: Entry) -> tuple[bool, int | None]:
    """Whether every version of `entry` is current; count a view of its question (one round trip).

    Returns (current, the question's view counter, or None for other pages).
    """
    if entry.expires <= time.time():
        return False, None
    keys = list(entry.versions)
    counter_key = None if entry.question is None else views_key(entry.question)
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        found, counter = backend.get_many_and_incr(keys, counter_key)
        current = found == list(entry.versions.values())
        if entry.question is None:
            return current, None
        flush_views(entry.question, counter)
        return current, counter
    current = backend.get_many(keys) == entry.versions  # the local cache of one process
    return current, None if entry.question is None else count_view(entry.question)


def newer_build(key: str, stale: Entry) -> Entry | None:
    """The stored page if it is another build than `stale` and current (the view is counted)."""
    shared: Entry | None = cache.get(key)
    if shared is None or (shared.versions, shared.expires) == (stale.versions, stale.expires):
        return None
    if shared.expires <= time.time() or cache.get_many(list(shared.versions)) != shared.versions:
        return None
    return shared


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
    request: HttpRequest,
    response: HttpResponse,
    *,
    lists: bool = False,
    views: ViewCount | None = None,
) -> HttpResponse:
    """Mark a freshly built page to be stored if its versions are settled; answer this request."""
    started = getattr(request, "page_cache_started", None)
    if started is None or response.status_code != 200:
        return response
    # The forms' token is this request's masked secret: cut it out.
    html = CSRF_INPUT.sub(rf"\g<1>{CSRF_MARK}\g<2>", response.content.decode())
    nonce = getattr(request, "_csp_nonce", None)
    if nonce:
        html = html.replace(str(nonce), NONCE_MARK)
    if views is not None:
        html = html.replace(f"{VIEWS_SENTINEL} views", VIEWS_MARK)
        html = html.replace(str(VIEWS_SENTINEL), COUNT_MARK)
    texts = SLOTS.split(html)
    keys = sorted(
        getattr(request, "page_cache_keys", set()) | {SITE} | ({LISTS} if lists else set())
    )
    versions = current_versions(keys)
    ttl = LIST_TTL if lists else PAGE_TTL
    entry = Entry(
        [text.encode() for text in texts[::2]],
        texts[1::2],
        versions,
        time.time() + ttl,
        list(response.headers.items()),
        views=None if views is None else (views.shown, views.counter),
        question=None if views is None else views.question,
    )
    if all(v // 1000 < started - SETTLE for v in versions.values()):
        request.page_cache_built = (entry, ttl)  # type: ignore[attr-defined]
    return respond(request, entry, views.counter if views else 0)


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
    """The stored page and its headers with this request's token, nonce and view count."""
    fill: dict[str, str] = {}
    if for_edge(request):
        fill[CSRF_MARK] = EDGE_TOKEN
        # The build rendered tokens of the visitor's own cookie: no need to send it again,
        # and a response with a cookie is one nginx will not cache.
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
    elif CSRF_MARK in entry.slots:
        fill[CSRF_MARK] = csrf_token(request)
    if entry.views is not None:
        shown = entry.views[0] + max(0, counter - entry.views[1])
        fill[VIEWS_MARK] = f"{shown} view{'' if shown == 1 else 's'}"
        fill[COUNT_MARK] = str(shown)
    if NONCE_MARK in entry.slots:
        fill[NONCE_MARK] = str(request._csp_nonce)  # type: ignore[attr-defined]
    body = [entry.parts[0]]
    for slot, part in zip(entry.slots, entry.parts[1:], strict=True):
        body += (fill[slot].encode(), part)
    content = b"".join(body)
    response = HttpResponse(content)
    for name, value in entry.headers:
        if name == "Content-Length":
            value = str(len(content))
        elif NONCE_MARK in value:
            value = value.replace(NONCE_MARK, str(request._csp_nonce))  # type: ignore[attr-defined]
        response.headers[name] = value
    return response


LETTER_INDEX = {letter: n for n, letter in enumerate(CSRF_ALLOWED_CHARS)}


def csrf_token(request: HttpRequest) -> str:
    """Django's `get_token`, with its randomness drawn in one call instead of one per letter.

    The request's secret (a new one if it has none, sent as the cookie by the
    CSRF middleware, as with `get_token`), masked: the mask, then each letter
    of the secret shifted by the mask's letter. About a tenth of the CPU.
    """
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = request.META["CSRF_COOKIE"] = random_letters(CSRF_SECRET_LENGTH)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = random_letters(CSRF_SECRET_LENGTH)
    base = len(CSRF_ALLOWED_CHARS)
    return mask + "".join(
        CSRF_ALLOWED_CHARS[(LETTER_INDEX[s] + LETTER_INDEX[m]) % base]
        for s, m in zip(secret, mask, strict=True)
    )


def random_letters(length: int) -> str:
    """`length` letters drawn uniformly from CSRF_ALLOWED_CHARS with `secrets`."""
    letters = b""
    while len(letters) < length:
        letters += secrets.token_bytes(2 * length).translate(BYTE_LETTERS, UNEVEN_BYTES)
    return letters[:length].decode()


# Byte b is letter b % 62, but for the top 256 % 62 bytes, dropped: they would favour
# the first letters.
BYTE_LETTERS = bytes(CSRF_ALLOWED_CHARS.encode()[b % len(CSRF_ALLOWED_CHARS)] for b in range(256))
UNEVEN_BYTES = bytes(range(256 - 256 % len(CSRF_ALLOWED_CHARS), 256))


def for_edge(request: HttpRequest) -> bool:
    """nginx caches this response and writes each visitor's own CSRF cookie into its forms.

    docs/nginx.conf sends the header only for requests whose one cookie is a
    well-formed CSRF secret; Django accepts that raw secret as the form token.
    """
    return request.META.get("HTTP_X_MINDWELL_EDGE") == "csrf-cookie" and bool(
        CSRF_SECRET.fullmatch(request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""))
    )


# --- views of a question ---------------------------------------------------------------


def views_key(question_id: int) -> str:
    return f"views:{question_id}"


def count_view(question_id: int) -> int:
    """Count one view in the cache (a counter that never expires); returns the counter."""
    key = views_key(question_id)
    try:
        counter = int(cache.incr(key))
    except ValueError:
        cache.add(key, 0, None)
        counter = int(cache.incr(key))
    flush_views(question_id, counter)
    return counter


def flush_views(question_id: int, counter: int) -> None:
    """Every FLUSH_VIEWS-th view writes them to the database.

    Up to FLUSH_VIEWS - 1 views of a question can be lost if the cache is,
    which a view count can afford.
    """
    from mindwell.qa.models import Post

    if counter % FLUSH_VIEWS == 0:
        Post.objects.filter(pk=question_id).update(views=F("views") + FLUSH_VIEWS)


def record_view(request: HttpRequest, question: Post) -> ViewCount | None:
    """Count the view; set `question.views` to the count to show.

    Returns the count when the page will be kept, for `keep`.
    """
    from mindwell.qa import actions

    if not enabled():
        actions.record_view(question)
        question.views += 1  # the page counts the view it is showing
        return None
    counted = getattr(request, "page_view_counted", None)
    if counted is not None and counted[0] == question.pk:
        counter = counted[1]  # by the middleware, checking a page this build replaces
    else:
        counter = count_view(question.pk)
    question.views += counter % FLUSH_VIEWS
    if getattr(request, "page_cache_started", None) is None:
        return None
    shown = question.views
    question.views = VIEWS_SENTINEL
    return ViewCount(shown, counter, question.pk)
