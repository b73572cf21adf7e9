from django.core.management import call_command

from mindwell.accounts.models import PointsEntry, User
from mindwell.qa.counters import Recount, recount
from mindwell.qa.demo import load_demo
from mindwell.qa.models import Category, Post, Revision, Vote


def snapshot() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (User, Category, Post, Vote, Revision, PointsEntry))


def test_demo_content_loads_once_and_a_second_run_changes_nothing(db):
    user, created = load_demo()
    assert created and user.display_name == "Sam"
    assert Post.objects.filter(kind="Q").count() >= 28
    assert Post.objects.filter(kind="A").count() >= 40
    assert Post.objects.filter(kind="C").count() >= 20
    names = set(Category.objects.filter(parent=None).values_list("name", flat=True))
    assert {"Relationships", "Anxiety", "Depression", "Therapists", "Family", "Self-care",
            "Grief"} <= names  # fmt: skip
    assert Post.objects.filter(kind="Q", author=None).exists()  # visitors ask too
    points = set(User.objects.filter(points__gt=100).values_list("points", flat=True))
    assert len(points) >= 4  # varied points
    before = snapshot()
    assert load_demo() == (user, False)
    assert snapshot() == before


def test_demo_counters_agree_with_a_recount(db):
    load_demo()
    assert recount() == Recount(0, 0, 0, 0)


def test_demo_command_without_serving_prints_the_login(db, capsys):
    call_command("demo", "--no-serve")
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/" in out
    assert "Demo login: Sam / mindwell-demo" in out
