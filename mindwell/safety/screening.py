"""Screening a post for signs that someone is at risk.

`screen(text)` answers `risk` (the writer may be at risk), `concern` (the writer
worries that someone else is) or `none`, with a score, the phrases that led to it
and whether the post describes methods in detail. It is deterministic and
explainable: every phrase comes from a pattern in `data/patterns.toml`, and every
phrase set aside (negated, an idiom, a lyric, a general question, a past
experience told as recovered, ...) is listed in `ignored` with the reason.

How it works, in order:

1. The text is normalised (HTML and markdown removed, lower case, straight
   quotes, one sentence per line; see `normalise`).
2. Every pattern is searched for, but only on the lines holding its needles
   (literal strings every match must contain, found for all patterns in one
   pass: see `Post.needles`); a phrase in a benign context (the pattern's
   `unless`) is dropped, and of overlapping phrases the strongest is kept.
3. Each phrase is checked, in its sentence and clause, for an idiom, a quoted
   lyric or title, negation, a hypothetical, and a past told as recovered; then
   the person it is about is resolved: the writer, someone else, or people in
   general (a general question).
4. Weights of the phrases about the writer combine into the risk score, those
   about someone else into the concern score (1 - prod(1 - weight), with weak
   categories capped). A score at or above the threshold gives the label; risk
   wins over concern.

A post longer than WINDOW characters is read in runs of whole sentences of at
most WINDOW characters (steps 2 and 3 for each run, so the facts about a post
such as "it tells of recovery" are facts about its run), and reading stops once
the risk score is SATURATED: no later sentence could change the label. A
request for method detail is still looked for in the whole post, and `matched`
and `ignored` list at most MAX_PHRASES phrases. So the work per post is bounded
however long and dense in signs it is.
"""

import html
import json
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Literal

from mindwell.safety.lexicon import NEEDLE_SETS, Lexicon, Pattern, Scan, lexicon

Label = Literal["risk", "concern", "none"]
Person = Literal["self", "other", "generic"]

# Families whose presence makes a needs_context pattern count, and which make a
# nearby quantity or how-to "method detail".
RISK_FAMILIES = frozenset(
    "ideation intent plan means attempt self-harm goodbye indirect timing".split()
)
CONTEXT_FAMILIES = RISK_FAMILIES | {"mention"}
NOT_CONTEXT = frozenset({"idiom", "bereavement", "quoted lyric or title", "lyric or title"})
# Words after which "me" is the listener, not the subject ("she told me ...",
# "he sent me a message thanking me ...").
_SPEECH_BEFORE_ME = frozenset(
    "told tells telling texted texts texting messaged messages messaging wrote writes emailed "
    "asked asks asking warned called calls calling rang dmed sent sends sending to promised "
    "showed thanking thanked thanks begged begging reminded assured".split()
)
# Before a kin word, these make it someone in particular ("my brother"), else
# it may be anyone ("a client", "the kids", and in advice "your friend").
_POSSESSIVE = frozenset({"my", "our", "his", "her", "their"})
# Generic words that still say who a phrase is about when inside it ("kill yourself");
# others inside a phrase are only its audience ("goodbye everyone").
_GENERIC_SUBJECTS = frozenset({"yourself", "yourselves", "oneself", "ourselves"})
_SAID_YES = re.compile(
    r"\b(?:i|and i) (?:said|answered|told (?:her|him|them)|admitted) "
    r"(?:yes|yeah|that i (?:was|am|do|did))\b"
)
# A poem or song the writer or someone they know wrote about it is a sign, not a lyric.
_OWN_WORK = re.compile(
    r"\b(?:wrote|writes|writing|written|write) (?:a|another|this|these|some|my|his|her|their) "
    r"(?:poems?|songs?) (?:about|on)\b"
)
_THREAT_SAID = re.compile(
    r"\b(?:said|says|told me|tells me|threatened|threatens|warned|warns|swore|swears|texted|"
    r"screamed|yelled|shouted)\b"
)
MAX_LINE = 400  # a longer "sentence" is cut, so every step stays bounded
LOOKBACK = 160  # how far back in its sentence a phrase looks for its subject or a negation
WINDOW = 8_000  # a longer post is screened this many characters at a time (see `screen`)
SATURATED = 0.99  # a risk score from which more signs cannot change the label
MAX_PHRASES = 50  # the most phrases `matched` and `ignored` list


