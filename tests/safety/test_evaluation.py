"""The evaluation set, and the floor under screening's figures on it.

The floors sit a little below the figures measured when they were set, so a
change to the lexicon or the engine cannot silently make screening worse.
"""

from collections import Counter

import pytest

from mindwell.safety import screening
from mindwell.safety.evaluation import Report, evaluate, load_cases
from mindwell.safety.lexicon import (
    PATTERNS_FILE,
    LexiconError,
    alternatives,
    lexicon,
    load,
    needles,
    parse,
)

CASES = load_cases()


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate(CASES)


def test_the_evaluation_set_has_over_300_sentences_of_every_label_and_hard_case():
    assert len(CASES) >= 300
    labels = Counter(case.label for case in CASES)
    assert labels["risk"] >= 100 and labels["concern"] >= 50 and labels["none"] >= 150
    kinds = {case.kind for case in CASES}
    assert {"direct", "indirect", "plan", "timing", "means", "self-harm", "goodbye",
            "danger-from-other", "concern", "negation", "idiom", "recovered",
            "lyrics-or-title", "general-question", "everyday-sad"} <= kinds  # fmt: skip


def test_the_held_out_batch_was_written_after_every_development_batch():
    batches = {case.batch for case in CASES if not case.held_out}
    held_out = {case.batch for case in CASES if case.held_out}
    assert held_out and min(held_out) > max(batches)


def test_every_sentence_in_the_evaluation_set_is_there_once():
    counts = Counter(case.text.strip().lower() for case in CASES)
    assert [text for text, n in counts.items() if n > 1] == []


def test_risk_recall_and_precision_stay_above_the_goal_on_the_development_set(report):
    figures = report.development().figures("risk")
    assert figures.recall >= 0.98, figures
    assert figures.precision >= 0.99, figures


def test_concern_and_none_stay_above_their_floors_on_the_development_set(report):
    development = report.development()
    concern, none = development.figures("concern"), development.figures("none")
    assert concern.recall >= 0.99 and concern.precision >= 0.99, concern
    assert none.recall >= 0.99 and none.precision >= 0.98, none


def test_the_held_out_set_stays_above_its_floors(report):
    held_out = report.held_out()
    risk, concern = held_out.figures("risk"), held_out.figures("concern")
    assert risk.precision >= 0.9 and risk.recall >= 0.48, risk
    assert concern.precision >= 0.9 and concern.recall >= 0.55, concern


def test_no_idiom_negation_or_general_question_in_the_development_set_is_labelled_risk(report):
    # The held-out batch is measured, not tuned: its false alarms are in the README.
    wrong = [
        o.case.text
        for o in report.development().outcomes
        if o.case.kind in ("idiom", "negation", "general-question") and o.screening.label == "risk"
    ]
    assert wrong == []


def test_the_search_shortcuts_never_change_an_answer(monkeypatch):
    """Searching only where the needles are must find what searching everything finds."""
    texts = [case.text for case in CASES]
    texts.append("\n\n".join(texts))
    shortcut = [screening.screen(text) for text in texts]
    monkeypatch.setattr(
        screening.Post, "matches", lambda post, scan: list(scan.regex.finditer(post.low))
    )
    assert [screening.screen(text) for text in texts] == shortcut


def test_needles_are_literal_strings_every_match_must_contain():
    assert needles(r"\bkill (?:myself|himself)\b") == (("himself", "myself"), ("kill ",))
    assert needles(r"\b(?:a|b)?c") == ()
    assert alternatives(r"a(?:b|c)|[|x]|\|d") == ["a(?:b|c)", "[|x]", r"\|d"]


def test_the_shipped_lexicon_loads_and_its_weights_are_between_0_and_1():
    loaded = load(PATTERNS_FILE)
    assert loaded.patterns and all(0 < p.weight <= 1 for p in loaded.patterns)
    assert len({p.id for p in loaded.patterns}) == len(loaded.patterns)
    assert lexicon().threshold == loaded.threshold


def test_a_mistake_in_the_lexicon_is_reported_with_the_pattern_it_is_in():
    import tomllib

    data = tomllib.loads(PATTERNS_FILE.read_text(encoding="utf-8"))
    data["pattern"][0]["regex"] = r"\b{NO_SUCH_MACRO}\b"
    with pytest.raises(LexiconError, match="unknown macro"):
        parse(data)
    data["pattern"][0]["regex"] = "(unclosed"
    with pytest.raises(LexiconError, match=data["pattern"][0]["id"]):
        parse(data)
