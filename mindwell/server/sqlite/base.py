"""Django's SQLite backend, with write transactions queued on a blocking file lock.

SQLite lets one writer in at a time (every `atomic` block is a write transaction
here: `transaction_mode` IMMEDIATE). A second writer waits in SQLite's busy
handler, which sleeps and polls (1, 2, 5, 10 … 100 ms): it can sleep on long
after the first has committed, so with several worker processes writes run far
below what one writer could do and some wait for seconds. Here a transaction
first takes an exclusive `flock` on a file next to the database and keeps it
until it commits or rolls back: the kernel wakes the next waiter the moment the
lock is free. A process that dies lets go of its lock with it. SQLite's own
lock still guards the data: the file lock only orders those waiting for it.

Statements run outside `atomic` (autocommit) do not take the lock; they still
wait in the busy handler, as before.

The wait is bounded like SQLite's own: after the database `timeout` option
(seconds) it fails with "database is locked". `flock` itself has no timeout, so
a busy lock is waited for on a fresh descriptor in a short-lived thread while
the connection's thread waits for it with a timeout; a wait given up on lets go
of the lock the moment it gets it. A free lock (the common case without
contention) is taken at once, with no thread.
"""

from __future__ import annotations

import fcntl
import os
import threading
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

# The stubs do not know the private transaction methods overridden here.
SQLiteWrapper: Any = base.DatabaseWrapper


class DatabaseWrapper(SQLiteWrapper):
    # This connection's own descriptor of the lock file, and the process that opened
    # it: a descriptor inherited over fork() shares its lock with the parent's.
    lock_file: int | None = None
    lock_pid = 0
    locked = False

    def _start_transaction_under_autocommit(self) -> None:
        if self.is_in_memory_db():
            super()._start_transaction_under_autocommit()
            return
        if self.lock_file is None or self.lock_pid != os.getpid():
            self.lock_file = self.open_lock_file()
            self.lock_pid = os.getpid()
        try:
            fcntl.flock(self.lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.lock_file)
            self.lock_file = None
            self.lock_file = self.wait_for_lock()
        self.locked = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self.unlock()
            raise

    def open_lock_file(self) -> int:
        path = f"{self.settings_dict['NAME']}-writer.lock"
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def wait_for_lock(self) -> int:
        """A new descriptor of the lock file holding the lock, within the `timeout` option."""
        descriptor = self.open_lock_file()
        granted = threading.Event()
        decided = threading.Lock()  # between the waiter's grant and this thread's giving up
        gave_up = False

        def wait() -> None:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
                with decided:
                    if not gave_up:
                        granted.set()
                        return
            except OSError:
                pass  # not granted: the connection's thread gives up at its timeout
            os.close(descriptor)  # lets go of the lock no one is waiting for any more

        threading.Thread(target=wait, name="sqlite-writer-lock", daemon=True).start()
        if not granted.wait(self.settings_dict["OPTIONS"].get("timeout", 5)):
            with decided:
                gave_up = not granted.is_set()
            if gave_up:
                raise OperationalError("database is locked")
        return descriptor

    def unlock(self) -> None:
        if self.locked and self.lock_file is not None:
            self.locked = False
            fcntl.flock(self.lock_file, fcntl.LOCK_UN)

    def _commit(self) -> Any:
        try:
            return super()._commit()
        finally:
            self.unlock()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()
        finally:
            self.unlock()

    def _close(self) -> Any:
        try:
            return super()._close()
        finally:
            self.unlock()
            if self.lock_file is not None and self.lock_pid == os.getpid():
                os.close(self.lock_file)
            self.lock_file = None
