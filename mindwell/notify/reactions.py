"""Who hears about a Q&A write: called from `qa.events.happened`, inside the write's transaction.

Rows written here (in-app notifications, email deliveries and their tasks)
share the fate of the post: if the post is rolled back, so are they, and no
email is ever sent for it.
"""

from __future__ import annotations

import re

from django.db.models import Q

from mindwell.accounts.models import User
from mindwell.notify.actions import queue_deliveries, settings_of
from mindwell.notify.models import POST_KINDS, Delivery, Follow, Kind, Notification, Suppression
from mindwell.notify.tokens import address_hash
from mindwell.qa.events import Event
from mindwell.qa.events import Kind as EventKind
from mindwell.qa.models import Post

PUBLISHED = Post.State.PUBLISHED
# "@Name" or "@Two Words": display names may hold a space, so both are looked up
# and the longer one wins. Code spans and email addresses ("a@b.c") do not count.
MENTION_RE = re.compile(r"(?<![\w@])@([^\W_][\w.'-]*)(?: ([^\W_][\w.'-]*))?")
MAX_MENTIONS = 10


def _rank(kind: str) -> int:
    return POST_KINDS.index(Kind(kind))


class Recipients:
    """Who hears about an event and as what: members by id, visitors by their anonymous post."""

    def __init__(self, actor: User | None) -> None:
        self.actor_id = actor.pk if actor else None
        self.members: dict[int, str] = {}
        self.visitors: dict[int, tuple[Post, str]] = {}

    def add_member(self, user_id: int | None, kind: str) -> None:
        if user_id is None or user_id == self.actor_id:
            return
        old = self.members.get(user_id)
        if old is None or _rank(kind) < _rank(old):
            self.members[user_id] = kind

    def add_author(self, post: Post, kind: str) -> None:
        """The author of `post`: a member, or a visitor who asked for emails about it."""
        if post.author_id is not None:
            self.add_member(post.author_id, kind)
        elif post.notify_by_email and post.anon_email:
            old = self.visitors.get(post.pk)
            if old is None or _rank(kind) < _rank(old[1]):
                self.visitors[post.pk] = (post, kind)


def on_qa_event(event: Event) -> None:
    post = event.post
    if post.state != PUBLISHED:
        return  # held or hidden posts notify nobody
    recipients = Recipients(event.actor)
    subject = post  # the post a notification points at
    if event.kind == EventKind.ASKED:
        if post.author_id is not None:
            Follow.objects.get_or_create(user_id=post.author_id, question=post)
        _followers_of_topics(post, recipients)
        _mentions(post, recipients)
    elif event.kind == EventKind.ANSWERED:
        question = _published(post.question_id)
        if question is None:
            return
        recipients.add_author(question, Kind.ANSWER)
        _followers_of_question(question, recipients)
        _mentions(post, recipients)
    elif event.kind == EventKind.COMMENTED:
        question = _published(post.question_id)
        parent = _published(post.parent_id)
        if question is None or parent is None:
            return
        recipients.add_author(parent, Kind.COMMENT)
        # "Email me if my comment gets a reply": earlier comments on the same post.
        for earlier in Post.objects.filter(
            parent=parent, kind=Post.Kind.COMMENT, state=PUBLISHED
        ).exclude(pk=post.pk):
            recipients.add_author(earlier, Kind.COMMENT)
        _followers_of_question(question, recipients)
        _mentions(post, recipients)
    elif event.kind == EventKind.SELECTED:
        answer = _published(post.accepted_answer_id)
        if answer is None:
            return  # unselected
        recipients.add_author(answer, Kind.SELECTED)
        subject = answer
    else:
        return
    _write(subject, recipients)


def _published(pk: int | None) -> Post | None:
    return Post.objects.filter(pk=pk, state=PUBLISHED).first() if pk else None


def _followers_of_question(question: Post, recipients: Recipients) -> None:
    for user_id in Follow.objects.filter(question=question).values_list("user_id", flat=True):
        recipients.add_member(user_id, Kind.FOLLOWED)


def _followers_of_topics(question: Post, recipients: Recipients) -> None:
    """Followers of the question's category (or its parent) and of any of its tags."""
    categories = [question.category_id]
    if question.category is not None and question.category.parent_id:
        categories.append(question.category.parent_id)
    follows = Follow.objects.filter(
        Q(category_id__in=categories) | Q(tag__in=question.tags.all())
    ).values_list("user_id", flat=True)
    for user_id in follows:
        recipients.add_member(user_id, Kind.FOLLOWED)


def mentioned_names(body: str) -> list[str]:
    """Candidate display names after each @: the first word, and the first two words."""
    names: list[str] = []
    for match in MENTION_RE.finditer(body):
        first, second = match.group(1).rstrip(".'-"), match.group(2)
        names.append(first)
        if second:
            names.append(f"{first} {second.rstrip(".'-")}")
    return names[: MAX_MENTIONS * 2]


def _mentions(post: Post, recipients: Recipients) -> None:
    names = mentioned_names(post.body)
    if not names:
        return
    query = Q()
    for name in names:
        query |= Q(display_name__iexact=name)
    for user_id in User.objects.filter(query, is_active=True).values_list("pk", flat=True):
        recipients.add_member(user_id, Kind.MENTION)


def _write(subject: Post, recipients: Recipients) -> None:
    Notification.objects.bulk_create(
        [
            Notification(user_id=uid, kind=kind, post=subject)
            for uid, kind in recipients.members.items()
        ],
        ignore_conflicts=True,
    )
    deliveries = []
    members = User.objects.filter(
        pk__in=recipients.members, is_active=True, email_confirmed_at__isnull=False
    ).select_related("email_settings")
    for member in members:
        kind = recipients.members[member.pk]
        choices = settings_of(member)
        if choices.wants(kind) and not choices.digest:
            deliveries.append(
                Delivery(
                    key=f"{kind}:{subject.pk}:u{member.pk}", kind=kind, post=subject, user=member
                )
            )
    if recipients.visitors:
        hashes = {
            pk: address_hash(post.anon_email) for pk, (post, _) in recipients.visitors.items()
        }
        suppressed = set(
            Suppression.objects.filter(address_hash__in=hashes.values()).values_list(
                "address_hash", "kind"
            )
        )
        for pk, (_post, kind) in recipients.visitors.items():
            digest = hashes[pk]
            if (digest, kind) not in suppressed:
                # Keyed by the address's hash: one email per address, however many posts.
                deliveries.append(
                    Delivery(
                        key=f"{kind}:{subject.pk}:a{digest[:40]}",
                        kind=kind,
                        post=subject,
                        address_post_id=pk,
                        address_hash=digest,
                    )
                )
    queue_deliveries(deliveries)
