"""Key/value JSON documents with e-tag concurrency: the SQL home of the bot's state.

Semantics follow botbuilder's MemoryStorage: a write with e-tag ``None`` or ``"*"`` always wins;
a write with another e-tag succeeds only if it equals the stored one (or the key is new).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database, utcnow
from storage.models import BotStateRow


class EtagConflict(Exception):
    """The stored document changed since it was read (another turn or replica wrote it)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"e-tag conflict on state key {key!r}")
        self.key = key


Document = tuple[dict[str, Any], str]  # (data, etag)


_TABLE = cast(Table, BotStateRow.__table__)
# Read on every turn: a prebuilt Core statement on a plain connection (no ORM session).
_READ = select(_TABLE.c.key, _TABLE.c.data, _TABLE.c.etag).where(
    _TABLE.c.key.in_(bindparam("keys", expanding=True))
)


class KeyValueStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def read(self, keys: Iterable[str]) -> dict[str, Document]:
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(_READ, {"keys": wanted})
            return {key: (data, etag) for key, data, etag in rows}

    async def write(
        self, changes: Mapping[str, tuple[dict[str, Any], str | None]]
    ) -> dict[str, str]:
        """Write all documents in one transaction; return their new e-tags. Raises EtagConflict."""
        new_etags: dict[str, str] = {}
        try:
            async with self._db.sessions.begin() as session:
                for key, (data, expected) in changes.items():
                    etag = uuid.uuid4().hex
                    stmt = update(BotStateRow).where(BotStateRow.key == key)
                    if expected not in (None, "*"):
                        stmt = stmt.where(BotStateRow.etag == expected)
                    result = await session.execute(
                        stmt.values(data=data, etag=etag, updated_at=utcnow())
                    )
                    if result.rowcount == 0:  # type: ignore[attr-defined]
                        exists = await session.scalar(
                            select(BotStateRow.key).where(BotStateRow.key == key)
                        )
                        if exists is not None:
                            raise EtagConflict(key)
                        session.add(BotStateRow(key=key, data=data, etag=etag))
                        await session.flush()
                    new_etags[key] = etag
        except IntegrityError as exc:  # two writers created the same new key at once
            raise EtagConflict(next(iter(changes))) from exc
        return new_etags

    async def delete(self, keys: Iterable[str]) -> None:
        wanted = list(keys)
        if not wanted:
            return
        async with self._db.sessions.begin() as session:
            await session.execute(delete(BotStateRow).where(BotStateRow.key.in_(wanted)))
