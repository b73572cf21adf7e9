"""Demo content for `mindwell demo`: demo_content.toml, loaded through the actions real posts use.

Votes come from a pool of quiet demo readers, so every score and every point
total is made of real facts (and `mindwell recount` agrees with them).
Loading is idempotent: once the demo users exist, nothing more is done.
"""

from __future__ import annotations

import tomllib
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from mindwell.accounts.models import Level, User
from mindwell.professionals.models import Credential
from mindwell.qa import actions
from mindwell.qa.models import Category, Post

CONTENT = Path(__file__).with_name("demo_content.toml")
DEMO_PASSWORD = "mindwell-demo"  # noqa: S105 (printed on purpose: it is the demo login)
READERS = [
    "Robin", "Alex K", "Morgan", "Jamie", "Pia", "Tomás", "Leah", "Kofi", "Mei", "Oskar",
    "Hana", "Dev", "Noor", "Ellis", "Zara", "Ivo", "Amara", "Finn", "Lucía", "Rafe",
    "Yuki", "Bea", "Callum", "Sina",
]  # fmt: skip


def load_demo() -> tuple[User, bool]:
    """Load the demo content unless it is there. Returns (the demo login user, loaded now?)."""
    data = tomllib.loads(CONTENT.read_text(encoding="utf-8"))
    demo_name = next(u["name"] for u in data["users"] if u.get("demo"))
    existing = User.objects.filter(display_name=demo_name).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        users = {
            u["name"]: _member(u["name"], u.get("bio", ""), u.get("level", "basic"))
            for u in data["users"]
        }
        readers = [_member(name, "", "approved") for name in READERS]
        # Sam's address counts as confirmed, so the demo shows notification emails
        # arriving (files in the data dir's mail/ folder without an SMTP server).
        User.objects.filter(pk=users[demo_name].pk).update(email_confirmed_at=timezone.now())
        categories = _categories(data["categories"])
        for u in data["users"]:
            if "professional" in u:
                _verified(users[u["name"]], u["professional"])
        for number, q in enumerate(data["questions"]):
            _question(q, users, readers, categories, number)
        # Category modes are set last, as a site would switch them on after years of
        # posts: the demo's votes (some down) were cast before, and stay counted.
        for entry in _all_categories(data["categories"]):
            Category.objects.filter(slug=entry["slug"]).update(
                supportive=entry.get("supportive", False),
                professionals=entry.get("professionals", ""),
            )
    return users[demo_name], True


def _member(name: str, bio: str, level: str) -> User:
    email = f"{name.lower().replace(' ', '.')}@demo.invalid"
    user = User.objects.create_user(name, email, None, bio=bio, level=Level[level.upper()].value)
    user.password = _demo_password_hash()  # hashing once, not once per member, saves seconds
    user.save(update_fields=["password"])
    return user


@cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)


def _verified(user: User, professional: dict[str, str]) -> None:
    Credential.objects.create(
        user=user,
        status=Credential.Status.VERIFIED,
        expires_on=timezone.localdate() + timedelta(days=730),
        decided_at=timezone.now(),
        **professional,
    )


def _all_categories(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for entry in entries for c in [entry, *entry.get("children", [])]]


def _categories(entries: list[dict[str, Any]]) -> dict[str, Category]:
    found: dict[str, Category] = {}
    for position, entry in enumerate(entries):
        parent = Category.objects.create(
            name=entry["name"],
            slug=entry["slug"],
            description=entry.get("description", ""),
            position=position,
        )
        found[parent.slug] = parent
        for child_position, child in enumerate(entry.get("children", [])):
            found[child["slug"]] = Category.objects.create(
                parent=parent,
                name=child["name"],
                slug=child["slug"],
                description=child.get("description", ""),
                position=child_position,
            )
    return found


def _author(entry: dict[str, Any], users: dict[str, User]) -> dict[str, Any]:
    if "author" in entry:
        return {"author": users[entry["author"]]}
    return {"author": None, "anon_name": entry.get("anon_name", "")}


def _question(
    q: dict[str, Any],
    users: dict[str, User],
    readers: list[User],
    categories: dict[str, Category],
    number: int,
) -> None:
    asked_at = timezone.now() - timedelta(days=q.get("days_ago", 1), hours=number)
    question = actions.ask_question(
        title=q["title"],
        body=q["body"],
        category=categories[q["category"]],
        tags=q["tags"],
        **_author(q, users),
    )
    _vote(question, q.get("votes", 0), users, readers)
    thread: list[Post] = [question]
    for c in q.get("comments", []):
        thread.append(actions.post_comment(parent=question, body=c["body"], **_author(c, users)))
    best = None
    for a in q.get("answers", []):
        answer = actions.post_answer(question=question, body=a["body"], **_author(a, users))
        thread.append(answer)
        _vote(answer, a.get("votes", 0), users, readers)
        for c in a.get("comments", []):
            thread.append(actions.post_comment(parent=answer, body=c["body"], **_author(c, users)))
        if a.get("best"):
            best = answer
    if best is not None and question.author is not None:
        actions.select_answer(question=question, answer=best, user=question.author)
    # Spread the thread over the days since it was asked, so pages read naturally.
    for step, post in enumerate(thread):
        when = asked_at + timedelta(hours=3 * step)
        Post.objects.filter(pk=post.pk).update(created_at=when, last_activity_at=when)
    Post.objects.filter(pk=question.pk).update(
        views=q.get("views", 0), last_activity_at=asked_at + timedelta(hours=3 * (len(thread) - 1))
    )


def _vote(post: Post, net: int, users: dict[str, User], readers: list[User]) -> None:
    """Net votes: up from readers, down from experienced members (down votes need the privilege)."""
    voters = [r for r in readers if r.pk != post.author_id]
    for reader in voters[: max(net, 0)]:
        actions.cast_vote(post=post, user=reader, value=1)
    down_voters = [u for u in users.values() if u.level >= Level.EXPERT and u.pk != post.author_id]
    for member in down_voters[: max(-net, 0)]:
        actions.cast_vote(post=post, user=member, value=-1)
