"""`mindwell safety-eval`: how well screening does on the labelled evaluation set.

Prints precision, recall and F1 per label, the confusion matrix, the figures per
batch (a held-out batch was never used to tune the lexicon) and
per kind of case, every misclassified sentence (`--hide-held-out`: only the
development set's, so that tuning never sees a held-out sentence), and the time
to screen a 30,000-character post and a 100,000-character one.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from mindwell.safety.evaluation import (
    BENCHMARK_LENGTH,
    EVALUATION_FILE,
    LABELS,
    Report,
    benchmark_post,
    evaluate,
    load_cases,
    time_screening,
    typical_post,
)
from mindwell.safety.screening import Label


class Command(BaseCommand):
    help = "Measure screening on the labelled evaluation set: precision, recall, misses, time."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--file", type=Path, default=EVALUATION_FILE, help="a set in the same TOML format"
        )
        parser.add_argument("--runs", type=int, default=50, help="timing runs (default 50)")
        parser.add_argument("--no-timing", action="store_true", help="skip the timing")
        parser.add_argument(
            "--hide-held-out",
            action="store_true",
            help="list only the development set's misses and kinds, so that tuning never "
            "sees a held-out sentence (the held-out figures are still printed)",
        )

    def handle(
        self,
        *args: Any,
        file: Path,
        runs: int,
        no_timing: bool,
        hide_held_out: bool,
        **options: Any,
    ) -> None:
        cases = load_cases(file)
        report = evaluate(cases)
        out = self.stdout.write
        development, held_out = report.development(), report.held_out()
        out(
            f"Screening evaluation: {len(cases)} sentences from {file}\n"
            f"({len(development.outcomes)} in the development set, "
            f"{len(held_out.outcomes)} held out)\n"
        )
        for title, part in (
            ("Development set (the lexicon was tuned on these)", development),
            ("Held-out set (never used to tune the lexicon: how it does on new text)", held_out),
            ("All", report),
        ):
            if part.outcomes:
                out(title)
                out(_table(part))
                out(f"accuracy {part.accuracy:.3f}\n")
        batches = report.batches()
        if len(batches) > 1:
            out("By batch (each batch's figures when it was written are in the file)")
            for batch in batches:
                part = report.batch(batch)
                cells = "  ".join(_precision_recall(part, label) for label in LABELS)
                out(f"  batch {batch}  {len(part.outcomes):4d} sentences  {cells}")
            out("")
        out("Confusion matrix (rows: expected, columns: screened)")
        confusion = report.confusion()
        out("            " + "".join(f"{label:>9}" for label in LABELS))
        for expected in LABELS:
            row = "".join(f"{confusion[(expected, got)]:>9}" for got in LABELS)
            out(f"  {expected:<10}{row}")
        listed = development if hide_held_out else report
        out("\nBy kind (correct / total)" + (", development set" if hide_held_out else ""))
        for kind, (correct, total) in listed.by_kind().items():
            out(f"  {kind:<20}{correct:>4} / {total:<4}")
        missed = listed.misclassified()
        out(f"\nMisclassified ({len(missed)}" + (", development set)" if hide_held_out else ")"))
        for outcome in missed:
            case, result = outcome.case, outcome.screening
            out(
                f"  [batch {case.batch}, {case.kind}] expected {case.label}, screened "
                f"{result.label} ({result.score:.2f}): {case.text}"
            )
            if result.matched or result.ignored:
                out(f"      matched {result.matched}  ignored {result.ignored}")
        if not no_timing:
            out(f"\nTime to screen a {BENCHMARK_LENGTH:,}-character post ({runs} runs)")
            for name, text in (
                ("long post (ordinary text, a few signs)", typical_post(cases)),
                ("worst case (every sentence a sign or a hard case)", benchmark_post(cases)),
                ("worst case, 100,000 characters", benchmark_post(cases, 100_000)),
            ):
                timing = time_screening(text, runs)
                out(
                    f"  {name:<52} p50 {timing.p50:6.1f} ms   p95 {timing.p95:6.1f} ms   "
                    f"max {timing.max:6.1f} ms   CPU p95 {timing.cpu_p95:6.1f} ms"
                )


def _precision_recall(report: Report, label: Label) -> str:
    figures = report.figures(label)
    return f"{label} P {figures.precision:.2f} R {figures.recall:.2f}"


def _table(report: Report) -> str:
    lines = [f"{'label':<9}{'precision':>10}{'recall':>8}{'F1':>7}{'expected':>10}{'screened':>10}"]
    for label in LABELS:
        f = report.figures(label)
        lines.append(
            f"{label:<9}{f.precision:>10.3f}{f.recall:>8.3f}{f.f1:>7.3f}{f.expected:>10}{f.predicted:>10}"
        )
    return "\n".join(lines) + "\n"
