"""Data rights: everything the bot holds about one person (by AAD object id), its erasure, and
the keyed pseudonym that names a person in the audit entries of both. Which rows are about a
person, and what erasure does to each, is the registry in ``storage.person_data``."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage.db import Database, utcnow
from storage.models import AppSetting
from storage.person_data import (
    AUDIT,
    BATCH,
    LINKS,
    OUTBOX,
    REFS,
    STATE,
    TOMBSTONE,
    Person,
    about,
    apply_batched,
    erasure_steps,
)

__all__ = ["TOMBSTONE", "RightsRepository"]
PSEUDONYM_KEY_SETTING = "rights.pseudonym_key"
_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def _plain(rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in rows]


class RightsRepository:
    def __init__(self, db: Database, batch: int = BATCH) -> None:
        self._db = db
        self._batch = batch

    async def person(self, aad_id: str) -> Person:
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(REFS.c.user_id, REFS.c.conversation_id).where(
                    REFS.c.scope == "personal", REFS.c.owner_id == aad_id
                )
            )
            pairs = list(rows)
        return Person(
            aad_id,
            [account for account, _ in pairs if account],
            [conversation for _, conversation in pairs if conversation],
        )

    async def holdings(self, aad_id: str) -> dict[str, list[dict[str, Any]]]:
        """Every row about the person, by section, as stored. Left out because they are other
        people's data: the payloads of messages to them (cards quoting others' observations),
        who granted them a role and who changed a role of theirs (the audit entries about them
        keep time, action and target)."""
        person = await self.person(aad_id)
        u = aad_id
        queries: dict[str, Any] = {
            "bot_state": select(STATE.c.key, STATE.c.data, STATE.c.updated_at)
            .where(person.state_keys())
            .order_by(STATE.c.key),
            "conversation_references": select(REFS)
            .where(REFS.c.scope == "personal", REFS.c.owner_id == u)
            .order_by(REFS.c.id),
            "outbox": select(
                OUTBOX.c.id,
                OUTBOX.c.kind,
                OUTBOX.c.status,
                OUTBOX.c.attempts,
                OUTBOX.c.created_at,
                OUTBOX.c.sent_at,
            )
            .where(person.outbox_items())
            .order_by(OUTBOX.c.id),
            **{link.section: link.query(u) for link in LINKS},
            "audit_log": select(AUDIT.c.at, AUDIT.c.action, AUDIT.c.target, AUDIT.c.allowed)
            .where(AUDIT.c.actor == u)
            .order_by(AUDIT.c.id),
            "audit_log_about": select(AUDIT.c.at, AUDIT.c.action, AUDIT.c.target, AUDIT.c.allowed)
            .where(about(AUDIT.c.target, u))
            .order_by(AUDIT.c.id),
        }
        found: dict[str, list[dict[str, Any]]] = {}
        async with self._db.engine.connect() as conn:
            for name, query in queries.items():
                found[name] = _plain(list(await conn.execute(query)))
        return found

    async def erasure_counts(self, aad_id: str) -> dict[str, int]:
        """What ``erase`` would change, by step (nothing is changed)."""
        person = await self.person(aad_id)
        counts: dict[str, int] = {}
        async with self._db.engine.connect() as conn:
            for step in erasure_steps(person):
                query = select(func.count()).select_from(step.table).where(step.where)
                counts[step.name] = int((await conn.execute(query)).scalar_one())
            counts["audit_log_kept"] = int(
                (
                    await conn.execute(
                        select(func.count())
                        .select_from(AUDIT)
                        .where((AUDIT.c.actor == aad_id) | about(AUDIT.c.target, aad_id))
                    )
                ).scalar_one()
            )
        return counts

    async def erase(self, aad_id: str) -> dict[str, int]:
        """Delete or unlink every row of ``erasure_steps``, in batches; returns the counts."""
        person = await self.person(aad_id)  # before the references go
        done: dict[str, int] = {}
        for step in erasure_steps(person):
            done[step.name] = await apply_batched(self._db, step, self._batch)
        return done

    async def pseudonym(self, aad_id: str) -> str:
        """A keyed hash of the id for audit entries about the person: the id is not readable
        from it, but whoever holds the database (its key) and the id can confirm a match."""
        key = await self._pseudonym_key()
        digest = hmac.new(key, aad_id.encode("utf-8"), hashlib.sha256).hexdigest()
        # letters only (80 bits): no run of digits an identifier guard could read as a number
        return f"person:{digest[:20].translate(_LETTERS)}"

    async def _pseudonym_key(self) -> bytes:
        for _attempt in range(2):
            async with self._db.sessions() as session:
                stored = await session.scalar(
                    select(AppSetting.value).where(AppSetting.key == PSEUDONYM_KEY_SETTING)
                )
            if stored is not None:
                return bytes.fromhex(str(stored["key"]))
            value = secrets.token_hex(32)
            try:
                async with self._db.sessions.begin() as session:
                    session.add(
                        AppSetting(
                            key=PSEUDONYM_KEY_SETTING,
                            value={"key": value},
                            updated_by="rights",
                            updated_at=utcnow(),
                        )
                    )
                return bytes.fromhex(value)
            except IntegrityError:  # another process made it a moment ago: read theirs
                continue
        raise RuntimeError("the pseudonym key could not be read or made")
