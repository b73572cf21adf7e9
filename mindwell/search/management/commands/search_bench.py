"""Generate a synthetic site and measure search latency on the database in use.

    MINDWELL_DATA_DIR=/tmp/bench mindwell migrate
    MINDWELL_DATA_DIR=/tmp/bench mindwell search_bench --questions 100000

Rows are written with bulk_create (no actions, no points: this is a load
generator, not a site), then the index is rebuilt in one statement and a fixed
list of queries is timed as the search page runs them (one page of ids with the
capped count, the visible posts and their tags, snippets), and similar-question
lookups as the ask page runs them (views.similar_questions).
It refuses to add rows to a database that already has posts, unless --reuse
(measure only) is given.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from mindwell.qa.models import Category, Post, Tag
from mindwell.search import query as search_query
from mindwell.search.engine import Filters, engine
from mindwell.search.index import rebuild
from mindwell.search.views import questions_in_order, similar_questions

TOPIC_WORDS = """anxiety anxious worry worrying worried panic attack attacks sleep sleeping
insomnia tired depression depressed sad sadness lonely loneliness partner relationship
marriage divorce breakup boyfriend girlfriend husband wife family mother father parents
sister brother friend friendship work job boss career stress stressed exam exams school
therapy therapist counselling medication grief loss death trust jealousy jealous anger
angry argument arguments fight fighting communication money debt confidence self esteem
shame guilt fear afraid trauma abuse boundaries burnout motivation habit habits eating
drinking alcohol addiction recovery hope calm breathing meditation exercise routine
night nights morning weekend holiday wedding baby pregnancy children child teenager""".split()
QUERIES = [
    "anxiety",
    "worry",
    "panic attack",
    '"panic attack"',
    "sleep insomnia",
    "partner communication",
    "lonely after breakup",
    "therapist medication",
    "grief loss mother",
    "jealousy trust relationship",
    "work stress burnout",
    "self esteem confidence",
    "exam stress school",
    "money arguments marriage",
    "drinking alcohol recovery",
    "how do i stop worrying at night",
    '"self esteem" teenager',
    "zorblax",  # no results
    "breathing meditation routine morning",
    "angry boss job",
]
TITLES = [
    "How do I stop worrying about my exams",
    "Panic attacks at night",
    "My partner and I keep arguing about money",
    "Feeling lonely after a breakup",
    "Is medication for anxiety worth trying",
    "How to rebuild trust after jealousy",
    "Burnout at work and no motivation",
    "Grief after losing my father",
    "Cannot sleep before a big day",
    "Talking to my parents about therapy",
]


class Command(BaseCommand):
    help = "Generate a synthetic site (bulk) and print search latency p50/p95 and the query plan."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--questions", type=int, default=100_000)
        parser.add_argument(
            "--answers", type=int, default=3, help="answers per question, on average"
        )
        parser.add_argument("--runs", type=int, default=5, help="timed runs of each query")
        parser.add_argument("--reuse", action="store_true", help="measure the existing data")
        parser.add_argument("--seed", type=int, default=5)

    def handle(self, *args: Any, **options: Any) -> None:
        self.rng = random.Random(options["seed"])  # noqa: S311 (repeatable test data)
        if not options["reuse"]:
            if Post.objects.exists():
                raise CommandError("This database has posts: use an empty one, or --reuse.")
            self.generate(options["questions"], options["answers"])
        self.measure(options["runs"])

    # -- generating ------------------------------------------------------------------

    def words(self, n: int) -> str:
        return " ".join(self.rng.choices(self.vocabulary, cum_weights=self.weights, k=n))

    def generate(self, questions: int, answers: int) -> None:
        started = time.perf_counter()
        rng = self.rng
        filler = [
            "".join(rng.choices("abcdefghijklmnoprstuvwy", k=rng.randint(3, 9)))
            for _ in range(5000)
        ]
        # Word frequencies follow Zipf's law; the topic words sit at ranks 20 to 2000,
        # as subject words do in real text (common, never as common as "the").
        self.vocabulary = filler
        for word in TOPIC_WORDS:
            self.vocabulary.insert(rng.randint(20, 2000), word)
        weights = [1 / (rank + 1) ** 0.9 for rank in range(len(self.vocabulary))]
        total = 0.0
        self.weights = []
        for w in weights:
            total += w
            self.weights.append(total)
        with transaction.atomic():
            parents = [
                Category.objects.create(name=f"Area {n}", slug=f"area-{n}") for n in range(4)
            ]
            categories = [
                Category.objects.create(
                    name=f"Topic {p.pk}.{n}", slug=f"topic-{p.pk}-{n}", parent=p
                )
                for p in parents
                for n in range(3)
            ]
            tags = Tag.objects.bulk_create(
                [Tag(name=name) for name in dict.fromkeys(TOPIC_WORDS + filler[:200])]
            )
        now = timezone.now()
        through = Post.tags.through
        batch = 5000
        made = 0
        while made < questions:
            n = min(batch, questions - made)
            with transaction.atomic():
                rows = []
                counts = []
                for _ in range(n):
                    when = now - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
                    count = min(rng.choice([0, 1, 2, 3, 3, 4, 5, 6]), answers * 2)
                    counts.append(count)
                    body = self.words(rng.randint(30, 90))
                    rows.append(
                        Post(
                            kind=Post.Kind.QUESTION,
                            title=self.words(rng.randint(5, 10)).capitalize()[:150],
                            body=body,
                            body_html=f"<p>{body}</p>",
                            anon_name="bench",
                            category=rng.choice(categories),
                            created_at=when,
                            last_activity_at=when,
                            views=rng.randint(0, 3000),
                            score=rng.randint(-2, 40),
                            answer_count=count,
                        )
                    )
                posts = Post.objects.bulk_create(rows)
                answer_rows = []
                links = []
                for question, count in zip(posts, counts, strict=True):
                    for tag in rng.sample(tags, rng.randint(1, 4)):
                        links.append(through(post_id=question.pk, tag_id=tag.pk))
                    for _ in range(count):
                        body = self.words(rng.randint(20, 70))
                        answer_rows.append(
                            Post(
                                kind=Post.Kind.ANSWER,
                                parent_id=question.pk,
                                question_id=question.pk,
                                body=body,
                                body_html=f"<p>{body}</p>",
                                anon_name="bench",
                                created_at=question.created_at,
                                last_activity_at=question.created_at,
                                score=rng.randint(-1, 20),
                            )
                        )
                Post.objects.bulk_create(answer_rows, batch_size=2000)
                through.objects.bulk_create(links, batch_size=5000)
            made += n
            self.stdout.write(f"  {made} questions…", ending="\r")
            self.stdout.flush()
        if connection.vendor == "postgresql":
            # Fresh statistics, or the planner takes the bulk-loaded table for empty
            # and scans it once per question in the update below.
            connection.cursor().execute("ANALYZE")
        with transaction.atomic():
            connection.cursor().execute(
                "UPDATE qa_post SET accepted_answer_id = (SELECT MIN(a.id) FROM qa_post a"
                " WHERE a.question_id = qa_post.id AND a.kind = 'A')"
                " WHERE kind = 'Q' AND answer_count > 0 AND id % 3 = 0"
            )
        answers_made = Post.objects.filter(kind=Post.Kind.ANSWER).count()
        generated = time.perf_counter() - started
        self.stdout.write(
            f"Generated {made} questions, {answers_made} answers in {generated:.0f} s."
        )
        started = time.perf_counter()
        with transaction.atomic():
            indexed = rebuild()
        if connection.vendor == "postgresql":
            connection.cursor().execute("ANALYZE")
        self.stdout.write(f"Indexed {indexed} questions in {time.perf_counter() - started:.0f} s.")

    # -- measuring -------------------------------------------------------------------

    def measure(self, runs: int) -> None:
        index = engine()
        request = RequestFactory().get("/search")
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
        self.stdout.write(f"\nEngine: {index.name} on {connection.vendor}")
        self.stdout.write(f"Questions indexed: {Post.objects.questions().count()}")
        filters = Filters()

        def one_search(text: str, sort: str = "relevance", flt: Filters = filters) -> int:
            query = search_query.parse(text)
            total, ids = index.search_page(query, flt, sort, 20)
            posts = questions_in_order(request, ids)
            [p.tags.all() for p in posts]
            index.snippets(query, [p.pk for p in posts])
            return total or 0

        def one_similar(title: str) -> int:
            return len(similar_questions(request, title))

        category = Category.objects.filter(parent__isnull=True).first()
        cases: list[tuple[str, Any]] = []
        for text in QUERIES:
            cases.append((f"search {text!r}", lambda t=text: one_search(t)))
        cases.append(("search 'anxiety' newest", lambda: one_search("anxiety", "newest")))
        cases.append(("search 'worry' votes", lambda: one_search("worry", "votes")))
        if category is not None:
            ids = (category.pk, *category.children.values_list("pk", flat=True))
            flt = Filters(category_ids=ids, accepted=True)
            cases.append(
                ("search 'sleep' in a category, answered", lambda: one_search("sleep", flt=flt))
            )
        search_times = self.time_cases(cases, runs)
        similar_times = self.time_cases(
            [(f"similar {t!r}", lambda t=t: one_similar(t)) for t in TITLES], runs
        )
        related_times = self.time_cases(
            [
                (
                    f"related {t!r}",
                    lambda t=t: index.related(search_query.any_words(t, 16), None, 0, 10),
                )
                for t in TITLES
            ],
            runs,
        )
        for name, times in (
            ("search", search_times),
            ("similar", similar_times),
            ("related (uncached)", related_times),
        ):
            q = statistics.quantiles(times, n=100, method="inclusive")
            self.stdout.write(
                f"{name:>20}: p50 {q[49]:6.1f} ms   p95 {q[94]:6.1f} ms   max {max(times):6.1f} ms"
                f"   ({len(times)} timed)"
            )
        self.stdout.write("\nQuery plan for 'panic attack' by relevance:")
        self.stdout.write(index.explain(search_query.parse("panic attack"), filters))

    def time_cases(self, cases: list[tuple[str, Any]], runs: int) -> list[float]:
        times: list[float] = []
        for name, case in cases:
            case()  # warm the page cache; then time
            mine = []
            for _ in range(runs):
                started = time.perf_counter()
                result = case()
                mine.append((time.perf_counter() - started) * 1000)
            times.extend(mine)
            self.stdout.write(f"  {name:<50} {statistics.median(mine):7.1f} ms  ({result} found)")
        return times
