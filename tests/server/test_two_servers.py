"""Two app servers sharing Redis: a write through one is seen through the other at once.

Each server is `mindwell serve` in its own process, on one fresh SQLite site and
one Redis database (number 5, under a key prefix of this test's own). The page
is first served from the cache by the second server; then a member votes through
the first, and the very next visitor request to the second shows the vote.
"""

import http.client
import json
import re
import secrets
import time
from pathlib import Path

import pytest
import redis

from tests.qa.test_vote_concurrency import SEED, Server
from tests.sites import clean_env, mindwell, python

REDIS_URL = "redis://127.0.0.1:6379/5"


def get(port: int, path: str) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("X-Page-Cache", ""), response.read().decode()
    finally:
        connection.close()


def score(html: str, post: int) -> str:
    found = re.search(rf'id="votes-{post}".*?class="score"[^>]*>([^<]+)<', html, re.DOTALL)
    assert found is not None, html
    return found.group(1)


def vote(port: int, post: int, session: str) -> int:
    token = secrets.token_hex(16)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(
            "POST",
            f"/posts/{post}/vote",
            body="vote=up",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"sessionid={session}; csrftoken={token}",
                "X-CSRFToken": token,
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_a_vote_through_one_server_shows_on_the_next_request_to_the_other(tmp_path: Path):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    env = clean_env(tmp_path / "data")
    env.update(REDIS_URL=REDIS_URL, MINDWELL_CACHE_PREFIX=f"test-{secrets.token_hex(4)}")
    env.update(MINDWELL_SERVE_WORKER="false")
    mindwell(env, "migrate", "--no-input")
    seed = json.loads(python(env, f"VOTERS = 1\n{SEED}"))
    url = python(
        env,
        "import django; django.setup()\n"
        "from mindwell.qa.models import Post\n"
        "print(Post.objects.get(kind='Q').get_absolute_url())",
    ).strip()
    first, second = Server(env, tmp_path / "first.log"), Server(env, tmp_path / "second.log")
    try:
        first.wait_until_up()
        second.wait_until_up()
        deadline = time.monotonic() + 30
        while (page := get(second.port, url))[1] != "hit":  # kept once the seed has settled
            assert page[0] == 200, page
            assert time.monotonic() < deadline, "the page never came from the cache"
            time.sleep(0.5)
        assert score(page[2], seed["answer"]) == "0 votes"

        assert vote(first.port, seed["answer"], seed["sessions"][0]) == 302

        status, _, html = get(second.port, url)
        assert status == 200
        assert score(html, seed["answer"]) == "1 vote"
    finally:
        first.stop()
        second.stop()
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{env['MINDWELL_CACHE_PREFIX']}:*"):
            client.delete(key)
