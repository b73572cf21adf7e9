from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from mindwell.accounts import actions, security
from mindwell.accounts.deletion import delete_account
from mindwell.accounts.export import ExportBusy, export_json
from mindwell.accounts.forms import (
    CodeForm,
    DeleteAccountForm,
    LevelForm,
    LoginForm,
    PreferencesForm,
    RegisterForm,
)
from mindwell.accounts.http import AuthedRequest
from mindwell.accounts.models import Level, User
from mindwell.moderation import antispam, limits
from mindwell.moderation.views import member_panel
from mindwell.notify.actions import request_confirmation
from mindwell.notify.tokens import address_hash, read_confirm_token
from mindwell.professionals.actions import verified_badges
from mindwell.professionals.models import Credential
from mindwell.qa.models import Post


def can_set_levels(viewer: User | AnonymousUser, member: User) -> bool:
    return isinstance(viewer, User) and actions.level_refusal(viewer, member, Level.BASIC) is None


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if refused := antispam.before_posting(
            request,
            form,
            body=None,
            action="registrations",
            page=lambda: render(request, "accounts/register.html", {"form": form}),
        ):
            return refused
        user = form.save()
        request_confirmation(user=user)  # no notification email before the address is confirmed
        security.log_in(request, user)
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            return redirect(next_url)
        return redirect(user)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/register.html", {"form": form}, status=status)


def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link emailed at registration: a GET asks, a POST confirms (mail scanners GET)."""
    found = read_confirm_token(token)
    user = User.objects.filter(pk=found[0], is_active=True).first() if found else None
    if found is None or user is None or address_hash(user.email) != found[1]:
        return render(request, "accounts/confirm_email.html", {"invalid": True}, status=400)
    if request.method == "POST":
        if user.email_confirmed_at is None:
            User.objects.filter(pk=user.pk).update(email_confirmed_at=timezone.now())
        return render(request, "accounts/confirm_email.html", {"confirmed": True})
    return render(request, "accounts/confirm_email.html", {"member": user})


def profile(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(User, pk=pk, is_active=True)
    posts = Post.objects.visible_to(request.user).filter(author=member)
    if request.user != member:
        posts = posts.filter(anonymous=False)  # an anonymous post never leads to its author
    questions = posts.questions().select_related("category").order_by("-created_at")[:20]
    answers = (
        posts.filter(kind=Post.Kind.ANSWER).select_related("question").order_by("-created_at")[:20]
    )
    return render(
        request,
        "accounts/profile.html",
        {
            "member": member,
            "level": Level(member.level).label,
            "questions": questions,
            "answers": answers,
            "question_count": posts.questions().count(),
            "category_levels": member.category_levels.select_related("category"),
            "level_form": LevelForm() if can_set_levels(request.user, member) else None,
            "answer_count": posts.filter(kind=Post.Kind.ANSWER).count(),
            "badge": verified_badges([member.pk]).get(member.pk, ""),
            "moderation": member_panel(request.user, member),
            # Hidden posts are seen only by moderators; their author sees why here.
            "hidden_posts": member.posts.filter(state=Post.State.HIDDEN).order_by("-pk")[:20]
            if request.user == member
            else [],
        },
    )


@login_required
@require_POST
def set_level(request: AuthedRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(User, pk=pk, is_active=True)
    form = LevelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a level and, optionally, a category.")
        return redirect(member)
    level, category = form.cleaned_data["level"], form.cleaned_data["category"]
    actions.set_level(actor=request.user, member=member, level=level, category=category)
    where = f" in {category}" if category else ""
    messages.success(request, f"{member.display_name} is now {Level(level).label}{where}.")
    return redirect(member)


def user_list(request: HttpRequest) -> HttpResponse:
    members = User.objects.filter(is_active=True).order_by("-points", "display_name")
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "members": page.object_list})


def points_history(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(User, pk=pk, is_active=True)
    entries = member.points_entries.select_related("post", "post__question").order_by(
        "-created_at", "-pk"
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    for entry in page.object_list:
        # Points from an anonymous post count, but only its author sees which post.
        entry.shown_post = entry.post  # type: ignore[attr-defined]
        if entry.post is not None and entry.post.anonymous and request.user != member:
            entry.shown_post = None  # type: ignore[attr-defined]
    return render(
        request,
        "accounts/points_history.html",
        {
            "member": member,
            "page": page,
            "entries": page.object_list,
            "base": settings.MINDWELL_POINTS["base"],
        },
    )


@login_required
def account_settings(request: AuthedRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your settings are saved.")
        return redirect("account_settings")
    status = 400 if request.method == "POST" else 200
    credential = Credential.objects.filter(user=request.user).first()
    context = {"form": form, "credential": credential}
    return render(request, "accounts/settings.html", context, status=status)


@login_required
def export(request: AuthedRequest) -> HttpResponse:
    """A page with a button; the POST answers with the JSON file."""
    if request.method != "POST":
        return render(request, "accounts/export.html")
    try:
        document = export_json(request.user)
    except ExportBusy as busy:
        return render(request, "accounts/export.html", {"error": str(busy)}, status=409)
    response = HttpResponse(document, content_type="application/json; charset=utf-8")
    filename = f"mindwell-data-{request.user.pk}-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def delete(request: AuthedRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            delete_account(
                user=request.user,
                password=form.cleaned_data["password"],
                posts=form.cleaned_data["posts"],
            )
        except ValidationError as invalid:
            form.add_error("password", invalid.messages[0])
        else:
            logout(request)
            messages.success(request, "Your account is deleted. Take care.")
            return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/delete.html", {"form": form}, status=status)


# --- account security: login, two-factor authentication, sessions ----------------------


class LoginView(auth_views.LoginView):
    """Django's login, throttled (LoginForm), with a second step for members using 2FA."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        if security.confirmed_device(user) is not None:
            security.begin_second_step(self.request, user, self.get_success_url())
            return redirect("two_factor_verify")
        security.log_in(self.request, user)
        return redirect(self.get_success_url())

    def form_invalid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_invalid(form)
        if form.throttled is not None:
            return limits.too_many(self.request, form.throttled, response)
        return response


