"""The screening lexicon: `data/patterns.toml`, read once and compiled.

The TOML file is the place to change what screening looks for; this module only
checks it and turns it into compiled regular expressions. A mistake in the file
(an unknown macro, a bad regex, a weight outside 0..1) raises `LexiconError`
naming the entry, the first time screening runs.
"""

import importlib
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

DATA_DIR = Path(__file__).with_name("data")
PATTERNS_FILE = DATA_DIR / "patterns.toml"

# infer: the last person named in the phrase, else the nearest before it.
# victim: the same, for harm done to someone ("he hit her": her).
# speaker: ignore people named inside the phrase, who are its audience ("tell my
# mum I love her"); the nearest person before it, else the writer.
# self, other: always the writer, always someone else ("we found her note").
PersonMode = Literal["infer", "victim", "speaker", "self", "other"]
_MACRO = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
NEEDLE_SETS = 2  # how many of a scan's needle sets screening consults


class LexiconError(ValueError):
    """The lexicon file is malformed."""


@dataclass(frozen=True, slots=True)
class Scan:
    """A regex, and sets of strings such that each of its matches contains one of each set."""

    regex: re.Pattern[str]
    needles: tuple[tuple[str, ...], ...]
    # The same regex without its leading \b, when it starts with literal words: the
    # regex engine then jumps to candidates instead of trying every position, and
    # the caller checks the word boundary itself.
    fast: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class Pattern:
    id: str
    category: str
    weight: float
    person: PersonMode
    unless: re.Pattern[str] | None
    needs_context: bool
    overrides_idioms: bool  # a fear or threat frame is not undone by "he'll kill me" idioms
    # The regex's top-level alternatives, each searched on its own so that each
    # has its own needles (see `needles`).
    scans: tuple["Scan", ...]


@dataclass(frozen=True, slots=True)
class Lexicon:
    threshold: float
    weak_categories: frozenset[str]
    weak_cap: float
    patterns: tuple[Pattern, ...]
    idioms: tuple[Scan, ...]
    bereavement: tuple[Scan, ...]
    negation_cues: frozenset[str]
    negation_window: int
    pseudo_negation: re.Pattern[str]
    negation_stops: frozenset[str]
    clause_boundary: re.Pattern[str]
    self_words: frozenset[str]
    other_words: frozenset[str]
    kin_words: frozenset[str]
    generic_words: frozenset[str]
    other_phrases: re.Pattern[str]
    self_phrases: re.Pattern[str]
    third_person_starts: frozenset[str]
    general_frames: tuple[Scan, ...]
    hypothetical: re.Pattern[str]
    past_markers: frozenset[str]
    present_markers: frozenset[str]
    remote_past: tuple[Scan, ...]
    recovery: tuple[Scan, ...]
    present: re.Pattern[str]
    lyric_cues: re.Pattern[str]
    unquoted_lyric_cues: re.Pattern[str]
    speech: re.Pattern[str]
    means: re.Pattern[str]
    detail: re.Pattern[str]
    seeking: re.Pattern[str]
    # Finds, in one pass, every needle any scan may ask about (see `needle_scanner`).
    needle_scanner: re.Pattern[str]
    needle_prefixes: dict[str, tuple[str, ...]]


def expand(regex: str, macros: dict[str, str], where: str) -> str:
    """Replace {NAME} with its macro, macros within macros included."""
    for _ in range(6):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in macros:
                raise LexiconError(f"{where}: unknown macro {{{name}}}")
            return macros[name]

        expanded = _MACRO.sub(replace, regex)
        if expanded == regex:
            return expanded
        regex = expanded
    raise LexiconError(f"{where}: macros nest too deeply")


def _compile(regex: str, macros: dict[str, str], where: str) -> re.Pattern[str]:
    try:
        return re.compile(expand(regex, macros, where), re.MULTILINE)
    except re.error as error:
        raise LexiconError(f"{where}: {error}") from None


def _any_of(regexes: list[str], macros: dict[str, str], where: str) -> re.Pattern[str]:
    return _compile("|".join(f"(?:{r})" for r in regexes), macros, where)


def _minimal(strings: set[str]) -> set[str]:
    """Drop strings that contain another one: finding the shorter one is enough."""
    return {s for s in strings if not any(t != s and t in s for t in strings)}


# Words too common to make a good needle: " to " is in almost every line.
_COMMON = frozenset(
    "a about after again all am an and are as at be been but by can could day do for from get "
    "go going had has have he her him his how i if in into is it its just know let life like me "
    "more my no not now of off on one or out over said says she so some take than that the their "
    "them then there they this time to too try up us was we were what when who will with would "
    "you your".split()
)


def _rarity(needle: str) -> int:
    return sum(len(w) for w in re.findall(r"[a-z]+", needle) if w not in _COMMON)


def _better(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    """The more selective of two needle sets: rarer shortest string, then fewer strings."""
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b, key=lambda s: (min(map(_rarity, s)), min(map(len, s)), -len(s)))


