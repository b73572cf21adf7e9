"""Writes of the safety app: qa's actions call these inside their own transactions.

Someone who may be at risk is never silenced: their post is published (held for
review only when it describes a method), they see support at once, and the
moderators are alerted at once with a response target. Whoever is late, every
moderator and admin hears of it (`mindwell safety_escalate`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from mindwell.accounts.models import Level, User
from mindwell.safety.helplines import forget_directory
from mindwell.safety.models import Helpline, Screening, WellbeingPreference
from mindwell.safety.screening import Screening as Finding
from mindwell.safety.screening import screen

if TYPE_CHECKING:
    from mindwell.qa.models import Post

log = logging.getLogger(__name__)

# moderation's actions are imported inside the functions that use them: they import
# qa's actions, which import these.


def screened_text(title: str, body: str) -> str:
    """What is screened: a question's title and body, or an answer's or comment's body."""
    return f"{title}\n\n{body}" if title.strip() else body


def screen_text(title: str, body: str) -> Finding:
    return screen(screened_text(title, body))


def screen_post(post: Post, found: Finding | None = None) -> Screening:
    """Store what screening finds in the post's current text, replacing the last finding.

    `found` is what the composer's check-in already found in the same text, so a
    post is screened once. A post that newly reads as risk alerts the moderators.
    """
    if found is None:
        found = screen_text(post.title, post.body)
    record = Screening.objects.filter(post=post).first() or Screening(post=post)
    was_at_risk = record.pk is not None and _at_risk(record.label, record.method_detail)
    record.label, record.score = found.label, found.score
    record.matched, record.method_detail = list(found.matched), found.method_detail
    record.screened_at = timezone.now()
    if _at_risk(found.label, found.method_detail) and not was_at_risk:
        _start_response_clock(record)
    record.save()
    post.screening = record  # moderation.holds reads it next
    return record


def _at_risk(label: str, method_detail: bool) -> bool:
    return label == Screening.Label.RISK or method_detail


def worry_about(post: Post, reader: User | None) -> Screening:
    """A reader is worried about the person who wrote `post`: put it before the moderators.

    A member who may flag also flags it "someone may be at risk" (once; it never
    hides the post); anyone else, visitors included, is still heard.
    """
    from mindwell.moderation.actions import flag_post
    from mindwell.moderation.models import FlagReason

    with transaction.atomic():
        record = Screening.objects.select_for_update().filter(post=post).first()
        if record is None:
            record = screen_post(post)
        if reader is not None:
            try:
                with transaction.atomic():
                    flag_post(post=post, user=reader, reason=FlagReason.AT_RISK)
            except PermissionDenied:
                pass  # not yet trusted to flag: the worry still counts below
            except ValidationError:
                return record  # flagged before: counted then
        record.worried_readers += 1
        _start_response_clock(record)
        record.save()
    return record


def record_response(*, screening: Screening, moderator: User, outcome: str, note: str) -> Screening:
    """A moderator has responded to someone who may be at risk: the outcome, and a note."""
    from mindwell.moderation.actions import audit

    if not moderator.is_moderator:
        raise PermissionDenied("Only moderators respond to people at risk.")
    if outcome not in Screening.Outcome.values:
        raise ValidationError(f"Unknown outcome {outcome!r}.")
    with transaction.atomic():
        record = Screening.objects.select_for_update().select_related("post").get(pk=screening.pk)
        before = {"responded_at": None, "alerted_at": _iso(record.alerted_at)}
        record.responded_at = timezone.now()
        record.responded_by = moderator
        record.response_outcome = outcome
        record.response_note = note
        record.save(
            update_fields=["responded_at", "responded_by", "response_outcome", "response_note"]
        )
        audit(
            actor=moderator,
            action="responded: at risk",
            post=record.post,
            reason=note,
            before=before,
            after={"responded_at": _iso(record.responded_at), "outcome": outcome},
        )
    return record


