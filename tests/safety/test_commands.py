"""`mindwell safety-check` and `mindwell safety-eval`, as moderators' tools run them."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command


def check(text: str, *args: str) -> list[dict[str, object]]:
    out = io.StringIO()
    call_command("safety_check", *args, stdin=io.StringIO(text), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_safety_check_writes_one_json_object_per_input_line_in_order():
    results = check("I won't be around after Friday\n\nThis exam is killing me\n")
    assert [r["label"] for r in results] == ["risk", "none", "none"]
    assert set(results[0]) == {"label", "score", "matched", "method_detail"}
    assert results[0]["matched"] == ["I won't be around after"]
    assert results[0]["score"] >= 0.6


def test_safety_check_can_read_posts_with_newlines_as_json_and_explain_itself():
    lines = [json.dumps("Fine day.\nI want to die."), json.dumps({"text": "I'm not suicidal."})]
    results = check("\n".join(lines) + "\n", "--json", "--explain")
    assert [r["label"] for r in results] == ["risk", "none"]
    assert results[1]["ignored"] == ["suicidal (negated)"]


def test_safety_check_refuses_a_line_that_is_not_json_when_asked_for_json():
    with pytest.raises(CommandError, match="line 2 is not JSON"):
        check('"fine"\nnot json\n', "--json")


def test_safety_check_runs_end_to_end_from_the_mindwell_command():
    result = subprocess.run(
        [sys.executable, "-c", "from mindwell.cli import main; main()", "safety_check"],
        input="I won't be around after Friday\nI could murder a pizza\n\U0001f600 caf\u00e9\n",
        capture_output=True, text=True, check=True, env=os.environ.copy(), encoding="utf-8",
    )  # fmt: skip
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["label"] for line in lines] == ["risk", "none", "none"]


def test_safety_check_survives_bytes_that_are_not_utf8():
    result = subprocess.run(
        [sys.executable, "-c", "from mindwell.cli import main; main()", "safety_check"],
        input=b"I want to die \xff\xfe\n\xc3\n",
        capture_output=True, check=True, env=os.environ.copy(),
    )  # fmt: skip
    labels = [json.loads(line)["label"] for line in result.stdout.decode().splitlines()]
    assert labels == ["risk", "none"]


def test_safety_eval_prints_the_figures_the_confusion_matrix_and_the_misses():
    out = io.StringIO()
    call_command("safety_eval", "--no-timing", stdout=out)
    text = out.getvalue()
    assert "Development set" in text and "Held-out set" in text
    assert "precision" in text and "recall" in text
    assert "Confusion matrix" in text
    assert "Misclassified" in text


def test_safety_eval_can_hide_every_held_out_sentence_but_keeps_the_figures():
    from mindwell.safety.evaluation import load_cases

    out = io.StringIO()
    call_command("safety_eval", "--no-timing", "--hide-held-out", stdout=out)
    text = out.getvalue()
    assert "Held-out set" in text and "Misclassified" in text
    held_out = [case.text for case in load_cases() if case.held_out]
    assert held_out and not any(sentence in text for sentence in held_out)
    assert "held-out " not in text.split("By kind")[1]  # no held-out kind either


def test_safety_eval_times_a_30000_character_post_without_judging_the_time():
    out = io.StringIO()
    call_command("safety_eval", "--runs", "1", stdout=out)
    assert "Time to screen a 30,000-character post" in out.getvalue()
    assert "p95" in out.getvalue()
