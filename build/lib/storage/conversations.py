"""Conversation references: where the bot can reach a person or a channel proactively."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storage.db import Database, utcnow
from storage.models import ConversationRef


@dataclass(frozen=True)
class Reference:
    scope: str  # personal | channel
    owner_id: str  # AAD object id (personal) or channel id (channel)
    conversation_id: str
    service_url: str
    tenant_id: str | None = None
    team_id: str | None = None
    bot_id: str | None = None
    user_id: str | None = None


class ConversationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert(self, ref: Reference) -> None:
        try:
            await self._upsert(ref)
        except IntegrityError:  # another replica inserted the same owner a moment ago
            await self._upsert(ref)

    async def _upsert(self, ref: Reference) -> None:
        async with self._db.sessions.begin() as session:
            row = await session.scalar(
                select(ConversationRef).where(
                    ConversationRef.scope == ref.scope, ConversationRef.owner_id == ref.owner_id
                )
            )
            if row is None:
                session.add(ConversationRef(**ref.__dict__))
                return
            for key, value in ref.__dict__.items():
                setattr(row, key, value)
            row.updated_at = utcnow()

    async def get(self, scope: str, owner_id: str) -> Reference | None:
        async with self._db.sessions() as session:
            row = await session.scalar(
                select(ConversationRef).where(
                    ConversationRef.scope == scope, ConversationRef.owner_id == owner_id
                )
            )
        if row is None:
            return None
        return Reference(
            row.scope,
            row.owner_id,
            row.conversation_id,
            row.service_url,
            row.tenant_id,
            row.team_id,
            row.bot_id,
            row.user_id,
        )
