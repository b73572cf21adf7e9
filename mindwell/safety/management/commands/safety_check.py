"""`mindwell safety-check`: screen each line of standard input, print one JSON object per line.

For evaluation and moderators' tooling:

    $ echo "I won't be around after Friday" | mindwell safety-check
    {"label": "risk", "score": 0.8, "matched": ["I won't be around after"], "method_detail": false}

Every input line gives exactly one output line, in order (an empty line too).
`--json` reads each line as a JSON string instead, so a post may hold newlines;
`--explain` adds the phrases set aside and why.
"""

import io
import json
import sys
from argparse import ArgumentParser
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError

from mindwell.safety.screening import screen


class Command(BaseCommand):
    help = "Screen each line of standard input; print one JSON object per line."
    requires_system_checks: list[str] = []  # no database, no checks: a filter starts fast
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--json",
            action="store_true",
            dest="json_input",
            help="each input line is a JSON string, or an object with a text (a post)",
        )
        parser.add_argument(
            "--explain", action="store_true", help="add the phrases set aside and why"
        )

    def handle(self, *args: Any, json_input: bool, explain: bool, **options: Any) -> None:
        stdin: TextIO = options.get("stdin") or io.TextIOWrapper(
            sys.stdin.buffer, encoding="utf-8", errors="replace"
        )
        for number, line in enumerate(stdin, start=1):
            text = line.rstrip("\r\n")
            if json_input:
                text = _decode(text, number)
            result = screen(text)
            output = result.as_dict()
            if explain:
                output["ignored"] = result.ignored
            self.stdout.write(json.dumps(output, ensure_ascii=False))
            self.stdout.flush()


def _decode(line: str, number: int) -> str:
    try:
        value = json.loads(line) if line.strip() else ""
    except json.JSONDecodeError as error:
        raise CommandError(f"line {number} is not JSON: {error.msg}") from None
    if isinstance(value, dict):
        value = value.get("text", "")
    if not isinstance(value, str):
        raise CommandError(f"line {number} is not a JSON string or an object with a text")
    return value
