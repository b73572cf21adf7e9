"""`mindwell serve`: the site under a production server, static files by whitenoise.

The server was chosen by measurement (docs/performance.md): granian's WSGI
workers by default; gunicorn and uvicorn stay selectable with `--server`.
"""

import os
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from gunicorn.app.base import BaseApplication

from mindwell.notify.worker import start_beside_server


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


SERVERS = ("granian", "gunicorn", "gunicorn-sync", "uvicorn")
DEFAULT_SERVER = "granian"
THREADS = 4  # per worker: requests waiting on the database or the cache overlap


def add_server_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument("--workers", type=int, default=default_workers(), help="processes")
    parser.add_argument(
        "--server", choices=SERVERS, default=DEFAULT_SERVER, help="the HTTP server to run"
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="log every request to stdout (off by default: it costs a quarter of a cached "
        "page's CPU; a reverse proxy in front logs them anyway)",
    )


def serve(
    host: str, port: int, workers: int, server: str = DEFAULT_SERVER, access_log: bool = False
) -> None:
    if not 0 < port < 65536:
        raise CommandError(f"--port must be between 1 and 65535, not {port}")
    if workers < 1:
        raise CommandError("--workers must be at least 1")
    call_command("collectstatic", interactive=False, verbosity=0)
    if settings.MINDWELL_SERVE_WORKER:
        start_beside_server()  # the task worker for notification emails
    if server == "granian":
        from granian import Granian
        from granian.constants import Interfaces

        Granian(
            "mindwell.wsgi:application",
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=THREADS,
            # Off by default: a line per request cost a quarter of a cached page's CPU.
            log_access=access_log,
            # As gunicorn's: the status, then the milliseconds taken, between quoted fields.
            log_access_format=(
                '%(addr)s [%(time)s] "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).0f "-"'
            ),
            respawn_failed_workers=True,
        ).serve()
    elif server == "uvicorn":
        import uvicorn

        uvicorn.run(
            "mindwell.server.asgi:application",
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
        )
    else:
        Gunicorn(
            {
                "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
                "workers": workers,
                "worker_class": "sync" if server == "gunicorn-sync" else "gthread",
                "threads": THREADS,
                "accesslog": "-" if access_log else None,
                "loglevel": "warning",
                "graceful_timeout": 5,
            }
        ).run()


class Command(BaseCommand):
    help = "Serve Mindwell with a production server (granian by default) and its static files."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_server_arguments(parser)

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        server: str,
        access_log: bool,
        **options: Any,
    ) -> None:
        self.stdout.write(f"Mindwell is at http://{host}:{port}/ (Ctrl+C stops it)")
        serve(host, port, workers, server, access_log)
