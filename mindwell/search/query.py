"""What a person typed, turned into words and phrases that are safe for either engine.

User text never reaches FTS5's MATCH syntax or PostgreSQL's to_tsquery as it is:
only runs of letters and digits survive, so quotes, `*`, `NEAR`, `^`, `:`,
`-`, parentheses, backslashes, NUL bytes and emoji cannot be operators. Text
in double quotes becomes a phrase ("panic attack"); every other word is
required. The engines stem the words themselves (worry, worrying, worried).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 500
MAX_TERMS = 16
WORD_RE = re.compile(r"[^\W_]+")
QUOTED_RE = re.compile(r'"([^"]*)"')

# Common English words that say nothing about a question's subject; PostgreSQL's
# english configuration drops the same, so both engines agree on "how do i sleep".
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been
    before being below between both but by can did do does doing don down during each
    few for from further had has have having he her here hers herself him himself his
    how i if in into is it its itself just me more most my myself no nor not now of
    off on once only or other our ours ourselves out over own same she should so some
    such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves s t""".split()
)


@dataclass(frozen=True)
class Query:
    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    shortened: bool = False  # the text was cut to MAX_CHARS or MAX_TERMS

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases)

    @property
    def terms(self) -> list[str]:
        """Every word, phrase words included, for "any of these words" lookups."""
        seen = dict.fromkeys([*self.words, *(w for p in self.phrases for w in p)])
        return [w for w in seen if w not in STOP_WORDS]


def words_of(text: str) -> list[str]:
    return [w.casefold() for w in WORD_RE.findall(text)]


def parse(text: str) -> Query:
    """The words and "quoted phrases" of a search box.

    Stop words are dropped, unless nothing else is left.
    """
    text = (text or "").replace("\x00", " ")
    shortened = len(text) > MAX_CHARS
    text = text[:MAX_CHARS]
    phrases: list[tuple[str, ...]] = []
    words: list[str] = []
    budget = MAX_TERMS

    def take(items: list[str]) -> list[str]:
        nonlocal budget, shortened
        if len(items) > budget:
            shortened = True
        kept = items[: max(budget, 0)]
        budget -= len(kept)
        return kept

    rest = []
    last = 0
    for match in QUOTED_RE.finditer(text):
        rest.append(text[last : match.start()])
        last = match.end()
        phrase = take(words_of(match.group(1)))
        if len(phrase) == 1:
            words.extend(phrase)
        elif phrase:
            phrases.append(tuple(phrase))
    rest.append(text[last:])  # an unbalanced quote is just a character here
    words.extend(take(words_of(" ".join(rest))))
    meaningful = [w for w in words if w not in STOP_WORDS]
    if meaningful or phrases:
        words = meaningful
    return Query(tuple(dict.fromkeys(words)), tuple(dict.fromkeys(phrases)), shortened)


def any_words(text: str, limit: int = 12) -> Query:
    """The subject words of a title, for "questions like this one" lookups."""
    return Query(tuple(parse(text).terms[:limit]))
