from django.test import Client

from mindwell.moderation.models import AuditEntry, SiteSetting
from mindwell.qa import actions
from mindwell.qa.counters import recount
from mindwell.qa.models import Category, Post
from tests.conftest import logged_in

WELCOME = "Welcome to Mindwell, where you can ask questions about relationships and mental health"
SETTINGS = {
    "site_name": "Mindwell",
    "welcome": WELCOME,
    "flags_to_hide": 3,
    "hold_under_points": 0,
    "hold_over_links": "",
    "purge_after_days": 30,
}


def test_the_settings_page_shows_the_defaults(admin):
    page = logged_in(admin).get("/moderation/settings").content.decode()
    assert SETTINGS["welcome"] in page
    assert 'name="flags_to_hide" value="3"' in page


def test_an_admin_renames_the_site_and_the_change_is_audited(admin, settings):
    response = logged_in(admin).post(
        "/moderation/settings", {**SETTINGS, "site_name": "Calm Harbour", "flags_to_hide": 5}
    )
    assert response.status_code == 302
    assert '<a class="brand" href="/">Calm Harbour</a>' in Client().get("/").content.decode()
    entry = AuditEntry.objects.get()
    assert entry.action == "change settings"
    assert entry.before == {"site_name": "Mindwell", "flags_to_hide": 3}
    assert entry.after == {"site_name": "Calm Harbour", "flags_to_hide": 5}


def test_a_stored_setting_wins_over_the_environment(answer, admin, flaggers):
    logged_in(admin).post("/moderation/settings", {**SETTINGS, "flags_to_hide": 1})
    logged_in(flaggers[0]).post(f"/posts/{answer.pk}/flag", {"reason": "spam"})
    answer.refresh_from_db()
    assert answer.state == "hidden"


def test_bad_settings_rerender_with_the_error_and_change_nothing(admin):
    response = logged_in(admin).post(
        "/moderation/settings", {**SETTINGS, "flags_to_hide": 0, "site_name": "Other"}
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
    logged_in(admin).post("/moderation/settings", {**SETTINGS, "welcome": "Hello, you are welcome"})
    assert "<h1>Hello, you are welcome</h1>" in Client().get("/").content.decode()
