"""Roles an admin adds by command, and small run-time settings (the Rake channel)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from storage.db import Database, utcnow
from storage.models import AppSetting, Role

ROLES = ("expert", "admin")


class RoleRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def role_of(self, aad_id: str) -> str | None:
        async with self._db.sessions() as session:
            return await session.scalar(select(Role.role).where(Role.aad_id == aad_id))

    async def set(self, aad_id: str, role: str, added_by: str) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        try:
            await self._set(aad_id, role, added_by)
        except IntegrityError:  # added by someone else at the same moment
            await self._set(aad_id, role, added_by)

    async def _set(self, aad_id: str, role: str, added_by: str) -> None:
        async with self._db.sessions.begin() as session:
            row = await session.get(Role, aad_id)
            if row is None:
                session.add(Role(aad_id=aad_id, role=role, added_by=added_by, added_at=utcnow()))
            else:
                row.role, row.added_by, row.added_at = role, added_by, utcnow()

    async def remove(self, aad_id: str) -> bool:
        async with self._db.sessions.begin() as session:
            result = await session.execute(delete(Role).where(Role.aad_id == aad_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def listing(self) -> list[tuple[str, str]]:
        async with self._db.sessions() as session:
            rows = await session.execute(select(Role.aad_id, Role.role).order_by(Role.aad_id))
            return [(a, r) for a, r in rows]


class SettingsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> dict[str, Any] | None:
        async with self._db.sessions() as session:
            return await session.scalar(select(AppSetting.value).where(AppSetting.key == key))

    async def put(self, key: str, value: dict[str, Any], updated_by: str) -> None:
        try:
            await self._put(key, value, updated_by)
        except IntegrityError:
            await self._put(key, value, updated_by)

    async def _put(self, key: str, value: dict[str, Any], updated_by: str) -> None:
        async with self._db.sessions.begin() as session:
            row = await session.get(AppSetting, key)
            if row is None:
                session.add(
                    AppSetting(key=key, value=value, updated_by=updated_by, updated_at=utcnow())
                )
            else:
                row.value, row.updated_by, row.updated_at = value, updated_by, utcnow()