def _best(sets: list[set[str]]) -> set[str] | None:
    best: set[str] | None = None
    for found in sets:
        best = _better(best, found)
    return best


def _required(items: Any, constants: Any) -> list[set[str]]:
    """Sets of strings such that any match of this parsed sequence contains one of each set."""
    sets: list[set[str]] = []
    run = ""
    for op, av in items:
        if op is constants.LITERAL:
            run += chr(av)
            continue
        if run:
            sets.append({run})
            run = ""
        found: set[str] | None = None
        if op is constants.SUBPATTERN:
            found = _best(_required(av[-1], constants))
        elif op is constants.BRANCH:
            found = set()
            for alternative in av[1]:
                best = _best(_required(alternative, constants))
                if best is None:
                    found = None
                    break
                found |= best
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT) and av[0] >= 1:
            found = _best(_required(av[2], constants))
        if found:
            sets.append(_minimal(found))
    if run:
        sets.append({run})
    return [found for found in sets if min(map(len, found)) >= 3]


def _parse(regex: str) -> tuple[Any, Any] | None:
    """The parse tree of a regex from Python's own parser, and its constants.

    A private module: if it changes, this answers None, and screening then
    searches the whole text for that regex (slower, never wrong).
    """
    try:
        parser: Any = importlib.import_module("re._parser")
        constants: Any = importlib.import_module("re._constants")
        return parser.parse(regex).data, constants
    except (ImportError, AttributeError, TypeError, ValueError, IndexError, re.error):
        return None


def _needle_sets(data: Any, constants: Any) -> tuple[tuple[str, ...], ...]:
    try:
        found = _required(data, constants)
    except (AttributeError, TypeError, ValueError, IndexError):
        return ()
    found.sort(key=lambda s: (min(map(_rarity, s)), min(map(len, s)), -len(s)), reverse=True)
    return tuple(tuple(sorted(s)) for s in found)


def needles(regex: str) -> tuple[tuple[str, ...], ...]:
    """Sets of literal strings such that every match of `regex` contains one of each set.

    The sets come most selective first; () when nothing can be told.
    """
    parsed = _parse(regex)
    return _needle_sets(*parsed) if parsed else ()


def alternatives(regex: str) -> list[str]:
    """The top-level alternatives of a regex: `a|(b|c)` gives `a` and `(b|c)`."""
    parts: list[str] = []
    depth, start, index = 0, 0, 0
    in_class = False
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if regex[index + 1 : index + 2] == "]" or regex[index + 1 : index + 3] == "^]":
                index += 2 if regex[index + 1] == "]" else 3
                continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(regex[start:index])
            start = index + 1
        index += 1
    parts.append(regex[start:])
    return parts


def _lead(items: Any, constants: Any) -> int:
    """How many literal letters every match surely starts with (0: not a letter)."""
    run = 0
    for op, av in items:
        if op is constants.LITERAL:
            if run == 0 and not chr(av).isalnum():
                return 0
            run += 1
            continue
        if run:
            return run
        if op is constants.SUBPATTERN:
            return _lead(av[-1], constants)
        if op is constants.BRANCH:
            return min(_lead(alternative, constants) for alternative in av[1])
        return 0
    return run


def _scan(regex: str, where: str) -> Scan:
    """A scan of one alternative of an expanded regex (parsed once for its needles)."""
    try:
        compiled = re.compile(regex, re.MULTILINE)
    except re.error as error:
        raise LexiconError(f"{where}: {error}") from None
    parsed = _parse(regex)
    if parsed is None:
        return Scan(compiled, ())
    data, constants = parsed
    fast = None
    # Without its leading \b the regex engine can jump to candidates, but a short
    # first word ("i", "he") is inside too many other words to pay off.
    if regex.startswith(r"\b") and data and _lead(list(data)[1:], constants) >= 3:
        fast = re.compile(regex[2:], re.MULTILINE)
    return Scan(compiled, _needle_sets(data, constants), fast)


def _scans(regex: str, where: str) -> tuple[Scan, ...]:
    """One scan per top-level alternative, so that each gets its own needles."""
    return tuple(_scan(part, where) for part in alternatives(regex))


def _scan_list(regexes: list[str], macros: dict[str, str], where: str) -> tuple[Scan, ...]:
    """Regexes searched for a fact about a line, each split like a pattern."""
    return tuple(scan for r in regexes for scan in _scans(expand(r, macros, where), where))


def _pattern(entry: dict[str, Any], macros: dict[str, str]) -> Pattern:
    where = f"pattern {entry.get('id', '?')!r}"
    weight = float(entry["weight"])
    if not 0 < weight <= 1:
        raise LexiconError(f"{where}: weight must be in (0, 1], not {weight}")
    person = entry.get("person", "infer")
    if person not in ("infer", "victim", "speaker", "self", "other"):
        raise LexiconError(f"{where}: person must be infer, victim, speaker, self or other")
    unless = entry.get("unless")
    return Pattern(
        id=entry["id"],
        category=entry["category"],
        weight=weight,
        person=person,
        unless=_any_of(unless, macros, f"{where} unless") if unless else None,
        needs_context=bool(entry.get("needs_context", False)),
        overrides_idioms=bool(entry.get("overrides_idioms", False)),
        scans=_scans(expand(entry["regex"], macros, where), where),
    )


