import pytest
import time_machine
from django.core.cache import cache
from django.db.models import Sum
from django.test import Client
from django_tasks_db.models import DBTaskResult

from mindwell.accounts.models import PointsEntry
from mindwell.moderation import sitesettings
from mindwell.moderation.models import AuditEntry, SiteSetting
from mindwell.notify import worker
from mindwell.qa import actions
from mindwell.qa.counters import Recount, recount
from mindwell.qa.models import Category, Post, Vote
from tests.conftest import logged_in, make_user

WELCOME = "Welcome to Mindwell, where you can ask questions about relationships and mental health"
SETTINGS = {
    "site_name": "Mindwell",
    "welcome": WELCOME,
    "flags_to_hide": 3,
    "hold_under_points": 0,
    "hold_over_links": "",
    "purge_after_days": 30,
}


def form(**changes):
    """The whole settings form as the page fills it in, with some values changed."""
    values = {**sitesettings.defaults(), **SETTINGS, **changes}
    return {key: "" if value is None else value for key, value in values.items()}


def test_the_settings_page_shows_the_defaults(admin):
    page = logged_in(admin).get("/moderation/settings").content.decode()
    assert SETTINGS["welcome"] in page
    assert 'name="flags_to_hide" value="3"' in page


def test_an_admin_renames_the_site_and_the_change_is_audited(admin, settings):
    response = logged_in(admin).post(
        "/moderation/settings", form(site_name="Calm Harbour", flags_to_hide=5)
    )
    assert response.status_code == 302
    assert '<a class="brand" href="/">Calm Harbour</a>' in Client().get("/").content.decode()
    entry = AuditEntry.objects.get()
    assert entry.action == "change settings"
    assert entry.before == {"site_name": "Mindwell", "flags_to_hide": 3}
    assert entry.after == {"site_name": "Calm Harbour", "flags_to_hide": 5}


def test_a_stored_setting_wins_over_the_environment(answer, admin, flaggers):
    logged_in(admin).post("/moderation/settings", form(flags_to_hide=1))
    logged_in(flaggers[0]).post(f"/posts/{answer.pk}/flag", {"reason": "spam"})
    answer.refresh_from_db()
    assert answer.state == "hidden"


def test_bad_settings_rerender_with_the_error_and_change_nothing(admin):
    response = logged_in(admin).post(
        "/moderation/settings", form(flags_to_hide=0, site_name="Other")
    )
    assert response.status_code == 400
    assert "greater than or equal to 1" in response.content.decode()
    assert not SiteSetting.objects.exists()
    assert not AuditEntry.objects.exists()


def categories(client: Client, op: str, **fields):
    return client.post(
        "/moderation/settings/categories", {"op": op, **{f"{op}-{k}": v for k, v in fields.items()}}
    )


def test_an_admin_adds_renames_and_reorders_categories(admin, category):
    client = logged_in(admin)
    categories(client, "add", name="Grief", parent=category.parent_id)
    grief = Category.objects.get(name="Grief")
    assert (grief.parent_id, grief.slug) == (category.parent_id, "grief")
    categories(client, "rename", category=grief.pk, name="Grief and loss")
    grief.refresh_from_db()
    assert (grief.name, grief.slug) == ("Grief and loss", "grief")
    names = lambda: [c.name for c in Category.objects.filter(parent_id=category.parent_id)]  # noqa: E731
    assert names() == ["Couples", "Grief and loss"]
    categories(client, "move", category=grief.pk, step=-1)
    assert names() == ["Grief and loss", "Couples"]
    assert [e.action for e in AuditEntry.objects.order_by("pk")] == [
        "add category", "rename category", "reorder categories",
    ]  # fmt: skip


def test_merging_categories_moves_questions_and_keeps_counters_right(admin, question, category):
    family = Category.objects.create(name="Family", slug="family")
    actions.ask_question(author=None, title="Siblings", body="b", category=family, tags=["x"])
    hidden = actions.ask_question(author=None, title="Hidden", body="b", category=family, tags=[])
    actions.set_post_state(post=hidden, state="hidden", actor=None)
    response = categories(logged_in(admin), "merge", source=family.pk, target=category.pk)
    assert response.status_code == 302
    assert not Category.objects.filter(pk=family.pk).exists()
    category.refresh_from_db()
    assert category.question_count == 2
    assert Post.objects.filter(category=category, kind="Q").count() == 3
    assert recount() == recount().__class__(0, 0, 0, 0)


def test_a_category_cannot_merge_into_itself_or_with_children_left(admin, category):
    client = logged_in(admin)
    same = categories(client, "merge", source=category.pk, target=category.pk)
    assert same.status_code == 400
    assert "two different categories" in same.content.decode()
    parent = category.parent
    orphaned = categories(client, "merge", source=parent.pk, target=category.pk)
    assert orphaned.status_code == 400
    assert "has sub-categories" in orphaned.content.decode()
    assert Category.objects.count() == 2
    assert not AuditEntry.objects.exists()


