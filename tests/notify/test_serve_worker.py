"""`mindwell serve` runs a task worker beside the web server on the embedded defaults."""

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.notify.conftest import Inbox
from tests.sites import MINDWELL, ROOT, clean_env, free_port, run

SEED = """
import django
django.setup()
from django.utils import timezone
from mindwell.accounts.models import User
from mindwell.qa import actions
from mindwell.qa.models import Category

asker = User.objects.create_user("Asker", "asker@example.test", None,
                                 email_confirmed_at=timezone.now())
question = actions.ask_question(
    author=asker, title="How do I say no to my family?", body="Every holiday.",
    category=Category.objects.create(name="Family", slug="family"), tags=[],
)
actions.post_answer(question=question, author=None, body="Kindly, and early.")
"""


def children_of(pid: int) -> list[str]:
    """Command lines of the live child processes of `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and " Z " not in stat:
            found.append(cmdline)
    return found


def test_serve_starts_a_worker_that_sends_emails_and_stops_with_the_server(tmp_path: Path) -> None:
    inbox = Inbox()
    smtp_port, port = free_port(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    env = clean_env(tmp_path / "data") | {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port)}
    run(env, *MINDWELL, "migrate", "--no-input")
    run(env, sys.executable, "-c", SEED)
    with (tmp_path / "serve.log").open("wb") as out:
        server = subprocess.Popen(
            [*MINDWELL, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not inbox.messages and time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(0.5)
        assert [m["X-Envelope-To"] for m in inbox.messages] == ["asker@example.test"]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/")
        assert connection.getresponse().status == 200  # and the site is up beside it
        workers = [c for c in children_of(server.pid) if c.rstrip().endswith("main() worker")]
        assert len(workers) == 1, children_of(server.pid)
        server.send_signal(signal.SIGTERM)  # the server only, not its process group
        server.wait(timeout=20)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _worker_alive(server.pid):
            time.sleep(0.2)
        assert not _worker_alive(server.pid)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        else:
            try:
                os.killpg(server.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        smtp.stop()


def _worker_alive(server_pid: int) -> bool:
    """Is a `mindwell worker` of this server's process group still running?"""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            pgid = os.getpgid(int(entry.name))
        except (OSError, ProcessLookupError):
            continue
        stat = (entry / "stat").read_text() if (entry / "stat").exists() else ""
        if pgid == server_pid and cmdline.rstrip().endswith("main() worker") and " Z " not in stat:
            return True
    return False
