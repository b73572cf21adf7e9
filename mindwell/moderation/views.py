"""Moderation pages: the queue, the audit log, site settings, and the one-click actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from mindwell.accounts.http import AuthedRequest
from mindwell.accounts.models import User
from mindwell.accounts.permissions import refusal
from mindwell.moderation import actions, limits, sitesettings
from mindwell.moderation.forms import (
    AuditFilterForm,
    CategoryAddForm,
    CategoryMergeForm,
    CategoryMoveForm,
    CategoryRenameForm,
    FlagForm,
    MemberActionForm,
    ModerateForm,
    SiteSettingsForm,
)
from mindwell.moderation.models import AuditEntry, Flag, FlagReason, MemberWarning
from mindwell.moderation.permissions import (
    admin_refusal,
    flag_refusal,
    member_refusal,
    moderator_refusal,
)
from mindwell.qa.models import Category, Post
from mindwell.qa.views import get_post, refuse
from mindwell.safety.models import Screening

QUEUE_LIMIT = 200  # per group: a queue longer than this is read page by page as it empties


def _next_url(request: HttpRequest, fallback: str) -> str:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return fallback


# --- flags ----------------------------------------------------------------------------


@require_POST
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_post(request, pk)
    if not isinstance(request.user, User):
        return refuse(request, "Log in to flag posts.", 403)
    if reason := flag_refusal(request.user, post):
        return refuse(request, reason, 403)
    form = FlagForm(request.POST)
    if not form.is_valid():
        return refuse(request, _first_error(form), 400)
    if over := limits.reserve(request, "flags"):  # hourly flag limits, per member and address
        return limits.too_many(request, over, refuse(request, over.message, 429))
    try:
        actions.flag_post(
            post=post,
            user=request.user,
            reason=form.cleaned_data["reason"],
            text=form.cleaned_data["text"],
        )
    except ValidationError as invalid:
        limits.release(request, "flags")
        return refuse(request, invalid.messages[0], 400)
    except PermissionDenied as refused:
        limits.release(request, "flags")
        return refuse(request, str(refused), 403)
    messages.success(request, "Thank you: your flag was received. A moderator will look at it.")
    return redirect(post.get_absolute_url())


def _first_error(form: Any) -> str:
    return next(iter(form.errors.values()))[0]


# --- acting on a post -------------------------------------------------------------------


@login_required
@require_POST
def moderate(request: AuthedRequest, pk: int) -> HttpResponse:
    """Every moderator action on a post, from the queue or the post: one form, one click."""
    post = get_post(request, pk) if request.POST.get("action") != "restore" else deleted_too(pk)
    mine = post.author_id == request.user.pk  # an author may delete their own post here too
    if not mine and all(refusal(request.user, name, post.root.category) for name in MODERATION):
        return refuse(request, "Only moderators can do that.", 403)
    form = ModerateForm(request.POST)
    if not form.is_valid():
        return refuse(request, _first_error(form), 400)
    data, user = form.cleaned_data, request.user
    action, reason = data["action"], data["reason"]
    try:
        if action in actions.REVIEW_STATES:
            actions.review_post(post=post, actor=user, action=action, reason=reason)
        elif action in ("close", "duplicate"):
            original = None
            if action == "duplicate":
                original = Post.objects.filter(pk=data["duplicate_of"]).first()
                if original is None:
                    raise ValidationError("There is no question with that number.")
            actions.close_question(question=post, actor=user, reason=reason, duplicate_of=original)
        elif action == "reopen":
            actions.reopen_question(question=post, actor=user)
        elif action in ("lock", "unlock"):
            actions.lock_comments(post=post, actor=user, locked=action == "lock")
        elif action == "move":
            actions.move_question(question=post, actor=user, category=data["category"])
        else:
            actions.block_ip(actor=user, post=post, reason=reason)
    except ValidationError as invalid:
        return refuse(request, invalid.messages[0], 400)
    except PermissionDenied as refused:
        return refuse(request, str(refused), 403)
    messages.success(request, DONE[action])
    if action == "delete" and post.is_question:
        fallback = "/"
    else:
        fallback = post.get_absolute_url()
    return redirect(_next_url(request, fallback))


MODERATION = ("hide", "close", "moderate")  # a user with none of these sees a 403 at once


def deleted_too(pk: int) -> Post:
    """A post for restoring: deleted ones too, which no page shows (the audit log links them)."""
    post = Post.objects.select_related("category", "question__category").filter(pk=pk).first()
    if post is None:
        raise Http404("No such post")
    return post


DONE = {
    "approve": "Approved: the post is published and its flags are settled.",
    "restore": "Restored: the post is published again, with its votes.",
    "hide": "Hidden. Its author sees the reason.",
    "delete": "Deleted.",
    "close": "The question is closed.",
    "duplicate": "The question is closed as a duplicate and links to the original.",
    "reopen": "The question is open again.",
    "lock": "Comments are locked.",
    "unlock": "Comments are unlocked.",
    "move": "The question has moved.",
    "block-address": "That address can no longer post without an account.",
}


# --- the queue ----------------------------------------------------------------------------


@dataclass
class QueueItem:
    post: Post
    since: Any  # when it first needed a moderator: the oldest open flag, or the post's creation
    flags: list[Flag] = field(default_factory=list)
    # The crisis screening's alert, when the post reads as someone at risk and no
    # moderator has responded yet (responding is on the safety page).
    screening: Screening | None = None

    @property
    def reasons(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for f in self.flags:
            counts[f.get_reason_display()] = counts.get(f.get_reason_display(), 0) + 1
        return sorted(counts.items())

    @property
    def texts(self) -> list[str]:
        return [f.text for f in self.flags if f.text]


def queue_groups() -> list[tuple[str, list[QueueItem]]]:
    """Someone may be at risk, then flagged posts, then held posts; oldest first in each."""
    open_flags = (
        Flag.objects.filter(resolved_at__isnull=True)
        .exclude(post__state=Post.State.DELETED)
        .select_related("post__author", "post__question")
        .order_by("created_at", "pk")[: QUEUE_LIMIT * 5]
    )
    flagged: dict[int, QueueItem] = {}
    for f in open_flags:
        item = flagged.setdefault(f.post_id, QueueItem(f.post, f.created_at))
        item.flags.append(f)
    # Posts the screening read as someone at risk, flagged or not, come first.
    alerts = {
        s.post_id: s
        for s in Screening.objects.awaiting_response().select_related(
            "post__author", "post__question"
        )[:QUEUE_LIMIT]
    }
    for post_id, screening in alerts.items():
        item = flagged.get(post_id) or QueueItem(screening.post, screening.alerted_at)
        item.screening = screening
        item.since = min(item.since, screening.alerted_at)
        flagged[post_id] = item
    at_risk = sorted(
        (
            i
            for i in flagged.values()
            if i.screening or any(f.reason == FlagReason.AT_RISK for f in i.flags)
        ),
        key=lambda i: i.since,
    )
    other = [i for i in flagged.values() if i not in at_risk]
    held = [
        QueueItem(post, post.created_at)
        for post in Post.objects.filter(state=Post.State.HELD)
        .exclude(pk__in=list(flagged))
        .select_related("author", "question")
        .order_by("created_at", "pk")[:QUEUE_LIMIT]
    ]
    return [
        ("Someone may be at risk", at_risk[:QUEUE_LIMIT]),
        ("Flagged", other[:QUEUE_LIMIT]),
        ("Held for approval", held),
    ]


def queue_size() -> int:
    """Posts waiting for a moderator: for the link in the header."""
    waiting = Flag.objects.filter(resolved_at__isnull=True).values("post_id")
    alerted = Screening.objects.awaiting_response().values("post_id")
    return (
        Post.objects.filter(Q(state=Post.State.HELD) | Q(pk__in=waiting) | Q(pk__in=alerted))
        .exclude(state=Post.State.DELETED)
        .count()
    )


@login_required
@require_safe
def queue(request: AuthedRequest) -> HttpResponse:
    if reason := moderator_refusal(request.user):
        raise PermissionDenied(reason)
    groups = queue_groups()
    return render(request, "moderation/queue.html", {"groups": groups})


# --- the audit log ---------------------------------------------------------------------------


@login_required
@require_safe
def audit_log(request: AuthedRequest) -> HttpResponse:
    """Every moderator and admin action, newest first, with filters. Read only: no edit path."""
    if reason := moderator_refusal(request.user):
        raise PermissionDenied(reason)
    known = sorted(set(AuditEntry.objects.values_list("action", flat=True).distinct()))
    form = AuditFilterForm(request.GET or None, actions=known)
    entries = AuditEntry.objects.select_related("actor", "user", "post")
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["actor"]:
            entries = entries.filter(actor__display_name__iexact=data["actor"].strip())
        if data["since"]:
            entries = entries.filter(created_at__date__gte=data["since"])
        if data["until"]:
            entries = entries.filter(created_at__date__lte=data["until"])
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "moderation/audit.html",
        {"form": form, "page": page, "entries": page.object_list},
    )


# --- members ----------------------------------------------------------------------------------


def member_panel(viewer: User | AnonymousUser, member: User) -> dict[str, Any] | None:
    """What a moderator sees on a member's page: standing, warnings, flags and actions."""
    if moderator_refusal(viewer) is not None:
        return None
    about = Q(user=member) | Q(post__author=member)
    return {
        "form": MemberActionForm() if member_refusal(viewer, member) is None else None,
        "suspended": member.suspended_until is not None and member.suspended_until > timezone.now(),
        "warnings": list(member.warnings.select_related("created_by").order_by("-created_at")[:20]),
        "flags_raised": list(member.flags.select_related("post").order_by("-created_at")[:20]),
        "flags_received": list(
            Flag.objects.filter(post__author=member)
            .select_related("post")
            .order_by("-created_at")[:20]
        ),
        "actions": list(AuditEntry.objects.filter(about).select_related("actor", "post")[:30]),
    }


