"""A worker killed (SIGKILL) in the middle of 200 emails; restarted, it sends each exactly once.

Real parts only: a fresh site on SQLite or PostgreSQL, `mindwell worker` as a
subprocess, and an SMTP server on loopback. The kill comes while the worker
waits for the server to accept message 101, the middle of the batch; the
server does not accept that message (its client is gone), so it must come
again from the restarted worker, and no other message may come twice.
(A kill in the millisecond after the server accepts and before the delivery
is marked sent would cause a duplicate: see mindwell/notify/sending.py.)
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from tests.sites import free_port, run, start_worker, stop

FOLLOWERS = 200
KILL_AT = 101

SEED = """
import django
django.setup()
from django.utils import timezone
from mindwell.accounts.models import User
from mindwell.notify.actions import follow
from mindwell.qa import actions
from mindwell.qa.models import Category

def member(name):
    return User.objects.create_user(name, name.lower() + "@example.test", None,
                                    email_confirmed_at=timezone.now())

asker, helper = member("Asker"), member("Helper")
question = actions.ask_question(
    author=asker, title="How do we stop arguing about money?", body="Every month.",
    category=Category.objects.create(name="Couples", slug="couples"), tags=["money"],
)
User.objects.filter(pk=asker.pk).update(email_confirmed_at=None)  # only followers get email
for n in range(FOLLOWERS):
    follow(user=member(f"Follower{n:03}"), target=question)
actions.post_answer(question=question, author=helper, body="Make a budget together.")
"""

READ = """
import json, django
django.setup()
from mindwell.notify.models import Delivery
print(json.dumps(dict(Counter(Delivery.objects.values_list("state", flat=True)))))
"""


class KillingInbox:
    """Accepts messages; on message KILL_AT it SIGKILLs the worker instead of answering."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.worker: subprocess.Popen[bytes] | None = None
        self.killed = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if len(self.received) == KILL_AT - 1 and not self.killed.is_set():
                assert self.worker is not None
                os.killpg(self.worker.pid, signal.SIGKILL)
                self.killed.set()
                return "451 Try again later"  # nobody is listening any more
            self.received.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def test_a_worker_killed_mid_batch_sends_every_email_exactly_once_after_restart(
    site_env: dict[str, str], tmp_path: Path
) -> None:
    inbox = KillingInbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    env = site_env | {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "MINDWELL_NOTIFY_LEASE_SECONDS": "2",  # a dead worker's claim runs out soon
    }
    run(env, sys.executable, "-c", f"FOLLOWERS = {FOLLOWERS}\n{SEED}")
    log = tmp_path / "worker.log"
    worker = start_worker(env, log, "--interval", "0.2", "--sweep-every", "1")
    inbox.worker = worker
    try:
        assert inbox.killed.wait(timeout=180), log.read_text()[-5000:]
        assert worker.wait(timeout=10) == -signal.SIGKILL
        assert len(inbox.received) == KILL_AT - 1

        worker = start_worker(env, log, "--interval", "0.2", "--sweep-every", "1")
        deadline = time.monotonic() + 180
        while len(inbox.received) < FOLLOWERS and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()[-5000:]
            time.sleep(0.5)
        time.sleep(3)  # long enough for a duplicate to show up, were there one
    finally:
        stop(worker)
        smtp.stop()

    counts = Counter(inbox.received)
    expected = {f"follower{n:03}@example.test" for n in range(FOLLOWERS)}
    assert set(counts) == expected, log.read_text()[-5000:]
    assert [address for address, n in counts.items() if n != 1] == []
    states = json.loads(run(env, sys.executable, "-c", f"from collections import Counter\n{READ}"))
    assert states == {"sent": FOLLOWERS}
