"""The cast every test can use: a small set of named people and one question with an answer."""

import secrets
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from mindwell.accounts.models import Level, User
from mindwell.qa import actions, pagecache
from mindwell.qa.models import Category, Post

# site_env: a brand-new migrated site for tests that run real server or worker processes.
pytest_plugins = ["tests.sites"]

PASSWORD = "a long and careful passphrase"

# Tests create many members; the production hasher is slow on purpose, this one is not.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The anti-spam proof of work needs a browser to solve it: tests that post as visitors
# would all need one. tests/limits turn it on where it is what is tested.
settings.MINDWELL_SPAM_CHALLENGE = False


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """Rate-limit counts, lockouts and duplicate guards live in the cache: none carry over."""
    cache.clear()


def make_user(name: str, level: int = Level.BASIC, points: int | None = None) -> User:
    user = User.objects.create_user(name, f"{name.lower()}@example.test", PASSWORD, level=level)
    if points is not None:
        User.objects.filter(pk=user.pk).update(points=points)
        user.refresh_from_db()
    return user


@pytest.fixture
def alice(db: None) -> User:
    return make_user("Alice")


@pytest.fixture
def bob(db: None) -> User:
    return make_user("Bob")


@pytest.fixture
def carol(db: None) -> User:
    return make_user("Carol")


@pytest.fixture
def moderator(db: None) -> User:
    return make_user("Mo", level=Level.MODERATOR)


@pytest.fixture
def admin(db: None) -> User:
    return make_user("Ada", level=Level.ADMIN)


@pytest.fixture
def category(db: None) -> Category:
    parent = Category.objects.create(name="Relationships", slug="relationships")
    return Category.objects.create(name="Couples", slug="couples", parent=parent)


@pytest.fixture
def question(alice: User, category: Category) -> Post:
    return actions.ask_question(
        author=alice,
        title="How do I talk to my partner about money?",
        body="We keep arguing about **money** and I want to stop.",
        category=category,
        tags=["money", "communication"],
    )


@pytest.fixture
def answer(question: Post, bob: User) -> Post:
    return actions.post_answer(
        question=question, author=bob, body="Pick a calm moment and start with what you share."
    )


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


PAGE_CACHE_REDIS_URL = "redis://127.0.0.1:6379/9"


@pytest.fixture(params=["local cache", "Redis"])
def page_cache(request, settings, monkeypatch) -> Iterator[None]:
    """The page cache (and fragments with it) on, over the local cache of one process and over
    Redis."""
    settings.MINDWELL_PAGE_CACHE = True
    # Builds here follow their writes within microseconds; the settle rule has its own test.
    monkeypatch.setattr(pagecache, "SETTLE", 0)
    pagecache.recent.clear()
    if request.param == "local cache":
        cache.clear()
        yield
        return
    server = redis.Redis.from_url(PAGE_CACHE_REDIS_URL)
    try:
        server.ping()
    except redis.ConnectionError as error:
        pytest.skip(f"Redis is not reachable: {error}")
    prefix = f"test-{secrets.token_hex(4)}"  # runs in parallel share the database, not keys
    settings.CACHES = {
        "default": {
            "BACKEND": "mindwell.server.cache.RedisCache",
            "LOCATION": PAGE_CACHE_REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield
    pagecache.recent.clear()
    if keys := server.keys(f"{prefix}:*"):
        server.delete(*keys)
