"""`mindwell demo`: migrate, load the demo content (once), and serve."""

from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from mindwell.qa.demo import DEMO_PASSWORD, load_demo
from mindwell.server.management.commands.serve import add_server_arguments, serve


class Command(BaseCommand):
    help = "Start Mindwell with demo content on the embedded defaults (SQLite, no other services)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_server_arguments(parser)
        parser.add_argument(
            "--no-serve", action="store_true", help="load the demo content and stop"
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        server: str,
        no_serve: bool,
        **options: Any,
    ) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        demo_user, created = load_demo()
        self.stdout.write("Demo content loaded." if created else "Demo content already there.")
        self.stdout.write(
            f"\nMindwell is at http://{host}:{port}/\n"
            f"Demo login: {demo_user.display_name} / {DEMO_PASSWORD}\n"
        )
        if not no_serve:
            serve(host, port, workers, server, options["access_log"])
