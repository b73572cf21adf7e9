"""The cast every test can use: a small set of named people and one question with an answer."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from mindwell.accounts.models import Level, User
from mindwell.qa import actions
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
