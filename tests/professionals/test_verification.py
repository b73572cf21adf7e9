"""Applying as a professional, moderators verifying or declining, badges, lapsing at expiry."""

from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from mindwell.moderation.models import AuditEntry
from mindwell.professionals import actions as pro_actions
from mindwell.professionals.models import Credential
from mindwell.qa import actions
from tests.conftest import logged_in
from tests.professionals.conftest import verified


def application(**changes: str) -> dict[str, str]:
    data = {
        "profession": "counsellor",
        "licence_number": "BACP 009876",
        "licensing_body": "BACP",
        "country": "gb",
        "expires_on": (timezone.localdate() + timedelta(days=400)).isoformat(),
    }
    data.update(changes)
    return data


def test_a_member_applies_and_a_moderator_verifies_with_an_audit_entry(
    alice, moderator, django_assert_max_num_queries
):
    client = logged_in(alice)
    assert client.post("/professionals/apply", application()).status_code == 302
    credential = Credential.objects.get(user=alice)
    assert (credential.status, credential.country) == ("pending", "GB")
    assert "awaiting verification" in client.get("/professionals/apply").content.decode()

    mod = logged_in(moderator)
    with django_assert_max_num_queries(6):
        queue = mod.get("/professionals/queue").content.decode()
    assert "BACP 009876" in queue and "Alice" in queue
    assert (
        mod.post(f"/professionals/{credential.pk}/decide", {"decision": "verify"}).status_code
        == 302
    )
    credential.refresh_from_db()
    assert credential.status == "verified" and credential.decided_by == moderator
    entry = AuditEntry.objects.get(action="verify professional")
    assert (entry.actor, entry.user, entry.after["status"]) == (moderator, alice, "verified")
    assert "Counsellor · GB" in Client().get(alice.get_absolute_url()).content.decode()


def test_bad_applications_are_refused_with_a_message_and_nothing_is_stored(alice):
    client = logged_in(alice)
    cases = {
        "Give your licence or registration number.": application(licence_number="   "),
        "This licence has expired.": application(
            expires_on=(timezone.localdate() - timedelta(days=1)).isoformat()
        ),
        "Give the country as a two-letter code": application(country="Britain"),
        "Select a valid choice": application(profession="astrologer"),
        "Give the expiry date as YYYY-MM-DD.": application(expires_on="soon"),
    }
    for message, data in cases.items():
        response = client.post("/professionals/apply", data)
        assert response.status_code == 400, message
        assert message in response.content.decode(), message
    assert not Credential.objects.exists()


def test_declining_needs_a_reason_and_is_audited(alice, moderator):
    logged_in(alice).post("/professionals/apply", application())
    credential = Credential.objects.get(user=alice)
    mod = logged_in(moderator)
    refused = mod.post(
        f"/professionals/{credential.pk}/decide", {"decision": "decline", "reason": ""}
    )
    assert (
        refused.status_code == 400
        and "Say why the application is declined" in refused.content.decode()
    )
    credential.refresh_from_db()
    assert credential.status == "pending" and not AuditEntry.objects.exists()
    mod.post(
        f"/professionals/{credential.pk}/decide",
        {"decision": "decline", "reason": "Licence not found in the register"},
    )
    credential.refresh_from_db()
    assert credential.status == "declined"
    assert (
        AuditEntry.objects.get(action="decline professional").reason
        == "Licence not found in the register"
    )
    assert (
        "Licence not found in the register"
        in logged_in(alice).get("/professionals/apply").content.decode()
    )
    again = mod.post(f"/professionals/{credential.pk}/decide", {"decision": "verify"})
    assert again.status_code == 400 and "already been decided" in again.content.decode()


def test_only_moderators_see_the_queue_and_decide(alice, bob):
    logged_in(alice).post("/professionals/apply", application())
    credential = Credential.objects.get(user=alice)
    assert logged_in(bob).get("/professionals/queue").status_code == 403
    assert (
        logged_in(bob)
        .post(f"/professionals/{credential.pk}/decide", {"decision": "verify"})
        .status_code
        == 403
    )
    credential.refresh_from_db()
    assert credential.status == "pending"


def test_verified_answers_carry_the_badge_and_the_professional_label(question, answer, therapist):
    pro = actions.post_answer(
        question=question, author=therapist, body="From my practice: start small."
    )
    page = Client().get(question.get_absolute_url()).content.decode()
    assert "✓ Therapist · GB" in page
    articles = {a.split('"', 1)[0]: a for a in page.split('id="post-')[1:]}
    assert "label professional" in articles[str(pro.pk)]
    assert "label peer" in articles[str(answer.pk)] and "Therapist" not in articles[str(answer.pk)]


def test_an_anonymous_answer_by_a_professional_carries_no_badge(question, therapist):
    actions.post_answer(
        question=question, author=therapist, body="Quietly, as a therapist.", anonymous=True
    )
    page = Client().get(question.get_absolute_url()).content.decode()
    assert "Therapist · GB" not in page and "label professional" not in page


def test_verification_lapses_at_expiry_with_a_reminder_before(
    alice, bob, carol, question, django_capture_on_commit_callbacks
):
    soon = verified(alice, days=10)
    later = verified(bob, days=200)
    expired = verified(carol, days=-1)
    assert (
        "Therapist · GB" not in Client().get(carol.get_absolute_url()).content.decode()
    )  # at once
    with django_capture_on_commit_callbacks(execute=True):
        call_command("professionals_expire", "--remind-days", "30")
    soon.refresh_from_db()
    later.refresh_from_db()
    expired.refresh_from_db()
    assert (soon.status, later.status, expired.status) == ("verified", "verified", "lapsed")
    assert soon.reminded_at is not None and later.reminded_at is None
    subjects = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert subjects == [
        ("alice@example.test", "Your professional verification expires soon"),
        ("carol@example.test", "Your professional verification has lapsed"),
    ]
    assert AuditEntry.objects.get(action="lapse professional").user == carol
    with django_capture_on_commit_callbacks(execute=True):
        call_command("professionals_expire")  # once only
    assert len(mail.outbox) == 2


def test_applying_again_after_a_lapse_waits_for_a_moderator(carol):
    verified(carol, days=-1)
    pro_actions.lapse_expired()
    logged_in(carol).post("/professionals/apply", application())
    assert Credential.objects.get(user=carol).status == "pending"


def test_the_demo_has_verified_professionals_and_supportive_categories(db):
    from mindwell.qa.demo import load_demo
    from mindwell.qa.models import Category

    load_demo()
    badges = {c.user.display_name: c.badge for c in Credential.objects.verified()}
    assert badges == {"Ana Reyes": "Therapist · US", "Helen Okafor": "Counsellor · GB"}
    supportive = set(Category.objects.filter(supportive=True).values_list("slug", flat=True))
    assert supportive == {"anxiety", "depression", "grief"}
    assert Category.objects.get(slug="therapists").professionals == "highlight"


def test_a_new_badge_shows_on_cached_pages_at_once(question, bob, moderator, settings):
    actions.post_answer(question=question, author=bob, body="Bob's answer.")
    settings.MINDWELL_PAGE_CACHE = True  # after the answer: a fresh write's page is not kept
    visitor = Client()
    visitor.get(question.get_absolute_url())
    assert "Counsellor · GB" not in visitor.get(question.get_absolute_url()).content.decode()
    logged_in(bob).post("/professionals/apply", application())
    credential = Credential.objects.get(user=bob)
    logged_in(moderator).post(f"/professionals/{credential.pk}/decide", {"decision": "verify"})
    assert "Counsellor · GB" in visitor.get(question.get_absolute_url()).content.decode()
