from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mindwell.moderation import sitesettings
from mindwell.moderation.purge import purge_deleted


class Command(BaseCommand):
    help = "Remove deleted posts for good once they have been deleted for longer than DAYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            metavar="DAYS",
            help="retention period in days (default: the site setting, 30 unless changed)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["older_than"]
        if days is None:
            days = sitesettings.get("purge_after_days")
        if days < 0:
            raise CommandError("--older-than must be 0 or more days.")
        removed = purge_deleted(days)
        posts = "post" if removed == 1 else "posts"
        self.stdout.write(f"Removed {removed} {posts} deleted more than {days} days ago.")
