from mindwell.accounts.models import CategoryLevel, Level
from mindwell.accounts.permissions import has_privilege
from tests.conftest import logged_in, make_user


def test_an_admin_makes_a_member_an_editor_who_may_then_edit_others(question, bob):
    admin = make_user("Ada", level=Level.ADMIN)
    page = logged_in(admin).get(bob.get_absolute_url()).content.decode()
    assert "Change level (admins)" in page
    logged_in(admin).post(f"/users/{bob.pk}/level", {"level": Level.EDITOR})
    bob.refresh_from_db()
    assert bob.level == Level.EDITOR
    logged_in(bob).post(
        f"/posts/{question.pk}/edit", {"title": question.title, "body": "Edited by Bob",
                                       "tags": "money communication"},
    )  # fmt: skip
    question.refresh_from_db()
    assert question.body == "Edited by Bob"


def test_a_level_for_one_category_applies_there_and_in_its_children_only(bob, category):
    admin = make_user("Ada", level=Level.ADMIN)
    logged_in(admin).post(
        f"/users/{bob.pk}/level", {"level": Level.EXPERT, "category": category.parent.pk}
    )
    assert CategoryLevel.objects.get(user=bob).level == Level.EXPERT
    bob.refresh_from_db()
    assert has_privilege(bob, "vote_down", category)  # a child of the category
    bob = bob.__class__.objects.get(pk=bob.pk)
    assert not has_privilege(bob, "vote_down", None)


def test_members_and_moderators_may_not_change_levels(bob, carol, moderator):
    for actor in (carol, moderator):
        response = logged_in(actor).post(f"/users/{bob.pk}/level", {"level": Level.ADMIN})
        assert response.status_code == 403
    bob.refresh_from_db()
    assert bob.level == Level.BASIC
    assert "Change level" not in logged_in(moderator).get(bob.get_absolute_url()).content.decode()


def test_an_admin_cannot_raise_anyone_above_themselves(bob):
    admin = make_user("Ada", level=Level.ADMIN)
    assert (
        logged_in(admin).post(f"/users/{bob.pk}/level", {"level": Level.SUPER}).status_code == 403
    )
    bob.refresh_from_db()
    assert bob.level == Level.BASIC


def test_a_bad_level_changes_nothing(bob):
    admin = make_user("Ada", level=Level.ADMIN)
    logged_in(admin).post(f"/users/{bob.pk}/level", {"level": "7"})
    bob.refresh_from_db()
    assert bob.level == Level.BASIC


def test_a_cached_category_level_is_forgotten_when_an_admin_changes_it(bob, category):
    admin = make_user("Ada", level=Level.ADMIN)

    def may_vote_down() -> bool:
        fresh = bob.__class__.objects.get(pk=bob.pk)  # a new request's user
        return has_privilege(fresh, "vote_down", category)

    assert not may_vote_down()  # the (empty) levels are now in the cache
    logged_in(admin).post(
        f"/users/{bob.pk}/level", {"level": Level.EXPERT, "category": category.pk}
    )
    assert may_vote_down()
    logged_in(admin).post(f"/users/{bob.pk}/level", {"level": Level.BASIC, "category": category.pk})
    assert not may_vote_down()
