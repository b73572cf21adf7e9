"""Guardrails on medical advice: the check, the note, holding for review."""

import pytest
from django.test import Client

from mindwell.professionals.medical import findings
from mindwell.qa import actions
from mindwell.qa.models import Post

ADVICE = [
    "Take 50 mg of sertraline at night.",
    "I'd take 2 pills before bed.",
    "It sounds like you have BPD.",
    "You clearly have bipolar disorder.",
    "You are showing signs of depression.",
    "Try 0.5mg and see.",
]
NOT_ADVICE = [
    "Do you have ADHD? Ask your doctor.",
    "If you have depression, talking to someone helps.",
    "You have every right to be upset.",
    "My doctor said I have ADHD and it helped to know.",
    "You have a lot on your plate right now.",
    "Bipolar disorder is treatable; a psychiatrist can help.",
    "I walked 5 km and felt better.",
    "Whether you have anxiety or not, your feelings matter.",
]


@pytest.mark.parametrize("text", ADVICE)
def test_doses_and_diagnoses_are_found(text):
    assert findings(text)


@pytest.mark.parametrize("text", NOT_ADVICE)
def test_ordinary_support_is_not_taken_for_advice(text):
    assert findings(text) == []


def test_an_answer_naming_a_dose_gets_a_visible_note(question, bob):
    actions.post_answer(question=question, author=bob, body="Take 50 mg of sertraline at night.")
    page = Client().get(question.get_absolute_url()).content.decode()
    assert "This answer mentions medication doses or a diagnosis" in page


def test_a_verified_professionals_answer_gets_no_note(question, therapist):
    actions.post_answer(
        question=question, author=therapist, body="Some people start at 50 mg; ask your GP."
    )
    page = Client().get(question.get_absolute_url()).content.decode()
    assert "This answer mentions medication doses" not in page


def test_by_setting_such_answers_are_held_unless_by_a_professional(
    question, bob, therapist, settings
):
    settings.MINDWELL_HOLD_MEDICAL_ADVICE = True
    held = actions.post_answer(question=question, author=bob, body="It sounds like you have BPD.")
    assert held.state == Post.State.HELD and "medication doses or a diagnosis" in held.state_reason
    fine = actions.post_answer(question=question, author=bob, body="Be gentle with yourself.")
    pro = actions.post_answer(
        question=question,
        author=therapist,
        body="It sounds like you have BPD traits; get assessed.",
    )
    assert (fine.state, pro.state) == (Post.State.PUBLISHED, Post.State.PUBLISHED)
    question.refresh_from_db()
    assert question.answer_count == 2
    assert (
        "It sounds like you have BPD."
        not in Client().get(question.get_absolute_url()).content.decode()
    )


def test_the_forms_say_peer_support_not_medical_advice(question, alice):
    assert (
        "Peer support, not medical advice"
        in Client().get(question.get_absolute_url()).content.decode()
    )
