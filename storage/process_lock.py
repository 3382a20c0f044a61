"""One bot process per SQLite database.

SQLite has one writer at a time, and the bot queues its writers on a lock inside its
own process (`storage.uow.make_uow_factory`); a second bot process on the same file
would meet SQLite's busy timeout under load, and would also poll Telegram for the same
updates.  So the bot (`run`, `demo`) holds an advisory lock (`flock`) on a file next
to the database for as long as it runs, and a second one is refused at start with a
clear message.  The kernel drops the lock when the process ends, however it ends
(even `kill -9`), so a crash never leaves a stale lock behind.  One-shot commands
(`shop set`, `import-orders`, `order-link`) do not take it: they are meant to run
next to the bot.  PostgreSQL needs none of this: several workers share it.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock, as before
    fcntl = None  # type: ignore[assignment]


class AlreadyRunning(Exception):
    """Another process holds the database's lock."""

    def __init__(self, database: Path, pid: int | None) -> None:
        super().__init__(f"another bot process is using {database}")
        self.database = database
        self.pid = pid


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL, memory or URI forms."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class ProcessLock:
    """Held from `acquire` until `release` (or the process's end)."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, database: Path) -> ProcessLock | None:
        """Take the lock next to `database`; raises AlreadyRunning when another process
        holds it.  None where the platform has no `flock`."""
        if fcntl is None:  # pragma: no cover
            return None
        path = lock_path(database)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _read_pid(fd)
            os.close(fd)
            raise AlreadyRunning(database, holder) from None
        # The holder's pid, for the message the next one prints.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops the flock
            self._fd = None


def _read_pid(fd: int) -> int | None:
    try:
        return int(os.pread(fd, 32, 0).decode().strip())
    except (OSError, ValueError):
        return None
