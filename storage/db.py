"""Engine and session factory for SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, event, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite returns naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(
    url: str,
    *,
    connect_args: dict[str, Any] | None = None,
    on_connect: Callable[..., Any] | None = None,
    **kwargs: Any,
) -> AsyncEngine:
    """An async engine; for SQLite files the parent folder is created and WAL is switched on."""
    parsed = make_url(url)
    args = dict(connect_args or {})
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        args.setdefault("timeout", 30)
        # SQLite has one writer at a time; several pooled connections only contend for its
        # lock, and its busy handler sleeps in steps of up to 100 ms. One connection, shared
        # in turn by all sessions, keeps short transactions flowing (PostgreSQL gets a pool).
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
    else:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
        # No pre-ping (a round trip on every checkout); connections are recycled instead, and
        # a connection that died is replaced on its next use.
        kwargs.setdefault("pool_recycle", 1800)
    # Sessions always end their transactions (commit, or rollback on close), so the pool's own
    # rollback on check-in is a second round trip (a thread hop with aiosqlite) for nothing.
    kwargs.setdefault("pool_reset_on_return", None)
    engine = create_async_engine(url, connect_args=args, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    if on_connect is not None:
        event.listen(engine.sync_engine, "do_connect", on_connect)
    return engine


def sqlite_path_problem(url: str) -> str | None:
    """Why an SQLite database URL cannot be used here (one line naming the path), or None.
    Checked before start: a folder that cannot be made, or a folder or file that cannot be
    written (SQLite's WAL needs its -wal and -shm files next to the database)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    path = Path(database).absolute()
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"the database folder {folder} cannot be created: {exc.strerror or exc}"
    if path.is_dir():
        return f"the database path {path} is a folder, not a file"
    probe = folder / f".rake-write-probe-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        return f"the database folder {folder} is not writable: {exc.strerror or exc}"
    if path.exists():
        try:
            with path.open("r+b"):
                pass
        except OSError as exc:
            return f"the database file {path} is not writable: {exc.strerror or exc}"
    return None


class StorageUnavailable(Exception):
    """The database cannot be used safely: its file was deleted or replaced while we ran (what
    we would write would be lost on restart), or writes fail (disk full, read-only)."""


# SQLite's primary result codes and PostgreSQL's SQLSTATEs that mean "cannot write here".
_SQLITE_WRITE_FAULTS = {8: "read-only", 10: "I/O error", 13: "disk full", 14: "cannot open"}
_PG_WRITE_FAULTS = {"53100": "disk full", "53200": "out of memory", "25006": "read-only"}


def write_fault(exc: BaseException | None) -> str | None:
    """What kind of storage fault an exception (or what it wraps) is; None if none."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, StorageUnavailable):
            return str(exc)
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in _SQLITE_WRITE_FAULTS:
            return _SQLITE_WRITE_FAULTS[code & 0xFF]
        state = getattr(exc, "sqlstate", None)
        if isinstance(state, str) and state in _PG_WRITE_FAULTS:
            return _PG_WRITE_FAULTS[state]
        exc = getattr(exc, "orig", None) or exc.__cause__
        seen += 1
    return None


@dataclass
class StorageHealth:
    """The last write fault seen (None: none since the last successful probe)."""

    fault: str | None = None


class FileGuard:
    """An SQLite file is the database only while it is the file we opened: deleted or replaced
    underneath us, SQLite would go on writing into the unlinked inode, and every reference
    handed out would be lost on restart. Every transaction checks the path's identity (one
    stat, microseconds) and refuses to begin otherwise."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._identity: tuple[int, int] | None = None

    def opened(self) -> None:
        if self._identity is None:
            found = self.path.stat()
            self._identity = (found.st_dev, found.st_ino)

    def check(self) -> None:
        if self._identity is None:
            return
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            raise StorageUnavailable(f"the database file {self.path} was deleted") from None
        if (found.st_dev, found.st_ino) != self._identity:
            raise StorageUnavailable(f"the database file {self.path} was replaced")


class Database:
    """One engine and its session factory; passed around, never a module global."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.health = StorageHealth()
        self.file_guard: FileGuard | None = None
        url = engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            self.file_guard = FileGuard(Path(url.database or "").resolve())
            guard = self.file_guard
            event.listen(engine.sync_engine, "connect", lambda *_: guard.opened())
            event.listen(engine.sync_engine, "begin", lambda _conn: guard.check())
        event.listen(engine.sync_engine, "handle_error", self._on_error)
        self.token_source: Any = None  # the Entra token provider, when logging in with one
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine, expire_on_commit=False
        )
        self._enqueue_listeners: list[Callable[[], None]] = []

    def on_enqueue(self, listener: Callable[[], None]) -> None:
        """Called after a transaction that enqueued outbox items committed (the worker wakes)."""
        self._enqueue_listeners.append(listener)

    def enqueued(self) -> None:
        for listener in self._enqueue_listeners:
            listener()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(create_engine(url, **kwargs))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _on_error(self, context: Any) -> None:
        fault = write_fault(context.original_exception)
        if fault is not None:
            self.health.fault = fault

    async def probe_write(self) -> str | None:
        """Readiness: the file is still ours, and (after a write fault) a small write goes
        through again. Returns the fault, or None when the database takes writes."""
        if self.file_guard is not None:
            try:
                self.file_guard.check()
            except StorageUnavailable as exc:
                return str(exc)
        if self.health.fault is None:
            return None
        from sqlalchemy import delete, insert

        from storage.models import BotStateRow  # models import this module

        key = "rake:readiness-probe"
        try:  # two commits: the page writes a full disk or a read-only file refuses
            async with self.engine.begin() as conn:
                await conn.execute(delete(BotStateRow).where(BotStateRow.key == key))
                await conn.execute(
                    insert(BotStateRow).values(key=key, data={}, etag="probe", updated_at=utcnow())
                )
            async with self.engine.begin() as conn:
                await conn.execute(delete(BotStateRow).where(BotStateRow.key == key))
        except Exception as exc:
            return write_fault(exc) or self.health.fault
        self.health.fault = None
        return None

    async def ping(self) -> bool:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
