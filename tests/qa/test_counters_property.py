"""Stored counters and points against the facts they come from.

The first test plays random histories (asking, answering, voting, changing and
withdrawing votes, selecting and unselecting best answers, hiding, deleting,
restoring) through the real actions and, after every step, checks that
`recount()` finds nothing to correct, that every member's points equal base +
their ledger, and that the stored facts, counters and points are what a small
model of the history, kept apart from the application, says they should be.
The tests after it pin the scheme's numbers on a few plain stories.
"""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from mindwell.accounts.models import Level, PointsEntry, User
from mindwell.qa import actions
from mindwell.qa.counters import Recount, recount
from mindwell.qa.models import Category, Post, Tag, Vote
from tests.conftest import make_user

PUBLISHED, HIDDEN, DELETED = Post.State.PUBLISHED, Post.State.HIDDEN, Post.State.DELETED
EXPERTS = ["Ann", "Ben", "Cat", "Dan"]  # may vote down, and select on others' questions
BASIC = "Eve"  # may vote up; votes down only once she has the points for it
MEMBERS = [*EXPERTS, BASIC]
TAGS = ["money", "sleep", "grief", "work"]
NOTHING_WRONG = Recount(posts=0, categories=0, tags=0, users=0)
# About 15-30 s on SQLite or PostgreSQL: every step is followed by a full recount.
HISTORIES, STEPS = 25, 20


def ledger_mismatches() -> dict[str, tuple[int, int]]:
    """Members whose points are not base + the sum of their ledger: {name: (points, ledger)}."""
    base = settings.MINDWELL_POINTS["base"]
    ledger = dict(
        PointsEntry.objects.values("user_id")
        .annotate(total=Sum("delta"))
        .values_list("user_id", "total")
    )
    return {
        user.display_name: (user.points, base + ledger.get(user.pk, 0))
        for user in User.objects.all()
        if user.points != base + ledger.get(user.pk, 0)
    }


# --- the model: what the facts should be, kept apart from the application -----


@dataclass
class ModelPost:
    pk: int
    kind: str
    author: str | None  # None for a visitor
    question: int | None  # an answer's question
    state: str = PUBLISHED
    category: str = ""
    tags: frozenset[str] = frozenset()
    accepted: int | None = None  # a question's best answer