def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of logging in, or of a logged-in session that must show a code."""
    next_url = request.GET.get("next", "")
    if isinstance(request.user, User):
        user = request.user
    elif pending := security.pending_user(request):
        user, next_url = pending
    else:
        messages.info(request, "Please log in again.")
        return redirect("login")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse(settings.LOGIN_REDIRECT_URL)
    device = security.confirmed_device(user)
    if device is None:
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if problem := security.code_problem(device, form.cleaned_data["code"]):
            form.add_error("code", problem)
        else:
            security.finish_second_step(request, user, device)
            return redirect(next_url)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/security/verify.html", {"form": form}, status=status)


@login_required
def two_factor(request: AuthedRequest) -> HttpResponse:
    """Set up an authenticator app (QR code and key, then a code), or turn it off."""
    user = request.user
    device = security.confirmed_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if device is not None:  # turning it off
            if security.must_use_2fa(user):
                form.add_error(None, "Moderators and admins must keep two-factor on.")
            elif problem := security.code_problem(device, code):
                form.add_error("code", problem)
            else:
                security.turn_off_2fa(user)
                messages.success(request, "Two-factor authentication is off.")
                return redirect("account_security")
        else:
            new = security.device_to_confirm(user)
            if problem := security.code_problem(new, code):
                form.add_error("code", problem)
            else:
                security.turn_on_2fa(request, new)
                messages.success(request, "Two-factor authentication is on.")
                return redirect("account_security")
    context: dict[str, object] = {"form": form, "enabled": device is not None}
    if device is None:
        new = security.device_to_confirm(user)
        context |= {"qr": security.qr_svg(new), "secret": security.secret_text(new)}
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/security/two_factor.html", context, status=status)


@login_required
def account_security(request: AuthedRequest) -> HttpResponse:
    """Two-factor status and the sessions this member is logged in on."""
    sessions = security.sessions_of(request.user)
    context = {
        "sessions": sessions,
        "current": request.session.session_key,
        "two_factor": security.confirmed_device(request.user) is not None,
        "two_factor_required": security.must_use_2fa(request.user),
    }
    return render(request, "accounts/security/overview.html", context)


@login_required
@require_POST
def log_out_elsewhere(request: AuthedRequest) -> HttpResponse:
    ended = security.log_out_elsewhere(request, request.user)
    messages.success(request, f"Logged out of {ended} other session{'s' if ended != 1 else ''}.")
    return redirect("account_security")
