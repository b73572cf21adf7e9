from datetime import timedelta

from django.utils import timezone

from mindwell.moderation.models import AuditEntry
from tests.conftest import logged_in


def test_the_audit_log_lists_actions_with_filters(answer, question, carol, moderator, admin):
    mod, adm = logged_in(moderator), logged_in(admin)
    mod.post(f"/posts/{answer.pk}/moderate", {"action": "hide", "reason": "Unkind words"})
    adm.post(f"/users/{carol.pk}/moderate", {"action": "warn", "message": "Gently now"})
    mod.post(f"/posts/{question.pk}/moderate", {"action": "lock"})
    AuditEntry.objects.filter(action="lock comments").update(
        created_at=timezone.now() - timedelta(days=10)
    )
    page = mod.get("/moderation/audit").content.decode()
    assert "Unkind words" in page and "Gently now" in page and "<td>lock comments</td>" in page
    by_action = mod.get("/moderation/audit?action=warn").content.decode()
    assert "Gently now" in by_action and "Unkind words" not in by_action
    by_actor = mod.get("/moderation/audit?actor=mo").content.decode()
    assert "Unkind words" in by_actor and "Gently now" not in by_actor
    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    recent = mod.get(f"/moderation/audit?since={since}").content.decode()
    assert "Unkind words" in recent and "<td>lock comments</td>" not in recent


def test_the_audit_log_cannot_be_changed_from_the_site(answer, moderator, admin):
    logged_in(moderator).post(f"/posts/{answer.pk}/moderate", {"action": "hide"})
    entry = AuditEntry.objects.get()
    for client in (logged_in(moderator), logged_in(admin)):
        assert client.post("/moderation/audit", {"action": "x"}).status_code == 405
        assert client.delete("/moderation/audit").status_code == 405
    assert AuditEntry.objects.get() == entry
    assert entry.reason == "Hidden by a moderator."


def test_the_audit_log_makes_a_few_queries_however_long(
    answer, moderator, carol, django_assert_max_num_queries
):
    client = logged_in(moderator)
    for n in range(30):
        client.post(f"/users/{carol.pk}/moderate", {"action": "warn", "message": f"Note {n}"})
    client.get("/moderation/audit")
    with django_assert_max_num_queries(8):
        page = client.get("/moderation/audit").content.decode()
    assert page.count("Note ") == 30


def test_a_bad_filter_shows_everything_and_no_error(answer, moderator):
    logged_in(moderator).post(f"/posts/{answer.pk}/moderate", {"action": "hide"})
    response = logged_in(moderator).get("/moderation/audit?since=yesterday&action=nope")
    assert response.status_code == 200
