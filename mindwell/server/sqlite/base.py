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
"""

from __future__ import annotations

import fcntl
import os
from typing import Any

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
            path = f"{self.settings_dict['NAME']}-writer.lock"
            self.lock_file = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self.lock_pid = os.getpid()
        fcntl.flock(self.lock_file, fcntl.LOCK_EX)
        self.locked = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self.unlock()
            raise

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