class CounterMachine(RuleBasedStateMachine):
    """Random histories through mindwell.qa.actions, checked after every step."""

    def __init__(self) -> None:
        super().__init__()
        # Each history starts clean: everything it writes is rolled back in teardown.
        self.savepoint = transaction.savepoint_create()
        self.users = {name: make_user(name, Level.EXPERT).pk for name in EXPERTS}
        self.users[BASIC] = make_user(BASIC).pk
        self.moderator = make_user("Mo", Level.MODERATOR)
        parent = Category.objects.create(name="Relationships", slug="relationships")
        self.categories = {
            slug: Category.objects.create(name=slug.title(), slug=slug, parent=parent)
            for slug in ("couples", "family")
        }
        self.model: dict[int, ModelPost] = {}
        self.votes: dict[tuple[int, str], int] = {}  # (post, voter) -> +1 or -1

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)

    def member(self, name: str) -> User:
        """Fresh from the database, as a request would load them."""
        return User.objects.get(pk=self.users[name])

    # --- the model's points: Question2Answer's scheme over the model's facts ---

    def expected_points(self) -> dict[str, int]:
        p = settings.MINDWELL_POINTS
        units = dict.fromkeys([*self.users, "Mo"], 0)
        for post in self.model.values():
            if post.state != PUBLISHED:
                continue
            up = sum(1 for (pk, _), v in self.votes.items() if pk == post.pk and v == 1)
            down = sum(1 for (pk, _), v in self.votes.items() if pk == post.pk and v == -1)
            if post.author is not None:
                if post.kind == Post.Kind.QUESTION:
                    units[post.author] += p["post_question"]
                    units[post.author] += min(up * p["question_upvote"], p["question_upvote_max"])
                    units[post.author] -= min(
                        down * p["question_downvote"], p["question_downvote_max"]
                    )
                else:
                    units[post.author] += p["post_answer"]
                    units[post.author] += min(up * p["answer_upvote"], p["answer_upvote_max"])
                    units[post.author] -= min(down * p["answer_downvote"], p["answer_downvote_max"])
            for (pk, voter), _value in self.votes.items():
                if pk == post.pk:
                    units[voter] += p["vote_cast"]
            if post.kind == Post.Kind.QUESTION and post.accepted is not None:
                best = self.model[post.accepted]
                if best.state == PUBLISHED and post.author and best.author != post.author:
                    units[post.author] += p["select_answer"]
                    if best.author is not None:
                        units[best.author] += p["answer_selected"]
        return {name: p["base"] + p["multiple"] * n for name, n in units.items()}

    def may_vote_down(self, name: str) -> bool:
        rule_ = settings.MINDWELL_PERMISSIONS["vote_down"]
        return name in EXPERTS or self.expected_points()[name] >= rule_["points"]

    def pick(self, n: int, kind: str | None = None) -> int:
        """The n-th post (modulo how many there are), of one kind or of any."""
        pks = [pk for pk, post in self.model.items() if kind in (None, post.kind)]
        return pks[n % len(pks)]

    # --- rules ---------------------------------------------------------------

    @initialize()
    def a_question_with_two_answers(self) -> None:
        question = self.ask("Ann", "couples", ["money"])
        self.answer(question, "Ben")
        self.answer(question, None)

    def ask(self, author: str, category: str, tags: list[str]) -> int:
        question = actions.ask_question(
            author=self.member(author),
            title=f"A question from {author}",
            body="What would you do?",
            category=self.categories[category],
            tags=tags,
        )
        self.model[question.pk] = ModelPost(
            question.pk, Post.Kind.QUESTION, author, None, category=category, tags=frozenset(tags)
        )
        return question.pk

    @precondition(lambda self: sum(p.kind == "Q" for p in self.model.values()) < 3)
    @rule(
        author=st.sampled_from(MEMBERS),
        category=st.sampled_from(["couples", "family"]),
        tags=st.lists(st.sampled_from(TAGS), max_size=3),
    )
    def ask_a_question(self, author: str, category: str, tags: list[str]) -> None:
        self.ask(author, category, tags)

    @rule(question=st.integers(0, 9), author=st.sampled_from([*MEMBERS, None]))
    def answer_a_question(self, question: int, author: str | None) -> None:
        self.answer(self.pick(question, "Q"), author)

    def answer(self, question: int, author: str | None) -> None:
        """Members answer, and so do visitors (no author)."""
        call = {
            "question": Post(pk=question),
            "author": self.member(author) if author else None,
            "body": f"An answer from {author or 'a visitor'}",
            "anon_name": "" if author else "Visitor",
        }
        if self.model[question].state != PUBLISHED:
            with pytest.raises(PermissionDenied):
                actions.post_answer(**call)
            return
        answer = actions.post_answer(**call)
        self.model[answer.pk] = ModelPost(answer.pk, Post.Kind.ANSWER, author, question)

    @rule(post=st.integers(0, 19), voter=st.integers(0, 4), value=st.sampled_from([1, -1, 0]))
    def vote_on_a_post(self, post: int, voter: int, value: int) -> None:
        """Mostly someone else's vote; the author's own (refused) when `voter` comes to them."""
        target = self.model[self.pick(post)]
        others = [name for name in MEMBERS if name != target.author]
        voters = others + [target.author] if target.author else others
        self.vote(target.pk, voters[voter % len(voters)], value)

    @precondition(lambda self: self.votes)
    @rule(vote=st.integers(0, 49), value=st.sampled_from([0, -1, 1]))
    def change_a_vote(self, vote: int, value: int) -> None:
        """Withdraw or turn around a vote already cast (or cast it again: no change)."""
        post, voter = sorted(self.votes)[vote % len(self.votes)]
        self.vote(post, voter, value)

    def vote(self, post: int, voter: str, value: int) -> None:
        target = self.model[post]
        old = self.votes.get((post, voter), 0)
        # The privilege checked is the new vote's, or the old one's when withdrawing.
        # An answer of a question that is not published cannot be voted on either.
        question = self.model[target.question] if target.question else target
        refused = value != old and (
            target.state != PUBLISHED
            or question.state != PUBLISHED
            or target.author == voter
            or ((value or old) == -1 and not self.may_vote_down(voter))
        )
        if refused:
            with pytest.raises(PermissionDenied):
                actions.cast_vote(post=Post(pk=post), user=self.member(voter), value=value)
            return
        actions.cast_vote(post=Post(pk=post), user=self.member(voter), value=value)
        if value:
            self.votes[(post, voter)] = value
        else:
            self.votes.pop((post, voter), None)

    @rule(
        question=st.integers(0, 9),
        answer=st.integers(-1, 9),
        by=st.sampled_from(["the asker", "Mo", *MEMBERS]),
    )
    def select(self, question: int, answer: int, by: str) -> None:
        """Select one of the question's answers as best, another one later, or none (-1)."""
        asked = self.model[self.pick(question, "Q")]
        by = asked.author if by == "the asker" else by
        mine = [a.pk for a in self.model.values() if a.question == asked.pk]
        best = None if answer < 0 or not mine else mine[answer % len(mine)]
        call = {
            "question": Post(pk=asked.pk),
            "answer": Post(pk=best) if best else None,
            "user": self.moderator if by == "Mo" else self.member(by),
        }
        if by != asked.author and by == BASIC:  # experts and moderators may select for others
            with pytest.raises(PermissionDenied):
                actions.select_answer(**call)
        elif asked.state != PUBLISHED:
            with pytest.raises(PermissionDenied):
                actions.select_answer(**call)
        elif best is not None and self.model[best].state != PUBLISHED:
            with pytest.raises(ValidationError):
                actions.select_answer(**call)
        else:
            actions.select_answer(**call)
            asked.accepted = best

    @rule(post=st.integers(0, 19), state=st.sampled_from([HIDDEN, PUBLISHED, DELETED]))
    def moderate(self, post: int, state: str) -> None:
        """The moderator hides, restores and deletes anything."""
        pk = self.pick(post)
        actions.set_post_state(post=Post(pk=pk), state=state, actor=self.moderator)
        self.model[pk].state = state

    @rule(post=st.integers(0, 19), own=st.booleans(), other=st.sampled_from(MEMBERS))
    def delete_as_a_member(self, post: int, own: bool, other: str) -> None:
        """Authors may delete their own posts; members may not delete others' posts."""
        target = self.model[self.pick(post)]
        actor = target.author if own and target.author else other
        call = {"post": Post(pk=target.pk), "state": DELETED, "actor": self.member(actor)}
        if target.author != actor:
            with pytest.raises(PermissionDenied):
                actions.set_post_state(**call)
            return
        actions.set_post_state(**call)
        target.state = DELETED

    # --- checked after every step ----------------------------------------------

    @invariant()
    def the_books_balance(self) -> None:
        names = {pk: name for name, pk in self.users.items()} | {self.moderator.pk: "Mo"}
        stored = {names[pk]: points for pk, points in User.objects.values_list("pk", "points")}
        assert ledger_mismatches() == {}
        self.check_facts(names)
        assert stored == self.expected_points()
        # Last, because recount() repairs what it finds: it must find nothing, on every step.
        assert recount() == NOTHING_WRONG

    def check_facts(self, names: dict[int, str]) -> None:
        """The stored facts and counters are the model's."""
        votes = Vote.objects.values_list("post_id", "user_id", "value")
        assert {(post, names[user]): value for post, user, value in votes} == self.votes
        posts = {p.pk: p for p in Post.objects.all()}
        for pk, expected in self.model.items():
            stored = posts[pk]
            assert stored.state == expected.state
            assert stored.accepted_answer_id == expected.accepted
            up = sum(1 for (p, _), v in self.votes.items() if p == pk and v == 1)
            down = sum(1 for (p, _), v in self.votes.items() if p == pk and v == -1)
            assert (stored.upvotes, stored.downvotes, stored.score) == (up, down, up - down)
            if expected.kind == Post.Kind.QUESTION:
                answers = [
                    a for a in self.model.values() if a.question == pk and a.state == PUBLISHED
                ]
                assert stored.answer_count == len(answers)
        counted = [q for q in self.model.values() if q.kind == "Q" and q.state == PUBLISHED]
        for slug, count in Category.objects.filter(parent__isnull=False).values_list(
            "slug", "question_count"
        ):
            assert count == sum(1 for q in counted if q.category == slug)
        for tag, count in Tag.objects.values_list("name", "question_count"):
            assert count == sum(1 for q in counted if tag in q.tags)


