"""Teams' team and channel events, handed to TeamFlow (a mixin of the activity handler)."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema.teams import ChannelInfo, TeamInfo

from bot.team_flow import TeamFlow, team_of


def _id(info: Any) -> str | None:
    return getattr(info, "id", None) if info is not None else None


class TeamEvents:
    _team_flow: TeamFlow

    async def on_teams_team_renamed(self, team_info: TeamInfo, turn_context: TurnContext) -> None:
        await self._team_flow.renamed(_id(team_info), getattr(team_info, "name", None))

    async def on_teams_team_archived(self, team_info: TeamInfo, turn_context: TurnContext) -> None:
        await self._team_flow.archived(_id(team_info), True)

    async def on_teams_team_unarchived(
        self, team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        await self._team_flow.archived(_id(team_info), False)

    async def on_teams_team_deleted(self, team_info: TeamInfo, turn_context: TurnContext) -> None:
        await self._team_flow.uninstalled(_id(team_info))

    async def on_teams_team_hard_deleted(
        self, team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        await self._team_flow.uninstalled(_id(team_info))

    async def on_teams_team_restored(self, team_info: TeamInfo, turn_context: TurnContext) -> None:
        await self._team_flow.archived(_id(team_info), False)

    async def on_teams_channel_created(
        self, channel_info: ChannelInfo, team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        await self._team_flow.channel_changed(_id(team_info), _id(channel_info), channel_info.name)

    # a rename or a restore is recorded the same way as a new channel
    on_teams_channel_renamed = on_teams_channel_created
    on_teams_channel_restored = on_teams_channel_created

    async def on_teams_channel_deleted(
        self, channel_info: ChannelInfo, team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        await self._team_flow.channel_changed(_id(team_info), _id(channel_info), None, deleted=True)

    async def on_teams_members_removed(
        self, teams_members_removed: list[Any], team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id == bot_id for member in teams_members_removed):
            await self._team_flow.uninstalled(_id(team_info) or team_of(turn_context).get("id"))

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await self._team_flow.uninstalled(team_of(turn_context).get("id"))
