"""`mindwell safety_escalate`: alert every moderator and admin about everyone still awaiting
a response after the response target (MINDWELL_CRISIS_RESPONSE_MINUTES), and about risk
questions nobody else has replied to (MINDWELL_CRISIS_UNANSWERED_MINUTES). Run it every few
minutes (cron, or the task worker); each post is escalated once per rule."""

from typing import Any

from django.core.management.base import BaseCommand

from mindwell.safety.actions import escalate_overdue


class Command(BaseCommand):
    help = "Alert moderators and admins about people at risk left without a response or reply."

    def handle(self, *args: Any, **options: Any) -> None:
        count = escalate_overdue()
        self.stdout.write(f"{count} escalated")
