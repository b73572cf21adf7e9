"""Screening: each family of hard cases, bad input, and what a moderator is shown.

The figures over the whole evaluation set are held in test_evaluation.py; these
tests pin down behaviours one at a time.
"""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mindwell.safety.screening import MAX_PHRASES, WINDOW, normalise, screen


def label(text: str) -> str:
    return screen(text).label


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself.",
        "I've been having suicidal thoughts every night this week.",
        "I have a plan and I've picked the date, I'm going to end my life.",
        "I've been saving up my pills.",
        "I won't be around after Friday.",
        "Everyone would be better off without me.",
        "I've been giving my things away.",
        "I cut myself again last night.",
        "Goodbye everyone, thank you for trying to help me.",
        "My husband threatened to kill me if I leave.",
        "I don't feel safe in my own home.",
    ],
)
def test_signs_that_the_writer_is_at_risk_are_risk(text):
    assert label(text) == "risk"


@pytest.mark.parametrize(
    "text",
    [
        "My best friend told me she wants to kill herself.",
        "I'm worried my brother is suicidal.",
        "My daughter has been cutting herself and hiding it.",
        "My sister's boyfriend threatened to kill her.",
        "My roommate has been giving away all her stuff and saying goodbye to people.",
    ],
)
def test_signs_that_someone_else_is_at_risk_are_concern(text):
    assert label(text) == "concern"


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal, just tired.",
        "I would never kill myself, I love my kids too much.",
        "I don't want to die, I just want things to change.",
        "I have no intention of harming myself.",
    ],
)
def test_a_negated_sign_is_not_risk(text):
    assert label(text) == "none"


@pytest.mark.parametrize(
    "text",
    [
        "This exam is killing me.",
        "I could murder a pizza.",
        "I'm dying to see the show on Saturday.",
        "My mum is going to kill me when she sees the dent in the car.",
        "I need to cut myself some slack.",
        "I cut myself shaving this morning.",
        "Posting that selfie was social suicide.",
    ],
)
def test_idioms_are_not_signs(text):
    assert label(text) == "none"


@pytest.mark.parametrize(
    "text",
    [
        "im gonna kms tonight honestly",  # "tonight" is not "to" (kilometres to ...)
        "I feel like topping myself, no joke.",
        "I want to do suicide.",
        "i dont wanna be alive anymore",
        "I ask God every night to just take me.",
        "I'd honestly be fine if I never woke up.",
        "I sh'd last night for the first time in months.",
        "I was 3 months clean and I relapsed tonight.",
        "I don't trust myself around the pills tonight.",
        "He said he'd kill me.",
        "I'm scared of my husband.",
    ],
)
def test_slang_informal_spelling_and_other_englishes_are_read_as_signs(text):
    assert label(text) == "risk"


@pytest.mark.parametrize(
    "text",
    [
        "I ran 10 kms this morning and I'm knackered.",
        "I need to top myself up with coffee before the meeting.",
        "I feel like dying my hair pink this summer.",
        "I hope I die in my sleep when I'm 100, surrounded by grandkids.",
        "I'm 30 days clean from self harm today!",
        "I'm scared of my dad finding out I failed my driving test.",
        "My landlord threatened me with eviction over the rent.",
        "What does 'ctb' mean on suicide forums?",
    ],
)
def test_the_look_alikes_of_those_signs_are_not(text):
    assert label(text) == "none"


@pytest.mark.parametrize(
    "text",
    [
        "I used to self-harm but I've been clean for three years now.",
        "Five years ago I attempted suicide. Today I'm doing well.",
        "When I was a teenager I wanted to die, but therapy really helped.",
    ],
)
def test_a_past_told_as_recovered_is_not_risk(text):
    assert label(text) == "none"


def test_a_past_attempt_that_is_recent_is_still_risk():
    assert label("I tried to kill myself last night.") == "risk"


@pytest.mark.parametrize(
    "text",
    [
        "The song 'I Want To Die' by that band has been stuck in my head.",
        "There's a line in that poem, 'I wish I had never been born', that I love.",
        "We watched Suicide Squad last night.",
    ],
)
def test_quoted_lyrics_and_titles_are_not_signs(text):
    assert label(text) == "none"