@dataclass(frozen=True, slots=True)
class Screening:
    """What screening found, and why."""

    label: Label
    score: float
    matched: list[str]
    method_detail: bool
    ignored: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "score": self.score,
            "matched": self.matched,
            "method_detail": self.method_detail,
        }

    def as_json(self) -> str:
        """One line of JSON, as `mindwell safety-check` prints it."""
        return json.dumps(self.as_dict(), ensure_ascii=False)


# --- Normalising ---------------------------------------------------------------

_BLOCKQUOTE_TAG = re.compile(r"<(/?)blockquote\b[^<>]{0,2000}>", re.IGNORECASE)
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|ul|ol|h[1-6]|pre|tr|td|th|table|section|article|hr|header|footer)"
    r"\b[^<>]{0,2000}>",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[a-zA-Z/!?][^<>]{0,2000}>|<!--.{0,5000}?-->", re.DOTALL)
_ZERO_WIDTH: dict[int, None] = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_QUOTE_CHARS = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"',
        "\u00bb": '"',
    }
)  # fmt: skip
_SPECIAL_CHARS = re.compile(
    "[\u200b-\u200d\u2060\ufeff\u00ad\u2018-\u201f\u2032\u2033\u00b4\u00ab\u00bb]"
)
_MD_LINK = re.compile(r"\[([^\]\n]{0,500})\]\([^)\n]{0,2000}\)")
_MD_HEADING = re.compile(r"#{1,6}[ \t]+")
_MD_LIST = re.compile(r"(?:[-*+]|\d{1,3}[.)])[ \t]+")
_MD_BOLD = re.compile(r"(\*\*|__)(?=\S)([^\n]{1,500}?)(?<=\S)\1")
# The character class comes first, so the regex engine can skip to a candidate.
_MD_ITALIC = re.compile(r"([*_])(?<![\w*][*_])(?=[^\s*_])([^*_\n]{1,300}?)(?<=[^\s*_])\1(?![\w*])")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]{1,2000}", re.IGNORECASE)
_ELLIPSIS = re.compile(r"\u2026|\.(?:\.{2,}|\s\.\s\.)")
_SENTENCE_END = re.compile(r"([.!?]+[\"')\]]*)[ \t]+")


def _cut_long_line(line: str) -> list[str]:
    parts: list[str] = []
    while len(line) > MAX_LINE:
        cut = line.rfind(" ", MAX_LINE // 2, MAX_LINE)
        cut = cut if cut > 0 else MAX_LINE
        parts.append(line[:cut].strip())
        line = line[cut:]
    parts.append(line.strip())
    return parts


def _markdown_line(line: str) -> str:
    """A line without its heading, list or block-quote marker; a quoted line is in quotes."""
    first = line[0]
    if first == "#":
        return _MD_HEADING.sub("", line, count=1)
    if first == ">":
        return '"' + line.lstrip("> \t") + '"'
    if first in "-*+" or first.isdigit():
        return _MD_LIST.sub("", line, count=1)
    return line


def normalise(text: str) -> str:
    """The text as screening reads it: plain, one sentence per line, original case."""
    if "<" in text:
        text = _BLOCKQUOTE_TAG.sub(lambda m: '" ' if m.group(1) else ' "', text)
        text = _BLOCK_TAG.sub("\n", text)
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text)
    if _SPECIAL_CHARS.search(text):
        text = text.translate(_ZERO_WIDTH).translate(_QUOTE_CHARS)
    if "](" in text:
        text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    if "*" in text or "_" in text:
        text = _MD_BOLD.sub(r"\2", text)
        text = _MD_ITALIC.sub(r'"\2"', text)  # italics mark titles; quoted, lyric cues see them
    text = _ELLIPSIS.sub(", ", text.replace("`", ""))
    lines: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line or line.startswith("~~~"):  # ``` fences are gone with the backticks
            continue
        for sentence in _SENTENCE_END.sub("\\1\n", _markdown_line(line)).split("\n"):
            sentence = sentence.strip()
            if sentence:
                lines.extend(_cut_long_line(sentence) if len(sentence) > MAX_LINE else [sentence])
    return "\n".join(lines)


