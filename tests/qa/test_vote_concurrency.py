"""100 members vote on one answer at the same moment, through the real server.

Each run is self-contained: a fresh data dir (and, for PostgreSQL, a fresh
database), `mindwell migrate`, a seed made with the real actions, then
`mindwell serve` (two worker processes of four threads each) and real HTTP
requests from 100 threads at once. Afterwards the stored counters and points
must be exact, a vote sent twice at once must count once, no request may have
failed with a 5xx, and `mindwell recount` must find nothing to correct.
"""

import fcntl
import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection, transaction

from mindwell.qa import actions
from mindwell.qa.models import Vote
from tests.sites import MINDWELL, ROOT, free_port, mindwell, python

VOTERS = 100
TWICE = 25  # the first 25 voters send their up vote twice, both at once
ACCESS_OK = re.compile(r'" [1-4]\d\d \d+ "')  # the access line of a non-5xx answer

SEED = """
import json, django
django.setup()
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from mindwell.accounts.models import User
from mindwell.qa import actions
from mindwell.qa.models import Category

def member(name):  # no password: hashing 102 of them would take over a minute
    return User.objects.create_user(name, name.lower() + "@example.test", None)

asker, author = member("Asker"), member("Author")
voters = [member(f"Voter{n:03}") for n in range(VOTERS)]
category = Category.objects.create(name="Couples", slug="couples")
question = actions.ask_question(
    author=asker, title="How do we stop arguing about money?", body="Every month, the same.",
    category=category, tags=["money"],
)
answer = actions.post_answer(question=question, author=author, body="Make a budget together.")
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
sessions = []
for voter in voters:
    session = SessionStore()
    session[SESSION_KEY] = str(voter.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = voter.get_session_auth_hash()
    session.create()
    sessions.append(session.session_key)
print(json.dumps({"answer": answer.pk, "sessions": sessions}))
"""

READ = """
import json, django
from collections import Counter
django.setup()
from django.conf import settings
from django.db.models import Sum
from mindwell.accounts.models import PointsEntry, User
from mindwell.qa.models import Post, Vote

answer = Post.objects.get(kind="A")
base = settings.MINDWELL_POINTS["base"]
entries = PointsEntry.objects.values("user_id").annotate(t=Sum("delta"))
ledger = dict(entries.values_list("user_id", "t"))
print(json.dumps({
    "answer": [answer.upvotes, answer.downvotes, answer.score],
    "votes": Vote.objects.filter(post=answer, value=1).count(),
    "points": {u.display_name: u.points for u in User.objects.all()},
    "off_ledger": [u.display_name for u in User.objects.all()
                   if u.points != base + ledger.get(u.pk, 0)],
    "vote_cast_entries": dict(Counter(PointsEntry.objects.filter(reason="vote cast")
                                      .values_list("user__display_name", flat=True))),
}))
"""


def get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def post_vote(port: int, answer: int, session: str) -> int:
    """One up vote as a browser sends it, without following the redirect."""
    token = secrets.token_hex(16)  # any 32 letters and digits, if cookie and header agree
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST",
            f"/posts/{answer}/vote",
            body="vote=up",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"sessionid={session}; csrftoken={token}",
                "X-CSRFToken": token,
                "Accept": "text/html",
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


