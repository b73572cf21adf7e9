"""Every write of the notify app: one verb per thing a member (or an email link) does."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404
from django.tasks import task_backends
from django.utils import timezone

from mindwell.accounts.models import Level, User
from mindwell.moderation.actions import audit
from mindwell.notify.models import Delivery, EmailSettings, Follow, Kind, Notification, Suppression
from mindwell.notify.tokens import Unsubscribe
from mindwell.qa.models import Category, Post, Tag

PENDING = Delivery.State.PENDING


def settings_of(user: User) -> EmailSettings:
    """The member's email choices; the defaults when they never changed them."""
    try:
        return user.email_settings  # type: ignore[attr-defined, no-any-return]
    except EmailSettings.DoesNotExist:
        return EmailSettings(user=user)


def queue_deliveries(deliveries: list[Delivery]) -> None:
    """Store deliveries (a key already stored is skipped) and enqueue a send task for each."""
    if not deliveries:
        return
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    ids = list(
        Delivery.objects.filter(key__in=[d.key for d in deliveries], state=PENDING).values_list(
            "pk", flat=True
        )
    )
    enqueue_sends(ids)


def enqueue_sends(ids: list[int]) -> None:
    """Enqueue send tasks: at once when the task queue is this database (same transaction),
    after commit otherwise, so that a task never names a delivery that was rolled back."""
    from mindwell.notify.tasks import send_delivery

    def enqueue() -> None:
        for pk in ids:
            send_delivery.enqueue(pk)

    if task_backends["default"].__class__.__module__.startswith("django_tasks_db"):
        enqueue()
    else:
        transaction.on_commit(enqueue)


# --- follows ----------------------------------------------------------------------


def follow(*, user: User, target: Post | Category | Tag) -> Follow:
    with transaction.atomic():
        found, _ = Follow.objects.get_or_create(user=user, **_target(target))
    return found


def unfollow(*, user: User, target: Post | Category | Tag) -> None:
    with transaction.atomic():
        Follow.objects.filter(user=user, **_target(target)).delete()


def _target(target: Post | Category | Tag) -> dict[str, Any]:
    if isinstance(target, Post):
        if not target.is_question:
            raise Http404("Only questions can be followed")
        return {"question": target}
    if isinstance(target, Category):
        return {"category": target}
    return {"tag": target}


# --- in-app notifications -----------------------------------------------------------


def mark_read(*, user: User, notification_id: int) -> Notification:
    with transaction.atomic():
        notification = Notification.objects.select_related("post").get(
            pk=notification_id, user=user
        )
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, user: User) -> int:
    with transaction.atomic():
        return Notification.objects.filter(user=user, read_at=None).update(read_at=timezone.now())


# --- email choices ------------------------------------------------------------------

EMAIL_KINDS = ["answer", "comment", "selected", "followed", "mention"]


def save_email_settings(*, user: User, choices: dict[str, bool]) -> EmailSettings:
    with transaction.atomic():
        fields = {name: bool(choices.get(name)) for name in [*EMAIL_KINDS, "digest"]}
        found, _ = EmailSettings.objects.update_or_create(user=user, defaults=fields)
    return found


def unsubscribe(request: Unsubscribe) -> bool:
    """Stop one kind of email for the member or address in a signed link. False: nothing to do."""
    if request.kind not in EMAIL_KINDS and request.kind != Kind.DIGEST:
        return False
    with transaction.atomic():
        if request.user_id:
            if not User.objects.filter(pk=request.user_id).exists():
                return False
            EmailSettings.objects.update_or_create(
                user_id=request.user_id, defaults={request.kind: False}
            )
        elif request.address_hash:
            Suppression.objects.get_or_create(address_hash=request.address_hash, kind=request.kind)
        else:
            return False
        # Emails already queued for that choice are not sent either.
        pending = Delivery.objects.filter(kind=request.kind, state=PENDING)
        if request.user_id:
            pending = pending.filter(user_id=request.user_id)
        else:
            pending = pending.filter(address_hash=request.address_hash)
        pending.update(state=Delivery.State.CANCELLED, last_error="unsubscribed")
    return True


# --- confirming a member's address ----------------------------------------------------


def request_confirmation(*, user: User) -> Delivery:
    """Queue an email with a signed link that confirms the member's address."""
    with transaction.atomic():
        now = timezone.now()
        delivery = Delivery(
            key=f"confirm:u{user.pk}:{now.timestamp():.6f}", kind=Kind.CONFIRM, user=user
        )
        queue_deliveries([delivery])
    return Delivery.objects.get(key=delivery.key)


# --- failed deliveries (admins) --------------------------------------------------------


def retry_delivery(*, actor: User, delivery_id: int) -> Delivery:
    if actor.level < Level.ADMIN:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Only admins can retry emails.")
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.state != Delivery.State.FAILED:
            return delivery
        now = timezone.now()
        delivery.state, delivery.attempts, delivery.next_attempt_at = PENDING, 0, now
        delivery.enqueued_at = now
        delivery.save(update_fields=["state", "attempts", "next_attempt_at", "enqueued_at"])
        audit(actor=actor, action="retry email", post=delivery.post, reason=delivery.key)
        enqueue_sends([delivery.pk])
    return delivery
