"""Measuring screening against the labelled evaluation set in `data/evaluation.toml`.

`mindwell safety-eval` prints these figures; a test holds them above a floor.
"""

import statistics
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mindwell.safety.lexicon import DATA_DIR
from mindwell.safety.screening import Label, Screening, screen

EVALUATION_FILE = DATA_DIR / "evaluation.toml"
LABELS: tuple[Label, ...] = ("risk", "concern", "none")
BENCHMARK_LENGTH = 30_000


@dataclass(frozen=True, slots=True)
class Case:
    text: str
    label: Label
    kind: str
    batch: int = 1
    held_out: bool = False  # never used to tune the lexicon


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    screening: Screening

    @property
    def correct(self) -> bool:
        return self.case.label == self.screening.label


@dataclass(frozen=True, slots=True)
class Figures:
    label: Label
    expected: int  # cases with this label
    predicted: int  # cases screening gave this label
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass(frozen=True, slots=True)
class Report:
    outcomes: list[Outcome]

    def figures(self, label: Label) -> Figures:
        return Figures(
            label=label,
            expected=sum(o.case.label == label for o in self.outcomes),
            predicted=sum(o.screening.label == label for o in self.outcomes),
            correct=sum(o.correct and o.case.label == label for o in self.outcomes),
        )

    @property
    def accuracy(self) -> float:
        return sum(o.correct for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0

    def confusion(self) -> Counter[tuple[Label, Label]]:
        """(expected, screened) -> number of cases."""
        return Counter((o.case.label, o.screening.label) for o in self.outcomes)

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """kind -> (correct, total), in the order the kinds first appear."""
        kinds: dict[str, tuple[int, int]] = {}
        for outcome in self.outcomes:
            correct, total = kinds.get(outcome.case.kind, (0, 0))
            kinds[outcome.case.kind] = (correct + outcome.correct, total + 1)
        return kinds

    def misclassified(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.correct]

    def batches(self) -> list[int]:
        return sorted({o.case.batch for o in self.outcomes})

    def batch(self, batch: int) -> "Report":
        return Report([o for o in self.outcomes if o.case.batch == batch])

    def development(self) -> "Report":
        """The cases the lexicon was developed against."""
        return Report([o for o in self.outcomes if not o.case.held_out])

    def held_out(self) -> "Report":
        """The cases never used to tune the lexicon: how it does on new text."""
        return Report([o for o in self.outcomes if o.case.held_out])


def load_cases(path: Path = EVALUATION_FILE) -> list[Case]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    cases: list[Case] = []
    for group in data["group"]:
        label = group["label"]
        if label not in LABELS:
            raise ValueError(f"{path.name}: unknown label {label!r}")
        for text in group["texts"]:
            cases.append(
                Case(
                    text,
                    label,
                    group["kind"],
                    int(group.get("batch", 1)),
                    bool(group.get("held_out", False)),
                )
            )
    return cases


def evaluate(cases: list[Case]) -> Report:
    return Report([Outcome(case, screen(case.text)) for case in cases])


def benchmark_post(cases: list[Case], length: int = BENCHMARK_LENGTH) -> str:
    """A long post made of the evaluation sentences, one paragraph each, cut to `length`.

    Every sentence is a sign or a hard case, so this is far denser in phrases to
    examine than a real post of the same length: a pessimistic benchmark.
    """
    paragraphs = [case.text for case in cases] or ["A quiet post."]
    text = ""
    while len(text) < length:
        text += "\n\n".join(paragraphs) + "\n\n"
    return text[:length]


def typical_post(cases: list[Case], length: int = BENCHMARK_LENGTH) -> str:
    """A long post of ordinary text with a sign now and then, cut to `length`.

    The ordinary sentences of the set (everyday sadness, relationships, advice,
    grief) with one sentence labelled risk after every twenty: closer to a real
    long post than `benchmark_post`, and still denser in signs than most.
    """
    ordinary = [c.text for c in cases if c.kind in ("everyday-sad", "other", "helper-answer",
                                                       "bereavement")]  # fmt: skip
    risky = [c.text for c in cases if c.label == "risk"] or ["I want to die."]
    paragraphs: list[str] = []
    for index, text in enumerate(ordinary or ["A quiet post."]):
        paragraphs.append(text)
        if index % 20 == 19:
            paragraphs.append(risky[(index // 20) % len(risky)])
    text = ""
    while len(text) < length:
        text += " ".join(paragraphs) + "\n\n"
    return text[:length]


@dataclass(frozen=True, slots=True)
class Timing:
    runs: int
    p50: float  # milliseconds of wall-clock time
    p95: float
    max: float
    cpu_p95: float  # milliseconds of this process's CPU time: other work on the machine adds none


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def time_screening(text: str, runs: int = 50) -> Timing:
    screen(text)  # the lexicon is compiled once per process, not per post
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        screen(text)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return Timing(runs, statistics.median(wall), _p95(wall), max(wall), _p95(cpu))