@pytest.mark.parametrize(
    "text",
    [
        "How do therapists assess suicide risk?",
        "What are the warning signs that someone is suicidal?",
        "If you're feeling suicidal, please call or text 988 right away.",
    ],
)
def test_general_questions_and_advice_are_not_about_the_writer(text):
    assert label(text) == "none"


@pytest.mark.parametrize(
    "text",
    [
        "If your friend is talking about killing herself, tell someone even if she's angry.",
        "If the urge to self harm hits, try holding ice or going for a walk.",
        "When my brother was suicidal I drove him to A&E and stayed with him.",
    ],
)
def test_advice_to_the_reader_and_help_given_in_the_past_are_not_signs(text):
    assert label(text) == "none"


def test_a_general_question_about_someone_the_writer_knows_is_about_them():
    text = "My gf's dad threatens her and she's scared to go home, what can I do?"
    assert label(text) == "concern"
    assert label("What should I do if someone says they are scared to go home?") == "none"


def test_danger_told_as_events_is_risk_even_when_the_threat_is_a_condition():
    assert label("He said if I ever leave he'll hunt me down.") == "risk"
    assert label("He threw a plate at my head last night.") == "risk"
    assert label("If my husband ever hit me I would leave.") == "none"
    assert label("My mum said she'll find me if I'm late again lol") == "none"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Not being around for a coming event, and its look-alike.
        ("Save my spot at the reunion if you like, I won't be alive for it.", "risk"),
        ("I won't be around for the reunion, I'm away for work.", "none"),
        # Others better off, or finally fine, without the writer.
        ("The kids would be better off with my sister than with me.", "risk"),
        ("The cat is better off with my parents than with me while I travel.", "none"),
        # Wanting to disappear, and disappearing for a weekend.
        ("Some days I just want to vanish, properly.", "risk"),
        ("I want to disappear into a cabin for a week.", "none"),
        # Threats told as "if I tell anyone", and the joke.
        ("My uncle said if I tell anyone he'll hurt me.", "risk"),
        ("My brother said if I tell anyone about the surprise he'll kill me.", "none"),
        # Someone else who won't be around long, and a sale.
        ("My dad keeps saying he won't be around much longer.", "concern"),
        ("The offer won't last long.", "none"),
        # A slip after a clean streak told as today, and a diet.
        ("Four months clean and I relapsed tonight.", "risk"),
        ("A month sugar free and I slipped tonight, pizza won.", "none"),
    ],
)
def test_the_families_batch_7_showed_missing_and_their_look_alikes(text, expected):
    assert label(text) == expected


def test_a_failed_condition_does_not_negate_what_follows_it():
    assert label("If I don't get the job I don't see a reason to go on.") == "risk"


def test_so_just_before_a_phrase_keeps_it_in_its_clause():
    """ "The line about being so tired of ..." is a lyric, as "the line about being tired" is."""
    assert label("The line about being so tired of being here in that song gets me.") == "none"


def test_a_number_after_a_sign_is_not_people_in_general():
    assert label("gonna kms if one more thing goes wrong this week") == "risk"


def test_a_poem_someone_wrote_about_it_is_a_sign_but_a_quoted_song_is_not():
    assert label("My son wrote a poem about not wanting to be alive.") == "concern"
    assert label("The song 'I want to die' is on repeat.") == "none"


def test_grief_for_someone_who_died_is_not_a_sign():
    assert label("My uncle took his own life last year and I miss him.") == "none"


def test_the_writer_asking_about_themselves_is_still_risk():
    assert label("Is it normal that I think about killing myself every day?") == "risk"


def test_a_quotation_from_someone_else_is_about_them():
    text = "My friend texted me 'I can't do this anymore, goodbye' and now she won't reply."
    assert label(text) == "concern"


def test_low_mood_alone_stays_below_the_threshold():
    result = screen("I feel hopeless and worthless and I hate my life. Nothing matters.")
    assert result.label == "none"
    assert 0 < result.score < 0.6


def test_the_result_shows_the_phrases_and_the_reasons_a_moderator_needs():
    result = screen("I'm not suicidal, but everyone would be better off without me.")
    assert result.label == "risk"
    assert result.matched == ["better off without me"]
    assert "suicidal (negated)" in result.ignored


def test_matched_phrases_keep_the_writers_own_case():
    assert screen("I WON'T be around after Friday").matched == ["I WON'T be around after"]


