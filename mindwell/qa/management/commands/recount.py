from typing import Any

from django.core.management.base import BaseCommand

from mindwell.qa.counters import recount


class Command(BaseCommand):
    help = "Rebuild every stored counter (scores, answer counts, tag and category counts, points)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = recount()
        self.stdout.write(
            f"Recounted. Corrected: {result.posts} posts, {result.categories} categories, "
            f"{result.tags} tags, {result.users} members' points."
        )