def test_any_history_keeps_counters_and_points_equal_to_what_the_facts_say(db: None) -> None:
    run_state_machine_as_test(
        CounterMachine,
        settings=hypothesis_settings(
            max_examples=HISTORIES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


# --- the scheme's numbers, Question2Answer's defaults (base 100, multiple 10) ---


def points_of(*users: User) -> list[int]:
    return [User.objects.get(pk=user.pk).points for user in users]


def experts(count: int) -> list[User]:
    return [make_user(f"Voter{n}", Level.EXPERT) for n in range(count)]


@pytest.fixture(autouse=True)
def books_balance_at_the_end_of_every_story(db: None):
    """Every story also ends with an exact ledger and nothing for recount to correct."""
    yield
    assert ledger_mismatches() == {}
    assert recount() == NOTHING_WRONG


def test_a_new_member_has_100_points(db: None) -> None:
    newcomer = make_user("Newcomer")
    assert points_of(newcomer) == [100]
    assert not PointsEntry.objects.filter(user=newcomer).exists()


def test_asking_a_question_earns_20_points(alice: User, question: Post) -> None:
    assert points_of(alice) == [120]
    entry = PointsEntry.objects.get(user=alice)
    assert (entry.delta, entry.reason, entry.post_id) == (20, "question posted", question.pk)


def test_answering_earns_40_points(bob: User, answer: Post) -> None:
    assert points_of(bob) == [140]
    assert list(PointsEntry.objects.filter(user=bob).values_list("delta", flat=True)) == [40]


def test_a_best_answer_earns_its_author_300_and_the_asker_30(
    alice: User, bob: User, question: Post, answer: Post
) -> None:
    actions.select_answer(question=question, answer=answer, user=alice)
    assert points_of(alice, bob) == [120 + 30, 140 + 300]


def test_unselecting_the_best_answer_takes_both_awards_back(
    alice: User, bob: User, question: Post, answer: Post
) -> None:
    actions.select_answer(question=question, answer=answer, user=alice)
    actions.select_answer(question=question, answer=None, user=alice)
    assert points_of(alice, bob) == [120, 140]


def test_selecting_another_answer_moves_the_award_to_its_author(
    alice: User, bob: User, carol: User, question: Post, answer: Post
) -> None:
    later = actions.post_answer(question=question, author=carol, body="Another way.")
    actions.select_answer(question=question, answer=answer, user=alice)
    actions.select_answer(question=question, answer=later, user=alice)
    assert points_of(alice, bob, carol) == [150, 140, 440]


def test_selecting_your_own_answer_on_your_own_question_earns_nothing(
    alice: User, question: Post
) -> None:
    own = actions.post_answer(question=question, author=alice, body="I found my own way.")
    assert points_of(alice) == [160]
    actions.select_answer(question=question, answer=own, user=alice)
    assert points_of(alice) == [160]
    assert Post.objects.get(pk=question.pk).accepted_answer_id == own.pk


def test_eleven_up_votes_on_a_question_give_its_author_only_100(
    alice: User, question: Post
) -> None:
    voters = experts(11)
    for voter in voters:
        actions.cast_vote(post=question, user=voter, value=1)
    question.refresh_from_db()
    assert (question.upvotes, question.score) == (11, 11)
    assert points_of(alice) == [120 + 100]
    assert points_of(*voters) == [110] * 11


def test_four_down_votes_on_an_answer_take_only_50(bob: User, answer: Post) -> None:
    for voter in experts(4):
        actions.cast_vote(post=answer, user=voter, value=-1)
    answer.refresh_from_db()
    assert (answer.downvotes, answer.score) == (4, -4)
    assert points_of(bob) == [140 - 50]


def test_casting_a_vote_earns_the_voter_10_and_withdrawing_takes_it_back(
    bob: User, answer: Post
) -> None:
    [voter] = experts(1)
    actions.cast_vote(post=answer, user=voter, value=1)
    assert points_of(voter, bob) == [110, 160]
    actions.cast_vote(post=answer, user=voter, value=-1)  # a change of mind, still one vote cast
    assert points_of(voter, bob) == [110, 120]
    actions.cast_vote(post=answer, user=voter, value=-1)  # the same vote twice counts once
    assert points_of(voter, bob) == [110, 120]
    actions.cast_vote(post=answer, user=voter, value=0)
    assert points_of(voter, bob) == [100, 140]
    assert not Vote.objects.filter(post=answer).exists()


def test_voting_on_your_own_post_is_refused_and_changes_nothing(
    alice: User, question: Post
) -> None:
    with pytest.raises(PermissionDenied):
        actions.cast_vote(post=question, user=alice, value=1)
    assert points_of(alice) == [120]
    assert not Vote.objects.exists()


def test_a_basic_member_cannot_vote_down(bob: User, question: Post) -> None:
    with pytest.raises(PermissionDenied):
        actions.cast_vote(post=question, user=bob, value=-1)
    assert not Vote.objects.exists()


def test_hiding_a_post_takes_its_points_and_its_voters_points_and_restoring_gives_them_back(
    alice: User, bob: User, question: Post, answer: Post, moderator: User
) -> None:
    up_on_answer, down_on_question, up_on_question = experts(3)
    actions.cast_vote(post=answer, user=up_on_answer, value=1)
    actions.cast_vote(post=question, user=down_on_question, value=-1)
    actions.cast_vote(post=question, user=up_on_question, value=1)
    actions.select_answer(question=question, answer=answer, user=alice)
    everyone = (alice, bob, up_on_answer, down_on_question, up_on_question)
    before = points_of(*everyone)
    assert before == [150, 460, 110, 110, 110]

    actions.set_post_state(post=answer, state=Post.State.HIDDEN, actor=moderator)
    assert points_of(*everyone) == [120, 100, 100, 110, 110]
    actions.set_post_state(post=answer, state=Post.State.PUBLISHED, actor=moderator)
    assert points_of(*everyone) == before

    actions.set_post_state(post=question, state=Post.State.HIDDEN, actor=moderator)
    assert points_of(*everyone) == [100, 160, 110, 100, 100]
    actions.set_post_state(post=question, state=Post.State.DELETED, actor=moderator)
    assert points_of(*everyone) == [100, 160, 110, 100, 100]
    actions.set_post_state(post=question, state=Post.State.PUBLISHED, actor=moderator)
    assert points_of(*everyone) == before