# --- Reading one post ----------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
_DOUBLE_QUOTED = re.compile(r'"[^"]{1,600}"')
_SINGLE_QUOTED = re.compile(
    r"(?<![\w'])'(?=\w)(?:[^'\n]|(?<=\w)'(?=\w)){1,300}?(?<=[\w.!?,])'(?![\w'])"
)
_SPEECH_COLON = re.compile(
    r"\b(?:said|says|texted|texts|wrote|writes|posted|posts|messaged|sent|tweeted|goes|went|"
    r"sings|sang|lyrics?|line|lines|quote|title|reads|read|told (?:me|us|him|her))"
    r"(?: me| us)?(?: this| that| something like)?:[ \t]*([^\n]{1,400})"
)


@dataclass(slots=True)
class Signal:
    pattern: Pattern
    start: int
    end: int
    line: int
    person: Person = "self"
    set_aside: str = ""
    shown: str = ""  # the phrase as written

    @property
    def weight(self) -> float:
        return 0.0 if self.set_aside else self.pattern.weight


class Post:
    """One normalised post and the lazily computed facts screening asks about it."""

    def __init__(self, text: str, lex: Lexicon) -> None:
        """`text` is normalised already (see `normalise`)."""
        self.lex = lex
        self.text = text
        low = self.text.lower()
        # Lower-casing can change the length of a few characters (e.g. "İ"); then the
        # phrases are reported in lower case, which is still readable.
        self.low = low
        self.shown = self.text if len(low) == len(self.text) else low
        self.lines = low.split("\n")
        self.line_starts: list[int] = []
        self.line_ends: list[int] = []
        at = 0
        for line in self.lines:
            self.line_starts.append(at)
            self.line_ends.append(at + len(line))
            at += len(line) + 1
        self._idioms: dict[int, list[tuple[int, int]]] | None = None
        self._bereavement: dict[int, list[tuple[int, int]]] | None = None
        self._lines_matching: dict[str, set[int]] = {}
        self._quotes: list[tuple[int, int]] | None = None
        self._needles: dict[str, set[int]] | None = None

    def line_of(self, pos: int) -> int:
        return bisect_right(self.line_starts, pos) - 1

    def line_span(self, line: int) -> tuple[int, int]:
        return self.line_starts[line], self.line_ends[line]

    def line_text(self, line: int) -> str:
        return self.lines[line] if 0 <= line < len(self.lines) else ""

    @property
    def needles(self) -> dict[str, set[int]]:
        """Every needle of the lexicon found in the post, with the lines it is on (one pass)."""
        if self._needles is None:
            found: dict[str, set[int]] = {}
            prefixes, ends = self.lex.needle_prefixes, self.line_ends
            line = 0
            for match in self.lex.needle_scanner.finditer(self.low):
                at = match.start()
                while ends[line] < at:  # matches come in order: no search for the line
                    line += 1
                for needle in prefixes[match.group(1)]:
                    if needle in found:
                        found[needle].add(line)
                    else:
                        found[needle] = {line}
            self._needles = found
        return self._needles

    def matches(self, scan: Scan) -> list[re.Match[str]]:
        """Every match of the scan's regex, searching only the lines it could match on.

        Each needle set is a necessary condition: a match's line holds one string
        of each set. A set found nowhere rules the regex out at the cost of a
        dictionary look-up.
        """
        if not scan.needles:
            return self._search(scan, 0, len(self.low))
        on_lines = self.needles
        lines: set[int] = set()
        # A match needs a needle of each set on its line; the first sets are the
        # most selective, and two nearly always decide.
        for index, needle_set in enumerate(scan.needles[:NEEDLE_SETS]):
            here: set[int] = set()
            for needle in needle_set:
                if needle in on_lines:
                    here |= on_lines[needle]
            lines = here if index == 0 else lines & here
            if not lines:
                return []
        # Consecutive lines are searched in one go. Each search costs about as much as
        # reading a few hundred characters: with many, one search of the post is cheaper.
        spans: list[tuple[int, int]] = []
        ordered = sorted(lines)
        first = previous = ordered[0]
        for line in [*ordered[1:], -2]:
            if line != previous + 1:
                spans.append((self.line_starts[first], self.line_ends[previous]))
                first = line
            previous = line
        call = 400 if scan.fast is not None else 130
        if len(spans) * call + sum(end - start for start, end in spans) > len(self.low):
            return self._search(scan, 0, len(self.low))
        found: list[re.Match[str]] = []
        for start, end in spans:
            found.extend(self._search(scan, start, end))
        return found

    def _search(self, scan: Scan, start: int, end: int) -> list[re.Match[str]]:
        if scan.fast is None:
            return list(scan.regex.finditer(self.low, start, end))
        # Without the leading \b: keep the matches that start a word, and after one
        # that does not, look again from the next character.
        found: list[re.Match[str]] = []
        low, search = self.low, scan.fast.search
        match = search(low, start, end)
        while match is not None:
            at = match.start()
            if at == 0 or not (low[at - 1].isalnum() or low[at - 1] == "_"):
                found.append(match)
                match = search(low, max(match.end(), at + 1), end)
            else:
                match = search(low, at + 1, end)
        return found

    def _spans_by_line(self, scans: tuple[Scan, ...]) -> dict[int, list[tuple[int, int]]]:
        by_line: dict[int, list[tuple[int, int]]] = {}
        for scan in scans:
            for match in self.matches(scan):
                by_line.setdefault(self.line_of(match.start()), []).append(match.span())
        return by_line

    def idiom_spans(self, line: int) -> list[tuple[int, int]]:
        if self._idioms is None:
            self._idioms = self._spans_by_line(self.lex.idioms)
        return self._idioms.get(line, [])

    def bereavement_spans(self, line: int) -> list[tuple[int, int]]:
        if self._bereavement is None:
            self._bereavement = self._spans_by_line(self.lex.bereavement)
        return self._bereavement.get(line, [])

    def lines_matching(self, name: str, scans: tuple[Scan, ...]) -> set[int]:
        """The lines where one of the scans matches (computed once per post)."""
        if name not in self._lines_matching:
            self._lines_matching[name] = {
                self.line_of(m.start()) for scan in scans for m in self.matches(scan)
            }
        return self._lines_matching[name]

    def is_general(self, line: int) -> bool:
        """Whether the sentence is framed as a general question or a discussion."""
        return line in self.lines_matching("general", self.lex.general_frames)

    def is_remote_past(self, line: int) -> bool:
        return line in self.lines_matching("remote", self.lex.remote_past)

    def tells_recovery(self, line: int) -> bool:
        return line in self.lines_matching("recovery", self.lex.recovery)

    @property
    def quotes(self) -> list[tuple[int, int]]:
        if self._quotes is None:
            found = [m.span() for m in _DOUBLE_QUOTED.finditer(self.low)]
            found += [m.span() for m in _SINGLE_QUOTED.finditer(self.low)]
            found += [m.span(1) for m in _SPEECH_COLON.finditer(self.low)]
            self._quotes = sorted(found)
        return self._quotes

    @property
    def tells_of_recovery(self) -> bool:
        return bool(self.lines_matching("recovery", self.lex.recovery))


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _sentence_start(post: Post, signal: Signal) -> int:
    """Where the phrase's sentence starts, or LOOKBACK characters before the phrase."""
    return max(post.line_starts[signal.line], signal.start - LOOKBACK)


