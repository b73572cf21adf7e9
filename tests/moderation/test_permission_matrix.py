"""Every moderation action × every role, through real requests: allowed changes what is
stored; refused answers 403 (or 404 for what the role cannot see, or the login page for
visitors) and changes nothing. The expectations are the default settings."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mindwell.accounts.models import Level, User
from mindwell.moderation.models import AuditEntry, Flag, MemberWarning, SiteSetting
from mindwell.qa import actions
from mindwell.qa.models import Category, Post
from tests.conftest import logged_in, make_user

ROLES = [
    "anonymous",
    "new user",
    "trusted user",
    "author",
    "other user",
    "expert",
    "editor",
    "moderator",
    "admin",
    "suspended",
    "blocked",
]
MEMBERS = set(ROLES) - {"anonymous", "suspended", "blocked"}
MODERATORS = {"moderator", "admin"}


@dataclass
class Scene:
    question: Post  # by Alice
    answer: Post  # by Bob: the target of post actions
    other: Post  # another question, for duplicates
    held: Post  # an answer by Bob held for approval
    hidden: Post  # an answer by Bob, hidden
    category: Category
    target: User  # Carol, a plain member, for warnings, suspensions and blocks


@dataclass
class Action:
    name: str
    allowed: set[str]
    request: Callable[[Client, Scene], object]
    changed: Callable[[Scene], bool]
    on_question: bool = False  # "author" means the question's author, else the answer's


def post_to(url: str, data: dict[str, object]) -> Callable[[Client, Scene], object]:
    def send(client: Client, s: Scene) -> object:
        return client.post(url.format(s=s), data)

    return send


def get(url: str) -> Callable[[Client, Scene], object]:
    return lambda client, s: client.get(url)


def state(post_attr: str, value: str) -> Callable[[Scene], bool]:
    return lambda s: Post.objects.get(pk=getattr(s, post_attr).pk).state == value


def q(s: Scene) -> Post:
    return Post.objects.get(pk=s.question.pk)


def moderation(action: str, target: str = "answer", **data: object) -> Callable:
    return post_to(f"/posts/{{s.{target}.pk}}/moderate", {"action": action, **data})


ACTIONS = [
    Action(
        "flag",
        {"trusted user", "expert", "editor", "moderator", "admin"},
        post_to("/posts/{s.answer.pk}/flag", {"reason": "spam"}),
        lambda s: Flag.objects.exists(),
    ),
    Action(
        "vote",
        MEMBERS - {"author"},
        post_to("/posts/{s.answer.pk}/vote", {"vote": "up"}),
        lambda s: Post.objects.get(pk=s.answer.pk).score == 1,
    ),
    Action(
        "comment",
        MEMBERS | {"anonymous"},  # visitors may comment while anonymous posting is on
        post_to("/posts/{s.answer.pk}/comment", {"body": "Thank you, that helped me."}),
        lambda s: Post.objects.filter(kind="C", parent=s.answer).exists(),
    ),
    Action(
        "edit",
        {"author", "editor", "moderator", "admin"},
        post_to("/posts/{s.answer.pk}/edit", {"body": "A kinder, clearer answer."}),
        lambda s: Post.objects.get(pk=s.answer.pk).body == "A kinder, clearer answer.",
    ),
    Action(
        "retag",
        {"author", "editor", "moderator", "admin"},
        post_to(
            "/posts/{s.question.pk}/edit",
            {
                "title": "How do I talk to my partner about money?",
                "body": "We keep arguing about **money** and I want to stop.",
                "tags": "money",
            },
        ),  # fmt: skip
        lambda s: list(q(s).tags.values_list("name", flat=True)) == ["money"],
        on_question=True,
    ),
    Action("approve", MODERATORS, moderation("approve", "held"), state("held", "published")),
    Action("hide", MODERATORS, moderation("hide", reason="Unkind"), state("answer", "hidden")),
    Action("restore", MODERATORS, moderation("restore", "hidden"), state("hidden", "published")),
    Action("delete", MODERATORS | {"author"}, moderation("delete"), state("answer", "deleted")),
    Action(
        "close",
        MODERATORS,
        moderation("close", "question", reason="Answered elsewhere"),
        lambda s: q(s).is_closed,
        on_question=True,
    ),
    Action(
        "close as duplicate",
        MODERATORS,
        lambda client, s: client.post(
            f"/posts/{s.question.pk}/moderate", {"action": "duplicate", "duplicate_of": s.other.pk}
        ),
        lambda s: q(s).duplicate_of_id == s.other.pk,
        on_question=True,
    ),
    Action(
        "lock comments",
        MODERATORS,
        moderation("lock"),
        lambda s: Post.objects.get(pk=s.answer.pk).comments_locked,
    ),
    Action(
        "move",
        MODERATORS,
        lambda client, s: client.post(
            f"/posts/{s.question.pk}/moderate", {"action": "move", "category": s.category.pk}
        ),
        lambda s: q(s).category_id == s.category.pk,
        on_question=True,
    ),
    Action(
        "warn",
        MODERATORS,
        post_to("/users/{s.target.pk}/moderate", {"action": "warn", "message": "Be kind."}),
        lambda s: MemberWarning.objects.exists(),
    ),
    Action(
        "suspend",
        MODERATORS,
        post_to(
            "/users/{s.target.pk}/moderate",
            {"action": "suspend", "days": 7, "message": "Cooling off."},
        ),
        lambda s: User.objects.get(pk=s.target.pk).suspended_until is not None,
    ),
    Action(
        "block",
        MODERATORS,
        post_to("/users/{s.target.pk}/moderate", {"action": "block", "message": "Spam."}),
        lambda s: User.objects.get(pk=s.target.pk).blocked_at is not None,
    ),
    Action(
        "site settings",
        {"admin"},
        post_to(
            "/moderation/settings",
            {
                "site_name": "Calm Harbour",
                "welcome": "Hello",
                "flags_to_hide": 3,
                "hold_under_points": 0,
                "purge_after_days": 30,
            },
        ),  # fmt: skip
        lambda s: SiteSetting.objects.filter(key="site_name").exists(),
    ),
    Action(
        "add category",
        {"admin"},
        post_to("/moderation/settings/categories", {"op": "add", "add-name": "Grief"}),
        lambda s: Category.objects.filter(name="Grief").exists(),
    ),
]
# Pages: "allowed" is a 200 showing the page; nothing to change.
PAGES = [
    ("queue", MODERATORS, "/moderation/", "Moderation queue"),
    ("audit log", MODERATORS, "/moderation/audit", "Audit log"),
    ("site settings page", {"admin"}, "/moderation/settings", "Site settings"),
]


@pytest.fixture
def scene(question: Post, answer: Post, alice, bob, carol, category) -> Scene:
    other = actions.ask_question(
        author=carol, title="Another question", body="Body", category=category, tags=[]
    )
    held = actions.post_answer(question=question, author=bob, body="Held answer")
    actions.set_post_state(post=held, state="held", actor=None)
    hidden = actions.post_answer(question=question, author=bob, body="Hidden answer")
    actions.set_post_state(post=hidden, state="hidden", actor=None)
    elsewhere = Category.objects.create(name="Family", slug="family")
    return Scene(question, answer, other, held, hidden, elsewhere, carol)


def client_for(role: str, author: User) -> Client:
    if role == "anonymous":
        return Client()
    if role == "author":
        return logged_in(author)
    levels = {"trusted user": Level.APPROVED, "expert": Level.EXPERT, "editor": Level.EDITOR,
              "moderator": Level.MODERATOR, "admin": Level.ADMIN}  # fmt: skip
    # Suspended and blocked members are "trusted" otherwise: their standing refuses them.
    level = levels.get(role, Level.APPROVED if role in ("suspended", "blocked") else Level.BASIC)
    user = make_user(role.title().replace(" ", ""), level=level)
    if role == "other user":
        User.objects.filter(pk=user.pk).update(points=140)  # just under the flag threshold
    if role == "suspended":
        User.objects.filter(pk=user.pk).update(suspended_until=timezone.now() + timedelta(days=3))
    if role == "blocked":
        User.objects.filter(pk=user.pk).update(blocked_at=timezone.now())
    return logged_in(user)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_action_by_role(action: Action, role: str, scene: Scene):
    author = scene.question.author if action.on_question else scene.answer.author
    assert author is not None
    client = client_for(role, author)
    audited = AuditEntry.objects.count()
    assert not action.changed(scene)
    response = action.request(client, scene)
    if role in action.allowed:
        assert response.status_code in (200, 302), response.content.decode()[:500]
        assert action.changed(scene)
    else:
        if role == "anonymous" and response.status_code == 302:
            assert response["Location"].startswith("/login")
        else:
            assert response.status_code in (403, 404), response.status_code
        assert not action.changed(scene)
        assert AuditEntry.objects.count() == audited


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p[0])
def test_page_by_role(page, role: str, scene: Scene):
    _, allowed, url, heading = page
    response = client_for(role, scene.answer.author).get(url)
    if role in allowed:
        assert response.status_code == 200
        assert heading in response.content.decode()
    elif role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login")
    else:
        assert response.status_code == 403
