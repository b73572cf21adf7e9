"""Verbs of professional verification. Moderators' decisions are audited in their transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from mindwell.accounts.models import User
from mindwell.moderation.audit import audit
from mindwell.professionals.models import BADGE_SECONDS, Credential, badge_key
from mindwell.qa import pagecache


def apply(
    *,
    user: User,
    profession: str,
    licence_number: str,
    licensing_body: str,
    country: str,
    expires_on: date,
) -> Credential:
    """Apply (or apply again) as a professional; the application waits for a moderator."""
    if not licence_number.strip():
        raise ValidationError("Give your licence or registration number.")
    if expires_on <= timezone.localdate():
        raise ValidationError("The licence expiry date must be in the future.")
    with transaction.atomic():
        credential, _ = Credential.objects.update_or_create(
            user=user,
            defaults={
                "profession": profession,
                "licence_number": licence_number.strip(),
                "licensing_body": licensing_body.strip(),
                "country": country.upper(),
                "expires_on": expires_on,
                "status": Credential.Status.PENDING,
                "applied_at": timezone.now(),
                "decided_at": None,
                "decided_by": None,
                "decision_reason": "",
                "reminded_at": None,
            },
        )
    return credential


def decide(
    *, credential: Credential, moderator: User, verify: bool, reason: str = ""
) -> Credential:
    """Verify or decline a pending application, with an audit entry."""
    if not moderator.is_moderator:
        raise PermissionDenied("Only moderators verify professionals.")
    if not verify and not reason.strip():
        raise ValidationError("Say why the application is declined: the applicant reads it.")
    with transaction.atomic():
        credential = Credential.objects.select_for_update().get(pk=credential.pk)
        if credential.status != Credential.Status.PENDING:
            raise ValidationError("This application has already been decided.")
        before = {"status": credential.status}
        credential.status = Credential.Status.VERIFIED if verify else Credential.Status.DECLINED
        credential.decided_at, credential.decided_by = timezone.now(), moderator
        credential.decision_reason = reason.strip()
        credential.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
        retire_pages_showing(credential.user_id)  # the badge appears on their answers
        audit(
            actor=moderator,
            action="verify professional" if verify else "decline professional",
            user=credential.user,
            reason=reason.strip(),
            before=before,
            after={
                "status": credential.status,
                "profession": credential.profession,
                "country": credential.country,
                "expires_on": credential.expires_on.isoformat(),
            },
        )
    return credential


def lapse_expired(today: date | None = None) -> int:
    """Mark verifications past their expiry date as lapsed. Returns how many lapsed."""
    today = today or timezone.localdate()
    with transaction.atomic():
        expired = list(
            Credential.objects.select_for_update()
            .select_related("user")
            .filter(status=Credential.Status.VERIFIED, expires_on__lt=today)
        )
        for credential in expired:
            credential.status = Credential.Status.LAPSED
            credential.save(update_fields=["status"])
            retire_pages_showing(credential.user_id)
            audit(
                actor=None,
                action="lapse professional",
                user=credential.user,
                reason=f"licence expired on {credential.expires_on.isoformat()}",
                before={"status": Credential.Status.VERIFIED},
                after={"status": Credential.Status.LAPSED},
            )
        _email_after_commit(
            (
                c.user,
                "Your professional verification has lapsed",
                f"Your licence recorded on {settings.SITE_NAME} expired on "
                f"{c.expires_on:%d %B %Y}, so your answers no longer carry the professional "
                "badge. Apply again with your renewed licence to be verified again.",
            )
            for c in expired
        )
    return len(expired)


def send_reminders(days: int, today: date | None = None) -> int:
    """Email verified professionals whose licence expires within `days`, once per licence."""
    today = today or timezone.localdate()
    with transaction.atomic():
        due = list(
            Credential.objects.select_for_update()
            .select_related("user")
            .filter(
                status=Credential.Status.VERIFIED,
                reminded_at__isnull=True,
                expires_on__gte=today,
                expires_on__lte=today + timedelta(days=days),
            )
        )
        Credential.objects.filter(pk__in=[c.pk for c in due]).update(reminded_at=timezone.now())
        _email_after_commit(
            (
                c.user,
                "Your professional verification expires soon",
                f"Your licence recorded on {settings.SITE_NAME} expires on "
                f"{c.expires_on:%d %B %Y}. After that day your answers no longer carry the "
                "professional badge. Apply again with your renewed licence before then.",
            )
            for c in due
        )
    return len(due)


def _email_after_commit(messages: Iterable[tuple[User, str, str]]) -> None:
    # The notify app has no API yet: plain send_mail, only once the decision is committed.
    for user, subject, body in list(messages):
        if user.is_active and user.email:
            transaction.on_commit(partial(_send, user.email, subject, body))


def retire_pages_showing(user_id: int) -> None:
    """Retire visitors' cached pages that show this member (their badge, their name), now
    and again after commit, as `qa.pagecache` does for every Q&A write."""
    if pagecache.enabled():
        keys = [pagecache.member_key(user_id), pagecache.LISTS]
        pagecache.bump(keys)
        transaction.on_commit(partial(pagecache.bump, keys))


def _send(address: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])


def verified_badges(user_ids: Iterable[int | None]) -> dict[int, str]:
    """The badge of each of these members who is a verified professional, in one query.

    Kept in the cache per member and day (a licence lapses on its day) while the
    page cache is on; every save or delete of a credential forgets its member's
    (`professionals.models`), so the next reader sees a decision.
    """
    wanted = sorted({pk for pk in user_ids if pk})
    if not wanted:
        return {}
    if not pagecache.enabled():
        return _badges(wanted)
    today = timezone.localdate()
    keys = {pk: badge_key(pk, today) for pk in wanted}
    found = cache.get_many(list(keys.values()))
    if missing := [pk for pk in wanted if keys[pk] not in found]:
        badges = _badges(missing)
        read = {keys[pk]: badges.get(pk, "") for pk in missing}  # "": not verified
        cache.set_many(read, BADGE_SECONDS)
        found.update(read)
    return {pk: found[keys[pk]] for pk in wanted if found[keys[pk]]}


def _badges(user_ids: list[int]) -> dict[int, str]:
    credentials = Credential.objects.verified().filter(user_id__in=user_ids)
    return {c.user_id: c.badge for c in credentials}


def is_verified(user: object) -> bool:
    if not isinstance(user, User):
        return False
    return Credential.objects.verified().filter(user=user).exists()
