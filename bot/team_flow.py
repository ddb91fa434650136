"""Teams and channels: install, rename, archive, uninstall, channel events; who may schedule."""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import TurnContext

from bot.services import Services
from bot.turn import Turn
from bot.vartti_flow import VarttiFlow
from cards.common import Card
from cards.welcome import notice_card
from dialogs.actions import KEY, Action
from storage.conversations import Reference
from storage.teams import TeamRepository

log = logging.getLogger(__name__)


def channel_data(turn_context: TurnContext) -> dict[str, Any]:
    data = turn_context.activity.channel_data
    return data if isinstance(data, dict) else {}


def team_of(turn_context: TurnContext) -> dict[str, Any]:
    team = channel_data(turn_context).get("team")
    return team if isinstance(team, dict) else {}


class TeamFlow:
    def __init__(self, services: Services, teams: TeamRepository, vartti: VarttiFlow) -> None:
        self._s = services
        self.teams = teams
        self.vartti = vartti

    async def installed(self, turn_context: TurnContext) -> None:
        """The bot was added to a team: record it, its channels and where to post."""
        team = team_of(turn_context)
        team_id = team.get("id")
        if not team_id:
            return
        activity = turn_context.activity
        tenant = channel_data(turn_context).get("tenant") or {}
        presets = next((t for t in self._s.county.teams if t.team_id == team_id), None)
        defaults = {"service_area": presets.service_area, "area": presets.area} if presets else {}
        await self.teams.installed(
            team_id,
            team.get("name"),
            team.get("aadGroupId"),
            tenant.get("id"),
            activity.service_url,
            defaults,
        )
        await self.teams.channel(team_id, team_id, None)  # General: its id is the team's
        channel = channel_data(turn_context).get("channel") or {}
        if channel.get("id"):
            await self.teams.channel(channel["id"], team_id, channel.get("name"))
            await self._s.conversations.upsert(
                Reference(
                    scope="channel",
                    owner_id=channel["id"],
                    conversation_id=channel["id"],
                    service_url=activity.service_url,
                    tenant_id=tenant.get("id"),
                    team_id=team_id,
                    bot_id=activity.recipient.id if activity.recipient else None,
                )
            )

    async def uninstalled(self, team_id: str | None) -> None:
        if team_id:
            await self.teams.set_flags(team_id, installed=False)

    async def renamed(self, team_id: str | None, name: str | None) -> None:
        if team_id and name:
            await self.teams.set_flags(team_id, name=name)

    async def archived(self, team_id: str | None, archived: bool) -> None:
        if team_id:
            await self.teams.set_flags(team_id, archived=archived)

    async def channel_changed(
        self, team_id: str | None, channel_id: str | None, name: str | None, deleted: bool = False
    ) -> None:
        if not team_id or not channel_id:
            return
        if deleted:
            await self.teams.channel_deleted(channel_id)
        else:
            await self.teams.channel(channel_id, team_id, name)

    def may_schedule(self, user_id: str) -> bool:
        """The team leads named in the county file (see README: Teams' owner role is not
        read, as botbuilder's TeamsInfo calls block the event loop)."""
        return self._s.county.is_team_lead(user_id)

    async def schedule(self, turn: Turn, data: dict[str, Any] | None) -> Card:
        """The team's schedule card; saving and skipping for team owners and leads only."""
        team_id = turn.team_id
        if not team_id:
            return notice_card(turn.ctx, "schedule.in_team_only")
        if not self.may_schedule(turn.user_id):
            return notice_card(turn.ctx, "schedule.leads_only")
        if data is None:
            return await self.vartti.schedule_card(turn.ctx, team_id, turn.here)
        if data.get(KEY) == Action.SCHEDULE_SKIP:
            return await self.vartti.skip_next(turn.ctx, team_id)
        return await self.vartti.save_schedule(turn.ctx, team_id, turn.user_id, data)
