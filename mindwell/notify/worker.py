"""The task worker: django-tasks-db's worker loop (or the Redis backend's), plus a sweeper
for lost work and digests.

`mindwell worker` runs one in the foreground; `mindwell serve` starts one as a
child process beside the web server (`start_beside_server`).
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time

from django.core.management.base import CommandError
from django.db import close_old_connections, connection
from django.tasks import task_backends
from django.utils.crypto import get_random_string
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from mindwell.notify import sending
from mindwell.notify.redis_backend import RedisBackend, RedisWorker
from mindwell.safety.actions import escalate_overdue

log = logging.getLogger(__name__)
MINDWELL = [sys.executable, "-c", "from mindwell.cli import main; main()"]


def sweep() -> None:
    """One round of housekeeping: lost deliveries back in line, daily digests queued,
    and admins alerted about anyone at risk whom no moderator answered in time (so an
    install without cron still escalates; `mindwell safety-escalate` does the same)."""
    requeued = sending.requeue_stale()
    digests = sending.queue_digests()
    escalated = escalate_overdue()
    if requeued or digests or escalated:
        log.info(
            "requeued %s lost emails, queued %s digests, escalated %s unanswered alerts",
            requeued,
            digests,
            escalated,
        )


def _sweep_forever(every: float) -> None:
    while True:
        try:
            close_old_connections()
            sweep()
        except Exception:
            log.exception("notification sweep failed; trying again later")
        finally:
            connection.close()
        time.sleep(every)


def run(*, interval: float, sweep_every: float, batch: bool) -> None:
    """Run tasks until stopped (or, with batch, until none is ready)."""
    backend = task_backends["default"]
    if not isinstance(backend, DatabaseBackend | RedisBackend):
        raise CommandError(
            "The task backend is neither the database nor the Redis backend: run that "
            "backend's own worker, and `mindwell worker --sweep-only` once beside it."
        )
    sweep()
    if not batch:
        threading.Thread(target=_sweep_forever, args=(sweep_every,), daemon=True).start()
    if isinstance(backend, RedisBackend):
        RedisWorker(backend).run(batch=batch)  # waits on Redis itself: no interval
    else:
        _run_worker(interval, batch)


def _run_worker(interval: float, batch: bool) -> None:
    worker = Worker(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )
    if not batch:
        worker.configure_signals()  # finish the task in hand on SIGTERM
    worker.run()


def _die_with_parent() -> None:
    """In the child: receive SIGTERM if the server process dies, even by SIGKILL (Linux)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def start_beside_server() -> subprocess.Popen[bytes] | None:
    """Start `mindwell worker` as a child of the web server, stopped when the server stops."""
    if not isinstance(task_backends["default"], DatabaseBackend | RedisBackend):
        return None
    child = subprocess.Popen([*MINDWELL, "worker"], preexec_fn=_die_with_parent)  # noqa: S603
    server_pid = os.getpid()

    def stop() -> None:
        # Forked web workers inherit this hook: only the server process stops the worker.
        if os.getpid() == server_pid and child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()

    atexit.register(stop)
    return child