def _clause_start(post: Post, signal: Signal) -> int:
    line_start = _sentence_start(post, signal)
    prefix = post.low[line_start : signal.start]
    last = 0
    for match in post.lex.clause_boundary.finditer(prefix):
        last = match.end()
    return line_start + last


def _is_negated(post: Post, signal: Signal, clause_start: int) -> bool:
    lex = post.lex
    prefix = lex.pseudo_negation.sub(" , ", post.low[clause_start : signal.start])
    for token in reversed(_tokens(prefix)[-lex.negation_window :]):
        if token in lex.negation_stops:
            return False
        if token in lex.negation_cues or token.endswith("n't"):
            return True
    return False


def _people_words(lex: Lexicon, text: str) -> list[str]:
    """The words of a text, with "someone I know" read as someone else and "anyone
    else ...?" as the writer."""
    if "some" in text:
        text = lex.other_phrases.sub(" my friend ", text)
    if " else" in text or "only one" in text or "just me" in text:
        text = lex.self_phrases.sub(" i ", text)
    return _tokens(text)


@dataclass(frozen=True, slots=True)
class Mention:
    person: Person
    word: str
    particular: bool  # "my brother" is someone in particular; "they" or "a client" may not be


def _mentions(post: Post, start: int, end: int) -> list[Mention]:
    """The people named between start and end, in order."""
    lex = post.lex
    # A few words before `start` are read too, so "my" in "my child" is seen, but
    # only people named from `start` on are returned.
    lead = max(post.line_starts[post.line_of(start)], start - 16)
    before, text = _people_words(lex, post.low[lead:start]), _people_words(lex, post.low[start:end])
    found: list[Mention] = []
    skip = len(before)
    tokens = before + text
    for index, token in enumerate(tokens):
        if index < skip:
            continue
        word = token[:-2] if token.endswith("'s") and token[:-2] in lex.kin_words else token
        previous = tokens[index - 1] if index else ""
        if word in lex.kin_words:
            particular = any(
                t in _POSSESSIVE or t.endswith("'s") for t in tokens[max(0, index - 3) : index]
            )
            found.append(Mention("other", word, particular))
        elif word in lex.other_words:
            found.append(Mention("other", word, False))
        elif word in lex.generic_words:
            found.append(Mention("generic", word, False))
        elif word in lex.self_words:
            # "she told me (that) ...": me is the listener; the news is about her.
            if not (word in ("me", "us") and previous in _SPEECH_BEFORE_ME):
                found.append(Mention("self", word, True))
    return found


