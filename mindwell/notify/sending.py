"""Sending one delivery, exactly once as far as SMTP allows, and putting lost work back in line.

A send claims its delivery with one conditional UPDATE (pending → sending), so
two tasks for the same delivery never both send. The message goes out, then the
row is marked sent. If the worker dies between the SMTP server accepting the
message and that UPDATE (a few milliseconds), the claim runs out and the message
is sent again: SMTP offers no way to close that window. Every message carries a
Message-ID derived from its delivery, so a receiving system can drop the copy.
"""

from __future__ import annotations

import email.policy
import logging
import smtplib
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from mindwell.notify.actions import enqueue_sends, queue_deliveries, settings_of
from mindwell.notify.models import Delivery, EmailSettings, Kind, Notification, Suppression
from mindwell.notify.tokens import address_hash, confirm_token, unsubscribe_token
from mindwell.qa.identity import byline
from mindwell.qa.models import Post

log = logging.getLogger(__name__)
State = Delivery.State


def send(delivery_id: int) -> str:
    """Send a pending, due delivery. Returns what happened (the task's result)."""
    now = timezone.now()
    lease = timedelta(seconds=settings.MINDWELL_NOTIFY_LEASE_SECONDS)
    claimed = Delivery.objects.filter(
        pk=delivery_id, state=State.PENDING, next_attempt_at__lte=now
    ).update(state=State.SENDING, claimed_until=now + lease, attempts=F("attempts") + 1)
    if not claimed:
        return "not pending"  # sent, cancelled, failed, or taken by another worker
    delivery = Delivery.objects.select_related(
        "user", "user__email_settings", "post__question", "post__author", "address_post"
    ).get(pk=delivery_id)
    message = compose(delivery)
    if message is None:
        Delivery.objects.filter(pk=delivery.pk).update(state=State.CANCELLED, claimed_until=None)
        return "cancelled"
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        return _failed(delivery, error, message.to[0])
    Delivery.objects.filter(pk=delivery.pk).update(
        state=State.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
    )
    log.info("sent email %s (delivery %s)", delivery.kind, delivery.pk)
    return "sent"


def _failed(delivery: Delivery, error: Exception, address: str) -> str:
    # Server replies often quote the recipient: the address never reaches a log or a page.
    reason = f"{type(error).__name__}: {error}".replace(address, "<recipient>")[:300]
    attempts = delivery.attempts
    if attempts >= settings.MINDWELL_NOTIFY_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk).update(
            state=State.FAILED, last_error=reason, claimed_until=None
        )
        log.warning("email delivery %s failed for good after %s attempts", delivery.pk, attempts)
        return "failed"
    now = timezone.now()
    retry_at = now + timedelta(seconds=settings.MINDWELL_NOTIFY_RETRY_SECONDS * 2 ** (attempts - 1))
    Delivery.objects.filter(pk=delivery.pk).update(
        state=State.PENDING,
        last_error=reason,
        next_attempt_at=retry_at,
        enqueued_at=now,
        claimed_until=None,
    )
    from mindwell.notify.tasks import send_delivery

    send_delivery.using(run_after=retry_at).enqueue(delivery.pk)
    log.warning("email delivery %s attempt %s failed, retrying later", delivery.pk, attempts)
    return "retry"


# --- lost work ---------------------------------------------------------------------


def requeue_stale() -> int:
    """Put back deliveries whose worker died (claim ran out) or whose task was lost.

    A task whose worker was killed stays "running" in the queue for ever; the
    delivery is the truth, so any due delivery not enqueued for a lease period
    gets a new task. A second task for one delivery is harmless: it finds the
    delivery no longer pending.
    """
    now = timezone.now()
    lease = timedelta(seconds=settings.MINDWELL_NOTIFY_LEASE_SECONDS)
    Delivery.objects.filter(state=State.SENDING, claimed_until__lt=now).update(
        state=State.PENDING, claimed_until=None
    )
    stale = list(
        Delivery.objects.filter(
            state=State.PENDING, next_attempt_at__lte=now, enqueued_at__lt=now - lease
        ).values_list("pk", flat=True)[:1000]
    )
    if stale:
        with transaction.atomic():
            Delivery.objects.filter(pk__in=stale).update(enqueued_at=now)
            enqueue_sends(stale)
    return len(stale)


def queue_digests() -> int:
    """A daily email for each member who chose the digest and has unread notifications."""
    now = timezone.now()
    day = timedelta(days=1)
    due = EmailSettings.objects.filter(
        digest=True, user__is_active=True, user__email_confirmed_at__isnull=False
    ).filter(Q(last_digest_at=None) | Q(last_digest_at__lte=now - day))
    queued = 0
    for choice in due.select_related("user"):
        with transaction.atomic():
            kinds = [kind for kind in Kind.values if choice.wants(kind)]
            notes = Notification.objects.filter(
                user=choice.user_id, digest=None, read_at=None, kind__in=kinds,
                created_at__gte=now - day,
            )  # fmt: skip
            if not notes.exists():
                continue
            key = f"digest:u{choice.user_id}:{now.date().isoformat()}"
            queue_deliveries([Delivery(key=key, kind=Kind.DIGEST, user=choice.user)])
            notes.update(digest=Delivery.objects.get(key=key))
            EmailSettings.objects.filter(pk=choice.pk).update(last_digest_at=now)
            queued += 1
    return queued


