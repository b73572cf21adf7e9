"""Facts of the Q&A: categories, tags, posts (questions, answers, comments), votes, revisions.

Questions, answers and comments are rows of one Post table, as in Question2Answer's
qa_posts and Stack Exchange's Posts, so that votes, revisions and moderation point
at one thing. Counters (score, answer_count, question_count) are stored for fast
reads; actions keep them right inside the transaction that changes the facts, and
`mindwell recount` rebuilds them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from mindwell.accounts.models import User


class Professionals(models.TextChoices):
    """What a category asks of its answerers' verification as professionals."""

    ANYONE = "", "anyone may answer"
    HIGHLIGHT = "highlight", "highlight verified professionals"
    REQUIRE = "require", "only verified professionals may answer"


class ContentWarning(models.TextChoices):
    SUICIDE = "suicide"
    SELF_HARM = "self-harm"
    ABUSE = "abuse"
    EATING = "eating", "eating disorders"
    SUBSTANCES = "substances", "substance use"
    GRIEF = "grief"
    OTHER = "other"


def warning_label(value: str) -> str:
    """ "eating disorders" for "eating"; the value itself ("self-harm") where it says it all."""
    label = str(dict(ContentWarning.choices).get(value, value))
    return value if label.lower() == value.replace("-", " ") else label


class Category(models.Model):
    """Two levels at most: a top category (Relationships) and its children (Couples)."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=60)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    question_count = models.PositiveIntegerField(default=0)
    # Supportive mode: no down-votes and no scores shown, for categories where
    # people share personal experiences.
    supportive = models.BooleanField(default=False)
    professionals = models.CharField(
        max_length=10, choices=Professionals.choices, default=Professionals.ANYONE, blank=True
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent is not None else self.name

    def get_absolute_url(self) -> str:
        return reverse("category", args=[self.slug])


class Tag(models.Model):
    name = models.CharField(max_length=40, unique=True)
    question_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tag", args=[self.name])


class PostQuerySet(models.QuerySet["Post"]):
    def visible_to(self, user: User | AnonymousUser | None) -> PostQuerySet:
        """The one gate for visibility: every page, list and feed reads posts through it.

        Everyone sees published posts; authors also see their own held posts
        (awaiting review); moderators see held and hidden ones. Deleted posts are
        seen by nobody. Visitors (and so crawlers, feeds and sitemaps) do not see
        "members only" posts (answers and comments inherit it from their question).
        """
        if user is None or not user.is_authenticated:
            return self.filter(state=Post.State.PUBLISHED, members_only=False)
        if user.is_moderator:
            return self.exclude(state=Post.State.DELETED)
        return self.filter(Q(state=Post.State.PUBLISHED) | Q(state=Post.State.HELD, author=user))

    def questions(self) -> PostQuerySet:
        return self.filter(kind=Post.Kind.QUESTION)

    def unanswered(self) -> PostQuerySet:
        return self.questions().filter(answer_count=0)


class Post(models.Model):
    class Kind(models.TextChoices):
        QUESTION = "Q", "question"
        ANSWER = "A", "answer"
        COMMENT = "C", "comment"

    class State(models.TextChoices):
        PUBLISHED = "published"
        HELD = "held", "held for review"
        HIDDEN = "hidden"
        DELETED = "deleted"

    kind = models.CharField(max_length=1, choices=Kind.choices)
    # A comment's parent is the question or answer it is on; an answer's parent is
    # its question. `question` is the root for answers and comments, so one query
    # fetches everything a question page shows.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    question = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="thread"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="questions"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="questions")
    title = models.CharField(max_length=150, blank=True)
    body = models.TextField()
    body_html = models.TextField()

    # The author: a member, or a visitor who is not logged in (author is null and
    # anon_name holds the display name they chose, possibly empty).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
    )
    anon_name = models.CharField(max_length=40, blank=True)
    # Only for sending this visitor notifications about this post; never shown.
    anon_email = models.EmailField(blank=True)
    notify_by_email = models.BooleanField(default=False)
    # A member who chose "hide my name on this post": author is kept (points,
    # their own data export) but the identity gate shows "anonymous" to others.
    anonymous = models.BooleanField(default=False)
    # The address the post came from, for moderators blocking abusive anonymous
    # posting; never shown to other users.
    author_ip = models.GenericIPAddressField(null=True, blank=True)

    # Space-separated ContentWarning values chosen by the author ("" for none).
    content_warnings = models.CharField(max_length=100, blank=True)
    members_only = models.BooleanField(default=False)  # hidden from visitors and crawlers
    noindex = models.BooleanField(default=False)  # "don't show in search engines"

    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_activity_at = models.DateTimeField(default=timezone.now)

    state = models.CharField(max_length=10, choices=State.choices, default=State.PUBLISHED)
    # Why a moderator hid or held the post, shown to its author.
    state_reason = models.CharField(max_length=200, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=200, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    comments_locked = models.BooleanField(default=False)

    views = models.PositiveIntegerField(default=0)
    score = models.IntegerField(default=0)
    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    answer_count = models.PositiveIntegerField(default=0)
    accepted_answer = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["kind", "state", "-created_at"], name="post_recent_idx"),
            models.Index(fields=["kind", "state", "-last_activity_at"], name="post_active_idx"),
            models.Index(fields=["kind", "state", "-score"], name="post_score_idx"),
            models.Index(fields=["kind", "state", "answer_count"], name="post_unanswered_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="Q", parent__isnull=True, question__isnull=True)
                | Q(kind__in=["A", "C"], parent__isnull=False, question__isnull=False),
                name="post_kind_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.body[:60]

    def get_absolute_url(self) -> str:
        """A question's canonical URL; an answer or comment links into its question."""
        if self.is_question:
            return reverse("question", args=[self.pk, self.slug])
        return reverse("post_redirect", args=[self.pk])

    @property
    def is_question(self) -> bool:
        return self.kind == self.Kind.QUESTION

    @property
    def is_answer(self) -> bool:
        return self.kind == self.Kind.ANSWER

    @property
    def is_comment(self) -> bool:
        return self.kind == self.Kind.COMMENT

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def slug(self) -> str:
        return slugify(self.title)[:80] or "question"

    @property
    def warnings(self) -> list[str]:
        """The content warnings' labels, for readers: ["suicide", "eating disorders"]."""
        return [warning_label(w) for w in self.content_warnings.split()]

    @property
    def root(self) -> Post:
        """The question this post belongs to: itself for a question."""
        return self.question if self.question is not None else self


class Vote(models.Model):
    """One member's vote on one question or answer: +1 or -1."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes"
    )
    value = models.SmallIntegerField(choices=[(1, "up"), (-1, "down")])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="vote_one_per_user"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="vote_value_up_or_down"),
        ]

    def __str__(self) -> str:
        return f"{self.value:+d} on post {self.post_id}"


class Revision(models.Model):
    """One version of a post's title, body and tags. Number 1 is the original."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=150, blank=True)
    body = models.TextField()
    tags = models.CharField(max_length=250, blank=True)  # space-separated, as typed
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["post", "number"], name="revision_number_unique")
        ]

    def __str__(self) -> str:
        return f"revision {self.number} of post {self.post_id}"