def _nearest_before(post: Post, start: int, end: int) -> Mention | None:
    """The person named last between start and end."""
    mentions = _mentions(post, start, end)
    return mentions[-1] if mentions else None


def _about(mention: Mention, general: bool) -> Person:
    """In a general question, "they" or "a client" is people in general."""
    if general and mention.person == "other" and not mention.particular:
        return "generic"
    return mention.person


def _resolve_person(post: Post, signal: Signal, general: bool, clause_end: int) -> Person:
    if signal.pattern.person in ("self", "other"):
        return "self" if signal.pattern.person == "self" else "other"
    inside = [
        m
        for m in _mentions(post, signal.start, signal.end)
        if m.person != "generic" or m.word in _GENERIC_SUBJECTS
    ]
    if signal.pattern.person == "speaker":
        inside = []
    line_start = _sentence_start(post, signal)
    if general and any(
        m.person == "other" and m.particular for m in _mentions(post, line_start, signal.start)
    ):
        # "My gf's dad threatens her, what can I do?" names someone the writer knows.
        general = False
    if inside:
        return _about(inside[-1], general)
    if signal.pattern.person == "speaker":
        # Whoever speaks in this clause, else the writer: in "tell my mum I love her
        # and that none of this was her fault" the last clause is the writer's.
        line_start = _clause_start(post, signal)
    nearest = _nearest_before(post, line_start, signal.start)
    if nearest is not None:
        return _about(nearest, general)
    # Nobody before it: "suicidal thoughts in young people" is about young people.
    # ("one" after it is a number: "kms if one more thing goes wrong").
    after = [m for m in _mentions(post, signal.end, clause_end) if m.word != "one"]
    if after and after[0].person == "generic":
        return "generic"
    if general:
        return "generic"
    tokens = _tokens(post.low[line_start : signal.start])
    if tokens and tokens[0] in post.lex.third_person_starts and signal.line > 0:
        previous_start, previous_end = post.line_span(signal.line - 1)
        previous = _nearest_before(post, previous_start, previous_end)
        if previous is not None:
            return _about(previous, general)
    return "self"


def _clause_end(post: Post, signal: Signal) -> int:
    _, line_end = post.line_span(signal.line)
    end = min(line_end, signal.end + LOOKBACK)
    match = post.lex.clause_boundary.search(post.low, signal.end, end)
    return match.start() if match else end


