"""A `django.tasks` backend on a Redis list, and the worker loop that runs its tasks.

Selected by `MINDWELL_TASKS_BACKEND=redis`. A task is a small JSON message
(id, task path, args, kwargs) pushed onto the list `<KEY>` (OPTIONS, default
"mindwell:tasks") once the transaction commits; one with `run_after` waits in
the sorted set `<KEY>:scheduled` until it is due.

A worker moves each message atomically (BLMOVE) into its own processing list,
runs it, then removes it, so a message is never only in a dead process's
memory. Live workers refresh a short-lived heartbeat key; any worker puts back
the processing list of a worker whose heartbeat has gone (killed, or its
machine lost). A message run twice that way is harmless for our tasks: a send
claims its delivery row first (mindwell/notify/sending.py).

The queue is not the source of truth: the delivery rows are. A crash between
the commit and the push, or Redis losing data, leaves a pending delivery that
the sweeper's `requeue_stale()` enqueues again after a lease period.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from typing import Any

import redis
from django.conf import settings
from django.db import close_old_connections, transaction
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import Task, TaskResult, TaskResultStatus
from django.tasks.signals import task_enqueued
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# Move the due scheduled messages onto the queue, in one step so that two
# workers never both move the same one.
PROMOTE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, message in ipairs(due) do
  redis.call('ZREM', KEYS[1], message)
  redis.call('LPUSH', KEYS[2], message)
end
return #due
"""


class RedisBackend(BaseTaskBackend):
    supports_defer = True  # our retries use run_after; priorities and async tasks are refused

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        self.url = self.options.get("URL") or settings.REDIS_URL
        self.key = self.options.get("KEY", "mindwell:tasks")
        self.heartbeat = float(self.options.get("HEARTBEAT_SECONDS", 5))
        self._client: redis.Redis | None = None

    @property
    def client(self) -> redis.Redis:
        if self._client is None:
            self._client = redis.Redis.from_url(self.url)
        return self._client

    def enqueue(self, task: Task[Any, Any], args: Any, kwargs: Any) -> TaskResult[Any, Any]:
        self.validate_task(task)
        result: TaskResult[Any, Any] = TaskResult(
            task=task, id=get_random_string(32), status=TaskResultStatus.READY,
            enqueued_at=None, started_at=None, last_attempted_at=None, finished_at=None,
            args=args, kwargs=kwargs, backend=self.alias, errors=[], worker_ids=[],
        )  # fmt: skip
        message = json.dumps(
            {"id": result.id, "task": task.module_path, "args": result.args,
             "kwargs": result.kwargs}
        )  # fmt: skip

        def push() -> None:
            if task.run_after is not None:
                self.client.zadd(f"{self.key}:scheduled", {message: task.run_after.timestamp()})
            else:
                self.client.lpush(self.key, message)
            object.__setattr__(result, "enqueued_at", timezone.now())
            task_enqueued.send(type(self), task_result=result)

        # A queue outside the database cannot take part in its transaction: push only
        # once the rows the task will read are committed, so a rolled-back post never
        # sends. If Redis is down at that moment the post still stands (robust), and
        # the sweeper enqueues the pending delivery again later.
        transaction.on_commit(push, robust=True)
        return result


class RedisWorker:
    """Runs tasks from a RedisBackend until stopped (or, with batch, until none is ready)."""

    def __init__(self, backend: RedisBackend) -> None:
        self.backend = backend
        self.redis = backend.client
        self.id = get_random_string(16)
        self.key = backend.key
        self.processing = f"{self.key}:processing:{self.id}"
        self.stopping = False

    def run(self, *, batch: bool = False) -> None:
        self._beat()
        if not batch:
            threading.Thread(target=self._beat_forever, daemon=True).start()
            signal.signal(signal.SIGTERM, self._stop)  # finish the task in hand, then stop
            signal.signal(signal.SIGINT, self._stop)
        promote = self.redis.register_script(PROMOTE)
        last_recovery = 0.0
        message: Any  # bytes: the client does not decode
        try:
            while not self.stopping:
                # As often as the heartbeat is refreshed: a few cheap commands.
                if time.monotonic() - last_recovery >= self.backend.heartbeat / 5:
                    self.recover()
                    last_recovery = time.monotonic()
                promote(keys=[f"{self.key}:scheduled", self.key], args=[time.time()])
                if batch:
                    message = self.redis.lmove(self.key, self.processing, "RIGHT", "LEFT")
                    if message is None:
                        return
                else:
                    message = self.redis.blmove(self.key, self.processing, 1, "RIGHT", "LEFT")
                    if message is None:
                        continue
                self.execute(message)
                self.redis.lrem(self.processing, 1, message)
        finally:
            self.redis.srem(f"{self.key}:workers", self.id)
            self.redis.delete(f"{self.key}:alive:{self.id}")

    def execute(self, message: bytes) -> None:
        close_old_connections()
        try:
            data = json.loads(message)
            task = import_string(data["task"])
            outcome = task.call(*data["args"], **data["kwargs"])
            log.info("task %s %s: %s", data["id"], data["task"], outcome)
        except Exception:
            # A failing task is not retried by the queue: our tasks keep their own
            # state (a delivery's attempts and retry time) and enqueue their retry.
            log.exception("task failed: %s", message[:300])
        finally:
            close_old_connections()

    def recover(self) -> int:
        """Put back on the queue what dead workers left in their processing lists."""
        moved = 0
        for raw in self.redis.smembers(f"{self.key}:workers"):
            other = raw.decode() if isinstance(raw, bytes) else raw
            if other == self.id or self.redis.exists(f"{self.key}:alive:{other}"):
                continue
            source = f"{self.key}:processing:{other}"
            # One atomic move at a time: two workers recovering at once never both
            # take a message. Put back at the head, to run next.
            while self.redis.lmove(source, self.key, "RIGHT", "RIGHT") is not None:
                moved += 1
            self.redis.srem(f"{self.key}:workers", other)
        if moved:
            log.warning("put back %s tasks left by stopped workers", moved)
        return moved

    def _beat(self) -> None:
        # Re-registers too, in case another worker took this one for dead (a Redis pause).
        with self.redis.pipeline() as pipe:
            pipe.set(f"{self.key}:alive:{self.id}", 1, px=int(self.backend.heartbeat * 1000))
            pipe.sadd(f"{self.key}:workers", self.id)
            pipe.execute()

    def _beat_forever(self) -> None:
        # In a thread of its own, so a slow task does not make this worker look dead.
        while not self.stopping:
            try:
                self._beat()
            except redis.RedisError:
                log.warning("could not reach Redis for the worker heartbeat")
            time.sleep(self.backend.heartbeat / 5)

    def _stop(self, signum: int, frame: Any) -> None:
        self.stopping = True
