"""Pages of the Q&A: each view fetches through `visible_to`, validates, then calls an action."""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from mindwell.accounts.http import AuthedRequest
from mindwell.accounts.models import User, WarningPreference
from mindwell.moderation import actions as moderation_actions
from mindwell.moderation import antispam, limits
from mindwell.moderation import permissions as moderation
from mindwell.professionals.actions import verified_badges
from mindwell.qa import actions, fragments, pagecache, permissions
from mindwell.qa.forms import AnswerForm, CommentForm, EditForm, QuestionForm, fields_html
from mindwell.qa.identity import reveal_author
from mindwell.qa.models import Category, Post, Professionals, Revision, Tag, Vote
from mindwell.qa.permissions import Viewer
from mindwell.safety.actions import screen_text
from mindwell.safety.views import asks_on_edit, check_in, going_back
from mindwell.search.views import related_questions, similar_questions

SORTS = {
    "newest": ("Newest", ["-created_at"]),
    "hot": ("Hot", []),  # ordered by hotness(), below
    "active": ("Recently active", ["-last_activity_at"]),
    "votes": ("Most votes", ["-score", "-created_at"]),
    "week": ("Top this week", ["-score", "-created_at"]),
    "month": ("Top this month", ["-score", "-created_at"]),
    "views": ("Most viewed", ["-views", "-created_at"]),
    "unanswered": ("Unanswered", ["-created_at"]),
    "unselected": ("No best answer", ["-created_at"]),
}
HOT_CANDIDATES = 300


def hotness(score: int, answers: int, views: int, age_hours: float) -> float:
    """How "hot" a question is, Hacker News style:

        hotness = (1 + votes + 2 × answers + log2(1 + views)) / (age in hours + 2) ** 1.5

    Activity lifts a question (a new one starts at 1); age pulls it down with a
    gravity of 1.5, so a day-old question needs about five times the activity of
    one asked three hours ago to rank level with it. Views count on a log scale: a
    crowd of readers matters, each extra reader less. Only the HOT_CANDIDATES most
    recently active questions are ranked, so the list costs the same on any site.
    """
    return (1 + score + 2 * answers + math.log2(1 + views)) / (age_hours + 2) ** 1.5


# --- fetch-and-check helpers --------------------------------------------------


def get_post(request: HttpRequest, pk: int) -> Post:
    try:
        return (
            Post.objects.visible_to(request.user)
            .select_related("category", "question__category", "author", "screening")
            .get(pk=pk)
        )
    except Post.DoesNotExist:
        raise Http404("No such post") from None


def get_question(request: HttpRequest, pk: int) -> Post:
    post = get_post(request, pk)
    if not post.is_question:
        raise Http404("No such question")
    return post


def question_list_queryset(request: HttpRequest) -> Any:
    questions = (
        Post.objects.visible_to(request.user)
        .questions()
        .select_related("author", "category")
        .prefetch_related("tags")
    )
    if getattr(request.user, "content_warnings", "") == WarningPreference.HIDE:
        questions = questions.filter(content_warnings="")  # the reader chose not to see them
    return questions


