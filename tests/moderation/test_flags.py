from django.test import Client

from mindwell.moderation.actions import flag_post
from mindwell.moderation.models import AuditEntry, Flag
from mindwell.qa.models import Post
from tests.conftest import logged_in, make_user


def flag(client: Client, post: Post, reason: str = "rude", text: str = ""):
    return client.post(f"/posts/{post.pk}/flag", {"reason": reason, "text": text})


def test_three_flags_hide_a_post_and_a_moderator_restore_brings_it_back_with_its_votes(
    question, answer, bob, moderator, flaggers
):
    voter = make_user("Voter")
    logged_in(voter).post(f"/posts/{answer.pk}/vote", {"vote": "up"})
    bob.refresh_from_db()
    assert bob.points == 160
    for flagger in flaggers[:2]:
        assert flag(logged_in(flagger), answer).status_code == 302
    answer.refresh_from_db()
    assert answer.state == "published"
    flag(logged_in(flaggers[2]), answer)
    answer.refresh_from_db()
    bob.refresh_from_db()
    assert (answer.state, answer.state_reason) == ("hidden", "flagged, pending review")
    assert bob.points == 100
    assert "Pick a calm moment" not in Client().get(question.get_absolute_url()).content.decode()

    response = logged_in(moderator).post(f"/posts/{answer.pk}/moderate", {"action": "restore"})
    assert response.status_code == 302
    answer.refresh_from_db()
    bob.refresh_from_db()
    voter.refresh_from_db()
    assert (answer.state, answer.state_reason, answer.score) == ("published", "", 1)
    assert (bob.points, voter.points) == (160, 110)
    assert not Flag.objects.filter(post=answer, resolved_at__isnull=True).exists()
    assert list(AuditEntry.objects.values_list("action", "actor__display_name")) == [
        ("restore", "Mo"),
        ("hide", None),
    ]


def test_the_number_of_flags_that_hide_is_a_setting(answer, flaggers, settings):
    settings.MINDWELL_FLAGS_TO_HIDE = 1
    flag(logged_in(flaggers[0]), answer)
    answer.refresh_from_db()
    assert answer.state == "hidden"


def test_a_moderators_flag_hides_at_once(answer, moderator):
    flag(logged_in(moderator), answer, "spam")
    answer.refresh_from_db()
    assert answer.state == "hidden"
    assert AuditEntry.objects.get().actor == moderator


def test_someone_at_risk_never_hides_the_post(answer, flaggers, moderator):
    for user in [*flaggers, moderator]:
        flag_post(post=answer, user=user, reason="at-risk")
    answer.refresh_from_db()
    assert answer.state == "published"
    assert Flag.objects.filter(post=answer, reason="at-risk").count() == 5


def test_the_flagger_sees_their_flag_was_received_not_who_else_flagged(question, answer, flaggers):
    flag(logged_in(flaggers[0]), answer, "other", "Names a real person")
    client = logged_in(flaggers[1])
    page = client.get(flag(client, answer, "rude")["Location"], follow=True).content.decode()
    assert "your flag was received" in page
    assert "Flagger0" not in page and "Names a real person" not in page


def test_flagging_twice_is_refused_and_counts_once(answer, flaggers):
    client = logged_in(flaggers[0])
    flag(client, answer)
    response = flag(client, answer, "spam")
    assert response.status_code == 400
    assert "already flagged" in response.content.decode()
    assert Flag.objects.filter(post=answer).count() == 1


def test_flagging_a_missing_post_is_a_404(db, flaggers):
    assert flag(logged_in(flaggers[0]), Post(pk=999999)).status_code == 404
    assert not Flag.objects.exists()


def test_other_needs_a_reason_and_unknown_reasons_are_refused(answer, flaggers):
    client = logged_in(flaggers[0])
    response = flag(client, answer, "other", "   ")
    assert response.status_code == 400
    assert "Say what is wrong" in response.content.decode()
    assert flag(client, answer, "boring").status_code == 400
    assert not Flag.objects.exists()


def test_new_members_visitors_and_authors_cannot_flag(answer, carol, bob):
    assert flag(logged_in(carol), answer).status_code == 403  # basic level, 100 points
    assert flag(Client(), answer).status_code == 403
    assert flag(logged_in(bob), answer).status_code == 403  # Bob wrote it
    assert not Flag.objects.exists()


def test_members_with_enough_points_may_flag(answer):
    earned = make_user("Earned", points=150)
    assert flag(logged_in(earned), answer).status_code == 302
    assert Flag.objects.filter(user=earned).exists()


def test_the_question_page_offers_flagging_only_to_those_who_may(question, answer, flaggers, carol):
    assert f'action="/posts/{answer.pk}/flag"' in (
        logged_in(flaggers[0]).get(question.get_absolute_url()).content.decode()
    )
    assert "/flag" not in logged_in(carol).get(question.get_absolute_url()).content.decode()


def test_each_flag_form_has_its_own_ids_and_is_rendered_once_per_page(question, answer, flaggers):
    import re
    from unittest import mock

    from mindwell.moderation.templatetags import moderation as tags

    with mock.patch.object(tags, "fields_html", wraps=tags.fields_html) as render:
        page = logged_in(flaggers[0]).get(question.get_absolute_url()).content.decode()
    assert render.call_count == 1  # not once per post
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # no id twice on the page
    assert tags.ID_SLOT not in page
    for post in (question, answer):
        form = page.split(f'action="/posts/{post.pk}/flag"', 1)[1].split("</form>", 1)[0]
        assert f'<label for="flag-{post.pk}-text">' in form
        assert f'id="flag-{post.pk}-text"' in form
        assert f'id="flag-{post.pk}-reason_0"' in form
