"""The synthetic site `mindwell bench` measures, and the SQL each measured page costs.

    mindwell bench-site generate --questions 10000   (in the bench's own data dir)
    mindwell bench-site queries                      (SQL queries of each measured page)
    mindwell bench-site check                        (every vote count and points exact?)

`mindwell bench` runs both in its own data directory; run by hand, this writes
to whatever database the environment points at, so `generate` refuses one that
already has posts. Questions and answers come from the search benchmark's
generator (`search-bench`); this adds members as their authors, comments, votes,
counters computed from those facts, and sessions for logged-in runs.
"""

from __future__ import annotations

import json
import random
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mindwell.accounts.actions import PointsChange, change_points
from mindwell.accounts.models import User
from mindwell.qa.models import Category, Post, Tag, Vote
from mindwell.qa.points import recount_points
from mindwell.search.management.commands.search_bench import Command as SearchBench

SITE_FILE = "bench-site.json"
SEARCHES = ["anxiety", "panic attack", "partner communication", "sleep insomnia", "grief loss"]


class Command(BaseCommand):
    help = "Generate the benchmark's synthetic site, or print the SQL queries of its pages."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["generate", "queries", "check"])
        parser.add_argument("--questions", type=int, default=10_000)
        parser.add_argument("--members", type=int, default=1_000)
        parser.add_argument("--sessions", type=int, default=200)
        parser.add_argument("--seed", type=int, default=9)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "generate":
            self.generate(options["questions"], options["members"], options["sessions"])
        elif action == "check":
            wrong = wrong_counts()
            self.stdout.write(f"Wrong counts: {wrong}")
            if wrong:
                raise CommandError(f"{wrong} vote counts or points differ from the facts.")
        else:
            self.stdout.write(json.dumps(query_counts()))

    def generate(self, questions: int, members: int, sessions: int) -> None:
        if Post.objects.exists():
            raise CommandError(
                "This database has posts: the benchmark generates into an empty one."
            )
        rng = random.Random(9)  # noqa: S311 (repeatable test data)
        posts = SearchBench()
        posts.stdout, posts.rng = self.stdout, rng
        posts.generate(questions, 3)
        password = make_password(None)
        with transaction.atomic():
            User.objects.bulk_create(
                User(display_name=f"Member {n:04}", email=f"member{n}@bench.invalid",
                     password=password, points=settings.MINDWELL_POINTS["base"])
                for n in range(members)
            )  # fmt: skip
            ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
            first = ids[0]
            Post.objects.update(author_id=(F("id") * 7919) % members + first, anon_name="")
        self.stdout.write(f"{members} members are the authors.")
        self.add_comments_and_votes(rng, ids)
        count_from_facts()
        site: dict[str, Any] = {
            "questions": list(
                Post.objects.filter(kind=Post.Kind.QUESTION, answer_count__gte=3)
                .order_by("?")
                .values_list("pk", flat=True)[:200]
            ),
            "answers": list(
                Post.objects.filter(kind=Post.Kind.ANSWER)
                .order_by("?")
                .values_list("pk", flat=True)[:2000]
            ),
            "sessions": make_sessions(ids[:sessions]),
            "searches": SEARCHES,
        }
        site["urls"] = [p.get_absolute_url() for p in Post.objects.filter(pk__in=site["questions"])]
        (settings.DATA_DIR / SITE_FILE).write_text(json.dumps(site))
        self.stdout.write("The benchmark site is ready.")

    def add_comments_and_votes(self, rng: random.Random, members: list[int]) -> None:
        batch = 5000
        threads = Post.objects.exclude(kind=Post.Kind.COMMENT).values_list(
            "pk", "question_id", "author_id", "created_at"
        )
        comments, votes = [], []
        for pk, question_id, author_id, created in threads.iterator(chunk_size=batch):
            if question_id is None or rng.random() < 0.4:
                comments.append(
                    Post(kind=Post.Kind.COMMENT, parent_id=pk, question_id=question_id or pk,
                         author_id=rng.choice(members), body="Thank you, this helps.",
                         body_html="<p>Thank you, this helps.</p>", created_at=created,
                         last_activity_at=created)
                )  # fmt: skip
            voters = set(rng.sample(members, rng.choice([0, 1, 2, 3, 5]))) - {author_id}
            votes += [
                Vote(post_id=pk, user_id=voter, value=1 if rng.random() < 0.9 else -1)
                for voter in voters
            ]
        with transaction.atomic():
            Post.objects.bulk_create(comments, batch_size=batch)
            Vote.objects.bulk_create(votes, batch_size=batch)
        self.stdout.write(f"{len(comments)} comments, {len(votes)} votes.")


