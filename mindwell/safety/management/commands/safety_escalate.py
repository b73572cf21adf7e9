"""`mindwell safety_escalate`: alert the admins about everyone still awaiting a response
after the response target (MINDWELL_CRISIS_RESPONSE_MINUTES). Run it every few minutes
(cron, or the task worker); each post is escalated once."""

from typing import Any

from django.core.management.base import BaseCommand

from mindwell.safety.actions import escalate_overdue


class Command(BaseCommand):
    help = "Alert the admins about people at risk whom no moderator responded to in time."

    def handle(self, *args: Any, **options: Any) -> None:
        count = escalate_overdue()
        self.stdout.write(f"{count} escalated")