@login_required
@require_POST
def member_action(request: AuthedRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(User, pk=pk, is_active=True)
    if reason := member_refusal(request.user, member):
        return refuse(request, reason, 403)
    form = MemberActionForm(request.POST)
    if not form.is_valid():
        return refuse(request, _first_error(form), 400)
    action, text = form.cleaned_data["action"], form.cleaned_data["message"]
    try:
        if action == "warn":
            actions.warn(actor=request.user, member=member, message=text)
            done = f"{member.display_name} will see your warning until they acknowledge it."
        elif action == "suspend":
            days = form.cleaned_data["days"]
            actions.suspend(actor=request.user, member=member, days=days, reason=text)
            done = f"{member.display_name} is suspended for {days} day{'s' if days != 1 else ''}."
        elif action == "block":
            actions.block(actor=request.user, member=member, reason=text)
            done = f"{member.display_name} is blocked."
        else:
            actions.reinstate(actor=request.user, member=member, reason=text)
            done = f"{member.display_name} can post again."
    except ValidationError as invalid:
        return refuse(request, invalid.messages[0], 400)
    messages.success(request, done)
    return redirect(member)


@login_required
@require_POST
def acknowledge(request: AuthedRequest, pk: int) -> HttpResponse:
    warning = get_object_or_404(MemberWarning, pk=pk, user=request.user)
    actions.acknowledge_warning(user=request.user, warning=warning)
    return redirect(_next_url(request, "/"))


# --- site settings ------------------------------------------------------------------------------


@login_required
def site_settings(request: AuthedRequest) -> HttpResponse:
    if reason := admin_refusal(request.user):
        raise PermissionDenied(reason)
    form = SiteSettingsForm(request.POST or None, initial=sitesettings.current())
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():  # the recount task is stored with the change, or neither
            changed = actions.change_settings(actor=request.user, values=form.cleaned_data)
            rescored = any(key.startswith("points_") for key in changed)
            if rescored:
                sitesettings.schedule_recount()
        if rescored:
            messages.success(request, RECOUNTING)
        else:
            messages.success(request, "Settings saved." if changed else "Nothing changed.")
        return redirect("site_settings")
    status = 400 if request.method == "POST" else 200
    return render_settings(request, form, status=status)


RECOUNTING = (
    "Settings saved. The points scheme changed: every member's points are being recounted"
    " under it by the task worker (`mindwell worker`, or the one `mindwell serve` starts),"
    " usually within a minute. The ledger shows each change as a recount correction."
)

CATEGORY_FORMS = {
    "add": CategoryAddForm,
    "rename": CategoryRenameForm,
    "move": CategoryMoveForm,
    "merge": CategoryMergeForm,
}


@login_required
@require_POST
def categories(request: AuthedRequest) -> HttpResponse:
    """Add, rename, reorder or merge categories (admins)."""
    if reason := admin_refusal(request.user):
        raise PermissionDenied(reason)
    op = request.POST.get("op", "")
    if op not in CATEGORY_FORMS:
        return refuse(request, "Choose add, rename, move or merge.", 400)
    form = CATEGORY_FORMS[op](request.POST, prefix=op)
    if form.is_valid():
        data, user = form.cleaned_data, request.user
        try:
            if op == "add":
                actions.add_category(actor=user, name=data["name"], parent=data["parent"])
                done = f"Added “{data['name'].strip()}”."
            elif op == "rename":
                actions.rename_category(actor=user, category=data["category"], name=data["name"])
                done = f"Renamed to “{data['name'].strip()}”."
            elif op == "move":
                actions.move_category(actor=user, category=data["category"], step=data["step"])
                done = "Order saved."
            else:
                moved = actions.merge_categories(
                    actor=user, source=data["source"], target=data["target"]
                )
                done = f"Merged: {moved} question{'s' if moved != 1 else ''} moved."
        except ValidationError as invalid:
            form.add_error(None, invalid.messages[0])
        else:
            messages.success(request, done)
            return redirect("site_settings")
    return render_settings(request, category_forms={op: form}, status=400)


def render_settings(
    request: HttpRequest,
    form: SiteSettingsForm | None = None,
    category_forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    forms = {op: cls(prefix=op) for op, cls in CATEGORY_FORMS.items()}
    forms.update(category_forms or {})
    return render(
        request,
        "moderation/settings.html",
        {
            "form": form or SiteSettingsForm(initial=sitesettings.current()),
            "category_forms": forms,
            "categories": list(Category.objects.select_related("parent")),
            "base_points": settings.MINDWELL_POINTS["base"],
        },
        status=status,
    )
