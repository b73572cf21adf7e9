"""Does an answer read as medical advice? A small deterministic check, with reasons.

Two things are looked for: a medication dose ("50 mg", "take 2 pills"), even
one's own (a reader may copy it), and a diagnosis given to the reader ("you
have bipolar", "sounds like you have BPD"). One's own diagnosis ("my doctor
said I have ADHD"), a question ("do you have ADHD?") or a condition named in
general is not a diagnosis, and is not matched.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.conf import settings

from mindwell.professionals.actions import is_verified

if TYPE_CHECKING:
    from mindwell.qa.models import Post

DOSE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:mg|milligrams?|mcg|µg|micrograms?|ml)\b"
    r"|\btake\s+(?:\d+|one|two|three|four|five|half an?|a couple of)\s+"
    r"(?:pills?|tablets?|capsules?|doses?|drops?)\b",
    re.IGNORECASE,
)
CONDITIONS = (
    r"(?:bipolar(?: disorder)?|bpd|borderline(?: personality disorder)?|adhd|add|ocd|ptsd|c-ptsd"
    r"|(?:clinical |major )?depression|an? (?:anxiety|eating|personality|panic) disorder"
    r"|anxiety disorder|schizophrenia|autism|narcissistic personality disorder|npd"
    r"|an? (?:mental illness|psychosis))"
)
DIAGNOSIS = re.compile(
    r"\b(?:(?:it )?(?:sounds|seems|looks) (?:like|as if) you(?:'ve| have| might have| may have)"
    r"|you(?:'ve| have| clearly have| probably have| definitely have| must have| obviously have)"
    r"|you(?:'re| are) (?:clearly |probably |definitely )?(?:suffering from|showing signs of)"
    r"|(?:i'd|i would) (?:say|guess) you have)"
    rf"\s+(?:got\s+)?{CONDITIONS}\b",
    re.IGNORECASE,
)
# "Do you have ADHD?", "if you have depression", "you have every right": not a diagnosis.
NOT_DIAGNOSIS = re.compile(r"\b(?:do|if|whether|when|unless)\s+$", re.IGNORECASE)


def findings(text: str) -> list[str]:
    """What in `text` reads as medical advice, as short phrases for moderators ([] if nothing)."""
    found = [f"dose: “{m.group(0)}”" for m in DOSE.finditer(text)]
    for match in DIAGNOSIS.finditer(text):
        if NOT_DIAGNOSIS.search(text[max(0, match.start() - 12) : match.start()]):
            continue
        found.append(f"diagnosis: “{match.group(0)}”")
    return found


def reads_as_advice(text: str) -> bool:
    return bool(findings(text))


def hold_reason(post: Post) -> str:
    """A rule of `moderation.holds`: with MINDWELL_HOLD_MEDICAL_ADVICE on, an answer that
    reads as medical advice waits for a moderator, unless a verified professional wrote it."""
    if not settings.MINDWELL_HOLD_MEDICAL_ADVICE or not post.is_answer:
        return ""
    if not reads_as_advice(post.body) or is_verified(post.author):
        return ""
    return (
        "A moderator will look at your answer before others see it, because it mentions"
        " medication doses or a diagnosis. Peer support here is not medical advice."
    )
