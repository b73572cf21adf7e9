from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mindwell.professionals import actions


class Command(BaseCommand):
    help = (
        "Lapse professional verifications past their expiry date and remind those expiring soon. "
        "Run it daily (cron or a scheduler)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--remind-days",
            type=int,
            default=30,
            help="Remind professionals this many days before their licence expires (default 30).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        lapsed = actions.lapse_expired()
        reminded = actions.send_reminders(options["remind_days"])
        self.stdout.write(f"{lapsed} verification(s) lapsed, {reminded} reminder(s) sent.")