class Server:
    """`mindwell serve` in its own process group, with its output in a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [*MINDWELL, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
                + ["--workers", "2"],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_until_up(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited with {self.process.returncode}:\n{self.output()}")
            try:
                if get(self.port, "/") == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail(f"the server did not answer within {timeout} s:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]

    def problems(self) -> str:
        """The log without the access lines of requests that went well: errors and tracebacks."""
        lines = self.log.read_text(errors="replace").splitlines()
        return "\n".join(line for line in lines if not ACCESS_OK.search(line))[-8000:]


def test_100_members_voting_at_once_are_each_counted_exactly_once(
    site_env: dict[str, str], tmp_path: Path
) -> None:
    seed = json.loads(python(site_env, f"VOTERS = {VOTERS}\n{SEED}"))
    answer, sessions = seed["answer"], seed["sessions"]
    # The doubles side by side, so that both copies are in the server at the same moment.
    requests = [copy for session in sessions[:TWICE] for copy in (session, session)]
    requests += sessions[TWICE:]

    server = Server(site_env, tmp_path / "server.log")
    try:
        server.wait_until_up()
        start = threading.Barrier(len(requests))

        def vote(session: str) -> int:
            start.wait(timeout=30)
            return post_vote(server.port, answer, session)

        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            statuses = Counter(pool.map(vote, requests))
    finally:
        server.stop()

    assert not [status for status in statuses if status >= 500], (statuses, server.problems())
    assert statuses == {302: len(requests)}, (statuses, server.problems())

    stored = json.loads(python(site_env, READ))
    assert stored["answer"] == [VOTERS, 0, VOTERS]  # upvotes, downvotes, score
    assert stored["votes"] == VOTERS
    # 100 + 10 x (4 for answering + up votes: 2 each, capped at 20)
    assert stored["points"]["Author"] == 340
    assert stored["points"]["Asker"] == 120
    voters = {name: points for name, points in stored["points"].items() if name.startswith("Voter")}
    assert voters == {f"Voter{n:03}": 110 for n in range(VOTERS)}
    # A vote sent twice at once is one vote: one ledger entry for casting it.
    assert stored["vote_cast_entries"] == {f"Voter{n:03}": 1 for n in range(VOTERS)}
    assert stored["off_ledger"] == []

    report = mindwell(site_env, "recount")
    assert "Corrected: 0 posts, 0 categories, 0 tags, 0 members' points." in report, report


def lock_is_taken(path: str) -> bool:
    """Whether another descriptor holds the writers' lock file (checked without waiting)."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)  # closing lets go of a lock taken here
    return False


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_a_write_transaction_holds_the_writers_lock_until_it_ends(answer, carol) -> None:
    """Writers queue on a file lock (mindwell/server/sqlite), not in SQLite's polling busy wait."""
    if connection.vendor != "sqlite":
        pytest.skip("the file lock is SQLite's")
    path = f"{connection.settings_dict['NAME']}-writer.lock"
    assert not lock_is_taken(path)
    with transaction.atomic():
        assert lock_is_taken(path)
        with transaction.atomic():  # a savepoint: the lock stays
            pass
        assert lock_is_taken(path)
    assert not lock_is_taken(path)
    with pytest.raises(PermissionDenied), transaction.atomic():
        actions.cast_vote(post=answer, user=answer.author, value=1)  # refused: rolled back
    assert not lock_is_taken(path)
    actions.cast_vote(post=answer, user=carol, value=1)
    assert not lock_is_taken(path)
    answer.refresh_from_db()
    assert answer.upvotes == 1


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_a_writer_waits_for_the_lock_at_most_the_timeout(answer, carol) -> None:
    """A busy lock is waited for, and given up on after the `timeout` option like SQLite's own."""
    if connection.vendor != "sqlite":
        pytest.skip("the file lock is SQLite's")
    path = f"{connection.settings_dict['NAME']}-writer.lock"
    holder = os.open(path, os.O_RDWR | os.O_CREAT)
    options = connection.settings_dict["OPTIONS"]
    timeout = options["timeout"]
    try:
        options["timeout"] = 0.3
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(OperationalError, match="database is locked"):
            actions.cast_vote(post=answer, user=carol, value=1)
        fcntl.flock(holder, fcntl.LOCK_UN)  # the wait given up on takes it and lets go
        for _ in range(1000):  # up to 10 s: the abandoned waiter is a thread of a busy machine
            if not lock_is_taken(path):
                break
            time.sleep(0.01)
        assert not lock_is_taken(path)
        options["timeout"] = 20
        fcntl.flock(holder, fcntl.LOCK_EX)
        threading.Timer(0.2, fcntl.flock, (holder, fcntl.LOCK_UN)).start()
        actions.cast_vote(post=answer, user=carol, value=1)  # waits, then goes ahead
        assert not lock_is_taken(path)
    finally:
        options["timeout"] = timeout
        os.close(holder)
    answer.refresh_from_db()
    assert answer.upvotes == 1 and Vote.objects.filter(post=answer, user=carol).exists()