def escalate_overdue() -> int:
    """Alert every moderator and admin about posts left too long; how many posts.

    Two rules, each once per post: nobody responded within the response target, and a
    risk question has had no reply from anyone but its writer within the unanswered
    target. Run by `mindwell safety_escalate` and the task worker's sweep.
    """
    now = timezone.now()
    with transaction.atomic():
        overdue = list(Screening.objects.overdue(now).select_for_update(of=("self",)))
        unanswered = list(Screening.objects.unanswered(now).select_for_update(of=("self",)))
        if overdue:
            Screening.objects.filter(pk__in=[s.pk for s in overdue]).update(escalated_at=now)
            _escalate(
                f"No response in {_minutes(settings.MINDWELL_CRISIS_RESPONSE_MINUTES)}:"
                f" {len(overdue)} waiting (someone may be at risk)",
                "No moderator has responded within the response target to these posts,"
                " whose writers may be at risk. Please look now, or find a moderator who can:",
                overdue,
            )
        if unanswered:
            Screening.objects.filter(pk__in=[s.pk for s in unanswered]).update(
                unanswered_escalated_at=now
            )
            _escalate(
                f"No reply in {_minutes(settings.MINDWELL_CRISIS_UNANSWERED_MINUTES)}:"
                f" {len(unanswered)} question{'s' if len(unanswered) != 1 else ''}"
                " from someone who may be at risk",
                "Nobody but the writer has replied to these questions, whose writers may be"
                " at risk. Please reply kindly on the site, or ask someone who can:",
                unanswered,
            )
    return len({s.pk for s in overdue + unanswered})


def _escalate(subject: str, lead: str, screenings: list[Screening]) -> None:
    # Every moderator, not only the admins: whoever is around first can act.
    paths = "\n".join(_post_link(s.post_id) for s in screenings)
    _email_after_commit(
        User.objects.filter(level__gte=Level.MODERATOR, is_active=True),
        subject,
        f"{lead}\n\n{paths}\n\nThe list: {settings.SITE_URL}/safety/at-risk",
    )


def _minutes(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def set_check_ins(user: User, wanted: bool) -> WellbeingPreference:
    """The member's choice about moderators reaching out to them privately."""
    preference, _ = WellbeingPreference.objects.update_or_create(
        user=user, defaults={"check_ins": wanted}
    )
    return preference


def choose_country(user: User, code: str) -> None:
    """The member's country, which picks the helplines they are shown ("" for none)."""
    User.objects.filter(pk=user.pk).update(country=code)
    user.country = code


def _start_response_clock(record: Screening) -> None:
    """Put the post before the moderators, unless it already awaits their response."""
    if record.alerted_at is not None and record.responded_at is None:
        return
    record.alerted_at = timezone.now()
    record.responded_at = record.responded_by = record.escalated_at = None  # type: ignore[assignment]
    record.response_note = ""
    minutes = settings.MINDWELL_CRISIS_RESPONSE_MINUTES
    # The post's text stays on the site: an email never carries what the person wrote.
    _email_after_commit(
        User.objects.filter(level__gte=Level.MODERATOR, is_active=True),
        "Someone may be at risk: please respond",
        "A post on the site reads as if its writer may be at risk, or a reader is worried"
        f" about them. Please look within {minutes} minutes, reach out kindly, and record"
        f" the outcome:\n\n{_post_link(record.post_id)}\n\n"
        f"Everyone awaiting a response: {settings.SITE_URL}/safety/at-risk",
    )


def _post_link(post_id: int) -> str:
    return f"{settings.SITE_URL}/posts/{post_id}/"


def _email_after_commit(recipients: Iterable[User], subject: str, body: str) -> None:
    # The notify app's deliveries are members' notifications, with no kind for staff
    # alerts: one plain email per person (no one sees the others' addresses), sent
    # at once but only after the write is committed.
    def send() -> None:
        for user in recipients:
            if not user.email:
                continue
            try:
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
            except OSError:
                # The post is saved and the at-risk list shows it; if nobody responds,
                # escalation alerts every moderator and admin again.
                log.exception("crisis alert to user %s failed", user.pk)

    transaction.on_commit(send)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


HELPLINE_FIELDS = ("name", "phone", "text", "web", "hours", "verified_on")


def update_helpline(*, helpline: Helpline, admin: User, changes: dict[str, Any]) -> Helpline:
    """An admin corrects a helpline (a number, the hours, when it was last verified)."""
    from mindwell.moderation.actions import audit

    if admin.level < Level.ADMIN:
        raise PermissionDenied("Only admins edit the helplines.")
    with transaction.atomic():
        record = Helpline.objects.select_for_update().get(pk=helpline.pk)
        before = {name: str(getattr(record, name) or "") for name in HELPLINE_FIELDS}
        for name in HELPLINE_FIELDS:
            setattr(record, name, changes[name])
        after = {name: str(getattr(record, name) or "") for name in HELPLINE_FIELDS}
        if after == before:
            return record
        record.save(update_fields=list(HELPLINE_FIELDS))
        audit(
            actor=admin,
            action="edit helpline",
            reason=f"{record.name} ({record.country})",
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
        transaction.on_commit(forget_directory)
    return record