def _quote_around(post: Post, signal: Signal) -> tuple[int, int] | None:
    quotes = post.quotes
    index = bisect_right(quotes, (signal.start, len(post.low))) - 1
    while index >= 0 and quotes[index][0] > signal.start - 700:
        q_start, q_end = quotes[index]
        if q_start <= signal.start and signal.end <= q_end:
            return q_start, q_end
        index -= 1
    return None


def _quote_context(post: Post, signal: Signal, quote: tuple[int, int]) -> tuple[str, str]:
    """Text introducing the quote (its sentence and the one before), and the whole context."""
    quote_line = post.line_of(quote[0])
    intro_start, _ = post.line_span(max(0, quote_line - 1))
    _, end = post.line_span(post.line_of(quote[1] - 1))
    intro = post.low[intro_start : quote[0]]
    return intro, intro + post.low[quote[0] : end]


def _is_past(post: Post, signal: Signal, clause_start: int) -> bool:
    lex = post.lex
    clause = post.low[clause_start : signal.end]
    if lex.present.search(clause):
        return False
    tokens = (
        _tokens(post.low[clause_start : signal.start])
        + _tokens(post.low[signal.start : signal.end])[:1]
    )
    tense = "past" if "used to" in clause else ""
    for token in reversed(tokens[-7:] if not tense else []):
        if token in lex.present_markers:
            tense = "present"
            break
        if token in lex.past_markers:
            tense = "past"
            break
    remote = post.is_remote_past(signal.line)
    if tense == "present":
        return False
    if tense == "past":
        return remote or post.tells_of_recovery
    return remote or post.tells_recovery(signal.line)


def _examine(post: Post, signal: Signal) -> None:
    """Decide whether a phrase counts, and about whom; set `set_aside` if not."""
    lex = post.lex
    if not signal.pattern.overrides_idioms:
        for start, end in post.idiom_spans(signal.line):
            if start < signal.end and signal.start < end:
                signal.set_aside = "idiom"
                return
    for start, end in post.bereavement_spans(signal.line):
        if start < signal.end and signal.start < end:
            signal.set_aside = "bereavement"
            return
    clause_start = _clause_start(post, signal)
    quote = _quote_around(post, signal)
    speaker_other = False
    if quote is not None:
        intro, context = _quote_context(post, signal, quote)
        if lex.lyric_cues.search(context):
            signal.set_aside = "quoted lyric or title"
            return
        speaker_other = lex.speech.search(intro) is not None
    elif lex.unquoted_lyric_cues.search(
        clause := post.low[clause_start : signal.end]
    ) and not _OWN_WORK.search(clause):
        signal.set_aside = "lyric or title"
        return
    if _is_negated(post, signal, clause_start):
        signal.set_aside = "negated"
        return
    person = _resolve_person(post, signal, post.is_general(signal.line), _clause_end(post, signal))
    if speaker_other and person == "self":
        person = "other"
    signal.person = person
    if person == "generic":
        signal.set_aside = "general, not about the writer or someone they know"
        return
    line_start = _sentence_start(post, signal)
    before = post.low[line_start : signal.start]
    # The condition may run into the phrase: "if my husband ever hit me".
    condition = lex.hypothetical.search(post.low, line_start, signal.end)
    if (
        condition
        and condition.start() < signal.start
        and not (
            # "He said if I ever leave he'll find me": the threat is the condition.
            signal.pattern.category == "danger" and _THREAT_SAID.search(before)
        )
    ):
        # "She asked if I wanted to die and I said yes" is an answer, not a question.
        if not _SAID_YES.search(post.line_text(signal.line)):
            signal.set_aside = "hypothetical"
            return
    if _is_past(post, signal, clause_start):
        signal.set_aside = "past, told as recovered"


