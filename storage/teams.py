"""Teams and channels the bot is installed in, and each team's Rake-vartti schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from dialogs.guard import guarded
from dialogs.vartti import Schedule
from storage.db import Database, utcnow
from storage.models import Channel, Team, VarttiSchedule

NAME_MAX = 256  # the columns' width; Teams allows 256 for a team's name, 50 for a channel's


@dataclass(frozen=True)
class TeamInfo:
    team_id: str
    name: str | None
    tenant_id: str | None
    service_url: str
    service_area: str | None
    area: str | None
    installed: bool
    archived: bool


@dataclass(frozen=True)
class ActiveSchedule:
    team: TeamInfo
    channel_id: str
    channel_name: str | None
    schedule: Schedule


def _team(row: Team) -> TeamInfo:
    return TeamInfo(
        row.team_id,
        row.name,
        row.tenant_id,
        row.service_url,
        row.service_area,
        row.area,
        row.installed,
        row.archived,
    )


def _schedule(row: VarttiSchedule) -> Schedule:
    return Schedule.model_validate(
        {
            "weekday": row.weekday,
            "meeting_time": row.meeting_time,
            "lead_minutes": row.lead_minutes,
            "frequency": row.frequency,
            "week_of_month": row.week_of_month,
            "anchor_date": row.anchor_date,
            "timezone": row.timezone,
            "paused": row.paused,
            "skip_date": row.skip_date,
            "language": row.language,
        }
    )


class TeamRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def installed(
        self,
        team_id: str,
        name: str | None,
        aad_group_id: str | None,
        tenant_id: str | None,
        service_url: str,
        defaults: dict[str, Any] | None = None,
    ) -> None:
        """Record an install (or a re-install: the team is active again). A name that the
        identifier guard blocks is not stored (the team is shown by its other details)."""
        name = guarded(name, max_length=NAME_MAX)
        for _ in range(2):  # a concurrent first insert by another replica: update instead
            try:
                async with self._db.sessions.begin() as session:
                    row = await session.get(Team, team_id)
                    if row is None:
                        session.add(
                            Team(
                                team_id=team_id,
                                name=name,
                                aad_group_id=aad_group_id,
                                tenant_id=tenant_id,
                                service_url=service_url,
                                installed=True,
                                archived=False,
                                **(defaults or {}),
                            )
                        )
                    else:
                        row.name = name or row.name
                        row.aad_group_id = aad_group_id or row.aad_group_id
                        row.tenant_id = tenant_id or row.tenant_id
                        row.service_url = service_url
                        row.installed = True
                return
            except IntegrityError:
                continue

    async def set_flags(self, team_id: str, **flags: Any) -> None:
        async with self._db.sessions.begin() as session:
            await session.execute(update(Team).where(Team.team_id == team_id).values(**flags))

    async def get(self, team_id: str) -> TeamInfo | None:
        async with self._db.sessions() as session:
            row = await session.get(Team, team_id)
        return _team(row) if row else None

    async def channel(self, channel_id: str, team_id: str, name: str | None) -> None:
        """A channel created, renamed or seen; the General channel's id is the team's id.
        A name that the identifier guard blocks is not stored."""
        name = guarded(name, max_length=NAME_MAX)
        for _ in range(2):
            try:
                async with self._db.sessions.begin() as session:
                    row = await session.get(Channel, channel_id)
                    if row is None:
                        session.add(Channel(channel_id=channel_id, team_id=team_id, name=name))
                    else:
                        row.name = name or row.name
                        row.deleted = False
                return
            except IntegrityError:
                continue

    async def channel_deleted(self, channel_id: str) -> None:
        async with self._db.sessions.begin() as session:
            await session.execute(
                update(Channel).where(Channel.channel_id == channel_id).values(deleted=True)
            )

    async def channel_inactive(self, channel_id: str, reason: str) -> bool:
        """Mark a channel unusable (403/404). True only the first time: tell the experts once."""
        async with self._db.sessions.begin() as session:
            result = await session.execute(
                update(Channel)
                .where(Channel.channel_id == channel_id, Channel.inactive_reason.is_(None))
                .values(inactive_reason=reason)
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def channels(self, team_id: str) -> list[Channel]:
        async with self._db.sessions() as session:
            rows = await session.scalars(
                select(Channel).where(Channel.team_id == team_id).order_by(Channel.name)
            )
            return list(rows)

    async def save_schedule(
        self, team_id: str, channel_id: str, schedule: Schedule, updated_by: str
    ) -> None:
        values = dict(
            channel_id=channel_id,
            weekday=schedule.weekday,
            meeting_time=schedule.meeting_time,
            lead_minutes=schedule.lead_minutes,
            frequency=schedule.frequency.value,
            week_of_month=schedule.week_of_month,
            anchor_date=schedule.anchor_date.isoformat(),
            language=schedule.language,
            timezone=schedule.timezone,
            paused=schedule.paused,
            skip_date=schedule.skip_date.isoformat() if schedule.skip_date else None,
            updated_by=updated_by,
            updated_at=utcnow(),
        )
        async with self._db.sessions.begin() as session:
            row = await session.get(VarttiSchedule, team_id)
            if row is None:
                session.add(VarttiSchedule(team_id=team_id, **values))
            else:
                for key, value in values.items():
                    setattr(row, key, value)

    async def schedule(self, team_id: str) -> tuple[str, Schedule] | None:
        async with self._db.sessions() as session:
            row = await session.get(VarttiSchedule, team_id)
        return (row.channel_id, _schedule(row)) if row else None

    async def set_skip(self, team_id: str, day: date | None) -> None:
        async with self._db.sessions.begin() as session:
            await session.execute(
                update(VarttiSchedule)
                .where(VarttiSchedule.team_id == team_id)
                .values(skip_date=day.isoformat() if day else None)
            )

    async def active_schedules(self) -> list[ActiveSchedule]:
        """Schedules of installed, unarchived teams whose channel exists and answers."""
        stmt = (
            select(Team, VarttiSchedule, Channel.name)
            .join(VarttiSchedule, VarttiSchedule.team_id == Team.team_id)
            .join(Channel, Channel.channel_id == VarttiSchedule.channel_id)
            .where(
                Team.installed.is_(True),
                Team.archived.is_(False),
                Channel.deleted.is_(False),
                Channel.inactive_reason.is_(None),
                VarttiSchedule.paused.is_(False),
            )
        )
        async with self._db.sessions() as session:
            rows = (await session.execute(stmt)).all()
        return [
            ActiveSchedule(_team(team), sched.channel_id, name, _schedule(sched))
            for team, sched, name in rows
        ]