def test_a_duplicate_category_name_is_refused(admin, category):
    response = categories(logged_in(admin), "add", name="Couples")
    assert response.status_code == 400
    assert "already a category" in response.content.decode()
    assert Category.objects.count() == 2


def test_the_home_page_greets_visitors_with_the_welcome_text(admin):
    assert f"<h1>{WELCOME}</h1>" in Client().get("/").content.decode()
    logged_in(admin).post("/moderation/settings", form(welcome="Hello, you are welcome"))
    assert "<h1>Hello, you are welcome</h1>" in Client().get("/").content.decode()


# --- points scheme, permissions and limits ------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the real worker, which commits and reconnects
def test_an_admin_changes_the_answer_points_and_members_points_follow(admin, answer, bob):
    bob.refresh_from_db()
    assert bob.points == 100 + 10 * 4  # base + multiple x units for one answer
    client = logged_in(admin)
    response = client.post("/moderation/settings", form(points_post_answer=7))
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert (entry.before, entry.after) == ({"points_post_answer": 4}, {"points_post_answer": 7})
    page = client.get("/moderation/settings").content.decode()
    assert "points are being recounted" in page
    assert 'name="points_post_answer" value="7"' in page
    bob.refresh_from_db()
    assert bob.points == 140  # the task worker recounts, not the request
    worker.run(interval=0, sweep_every=0, batch=True)  # `mindwell worker --batch`
    # One recount now, one after other processes' cached copies expire (local cache).
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == [
        "READY", "SUCCESSFUL",
    ]  # fmt: skip
    bob.refresh_from_db()
    assert bob.points == 100 + 10 * 7
    ledger = PointsEntry.objects.filter(user=bob).aggregate(total=Sum("delta"))["total"]
    assert bob.points == 100 + ledger
    assert recount() == Recount(0, 0, 0, 0)
    # Votes from now on are counted by the new scheme.
    actions.cast_vote(post=answer, user=make_user("Dee"), value=1)
    bob.refresh_from_db()
    assert bob.points == 170 + 10 * 2
    assert recount() == Recount(0, 0, 0, 0)


def test_an_admin_lets_members_with_fewer_points_vote_down(admin, answer, carol):
    vote = lambda: logged_in(carol).post(f"/posts/{answer.pk}/vote", {"vote": "down"})  # noqa: E731
    assert vote().status_code == 403
    logged_in(admin).post("/moderation/settings", form(perm_vote_down_points=100))
    assert vote().status_code == 302
    assert Vote.objects.filter(user=carol, value=-1).exists()
    assert not DBTaskResult.objects.exists()  # no recount when the scheme did not change
    logged_in(admin).post("/moderation/settings", form(perm_flag_level=20, perm_flag_points=""))
    refused = logged_in(carol).post(f"/posts/{answer.pk}/flag", {"reason": "spam"})
    assert refused.status_code == 403
    assert "Only members at level expert or above can flag posts." in refused.content.decode()


def test_an_admin_lowers_a_limit_and_it_holds(admin, answer, question, flaggers):
    logged_in(admin).post("/moderation/settings", form(limit_user_flags=1))
    client = logged_in(flaggers[0])
    with time_machine.travel("2026-03-02 12:10Z", tick=False):
        assert client.post(f"/posts/{answer.pk}/flag", {"reason": "spam"}).status_code == 302
        over = client.post(f"/posts/{question.pk}/flag", {"reason": "spam"})
    assert over.status_code == 429
    assert "the limit of 1 flag an hour" in over.content.decode()


def test_bad_numbers_rerender_with_errors_and_change_nothing(admin, answer):
    response = logged_in(admin).post(
        "/moderation/settings",
        form(points_post_answer=-1, perm_vote_down_level=7, limit_ip_logins="", site_name="New"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "Give a number from 0 to 1,000." in page
    assert "Choose one of the levels." in page
    assert "Give a whole number." in page
    assert not SiteSetting.objects.exists()
    assert not AuditEntry.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_only_admins_see_or_change_the_settings(moderator, alice):
    for user in (moderator, alice):
        client = logged_in(user)
        assert client.get("/moderation/settings").status_code == 403
        post = client.post("/moderation/settings", form(points_post_answer=9))
        assert post.status_code == 403
    assert not SiteSetting.objects.exists()


def test_a_change_by_another_process_is_seen_on_the_next_request_and_outside_requests(db):
    assert "Mindwell" in Client().get("/").content.decode()  # read once in that request
    # Another process stores a change and deletes the shared cached copy.
    SiteSetting.objects.update_or_create(key="site_name", defaults={"value": "Kinder"})
    cache.delete(sitesettings.CACHE_KEY)
    assert sitesettings.get("site_name") == "Kinder"  # outside a request: nothing remembered
    assert "<title>Kinder" in Client().get("/").content.decode()