# --- composing ----------------------------------------------------------------------

SUBJECTS = {
    Kind.ANSWER: "New answer to “{title}”",
    Kind.COMMENT: "New comment on “{title}”",
    Kind.SELECTED: "Your answer to “{title}” was selected as best",
    Kind.FOLLOWED: "New activity on “{title}”",
    Kind.MENTION: "{name} mentioned you on “{title}”",
}


class NotificationEmail(EmailMultiAlternatives):
    def message(self, *, policy: Any = email.policy.default) -> Any:
        # A header longer than 78 characters with nowhere to fold would be turned
        # into encoded words, which mail clients do not read in List-Unsubscribe:
        # allow lines up to SMTP's limit instead.
        return super().message(policy=policy.clone(max_line_length=998))


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def compose(delivery: Delivery) -> NotificationEmail | None:
    """The message for a delivery, or None when there is no longer anything to send."""
    address, first_time, unsubscribe = _recipient(delivery)
    if not address:
        return None
    context: dict[str, object] = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "kind": delivery.kind,
        "first_time": first_time,
        "unsubscribe_url": unsubscribe,
        "settings_url": absolute(reverse("notification_settings")) if delivery.user else "",
    }
    if delivery.kind == Kind.CONFIRM:
        user = delivery.user
        if user is None:
            return None
        token = confirm_token(user.pk, address)
        context["confirm_url"] = absolute(reverse("confirm_email", args=[token]))
        context["name"] = user.display_name
        subject = f"Confirm your email address for {settings.SITE_NAME}"
    elif delivery.kind == Kind.DIGEST:
        notes = list(
            Notification.objects.filter(digest=delivery, post__state=Post.State.PUBLISHED)
            .select_related("post__question", "post__author")
            .order_by("created_at")
        )
        if not notes:
            return None
        context["items"] = [_item(note.kind, note.post) for note in notes]
        subject = f"Your daily {settings.SITE_NAME} digest: {len(notes)} new"
    else:
        post = delivery.post
        if post is None or post.state != Post.State.PUBLISHED:
            return None
        item = _item(delivery.kind, post)
        context.update(item)
        subject = SUBJECTS[Kind(delivery.kind)].format(title=item["title"], name=item["name"])
    message = NotificationEmail(
        subject=subject,
        body=render_to_string("notify/email/message.txt", context),
        to=[address],
        headers=_headers(delivery, unsubscribe),
    )
    message.attach_alternative(render_to_string("notify/email/message.html", context), "text/html")
    return message


def _item(kind: str, post: Post) -> dict[str, str]:
    question = post.root
    name = byline(post).name
    what = {
        Post.Kind.QUESTION: "asked",
        Post.Kind.ANSWER: "answered",
        Post.Kind.COMMENT: "commented",
    }
    return {
        "title": question.title,
        "name": name,
        "what": what[Post.Kind(post.kind)],
        "excerpt": post.body if len(post.body) <= 600 else post.body[:600] + "…",
        "url": absolute(f"{question.get_absolute_url()}#post-{post.pk}"),
        "kind": kind,
    }


def _recipient(delivery: Delivery) -> tuple[str, bool, str]:
    """(address, first email to this anonymous address?, unsubscribe link); "": don't send."""
    if delivery.user is not None:
        user = delivery.user
        if not user.is_active or not user.email:
            return "", False, ""
        if delivery.kind == Kind.CONFIRM:
            return user.email, False, ""
        if user.email_confirmed_at is None:
            return "", False, ""
        choices = settings_of(user)
        if delivery.kind != Kind.DIGEST and (choices.digest or not choices.wants(delivery.kind)):
            return "", False, ""
        token = unsubscribe_token(delivery.kind, user_id=user.pk)
        return user.email, False, absolute(reverse("unsubscribe", args=[token]))
    post = delivery.address_post
    if post is None or not post.notify_by_email or not post.anon_email:
        return "", False, ""
    digest = address_hash(post.anon_email)
    if Suppression.objects.filter(address_hash=digest, kind=delivery.kind).exists():
        return "", False, ""
    first_time = not Delivery.objects.filter(address_hash=digest, state=State.SENT).exists()
    token = unsubscribe_token(delivery.kind, address=post.anon_email)
    return post.anon_email, first_time, absolute(reverse("unsubscribe", args=[token]))


def _headers(delivery: Delivery, unsubscribe: str) -> dict[str, str]:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    # Stable per delivery: a copy sent again after a crash has the same Message-ID.
    headers = {"Message-ID": f"<delivery-{delivery.pk}.{delivery.key.split(':')[0]}@{host}>"}
    if unsubscribe:
        # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" to this URL.
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers
