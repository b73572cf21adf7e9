"""Notification pages: the list, email settings, follows, unsubscribe links, failed emails."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from mindwell.accounts.http import AuthedRequest
from mindwell.accounts.models import Level
from mindwell.notify import actions
from mindwell.notify.forms import EmailSettingsForm
from mindwell.notify.models import CRISIS_KINDS, Delivery, Follow, Kind, Notification
from mindwell.notify.tokens import read_unsubscribe_token
from mindwell.qa.models import Category, Post, Tag


@login_required
def notification_list(request: AuthedRequest) -> HttpResponse:
    # A crisis alert stays while its post is held (method detail) or hidden: its
    # writer still awaits a moderator.
    crisis = Q(kind__in=CRISIS_KINDS) & ~Q(post__state=Post.State.DELETED)
    shown = Q(post__state=Post.State.PUBLISHED) | crisis
    notes = (
        Notification.objects.filter(shown, user=request.user)
        .select_related("post__question", "post__author")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(notes, 30).get_page(request.GET.get("page"))
    return render(request, "notify/list.html", {"page": page, "notifications": page.object_list})


@login_required
@require_POST
def read(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        note = actions.mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404("No such notification") from None
    return redirect("post_redirect", note.post_id)


@login_required
@require_POST
def read_all(request: AuthedRequest) -> HttpResponse:
    count = actions.mark_all_read(user=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect("notification_list")


@login_required
def notification_settings(request: AuthedRequest) -> HttpResponse:
    form = EmailSettingsForm(request.POST or None, instance=actions.settings_of(request.user))
    if request.method == "POST" and form.is_valid():
        actions.save_email_settings(user=request.user, choices=form.cleaned_data)
        messages.success(request, "Your email choices are saved.")
        return redirect("notification_settings")
    follows = (
        Follow.objects.filter(user=request.user)
        .select_related("question", "category", "tag")
        .order_by("-created_at")
    )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "notify/settings.html",
        {"form": form, "follows": follows, "confirmed": request.user.email_confirmed_at},
        status=status,
    )


@login_required
@require_POST
def resend_confirmation(request: AuthedRequest) -> HttpResponse:
    if request.user.email_confirmed_at is None:
        actions.request_confirmation(user=request.user)
        messages.success(request, "We sent you an email with a link to confirm your address.")
    return redirect("notification_settings")


def _follow_target(request: HttpRequest, kind: str, key: str) -> Post | Category | Tag:
    if kind == "question":
        if not key.isdigit():
            raise Http404("No such question")
        question = Post.objects.visible_to(request.user).questions().filter(pk=int(key)).first()
        if question is None:
            raise Http404("No such question")
        return question
    if kind == "category":
        return get_object_or_404(Category, slug=key)
    if kind == "tag":
        return get_object_or_404(Tag, name=key)
    raise Http404("Nothing to follow")


@login_required
@require_POST
def follow(request: AuthedRequest, kind: str, key: str) -> HttpResponse:
    target = _follow_target(request, kind, key)
    if request.POST.get("follow", "1") == "1":
        actions.follow(user=request.user, target=target)
        messages.success(request, f"You follow this {kind} now.")
    else:
        actions.unfollow(user=request.user, target=target)
        messages.success(request, f"You no longer follow this {kind}.")
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect(target)


# RFC 8058: a mail client's one-click POST carries no CSRF token; the signed link
# is what authorises it, and it can only turn emails off.
@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = read_unsubscribe_token(token)
    label = Kind(found.kind).label if found and found.kind in Kind.values else ""
    if found is None or not label:
        return render(request, "notify/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        done = actions.unsubscribe(found)
        if not done:
            return render(request, "notify/unsubscribe.html", {"invalid": True}, status=400)
        return render(request, "notify/unsubscribe.html", {"done": True, "label": label})
    # A GET only asks: link scanners in mail systems open links, and must not unsubscribe.
    return render(request, "notify/unsubscribe.html", {"label": label, "token": token})


@login_required
def failed_emails(request: AuthedRequest) -> HttpResponse:
    if request.user.level < Level.ADMIN:
        raise PermissionDenied("Only admins can see failed emails.")
    failed = (
        Delivery.objects.filter(state=Delivery.State.FAILED)
        .select_related("user", "post__question")
        .order_by("-created_at")
    )
    page = Paginator(failed, 50).get_page(request.GET.get("page"))
    return render(request, "notify/failed.html", {"page": page, "deliveries": page.object_list})


@login_required
@require_POST
def retry(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        actions.retry_delivery(actor=request.user, delivery_id=pk)
    except Delivery.DoesNotExist:
        raise Http404("No such email") from None
    messages.success(request, "The email is queued again.")
    return redirect("failed_emails")