def paginate(request: HttpRequest, queryset: Any) -> Page:
    paginator = Paginator(queryset, settings.MINDWELL_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


# --- reading ----------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    recent = list(question_list_queryset(request).order_by("-last_activity_at")[:15])
    pagecache.depends_on(request, recent)
    categories = Category.objects.filter(parent=None)
    response = render(request, "qa/home.html", {"questions": recent, "categories": categories})
    return pagecache.keep(request, response, lists=True)


def question_list(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort", "newest")
    if sort not in SORTS:
        sort = "newest"
    questions = question_list_queryset(request)
    if sort == "unanswered":
        questions = questions.unanswered()
    elif sort == "unselected":
        questions = questions.filter(accepted_answer__isnull=True)
    elif sort in ("week", "month"):
        days = 7 if sort == "week" else 30
        questions = questions.filter(created_at__gte=timezone.now() - timedelta(days=days))
    if sort == "hot":
        page = paginate(request, hot_questions(questions))
    else:
        page = paginate(request, questions.order_by(*SORTS[sort][1]))
    pagecache.depends_on(request, page.object_list)
    response = render(
        request,
        "qa/question_list.html",
        {"page": page, "questions": page.object_list, "sort": sort, "sorts": SORTS},
    )
    return pagecache.keep(request, response, lists=True)


class HotQuestions(Sequence[Post]):
    """Questions by hotness: ids ranked in Python, the page's posts fetched in one query."""

    def __init__(self, questions: Any, ranked: list[int]) -> None:
        self.questions, self.ranked = questions, ranked

    def __len__(self) -> int:
        return len(self.ranked)

    def __getitem__(self, index: Any) -> Any:
        ids = self.ranked[index]
        if not isinstance(ids, list):
            return self.questions.get(pk=ids)
        by_id = {q.pk: q for q in self.questions.filter(pk__in=ids)}
        return [by_id[pk] for pk in ids if pk in by_id]


def hot_questions(questions: Any) -> HotQuestions:
    now = timezone.now()
    candidates = questions.order_by("-last_activity_at").values_list(
        "pk", "score", "answer_count", "views", "created_at"
    )[:HOT_CANDIDATES]
    ranked = sorted(
        candidates,
        key=lambda c: -hotness(c[1], c[2], c[3], (now - c[4]).total_seconds() / 3600),
    )
    return HotQuestions(questions, [c[0] for c in ranked])


def question_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    # A visitor's page in the cache was answered by pagecache.PageCacheMiddleware.
    question = (
        Post.objects.visible_to(request.user)
        .filter(pk=pk, kind=Post.Kind.QUESTION)
        .select_related("author", "edited_by", "category__parent", "screening")
        .first()
    )
    if question is None:
        raise Http404("No such question")
    if slug != question.slug:
        return HttpResponseRedirect(question.get_absolute_url())
    views = pagecache.record_view(request, question)
    response = render_question(request, question)
    if views is None:
        return response
    return pagecache.keep(request, response, views=views)


STATE_BUTTONS = [
    (Post.State.HIDDEN, "Hide"),
    (Post.State.PUBLISHED, "Restore"),
    (Post.State.DELETED, "Delete"),
]


@dataclass
class PostCard:
    """A question or answer as one viewer sees it: the post and its per-viewer controls."""

    post: Post
    my_vote: int = 0
    up_refusal: str | None = None
    down_refusal: str | None = None
    edit_refusal: str | None = None
    comment_refusal: str | None = None
    comments: list[Post] = field(default_factory=list)
    comment_fields: str = ""  # the comment form's fields as safe HTML; "" if refused
    state_changes: list[tuple[str, str]] = field(default_factory=list)  # (state, button label)
    supportive: bool = False  # no score and no down-vote button in a supportive category
    html: SafeString = SafeString("")  # the rendered card (qa.fragments)

    @classmethod
    def for_viewer(
        cls, user: Viewer, post: Post, my_votes: dict[int, int], comments: list[Post] | None = None
    ) -> PostCard:
        return cls(
            post=post,
            my_vote=my_votes.get(post.pk, 0),
            up_refusal=permissions.vote_refusal(user, post, 1),
            down_refusal=permissions.vote_refusal(user, post, -1),
            edit_refusal=permissions.edit_refusal(user, post),
            comment_refusal=permissions.comment_refusal(user, post),
            comments=comments or [],
            supportive=getattr(permissions.post_category(post), "supportive", False),
            state_changes=[
                (state, label)
                for state, label in STATE_BUTTONS
                if state != post.state and not permissions.state_refusal(user, post, state)
            ],
        )


def render_question(
    request: HttpRequest,
    question: Post,
    answer_form: AnswerForm | None = None,
    comment_form: CommentForm | None = None,
    comment_parent: int | None = None,
    status: int = 200,
) -> HttpResponse:
    """The question page: a fixed handful of queries, however many answers and comments."""
    user = request.user
    thread = list(
        Post.objects.visible_to(user)
        .filter(question=question)
        .select_related("author", "edited_by", "screening")
        .order_by("created_at")
    )
    my_votes: dict[int, int] = {}
    if user.is_authenticated:
        shown = [question.pk] + [p.pk for p in thread if not p.is_comment]
        my_votes = dict(
            Vote.objects.filter(user=user, post_id__in=shown).values_list("post_id", "value")
        )
    comments: dict[int, list[Post]] = {}
    answers = []
    for post in thread:
        post.question = question  # spare a query per post when checking permissions
        if post.is_comment:
            comments.setdefault(post.parent_id or 0, []).append(post)
        else:
            answers.append(post)
    badges = verified_badges(p.author_id for p in [question, *thread] if not p.anonymous)
    highlight = question.category is not None and question.category.professionals in (
        Professionals.HIGHLIGHT,
        Professionals.REQUIRE,
    )
    answers.sort(
        key=lambda a: (
            a.pk != question.accepted_answer_id,
            highlight and (a.anonymous or a.author_id not in badges),  # professionals next
            -a.score,
            a.created_at,
        )
    )
    visitor = not user.is_authenticated
    # Read only if shown: a kept question fragment (under the question's version,
    # which retagging bumps) and cached related candidates need no tags.
    tags = SimpleLazyObject(lambda: list(question.tags.all()))
    cards = [
        PostCard.for_viewer(user, post, my_votes, comments.get(post.pk))
        for post in [question, *answers]
    ]
    blank_comment_fields = CommentForm.for_each_post(visitor)
    for card in cards:
        if card.comment_refusal is None:
            card.comment_fields = (
                fields_html(comment_form)
                if comment_form is not None and card.post.pk == comment_parent
                else blank_comment_fields(card.post.pk)
            )
    token = get_token(request)  # one for every form on the page, fragments included
    posts = {
        "question": question,
        "tags": tags,
        "comment_parent": comment_parent,
        "select_refusal": permissions.select_refusal(user, question),
        "badges": badges,
        "collapse_warnings": getattr(user, "content_warnings", "") != WarningPreference.SHOW,
        "user": user,
        "request": request,
        "csrf_token": token,
        "follow_html": render_to_string(
            "notify/_follow.html",
            {"target": question, "user": user, "csrf_token": token, "request": request},
        ),
    }
    shared = not visitor and comment_form is None and pagecache.enabled()
    fragments.render_cards(cards, posts, shared=shared)
    related = related_questions(request, question, lambda: [t.name for t in tags])
    pagecache.depends_on(request, [question, *thread], related)
    context = {
        **posts,
        "question_card": cards[0],
        "related": related,
        "answers": cards[1:],
        "answer_fields": (
            AnswerForm.fields_for(visitor) if answer_form is None else fields_html(answer_form)
        ),
        "answering_allowed": question.state == Post.State.PUBLISHED and not question.is_closed,
        "visitor_may_post": settings.MINDWELL_ANONYMOUS_POSTING,
        "answer_refusal": permissions.answer_refusal(member(request), question),
    }
    return render(request, "qa/question.html", context, status=status)


def post_redirect(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_post(request, pk)
    return redirect(f"{post.root.get_absolute_url()}#post-{post.pk}")


# --- writing ----------------------------------------------------------------------


def member(request: HttpRequest) -> User | None:
    """The logged-in member, or None for a visitor."""
    return request.user if isinstance(request.user, User) else None


def visitor_check(request: HttpRequest) -> None:
    if not request.user.is_authenticated and not settings.MINDWELL_ANONYMOUS_POSTING:
        raise PermissionDenied("Please log in to post.")
    permissions.check(moderation.posting_refusal(request))


def ask(request: HttpRequest) -> HttpResponse:
    visitor = not request.user.is_authenticated
    if visitor and not settings.MINDWELL_ANONYMOUS_POSTING:
        return redirect(f"{reverse('login')}?next={request.path}")
    if request.method == "POST" and "check_similar" in request.POST:
        # Without JavaScript: show questions like the title, keep what was typed, post nothing.
        form = QuestionForm(initial=request.POST.dict(), visitor=visitor)
        similar = similar_questions(request, request.POST.get("title", "")[:300])
        context = {"form": form, "similar": similar, "checked": True}
        return render(request, "qa/ask.html", ask_context(context))
    if going_back(request):  # from the check-in: the form comes back as it was typed
        form = QuestionForm(initial=request.POST.dict(), visitor=visitor)
        return render(request, "qa/ask.html", ask_context({"form": form}))
    form = QuestionForm(request.POST or None, visitor=visitor)
    if request.method == "POST":
        visitor_check(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        screened = form.screened
        if held := check_in(request, screened, kind="question"):
            return held
        if refused := antispam.before_posting(
            request,
            form,
            body=data["body"],
            action="questions",
            page=lambda: render(request, "qa/ask.html", ask_context({"form": form})),
        ):
            return refused
        question = actions.ask_question(
            author=member(request),
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            category=form.cleaned_data["category"],
            tags=form.cleaned_data["tags"],
            screened=screened,
            author_ip=moderation.visitor_ip(request),
            **form.visitor_fields(),
            **form.option_fields(),
        )
        return redirect(question)
    status = 400 if request.method == "POST" else 200
    return render(request, "qa/ask.html", ask_context({"form": form}), status=status)


def ask_context(context: dict[str, Any]) -> dict[str, Any]:
    """The ask form with its helpers: tags completed from a datalist, similar questions."""
    form = context["form"]
    form.fields["tags"].widget.attrs.update({"list": "tag-suggestions", "autocomplete": "off"})
    form.fields["title"].widget.attrs.update({"autocomplete": "off"})
    context["popular_tags"] = Tag.objects.filter(question_count__gt=0).order_by(
        "-question_count", "name"
    )[:50]
    return context


@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_question(request, pk)
    visitor_check(request)
    permissions.check(permissions.answer_refusal(member(request), question))
    visitor = not request.user.is_authenticated
    if going_back(request):
        kept = AnswerForm(initial=request.POST.dict(), visitor=visitor)
        return render_question(request, question, answer_form=kept)
    form = AnswerForm(request.POST, visitor=visitor)
    if not form.is_valid():
        return render_question(request, question, answer_form=form, status=400)
    screened = form.screened
    if held := check_in(request, screened, kind="answer", anchor="#your-answer"):
        return held
    if refused := antispam.before_posting(
        request,
        form,
        body=form.cleaned_data["body"],
        action="answers",
        page=lambda: render_question(request, question, answer_form=form),
    ):
        return refused
    new = actions.post_answer(
        question=question,
        author=member(request),
        body=form.cleaned_data["body"],
        screened=screened,
        author_ip=moderation.visitor_ip(request),
        **form.visitor_fields(),
        **form.option_fields(),
    )
    return redirect(f"{question.get_absolute_url()}#post-{new.pk}")


@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    parent = get_post(request, pk)
    if parent.is_comment:
        raise Http404("Comments go on a question or an answer")
    permissions.check(permissions.comment_refusal(request.user, parent))
    visitor_check(request)
    visitor = not request.user.is_authenticated
    question = parent.root
    if going_back(request):
        kept = CommentForm.on(parent.pk, initial=request.POST.dict(), visitor=visitor)
        return render_question(request, question, comment_form=kept, comment_parent=parent.pk)
    form = CommentForm.on(parent.pk, request.POST, visitor=visitor)
    if not form.is_valid():
        return render_question(
            request, question, comment_form=form, comment_parent=parent.pk, status=400
        )
    screened = form.screened
    if held := check_in(request, screened, kind="comment", anchor=f"#post-{parent.pk}"):
        return held
    if refused := antispam.before_posting(
        request,
        form,
        body=form.cleaned_data["body"],
        action="comments",
        page=lambda: render_question(
            request, question, comment_form=form, comment_parent=parent.pk
        ),
    ):
        return refused
    new = actions.post_comment(
        parent=parent,
        author=member(request),
        body=form.cleaned_data["body"],
        screened=screened,
        author_ip=moderation.visitor_ip(request),
        **form.visitor_fields(),
        **form.option_fields(),
    )
    return redirect(f"{question.get_absolute_url()}#post-{new.pk}")


@login_required
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    post = get_post(request, pk)
    permissions.check(permissions.edit_refusal(request.user, post))
    initial: dict[str, object] = {
        "title": post.title,
        "body": post.body,
        "content_warnings": post.content_warnings.split(),
    }
    if post.is_question:
        initial["tags"] = sorted(post.tags.values_list("name", flat=True))
    asks = asks_on_edit(request, post)  # the writer's check-in, as when posting
    context = {"post": post, "check_in": asks}
    if going_back(request):  # from the check-in: the form comes back as it was typed
        warnings = request.POST.getlist("content_warnings")
        typed = {**request.POST.dict(), "content_warnings": warnings}
        form = EditForm(initial=typed, is_question=post.is_question)
        return render(request, "qa/edit.html", {**context, "form": form})
    form = EditForm(request.POST or None, initial=initial, is_question=post.is_question)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        screened = screen_text(data.get("title", ""), data["body"]) if asks else None
        if screened and (held := check_in(request, screened, kind="edit")):
            return held
        try:
            actions.edit_post(
                post=post,
                editor=request.user,
                title=data.get("title", ""),
                body=data["body"],
                tags=data.get("tags", []),
                content_warnings=data["content_warnings"],
                screened=screened,
            )
        except PermissionDenied as refused:
            form.add_error(None, str(refused))
        else:
            return redirect(post.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "qa/edit.html", {**context, "form": form}, status=status)


def history(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_post(request, pk)
    revisions = list(post.revisions.select_related("editor"))
    diffs = [
        revision_diff(old, new) for old, new in zip([None, *revisions], revisions, strict=False)
    ]
    entries = list(zip(revisions, diffs, strict=True))[::-1]
    return render(
        request,
        "qa/history.html",
        {
            "post": post,
            "entries": entries,
            "rollback_refusal": permissions.rollback_refusal(request.user, post),
        },
    )


def revision_diff(old: Revision | None, new: Revision) -> list[tuple[str, str]]:
    """Line diff of title, tags and body as (kind, text) pairs: kind is "add", "del" or "same"."""

    def lines(rev: Revision | None) -> list[str]:
        if rev is None:
            return []
        head = [f"# {rev.title}"] if rev.title else []
        tags = [f"tags: {rev.tags}"] if rev.tags else []
        return head + tags + rev.body.splitlines()

    kinds = {"+": "add", "-": "del", " ": "same"}
    return [
        (kinds[line[0]], line[2:])
        for line in difflib.ndiff(lines(old), lines(new))
        if line[0] in kinds
    ]


@login_required
@require_POST
def rollback(request: AuthedRequest, pk: int, number: int) -> HttpResponse:
    post = get_post(request, pk)
    revision = get_object_or_404(Revision, post=post, number=number)
    actions.rollback_post(post=post, editor=request.user, revision=revision)
    messages.success(request, f"Rolled back to revision {number}.")
    return redirect(post.get_absolute_url())


VOTE_VALUES = {"up": 1, "down": -1, "withdraw": 0}


@require_POST
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    value = VOTE_VALUES.get(request.POST.get("vote", ""))
    if value is None:
        return refuse(request, "A vote is up, down or withdraw.", 400)
    user = member(request)
    if user is None:
        return refuse(request, "Please log in to vote.", 403)
    # One read of the post, with the member's vote on it, for the checks and the vote
    # (a slice, not first(): its ORDER BY cost more CPU than the rest of the read).
    post = next(iter(actions.votable(user).visible_to(user).filter(pk=pk)[:1]), None)
    if post is None:
        raise Http404("No such post")
    try:
        if over := limits.reserve(request, "votes"):
            return limits.too_many(request, over, refuse(request, over.message, 429))
        post = actions.cast_vote(post=post, user=user, value=value)
    except PermissionDenied as refused:
        limits.release(request, "votes")
        return refuse(request, str(refused), 403)
    if request.headers.get("HX-Request"):
        card = PostCard.for_viewer(request.user, post, {post.pk: value})
        return render(request, "qa/question.html#votes", {"card": card})
    return redirect(post.get_absolute_url())


@login_required
@require_POST
def select(request: AuthedRequest, pk: int) -> HttpResponse:
    question = get_question(request, pk)
    answer_id = request.POST.get("answer", "")
    chosen = None
    if answer_id:
        if not answer_id.isdigit():
            return refuse(request, "Choose an answer of this question.", 400)
        chosen = get_post(request, int(answer_id))
    try:
        actions.select_answer(question=question, answer=chosen, user=request.user)
    except ValidationError as invalid:
        return refuse(request, invalid.messages[0], 400)
    return redirect(question.get_absolute_url())


REVIEWS: dict[str, str] = {
    Post.State.HIDDEN: "hide",
    Post.State.PUBLISHED: "restore",
    Post.State.DELETED: "delete",
}


@login_required
@require_POST
def change_state(request: AuthedRequest, pk: int) -> HttpResponse:
    """Hide, restore or delete a post (moderators; authors may delete their own)."""
    post = get_post(request, pk)
    state = request.POST.get("state", "")
    if state not in dict(STATE_BUTTONS):
        return refuse(request, "Choose hide, restore or delete.", 400)
    if post.author_id == request.user.pk and state == Post.State.DELETED:
        actions.set_post_state(post=post, state=state, actor=request.user)
    else:  # a moderator's action: audited, and it settles the post's flags
        moderation_actions.review_post(post=post, actor=request.user, action=REVIEWS[state])
    messages.success(
        request, f"The {post.get_kind_display()} is now {Post.State(state).label.lower()}."
    )
    if post.is_question and state == Post.State.DELETED:
        return redirect("home")
    return redirect(
        post.root.get_absolute_url() if not post.is_question else post.get_absolute_url()
    )


@login_required
def reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    """Who wrote an anonymous post, for a moderator with a reason; audited, shown once.

    The account is on this one response only (a POST, not a page to bookmark or
    reload); the audit log keeps who looked, at which post, when and why.
    """
    if not request.user.is_moderator:
        raise PermissionDenied("Only moderators can reveal the author of an anonymous post.")
    post = get_post(request, pk)
    if not post.anonymous:
        raise Http404("This post is not anonymous")
    error, author = "", None
    if request.method == "POST":
        try:
            author = reveal_author(
                post=post, moderator=request.user, reason=request.POST.get("reason", "")[:1000]
            )
        except ValidationError as invalid:
            error = invalid.messages[0]
    status = 400 if error else 200
    context = {"post": post, "author": author, "error": error, "revealed": author is not None}
    response = render(request, "qa/reveal.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def refuse(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """A refusal a person can read: a page for browsers, the message alone for htmx and scripts."""
    if request.headers.get("HX-Request") or "text/html" not in request.headers.get("Accept", ""):
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    return render(request, "refused.html", {"message": message}, status=status)


# --- categories and tags -------------------------------------------------------------


def category_list(request: HttpRequest) -> HttpResponse:
    categories = list(Category.objects.all())
    tree = []
    for parent in (c for c in categories if c.parent_id is None):
        children = [c for c in categories if c.parent_id == parent.pk]
        total = parent.question_count + sum(c.question_count for c in children)
        tree.append((parent, children, total))
    return render(request, "qa/category_list.html", {"tree": tree})


def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category.objects.select_related("parent"), slug=slug)
    questions = question_list_queryset(request).filter(
        Q(category=category) | Q(category__parent=category)
    )
    page = paginate(request, questions.order_by("-last_activity_at"))
    children = list(category.children.all())
    return render(
        request,
        "qa/category_detail.html",
        {"category": category, "children": children, "page": page, "questions": page.object_list},
    )


def tag_list(request: HttpRequest) -> HttpResponse:
    tags = Tag.objects.filter(question_count__gt=0).order_by("-question_count", "name")
    page = paginate(request, tags)
    return render(request, "qa/tag_list.html", {"page": page, "tags": page.object_list})


def tag_detail(request: HttpRequest, name: str) -> HttpResponse:
    tag = get_object_or_404(Tag, name=name)
    questions = question_list_queryset(request).filter(tags=tag)
    page = paginate(request, questions.order_by("-last_activity_at"))
    return render(
        request, "qa/tag_detail.html", {"tag": tag, "page": page, "questions": page.object_list}
    )
