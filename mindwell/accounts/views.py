from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from mindwell.accounts import actions
from mindwell.accounts.forms import LevelForm, RegisterForm
from mindwell.accounts.http import AuthedRequest
from mindwell.accounts.models import Level, User
from mindwell.qa.models import Post


def can_set_levels(viewer: User | AnonymousUser, member: User) -> bool:
    return isinstance(viewer, User) and actions.level_refusal(viewer, member, Level.BASIC) is None


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            return redirect(next_url)
        return redirect(user)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/register.html", {"form": form}, status=status)


def profile(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(User, pk=pk, is_active=True)
    posts = Post.objects.visible_to(request.user).filter(author=member)
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