def votes_of(value: int) -> Coalesce:
    found = (
        Vote.objects.filter(post=OuterRef("pk"), value=value)
        .values("post")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(found, output_field=IntegerField()), Value(0))


def count_from_facts() -> None:
    """Scores, tag and category counts and points from the generated facts, set-wise.

    (`mindwell recount` would do the same a row at a time, which takes minutes here.)
    """
    with transaction.atomic():
        Post.objects.update(upvotes=votes_of(1), downvotes=votes_of(-1))
        Post.objects.update(score=F("upvotes") - F("downvotes"))
        published = Q(questions__state=Post.State.PUBLISHED)
        for model in (Tag, Category):
            for row in model.objects.annotate(n=Count("questions", filter=published)):
                model.objects.filter(pk=row.pk).update(question_count=row.n)
        stored = dict(User.objects.values_list("pk", "points"))
        change_points(
            PointsChange(user, points - stored[user], "recount correction")
            for user, points in recount_points().items()
        )


def wrong_counts() -> int:
    """Posts whose vote counters and members whose points differ from the facts."""
    posts = Post.objects.annotate(real_up=votes_of(1), real_down=votes_of(-1)).exclude(
        upvotes=F("real_up"), downvotes=F("real_down"), score=F("real_up") - F("real_down")
    )
    stored = dict(User.objects.values_list("pk", "points"))
    points = sum(stored[user] != value for user, value in recount_points().items())
    return posts.count() + points


def make_sessions(members: list[int]) -> list[str]:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = []
    for user in User.objects.filter(pk__in=members):
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


def query_counts() -> dict[str, int]:
    """SQL queries of each measured page, as the benchmark's requests make them."""
    site = json.loads((settings.DATA_DIR / SITE_FILE).read_text())
    url = site["urls"][0]
    visitor, member = Client(), Client()
    member.cookies[settings.SESSION_COOKIE_NAME] = site["sessions"][0]
    search = f"/search?q={site['searches'][0]}"
    vote_url = f"/posts/{site['answers'][0]}/vote"
    pages = {
        "question (visitor) (built)": lambda: visitor.get(url),
        "question (visitor) (cached)": lambda: visitor.get(url),
        "question (member)": lambda: member.get(url),
        "home (built)": lambda: visitor.get("/"),
        "home (cached)": lambda: visitor.get("/"),
        "question list (built)": lambda: visitor.get("/questions/"),
        "question list (cached)": lambda: visitor.get("/questions/"),
        "search (built)": lambda: visitor.get(search),
        "search (cached)": lambda: visitor.get(search),
        "vote (up)": lambda: member.post(vote_url, {"vote": "up"}),
        "vote (withdraw)": lambda: member.post(vote_url, {"vote": "withdraw"}),
    }
    member.post(vote_url, {"vote": "withdraw"})  # so that the up vote is a real one
    counts = {}
    for name, fetch in pages.items():
        with CaptureQueriesContext(connection) as queries:
            response = fetch()
        if response.status_code >= 400:
            raise CommandError(f"{name}: status {response.status_code}")
        counts[name] = len(queries)
    return counts
