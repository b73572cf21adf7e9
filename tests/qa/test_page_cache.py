"""Visitors' pages from the cache: no SQL on a hit, their own token and nonce, nothing stale."""

import re
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, _unmask_cipher_token
from django.test import Client, RequestFactory

from mindwell.accounts.models import User
from mindwell.qa import actions, pagecache
from mindwell.qa.models import Post
from tests.conftest import make_user

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
NONCE = re.compile(r'nonce="[^"]+"')


def same_page(html: str) -> str:
    """The page without what is each request's own: CSRF token and CSP nonce."""
    return NONCE.sub("", TOKEN.sub("", html))


def read(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_cached_question_page_costs_no_query(
    page_cache, client: Client, question, answer, django_assert_num_queries,
    django_assert_max_num_queries,
):  # fmt: skip
    with django_assert_max_num_queries(12):  # built: the page's own handful of queries
        first = read(client, question.get_absolute_url())
    with django_assert_num_queries(0):
        second = read(client, question.get_absolute_url())
    assert "Pick a calm moment" in second
    assert same_page(first).replace("1 view", "2 views") == same_page(second)


def test_home_and_question_list_are_cached_and_show_a_new_question_at_once(
    page_cache, client: Client, question, alice, category, django_assert_num_queries
):
    read(client, "/")
    read(client, "/questions/?sort=votes")
    with django_assert_num_queries(0):
        read(client, "/")
        read(client, "/questions/?sort=votes")
    actions.ask_question(
        author=alice, title="Is it normal to feel numb?", body="Since the move.",
        category=category, tags=["grief"],
    )  # fmt: skip
    assert "Is it normal to feel numb?" in read(client, "/")
    assert "Is it normal to feel numb?" in read(client, "/questions/?sort=votes")


def test_each_visitor_gets_their_own_token_and_can_answer_from_a_cached_page(page_cache, question):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    mine = TOKEN.findall(read(first, question.get_absolute_url()))
    theirs = TOKEN.findall(read(second, question.get_absolute_url()))  # from the cache
    assert mine and theirs and set(mine).isdisjoint(theirs)
    assert second.cookies["csrftoken"].value != first.cookies["csrftoken"].value

    body = "It got easier for us once we set a weekly money talk."
    response = second.post(
        f"/posts/{question.pk}/answer", {"body": body, "csrfmiddlewaretoken": theirs[-1]}
    )

    assert response.status_code == 302
    assert Post.objects.filter(kind="A", body__startswith="It got easier").exists()


def test_a_cached_page_carries_the_nonce_its_header_allows(page_cache, client: Client, question):
    read(client, question.get_absolute_url())
    response = client.get(question.get_absolute_url())
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert nonce is not None
    assert f'nonce="{nonce.group(1)}"' in response.content.decode()


def test_visitors_with_a_session_or_a_message_get_a_page_built_for_them(
    page_cache, client: Client, question, django_assert_max_num_queries
):
    read(client, question.get_absolute_url())
    for cookie in ("sessionid", "messages"):
        visitor = Client()
        visitor.cookies[cookie] = "x"
        with django_assert_max_num_queries(12) as queries:
            read(visitor, question.get_absolute_url())
        assert len(queries) > 0


def test_a_wrong_slug_on_a_cached_page_still_redirects(page_cache, client: Client, question):
    read(client, question.get_absolute_url())
    response = client.get(f"/questions/{question.pk}/wrong-words")
    assert response.status_code == 302
    assert response["Location"] == question.get_absolute_url()


def test_views_are_counted_on_hits_and_written_in_steps(page_cache, client: Client, question):
    for _ in range(pagecache.FLUSH_VIEWS - 1):
        page = read(client, question.get_absolute_url())
    assert f"· {pagecache.FLUSH_VIEWS - 1} views" in page
    question.refresh_from_db()
    assert question.views == 0  # still in the cache
    page = read(client, question.get_absolute_url())
    assert f"· {pagecache.FLUSH_VIEWS} views" in page
    question.refresh_from_db()
    assert question.views == pagecache.FLUSH_VIEWS


def test_a_page_built_right_after_a_write_is_served_but_not_kept(
    settings, client: Client, question, django_assert_max_num_queries
):
    settings.MINDWELL_PAGE_CACHE = True
    cache.clear()
    pagecache.bump([pagecache.question_key(question.pk)])  # as a write that just committed
    read(client, question.get_absolute_url())
    with django_assert_max_num_queries(12) as queries:
        read(client, question.get_absolute_url())
    assert len(queries) > 0  # built again: the first build might have missed the write


def vote_elsewhere(question: Post, answer: Post, alice: User, bob: User) -> str:
    """Bob's points change through a vote on another question: his byline here must follow."""
    other = actions.ask_question(
        author=alice, title="Another question", body="Other.", category=question.category, tags=[]
    )
    elsewhere = actions.post_answer(question=other, author=bob, body="Bob answers elsewhere.")
    read(Client(), question.get_absolute_url())  # cache this page after Bob's new answer
    actions.cast_vote(post=elsewhere, user=make_user("Fan"), value=1)
    bob.refresh_from_db()
    return f"({bob.points} points)"


WRITES: dict[str, Callable[[Post, Post, User, User], str]] = {
    "answer": lambda q, a, alice, bob: (
        actions.post_answer(question=q, author=alice, body="A second answer appears.").body
    ),
    "comment": lambda q, a, alice, bob: (
        actions.post_comment(
            parent=a, author=None, body="A visitor's comment appears.", anon_name="Kim"
        ).body
    ),
    "vote": lambda q, a, alice, bob: (
        actions.cast_vote(post=a, user=make_user("Voter"), value=1) and "1 vote"
    ),
    "edit": lambda q, a, alice, bob: (
        actions.edit_post(
            post=a, editor=bob, title="", body="An edited answer appears.", tags=[]
        ).body
    ),
    "best answer": lambda q, a, alice, bob: (
        actions.select_answer(question=q, answer=a, user=alice) and "✓ Best answer"
    ),
    "points of a shown author": vote_elsewhere,
}


@pytest.mark.parametrize("write", WRITES)
def test_the_next_visitor_after_a_write_sees_it(
    page_cache, question, answer, alice, bob, write: str
):
    read(Client(), question.get_absolute_url())
    shown = WRITES[write](question, answer, alice, bob)
    assert shown in read(Client(), question.get_absolute_url())


def test_the_next_visitor_after_a_hide_does_not_see_the_answer(
    page_cache, question, answer, moderator
):
    assert "Pick a calm moment" in read(Client(), question.get_absolute_url())
    actions.set_post_state(post=answer, state=Post.State.HIDDEN, actor=moderator)
    assert "Pick a calm moment" not in read(Client(), question.get_absolute_url())


def test_behind_nginx_the_token_is_left_for_nginx_to_fill_from_the_cookie(page_cache, question):
    edge = Client(HTTP_X_MINDWELL_EDGE="csrf-cookie")
    edge.cookies["csrftoken"] = "a" * 32
    for _ in range(2):  # built, then from the cache
        response = edge.get(question.get_absolute_url())
        html = response.content.decode()
        assert pagecache.EDGE_TOKEN in html and not TOKEN.search(html)
        assert "csrftoken" not in response.cookies  # nothing of this visitor's to cache
    stranger = Client(HTTP_X_MINDWELL_EDGE="csrf-cookie")  # no CSRF cookie: not for nginx
    html = read(stranger, question.get_absolute_url())
    assert pagecache.EDGE_TOKEN not in html and TOKEN.search(html)


def test_a_writer_is_marked_for_a_few_seconds_and_still_sees_their_answer(
    page_cache, client: Client, question
):
    read(client, question.get_absolute_url())
    response = client.post(f"/posts/{question.pk}/answer", {"body": "Mine, just posted now."})
    assert response.status_code == 302
    assert response.cookies["mindwell_wrote"]["max-age"] == 10
    assert "Mine, just posted now." in read(client, question.get_absolute_url())


def test_a_visitor_search_is_cached_until_the_next_write(
    page_cache, client: Client, question, alice, category, django_assert_num_queries
):
    assert "How do I talk to my partner about money?" in read(client, "/search?q=money")
    with django_assert_num_queries(0):
        read(client, "/search?q=money")
    actions.ask_question(
        author=alice, title="Money and my parents", body="They lend, then they control.",
        category=category, tags=["money"],
    )  # fmt: skip
    assert "Money and my parents" in read(client, "/search?q=money")


def test_retiring_all_pages_rebuilds_the_next_one(
    page_cache, client: Client, question, django_assert_max_num_queries
):
    read(client, question.get_absolute_url())
    pagecache.retire_all()
    with django_assert_max_num_queries(12) as queries:
        read(client, question.get_absolute_url())
    assert len(queries) > 0


def test_a_new_welcome_text_or_category_name_shows_to_the_next_visitor(
    page_cache, client: Client, question, category
):
    from mindwell.accounts.models import Level
    from mindwell.moderation import actions as moderation
    from mindwell.moderation import sitesettings

    admin = make_user("Ada", level=Level.ADMIN)
    read(client, "/")
    read(client, question.get_absolute_url())
    with transaction.atomic():
        sitesettings.store({"welcome": "Hello, you are welcome here"})
    assert "Hello, you are welcome here" in read(client, "/")
    moderation.rename_category(actor=admin, category=category, name="Partners")
    assert "Partners" in read(client, question.get_absolute_url())


NONCE_SOURCE = re.compile(r"'nonce-[^']+'")
VISITORS = {
    "new visitor": {},
    "returning visitor": {"cookie": "a" * 32},
    "behind nginx": {"cookie": "b" * 32, "HTTP_X_MINDWELL_EDGE": "csrf-cookie"},
}


def visit(url: str, cookie: str = "", **headers: str) -> HttpResponse:
    visitor = Client(**headers)
    if cookie:
        visitor.cookies["csrftoken"] = cookie
    response = visitor.get(url)
    assert response.status_code == 200
    return response


def sent(response: HttpResponse) -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    """The headers (in any order) and cookies a response sends, but for each one's own parts."""
    headers = []
    for name, value in response.headers.items():
        if name == "Content-Length":
            assert value == str(len(response.content))
            value = "(length)"
        if name != "X-Page-Cache":
            headers.append((name, NONCE_SOURCE.sub("'nonce-(this response's)'", value)))
    cookies = {
        name: {**{k: v for k, v in morsel.items() if k != "expires"}, "value": "(secret)"}
        for name, morsel in response.cookies.items()
    }
    return sorted(headers), cookies


def check_own_parts(response: HttpResponse, cookie: str) -> None:
    """The page's nonce is its header's; its tokens are of the CSRF cookie it sends or came with."""
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert nonce is not None and f'nonce="{nonce.group(1)}"' in html
    tokens = TOKEN.findall(html)
    if "HTTP_X_MINDWELL_EDGE" in response.wsgi_request.META:
        assert not tokens and "csrftoken" not in response.cookies  # nginx fills them in
        return
    if not tokens:  # a page without a form (home) sends no CSRF cookie either
        assert "csrftoken" not in response.cookies
        return
    secret = response.cookies["csrftoken"].value
    assert {_unmask_cipher_token(token) for token in tokens} == {secret}
    assert secret == cookie or not cookie


@pytest.mark.parametrize("page", ["question", "/", "/questions/?sort=votes", "/search?q=money"])
@pytest.mark.parametrize("visitor", VISITORS)
def test_a_hit_sends_the_headers_and_cookies_the_normal_path_sends(
    page_cache, settings, question, answer, page: str, visitor: str
):
    url = question.get_absolute_url() if page == "question" else page
    built, hit = visit(url, **VISITORS[visitor]), visit(url, **VISITORS[visitor])
    assert "X-Page-Cache" not in built and hit["X-Page-Cache"] == "hit"
    assert sent(hit) == sent(built)
    if visitor != "behind nginx":  # (only the page cache leaves the token to nginx)
        settings.MINDWELL_PAGE_CACHE = False
        plain = visit(url, **VISITORS[visitor])  # no page cache at all
        assert sent(plain) == sent(hit)
        check_own_parts(plain, VISITORS[visitor].get("cookie", ""))
    for response in (built, hit):
        check_own_parts(response, VISITORS[visitor].get("cookie", ""))


def test_a_view_of_a_page_a_write_retired_is_counted_once(page_cache, client: Client, question):
    assert "· 1 view" in read(client, question.get_absolute_url())  # built
    assert "· 2 views" in read(client, question.get_absolute_url())  # from the cache
    pagecache.bump([pagecache.question_key(question.pk)])  # as a write elsewhere would
    assert "· 3 views" in read(client, question.get_absolute_url())  # built again
    assert "· 4 views" in read(client, question.get_absolute_url())


def test_the_fast_csrf_token_is_one_django_accepts_for_the_cookie() -> None:
    returning = RequestFactory().get("/")
    returning.META["CSRF_COOKIE"] = "c" * 32  # as the CSRF middleware reads it from the cookie
    first, second = pagecache.csrf_token(returning), pagecache.csrf_token(returning)
    assert first != second and _unmask_cipher_token(first) == _unmask_cipher_token(second)
    assert _unmask_cipher_token(first) == "c" * 32
    assert returning.META["CSRF_COOKIE_NEEDS_UPDATE"] is True  # the cookie is sent again
    new = RequestFactory().get("/")
    token = pagecache.csrf_token(new)
    assert re.fullmatch(r"[A-Za-z0-9]{64}", token)
    assert _unmask_cipher_token(token) == new.META["CSRF_COOKIE"] != "c" * 32
    drawn = "".join(pagecache.random_letters(32) for _ in range(200))
    assert len(drawn) == 6400 and set(drawn) == set(CSRF_ALLOWED_CHARS)  # all 62, nothing else


def test_a_page_another_process_rebuilt_is_served_not_built_again(
    page_cache, client: Client, question, django_assert_num_queries
):
    read(client, question.get_absolute_url())  # built and kept: this process remembers it
    remembered = dict(pagecache.recent)
    pagecache.bump([pagecache.question_key(question.pk)])  # a write elsewhere retires it
    assert "· 2 views" in read(client, question.get_absolute_url())  # "another process" builds
    pagecache.recent.clear()
    pagecache.recent.update(remembered)  # this process still holds the retired build
    with django_assert_num_queries(0):
        page = read(client, question.get_absolute_url())
    assert "· 3 views" in page  # the other build, its view counted once
