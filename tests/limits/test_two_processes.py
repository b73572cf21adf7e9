"""Rate limits hold across app processes that share Redis.

Two real `mindwell serve` servers (each with two gunicorn workers) on one SQLite
site share one Redis database. One member sends comments to both servers at
once, more than the hourly limit: exactly the limit is saved, the rest get 429
with Retry-After, whichever process answered.
"""

import http.client
import json
import secrets
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from tests.qa.test_vote_concurrency import Server
from tests.sites import clean_env, mindwell, python

REDIS_URL = "redis://127.0.0.1:6379/3"
LIMIT = 4
SENT = 12

SEED = """
import json, django
django.setup()
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from mindwell.accounts.models import User
from mindwell.qa import actions
from mindwell.qa.models import Category

member = User.objects.create_user("Commenter", "commenter@example.test", None)
asker = User.objects.create_user("Asker", "asker@example.test", None)
question = actions.ask_question(
    author=asker, title="How do I sleep better before exams?", body="I lie awake.",
    category=Category.objects.create(name="Study", slug="study"), tags=["sleep"],
)
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(member.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = member.get_session_auth_hash()
session.create()
print(json.dumps({"question": question.pk, "session": session.session_key}))
"""

COUNT = """
import django
django.setup()
from mindwell.qa.models import Post
print(Post.objects.filter(kind="C").count())
"""


def post_comment(port: int, question: int, session: str, n: int) -> tuple[int, str, dict]:
    token = secrets.token_hex(16)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST",
            f"/posts/{question}/comment",
            body=f"body=Comment+number+{n}",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"sessionid={session}; csrftoken={token}",
                "X-CSRFToken": token,
                "Accept": "application/json",
            },
        )
        response = connection.getresponse()
        body = response.read().decode()
        return (
            response.status,
            response.getheader("Retry-After") or "",
            (json.loads(body) if response.status == 429 else {}),
        )
    finally:
        connection.close()


def test_a_limit_holds_across_two_servers_sharing_redis(tmp_path: Path) -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    env = clean_env(tmp_path / "data")
    env.update(
        REDIS_URL=REDIS_URL,
        MINDWELL_CACHE_PREFIX=f"test-limits-{secrets.token_hex(4)}",  # a fresh count
        MINDWELL_LIMIT_USER_COMMENTS=str(LIMIT),
    )
    mindwell(env, "migrate", "--no-input")
    seed = json.loads(python(env, SEED))

    servers = [Server(env, tmp_path / f"server{n}.log") for n in (1, 2)]
    try:
        for server in servers:
            server.wait_until_up()
        start = threading.Barrier(SENT)

        def send(n: int) -> tuple[int, str, dict]:
            start.wait(timeout=30)
            port = servers[n % 2].port  # every other request to the other server
            return post_comment(port, seed["question"], seed["session"], n)

        with ThreadPoolExecutor(max_workers=SENT) as pool:
            answers = list(pool.map(send, range(SENT)))
    finally:
        for server in servers:
            server.stop()

    statuses = Counter(status for status, _, _ in answers)
    problems = "\n".join(server.problems() for server in servers)
    assert statuses == {302: LIMIT, 429: SENT - LIMIT}, (statuses, problems)
    for status, retry_after, body in answers:
        if status == 429:
            assert body["error"].startswith(
                f"You have reached the limit of {LIMIT} comments an hour. Please try again in"
            )
            assert body["retry_after"] == int(retry_after) > 0
    assert int(python(env, COUNT)) == LIMIT