def needle_scanner(needles: set[str]) -> tuple[re.Pattern[str], dict[str, tuple[str, ...]]]:
    """One regex that finds, at every position, the longest needle starting there.

    The needles go into a trie written as a regex (`kill(?:ing|s)?`), inside a
    lookahead so that matches may overlap. A needle found at a position implies
    its prefixes that are needles too: `prefixes` lists them.
    """
    trie: dict[str, Any] = {}
    for needle in needles:
        node = trie
        for char in needle:
            node = node.setdefault(char, {})
        node[""] = {}

    def regex(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + regex(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    prefixes: dict[str, tuple[str, ...]] = {}
    for needle in needles:
        node, found = trie, []
        for index, char in enumerate(needle):
            node = node[char]
            if "" in node:
                found.append(needle[: index + 1])
        prefixes[needle] = tuple(found)
    return re.compile(f"(?=({regex(trie)}))" if trie else "(?!)"), prefixes


def parse(data: dict[str, Any]) -> Lexicon:
    persons = data["persons"]
    kin = sorted(persons["kin"], key=len, reverse=True)
    macros: dict[str, str] = {"KIN": "(?:" + "|".join(map(re.escape, kin)) + ")"}
    macros |= data.get("macros", {})
    scoring = data["scoring"]
    patterns = tuple(_pattern(entry, macros) for entry in data["pattern"])
    ids = [p.id for p in patterns]
    if len(set(ids)) != len(ids):
        raise LexiconError("pattern ids must be unique")
    negation, past, quotes, method = (
        data["negation"],
        data["past"],
        data["quotes"],
        data["method_detail"],
    )
    idioms = tuple(_scan(expand(r, macros, "idioms"), "idioms") for r in data["idioms"]["patterns"])
    bereavement = tuple(
        _scan(expand(r, macros, "bereavement"), "bereavement")
        for r in data["bereavement"]["patterns"]
    )
    general_frames = _scan_list(data["general"]["frames"], macros, "general.frames")
    remote_past = _scan_list(past["remote"], macros, "past.remote")
    recovery = _scan_list(past["recovery"], macros, "past.recovery")
    every_scan = [
        *(scan for pattern in patterns for scan in pattern.scans),
        *idioms, *bereavement, *general_frames, *remote_past, *recovery,
    ]  # fmt: skip
    scanner, prefixes = needle_scanner(
        {needle for scan in every_scan for group in scan.needles[:NEEDLE_SETS] for needle in group}
    )
    return Lexicon(
        threshold=float(scoring["threshold"]),
        weak_categories=frozenset(scoring["weak_categories"]),
        weak_cap=float(scoring["weak_cap"]),
        patterns=patterns,
        idioms=idioms,
        bereavement=bereavement,
        negation_cues=frozenset(negation["cues"]),
        negation_window=int(negation["window"]),
        pseudo_negation=_any_of(negation["pseudo"], macros, "negation.pseudo"),
        negation_stops=frozenset(negation["stops"]),
        clause_boundary=_compile(data["clauses"]["boundary"], macros, "clauses.boundary"),
        self_words=frozenset(persons["self"]),
        other_words=frozenset(persons["other"]),
        kin_words=frozenset(persons["kin"]),
        generic_words=frozenset(persons["generic"]),
        other_phrases=_any_of(persons["other_phrases"], macros, "persons.other_phrases"),
        self_phrases=_any_of(persons["self_phrases"], macros, "persons.self_phrases"),
        third_person_starts=frozenset(persons["third_person_starts"]),
        general_frames=general_frames,
        hypothetical=_any_of(data["general"]["hypothetical"], macros, "general.hypothetical"),
        past_markers=frozenset(past["past_markers"]),
        present_markers=frozenset(past["present_markers"]),
        remote_past=remote_past,
        recovery=recovery,
        present=_any_of(past["present"], macros, "past.present"),
        lyric_cues=_compile(quotes["lyric_cues"], macros, "quotes.lyric_cues"),
        unquoted_lyric_cues=_compile(
            quotes["unquoted_lyric_cues"], macros, "quotes.unquoted_lyric_cues"
        ),
        speech=_compile(quotes["speech"], macros, "quotes.speech"),
        means=_compile(method["means"], macros, "method_detail.means"),
        detail=_compile(method["detail"], macros, "method_detail.detail"),
        seeking=_compile(method["seeking"], macros, "method_detail.seeking"),
        needle_scanner=scanner,
        needle_prefixes=prefixes,
    )


def load(path: Path) -> Lexicon:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise LexiconError(f"{path.name}: {error}") from None
    try:
        return parse(data)
    except KeyError as error:
        raise LexiconError(f"{path.name}: missing {error}") from None


@cache
def lexicon() -> Lexicon:
    """The shipped lexicon, compiled once per process."""
    return load(PATTERNS_FILE)
