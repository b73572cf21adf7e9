"""`mindwell worker`: run background tasks (notification emails) on their own.

Run it once per worker process you want; each takes tasks from the shared queue.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from mindwell.notify import worker


class Command(BaseCommand):
    help = "Run a background task worker (notification emails) until stopped."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds between looks for new tasks (database backend)",
        )
        parser.add_argument(
            "--sweep-every",
            type=float,
            default=30.0,
            help="seconds between looks for lost emails and due digests",
        )
        parser.add_argument("--batch", action="store_true", help="run every ready task, then stop")
        parser.add_argument(
            "--sweep-only",
            action="store_true",
            help="requeue lost emails and queue digests once (beside another backend's worker)",
        )

    def handle(
        self, *args: Any, interval: float, sweep_every: float, batch: bool, sweep_only: bool,
        **options: Any,
    ) -> None:  # fmt: skip
        if sweep_only:
            worker.sweep()
            return
        worker.run(interval=interval, sweep_every=sweep_every, batch=batch)