def _find(post: Post) -> list[Signal]:
    by_line: dict[int, list[Signal]] = {}
    for pattern in post.lex.patterns:
        for match in (m for scan in pattern.scans for m in post.matches(scan)):
            start, end = match.span()
            if start == end:
                continue
            line = post.line_of(start)
            if pattern.unless is not None:
                here = post.line_text(line) + "\n" + post.line_text(line + 1)
                if pattern.unless.search(here):
                    continue
            by_line.setdefault(line, []).append(Signal(pattern, start, end, line))
    kept: list[Signal] = []
    for signals in by_line.values():
        chosen: list[Signal] = []
        for signal in sorted(signals, key=lambda s: (-s.pattern.weight, s.start)):
            if all(signal.end <= c.start or c.end <= signal.start for c in chosen):
                chosen.append(signal)
        kept.extend(chosen)
    kept.sort(key=lambda s: s.start)
    return kept


def _combine(signals: list[Signal], lex: Lexicon) -> float:
    strong, weak = 1.0, 1.0
    for signal in signals:
        if signal.pattern.category in lex.weak_categories:
            weak *= 1 - signal.weight
        else:
            strong *= 1 - signal.weight
    weak_part = min(1 - weak, lex.weak_cap)
    return round(1 - strong * (1 - weak_part), 3)


def _method_detail(post: Post, signals: list[Signal]) -> bool:
    lex = post.lex
    if lex.seeking.search(post.low):
        return True
    lines = {
        s.line
        for s in signals
        if s.pattern.category in CONTEXT_FAMILIES and s.set_aside not in NOT_CONTEXT | {"negated"}
    }
    for line in lines:
        window = "\n".join(post.line_text(n) for n in (line - 1, line, line + 1))
        if lex.means.search(window) and lex.detail.search(window):
            return True
    return False


def _phrases(signals: list[Signal]) -> list[str]:
    """The distinct phrases, in the order written, at most MAX_PHRASES."""
    return list(dict.fromkeys(s.shown for s in signals))[:MAX_PHRASES]


def _windows(text: str) -> list[str]:
    """The normalised text in runs of whole sentences of at most WINDOW characters."""
    windows: list[str] = []
    start = 0
    while len(text) - start > WINDOW:
        cut = text.rfind("\n", start, start + WINDOW)
        cut = cut if cut > start else start + WINDOW
        windows.append(text[start:cut])
        start = cut + 1
    windows.append(text[start:])
    return windows


def _set_aside_without_context(signals: list[Signal]) -> None:
    """A pattern that needs context counts only beside a sign found by another pattern
    (even one set aside as past or negated: "the thoughts are coming back")."""
    context = {
        s.pattern.id
        for s in signals
        if s.pattern.category in CONTEXT_FAMILIES and s.set_aside not in NOT_CONTEXT
    }
    for signal in signals:
        if signal.pattern.needs_context and signal.set_aside in ("", "needs another sign"):
            alone = not (context - {signal.pattern.id})
            signal.set_aside = "needs another sign" if alone else ""


def screen(text: str) -> Screening:
    """Screen one post (a title and body, an answer or a comment)."""
    lex = lexicon()
    normalised = normalise(text)
    signals: list[Signal] = []
    method_detail = False
    for window in _windows(normalised):
        post = Post(window, lex)
        found = _find(post)
        for signal in found:
            _examine(post, signal)
            signal.shown = post.shown[signal.start : signal.end]
        method_detail = method_detail or _method_detail(post, found)
        signals.extend(found)
        _set_aside_without_context(signals)
        counted = [s for s in signals if not s.set_aside and s.person == "self"]
        if _combine(counted, lex) >= SATURATED:
            # Nothing later can lower the label; a request for method detail is still looked for.
            method_detail = method_detail or lex.seeking.search(normalised.lower()) is not None
            break
    counted = [s for s in signals if not s.set_aside]
    about_writer = [s for s in counted if s.person == "self"]
    about_other = [s for s in counted if s.person == "other"]
    risk, concern = _combine(about_writer, lex), _combine(about_other, lex)
    label: Label
    if risk >= lex.threshold:
        label, score, chosen = "risk", risk, about_writer
    elif concern >= lex.threshold:
        label, score, chosen = "concern", concern, about_other
    else:
        label, score, chosen = "none", max(risk, concern), counted
    ignored = [f"{s.shown} ({s.set_aside})" for s in signals if s.set_aside]
    return Screening(
        label=label,
        score=score,
        matched=_phrases(chosen),
        method_detail=method_detail,
        ignored=ignored[:MAX_PHRASES],
    )