def test_as_json_has_the_label_score_and_phrases():
    data = json.loads(screen("I won't be around after Friday").as_json())
    assert data["label"] == "risk"
    assert isinstance(data["score"], float) and 0.6 <= data["score"] <= 1
    assert data["matched"] and data["method_detail"] is False


def test_screening_is_deterministic():
    text = "I keep thinking nobody would miss me. My brother says he's worried."
    assert screen(text) == screen(text)


# --- Method detail ---------------------------------------------------------------


def test_naming_a_means_with_a_quantity_or_an_acquisition_is_method_detail():
    assert screen("I've been saving up my pills and I know how many to take.").method_detail
    assert screen("I bought a rope yesterday and I want to die.").method_detail


def test_asking_how_much_it_would_take_is_method_detail_even_as_a_question():
    assert screen("What is a lethal dose of my medication?").method_detail


def test_medication_talk_without_a_sign_is_not_method_detail():
    assert not screen("I take 50mg of my medication every morning and I feel better.").method_detail
    assert not screen("I'm not suicidal, I just took 2 tablets for my headache.").method_detail


# --- Bad input -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "\n\n\t", "\x00", "...", "?!", "<br>"])
def test_empty_or_blank_input_answers_none(text):
    result = screen(text)
    assert (result.label, result.score, result.matched) == ("none", 0.0, [])


def test_a_post_of_100000_characters_still_answers_and_finds_a_late_sign():
    filler = "We talked about the weekend and the dishes and work. " * 2000
    text = (filler + "Honestly, I want to kill myself.")[-100_000:]
    assert len(text) == 100_000
    assert label(text) == "risk"
    assert label("a" * 100_000) == "none"
    assert label("i want to die " * 7200) == "risk"


def test_a_sign_on_either_side_of_where_a_long_post_is_split_is_found():
    for shift in range(0, 200, 7):
        filler = "We talked about the weekend. " * ((WINDOW - 100 + shift) // 29)
        assert label(filler + "I want to kill myself. " + filler) == "risk", shift


def test_a_post_dense_in_signs_stops_when_the_label_is_certain_and_lists_a_bounded_set():
    text = " ".join(f"Day {n}: I want to kill myself." for n in range(5000))
    result = screen(text + " What is the lethal dose of my pills?")
    assert result.label == "risk" and result.score >= 0.99
    assert 0 < len(result.matched) <= MAX_PHRASES and len(result.ignored) <= MAX_PHRASES
    assert result.method_detail  # a request for method detail is looked for in the whole post


@pytest.mark.parametrize(
    "text",
    [
        "😀🔥💀 I want to die 😭",
        "Хочу умереть. I want to die.",
        "我想死。I want to die.",
        "‏أريد أن أموت. I want to die.",
        "I want to k\u200bill myself",  # a zero-width space hiding a word
    ],
)
def test_other_scripts_and_emoji_do_not_break_screening(text):
    assert label(text) == "risk"


def test_text_in_other_scripts_alone_answers_none():
    assert label("Сегодня хороший день. 今日はいい天気です。") == "none"


def test_html_is_read_as_text_and_markup_does_not_hide_a_sign():
    html = "<p>I <b>want</b> to <em>die</em></p><script>alert(1)</script><!-- x -->"
    assert label(html) == "risk"
    assert label("<p>This exam is <b>killing</b> me &amp; my friends</p>") == "none"


def test_markdown_is_read_as_text_and_a_quoted_block_with_a_lyric_cue_is_a_quote():
    assert label("# Help\n\n**I want to die.**\n\n- nothing helps") == "risk"
    assert label("These lyrics hit hard:\n> I don't want to live anymore") == "none"


def test_curly_quotes_and_apostrophes_read_like_straight_ones():
    assert label("I don\u2019t want to be alive anymore.") == "risk"
    assert label("I\u2019m not suicidal, just tired.") == "none"


def test_normalise_puts_one_sentence_per_line_and_drops_markup():
    assert normalise("Hello there. <b>How</b> are you?  Fine!") == (
        "Hello there.\nHow are you?\nFine!"
    )


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_any_text_gets_an_answer_with_a_score_between_0_and_1(text):
    result = screen(text)
    assert result.label in ("risk", "concern", "none")
    assert 0.0 <= result.score <= 1.0
    json.loads(result.as_json())
