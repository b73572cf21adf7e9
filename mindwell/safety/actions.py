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
from mindwell.notify.models import CRISIS_KINDS, Kind, Notification
from mindwell.safety.helplines import INTERNATIONAL, forget_directory
from mindwell.safety.models import Helpline, HelplineCountry, Screening, WellbeingPreference
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
        _start_response_clock(record, post)
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
        _start_response_clock(record, post)
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
        # Someone has responded: nobody else's bell need call them to this post any more.
        Notification.objects.filter(
            post_id=record.post_id, kind__in=CRISIS_KINDS, read_at=None
        ).update(read_at=record.responded_at)
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
        overdue = list(
            Screening.objects.overdue(now).select_related("post").select_for_update(of=("self",))
        )
        unanswered = list(
            Screening.objects.unanswered(now).select_related("post").select_for_update(of=("self",))
        )
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
    posts = [s.post for s in screenings]
    staff = _staff()
    _notify_staff(Kind.ESCALATED, posts, staff)
    paths = "\n".join(_post_link(post.pk) for post in posts)
    _email_after_commit(
        [user for user in staff if any(post.author_id != user.pk for post in posts)],
        subject,
        f"{lead}\n\n{paths}\n\nThe list: {settings.SITE_URL}/safety/at-risk",
    )


def _minutes(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def seen_at_risk(moderator: User) -> int:
    """The moderator opened the at-risk list: their crisis notifications have done their job."""
    return Notification.objects.filter(user=moderator, kind__in=CRISIS_KINDS, read_at=None).update(
        read_at=timezone.now()
    )


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


def _start_response_clock(record: Screening, post: Post) -> None:
    """Put the post before the moderators, unless it already awaits their response."""
    if record.alerted_at is not None and record.responded_at is None:
        return
    record.alerted_at = timezone.now()
    record.responded_at = record.responded_by = record.escalated_at = None  # type: ignore[assignment]
    record.response_note = ""
    minutes = settings.MINDWELL_CRISIS_RESPONSE_MINUTES
    staff = _staff()
    _notify_staff(Kind.AT_RISK, [post], staff)
    # The post's text stays on the site: an email never carries what the person wrote.
    _email_after_commit(
        [user for user in staff if user.pk != post.author_id],
        "Someone may be at risk: please respond",
        "A post on the site reads as if its writer may be at risk, or a reader is worried"
        f" about them. Please look within {minutes} minutes, reach out kindly, and record"
        f" the outcome:\n\n{_post_link(record.post_id)}\n\n"
        f"Everyone awaiting a response: {settings.SITE_URL}/safety/at-risk",
    )


def _staff() -> list[User]:
    """Every active moderator and admin: whoever is around first can act."""
    return list(User.objects.filter(level__gte=Level.MODERATOR, is_active=True))


def _notify_staff(kind: Kind, posts: list[Post], staff: list[User]) -> None:
    """The in-app alert, in the transaction of the write that causes it: one notification
    per moderator and admin and post, brought back unread to the top of their list when the
    post needs them again. Not to the writer, when a moderator is the one at risk.

    It names nobody and shows no text: the list links to `/safety/at-risk`, where only
    moderators look, and an anonymous writer stays anonymous there too.
    """
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(user=user, kind=kind, post=post, created_at=now)
            for post in posts
            for user in staff
            if user.pk != post.author_id
        ],
        update_conflicts=True,
        unique_fields=["user", "kind", "post"],
        update_fields=["created_at", "read_at"],
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

    _check_admin(admin)
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


def _check_admin(admin: User) -> None:
    if admin.level < Level.ADMIN:
        raise PermissionDenied("Only admins edit the helplines.")


def _fields(record: Helpline) -> dict[str, str]:
    return {name: str(getattr(record, name) or "") for name in ("country", *HELPLINE_FIELDS)}


def add_helpline(*, admin: User, country: str, fields: dict[str, Any]) -> Helpline:
    """A new entry, last in its country ("INT": the international entries)."""
    from mindwell.moderation.actions import audit

    _check_admin(admin)
    with transaction.atomic():
        # Locks the country, so that it cannot be removed while it gains an entry.
        listed = HelplineCountry.objects.select_for_update().filter(code=country).first()
        if country != INTERNATIONAL and listed is None:
            raise ValidationError("Choose a country from the list, or add it first.")
        last = Helpline.objects.filter(country=country).order_by("-position").first()
        record = Helpline.objects.create(
            country=country,
            position=last.position + 1 if last else 0,
            **{name: fields[name] for name in HELPLINE_FIELDS},
        )
        audit(
            actor=admin,
            action="add helpline",
            reason=f"{record.name} ({country})",
            after=_fields(record),
        )
        transaction.on_commit(forget_directory)
    return record


def remove_helpline(*, admin: User, helpline: Helpline) -> None:
    """Remove an entry; never the last international one, which every panel falls back to."""
    from mindwell.moderation.actions import audit

    _check_admin(admin)
    with transaction.atomic():
        # Locking every international entry makes two removals of the last two wait in turn.
        international = list(
            Helpline.objects.select_for_update()
            .filter(country=INTERNATIONAL)
            .values_list("pk", flat=True)
        )
        record = Helpline.objects.select_for_update().filter(pk=helpline.pk).first()
        if record is None:
            return  # removed already
        if record.country == INTERNATIONAL and international == [record.pk]:
            raise ValidationError(
                f"{record.name} is the last international entry: everyone whose country the"
                " directory does not list sees it. Add another international entry first."
            )
        before = _fields(record)
        record.delete()
        audit(
            actor=admin,
            action="remove helpline",
            reason=f"{before['name']} ({before['country']})",
            before=before,
        )
        transaction.on_commit(forget_directory)


def add_country(*, admin: User, code: str, name: str, emergency: str) -> HelplineCountry:
    """A country the directory lists: its helplines are added next, as entries."""
    from mindwell.moderation.actions import audit

    _check_admin(admin)
    with transaction.atomic():
        if code == INTERNATIONAL or HelplineCountry.objects.filter(code=code).exists():
            raise ValidationError(f"The directory lists {code} already.")
        country = HelplineCountry.objects.create(code=code, name=name, emergency=emergency)
        audit(
            actor=admin,
            action="add helpline country",
            reason=f"{name} ({code})",
            after={"code": code, "name": name, "emergency": emergency},
        )
        transaction.on_commit(forget_directory)
    return country


def remove_country(*, admin: User, country: HelplineCountry) -> None:
    """Remove a country that has no entries left (remove its entries first)."""
    from mindwell.moderation.actions import audit

    _check_admin(admin)
    with transaction.atomic():
        record = HelplineCountry.objects.select_for_update().filter(pk=country.pk).first()
        if record is None:
            return  # removed already
        if Helpline.objects.filter(country=record.code).exists():
            raise ValidationError(
                f"{record.name} still has helplines: remove them first, so that nobody's"
                " panel loses a number by surprise."
            )
        record.delete()
        audit(
            actor=admin,
            action="remove helpline country",
            reason=f"{record.name} ({record.code})",
            before={"code": record.code, "name": record.name, "emergency": record.emergency},
        )
        transaction.on_commit(forget_directory)
