"""The Redis task backend: real Redis (db 7), a real `mindwell worker` subprocess, real SMTP.

The worker subprocess reads the test database (committed rows: transaction=True)
through DATABASE_URL, so no fresh site has to be migrated.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from aiosmtpd.controller import Controller
from django.db import connection, transaction

from mindwell.accounts.models import User
from mindwell.notify.models import Delivery
from mindwell.notify.tasks import send_delivery
from mindwell.qa import actions
from mindwell.qa.models import Post
from tests.notify.conftest import Inbox, confirm
from tests.sites import clean_env, free_port, start_worker, stop

pytestmark = pytest.mark.django_db(transaction=True)
REDIS_URL = "redis://127.0.0.1:6379/7"
KEY = "mindwell:tasks"


@pytest.fixture
def queue(settings: Any) -> Iterator[redis.Redis]:
    """Redis db 7, emptied, and this process's tasks going to it."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.ConnectionError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    settings.TASKS = {
        "default": {
            "BACKEND": "mindwell.notify.redis_backend.RedisBackend",
            "OPTIONS": {"URL": REDIS_URL, "KEY": KEY},
        }
    }
    yield client
    client.flushdb()


def database_url() -> str:
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))


def worker_env(tmp_path: Path, smtp_port: int, **extra: str) -> dict[str, str]:
    return clean_env(tmp_path / "data") | {
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS_URL,
        "MINDWELL_CACHE_PREFIX": "test-tasks",
        "MINDWELL_TASKS_BACKEND": "redis",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        **extra,
    }


def wait_for(condition: Any, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.1)


def test_a_post_emails_through_the_redis_queue_and_a_worker_exactly_once(
    queue: redis.Redis, alice: User, bob: User, carol: User, question: Post, tmp_path: Path
) -> None:
    confirm(alice)
    actions.post_answer(question=question, author=bob, body="Pick a calm moment.")
    assert queue.llen(KEY) == 1  # pushed on commit, and nothing went to the database queue
    # A second email's message where a worker killed right after its BLMOVE leaves it:
    # in its own processing list, registered, with no heartbeat. Its delivery is not
    # claimed and the lease is the default five minutes, so only the put-back can send
    # it in time. (One worker start for both cases keeps the test quick.)
    actions.post_comment(parent=question, author=carol, body="It gets easier.")
    queue.lmove(KEY, f"{KEY}:processing:dead", "LEFT", "LEFT")  # the newest: the comment's
    queue.sadd(f"{KEY}:workers", "dead")

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    log = tmp_path / "worker.log"
    worker = start_worker(worker_env(tmp_path, smtp.port), log, "--sweep-every", "0.5")
    try:
        wait_for(lambda: len(inbox.messages) >= 2, 30, log)
        time.sleep(0.5)  # room for a duplicate to show up, were there one
    finally:
        assert stop(worker) == 0, log.read_text()[-3000:]  # SIGTERM: a clean stop
        smtp.stop()
    subjects = sorted(" ".join(str(m["Subject"]).split()) for m in inbox.messages)
    assert [s.split(" “")[0] for s in subjects] == ["New answer to", "New comment on"]
    assert {m["X-Envelope-To"] for m in inbox.messages} == {"alice@example.test"}
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}
    assert "put back 1 tasks left by stopped workers" in log.read_text()
    assert queue.llen(KEY) == 0
    assert queue.keys(f"{KEY}:processing:*") == []  # each removed once run
    assert queue.smembers(f"{KEY}:workers") == set()  # the dead one forgotten, and itself


def test_a_rolled_back_post_pushes_nothing_onto_the_queue(
    queue: redis.Redis, alice: User, bob: User, question: Post
) -> None:
    confirm(alice)
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.post_answer(question=question, author=bob, body="Never saved.")
        assert Delivery.objects.filter(user=alice).exists()  # the task was asked for
        send_delivery.enqueue(Delivery.objects.get(user=alice).pk)  # the backend, directly
        raise RuntimeError("roll back")
    assert not Delivery.objects.exists()
    assert queue.llen(KEY) == 0
    assert queue.zcard(f"{KEY}:scheduled") == 0

    actions.post_answer(question=question, author=bob, body="Saved.")
    assert queue.llen(KEY) == 1  # the same path, committed, does push


class KillingInbox:
    """Kills the worker (SIGKILL) while it waits on the first message; accepts the rest."""

    def __init__(self, queue: redis.Redis) -> None:
        self.queue = queue
        self.worker: subprocess.Popen[bytes] | None = None
        self.held: list[bytes] = []  # the dead worker's processing list at the kill
        self.received: list[str] = []
        self.killed = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.killed.is_set():
            assert self.worker is not None
            [processing] = self.queue.keys(f"{KEY}:processing:*")
            self.held = self.queue.lrange(processing, 0, -1)
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.killed.set()
            return "451 Try again later"  # nobody is listening any more
        self.received.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def test_a_worker_killed_holding_a_message_sends_it_exactly_once_after_restart(
    queue: redis.Redis, alice: User, bob: User, question: Post, tmp_path: Path
) -> None:
    confirm(alice)
    actions.post_answer(question=question, author=bob, body="Pick a calm moment.")
    inbox = KillingInbox(queue)
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    # The killed worker had claimed the delivery: its claim runs out after the lease.
    env = worker_env(tmp_path, smtp.port, MINDWELL_NOTIFY_LEASE_SECONDS="2")
    log = tmp_path / "worker.log"
    worker = start_worker(env, log, "--sweep-every", "0.5")
    inbox.worker = worker
    try:
        assert inbox.killed.wait(timeout=20), log.read_text()[-3000:]
        assert worker.wait(timeout=10) == -signal.SIGKILL
        assert len(inbox.held) == 1 and b"send_delivery" in inbox.held[0]
        # (The queue may hold a second task for the delivery: with a 2 s lease the
        # sweeper at start already found it "not enqueued for a lease". Harmless.)

        worker = start_worker(env, log, "--sweep-every", "0.5")
        # Its heartbeat gone (5 s), the dead worker's list is put back and run; the
        # claim has run out by then and the sweeper has made the delivery pending.
        wait_for(lambda: inbox.received and not queue.keys(f"{KEY}:processing:*"), 30, log)
        time.sleep(0.5)  # room for a duplicate to show up, were there one
    finally:
        stop(worker)
        smtp.stop()
    assert inbox.received == ["alice@example.test"]
    assert Delivery.objects.get(user=alice).state == "sent"
    assert queue.keys(f"{KEY}:processing:*") == []
    assert queue.llen(KEY) == 0
