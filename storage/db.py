"""Engine and session factory for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
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


class Database:
    """One engine and its session factory; passed around, never a module global."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
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

    async def ping(self) -> bool:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
