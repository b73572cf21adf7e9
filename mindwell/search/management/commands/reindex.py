import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from mindwell.search.engine import engine
from mindwell.search.index import rebuild


class Command(BaseCommand):
    help = "Rebuild the search index from the posts: every published question and its thread."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        with transaction.atomic():  # readers see the old index until the new one is complete
            count = rebuild()
        self.stdout.write(
            f"Indexed {count} questions with {engine().name}"
            f" in {time.perf_counter() - started:.1f} s."
        )
