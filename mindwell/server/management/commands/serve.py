"""`mindwell serve`: the site under gunicorn, static files by whitenoise."""

import os
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from gunicorn.app.base import BaseApplication


def default_workers() -> int:
    return max(2, (os.cpu_count() or 1) * 2)


class Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Imported here, after collectstatic, so whitenoise sees the collected files.
        from mindwell.wsgi import application

        return application


def add_server_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument("--workers", type=int, default=default_workers(), help="processes")


def serve(host: str, port: int, workers: int) -> None:
    if not 0 < port < 65536:
        raise CommandError(f"--port must be between 1 and 65535, not {port}")
    if workers < 1:
        raise CommandError("--workers must be at least 1")
    call_command("collectstatic", interactive=False, verbosity=0)
    Gunicorn(
        {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": 4,
            "accesslog": "-",
            "loglevel": "warning",
            "graceful_timeout": 5,
        }
    ).run()


class Command(BaseCommand):
    help = "Serve Mindwell with a production server (gunicorn) and its static files."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_server_arguments(parser)

    def handle(self, *args: Any, host: str, port: int, workers: int, **options: Any) -> None:
        self.stdout.write(f"Mindwell is at http://{host}:{port}/ (Ctrl+C stops it)")
        serve(host, port, workers)
