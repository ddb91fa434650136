"""What only the county's Rake experts may see (observation texts, audited), and the roles
table admins edit by command."""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.access import RAKE_CHANNEL_KEY, experts_only, is_admin, is_expert
from bot.services import Services
from bot.turn import Turn, as_dict, channel_data
from bot.views import observation_view
from cards.common import Card, Ctx
from cards.digest import roles_card
from cards.observation import observation_card
from cards.welcome import notice_card
from dialogs.commands import parse_role_change
from dialogs.fields import values_of
from storage.conversations import Reference

log = logging.getLogger(__name__)
REFERENCE_PATTERN = r"^RAKE-\d{4}-\d{4,}$"


class ExpertFlow:
    def __init__(self, services: Services) -> None:
        self._s = services
        self.audit = services.audit

    async def show_observation(self, ctx: Ctx, user_id: str, data: dict[str, Any]) -> Card:
        reference = data.get("reference")
        if not isinstance(reference, str) or len(reference) > 32:
            return notice_card(ctx, "observation.not_found")
        # the audit keeps a reference, or that there was none: never what was typed instead
        target = reference if re.fullmatch(REFERENCE_PATTERN, reference) else "(not a reference)"
        if not await experts_only(self._s, user_id, "observation.read", target):
            return notice_card(ctx, "access.experts_only")
        row = await self._s.observations.by_reference(reference)
        if row is None:
            return notice_card(ctx, "observation.not_found")
        fields = values_of(row)
        return observation_card(ctx, observation_view(row), fields)

    async def roles(self, ctx: Ctx, user_id: str, argument: str | None) -> Card:
        """ "rooli lisää <id> asiantuntija", "rooli poista <id>", "rooli": admins only, audited."""
        if not await is_admin(self._s, user_id):
            return notice_card(ctx, "access.admins_only")
        change = parse_role_change(argument)
        message = None
        if change is None:
            message = ctx.t("roles.bad_command")
        elif change.action == "add" and change.aad_id and change.role:
            await self._s.roles.set(change.aad_id, change.role, user_id)
            await self.audit.record(user_id, "role.add", f"{change.aad_id} {change.role}", True)
            message = ctx.t("roles.added", role=ctx.t(f"roles.{change.role}"))
        elif change.action == "remove" and change.aad_id:
            removed = await self._s.roles.remove(change.aad_id)
            await self.audit.record(user_id, "role.remove", change.aad_id, True)
            message = ctx.t("roles.removed" if removed else "roles.not_found")
        return roles_card(ctx, await self._s.roles.listing(), message)

    async def set_rake_channel(self, turn: Turn) -> Card:
        """An expert typed "rakekanava" in a channel: this channel becomes the Rake channel."""
        ctx, activity = turn.ctx, turn.activity
        team_id, channel_id = turn.team_id, turn.here
        if not team_id or not channel_id:
            return notice_card(ctx, "rake_channel.in_channel_only")
        if not await is_expert(self._s, turn.user_id):
            return notice_card(ctx, "access.experts_only")
        tenant = as_dict(channel_data(activity).get("tenant")).get("id")
        await self._s.conversations.upsert(
            Reference(
                scope="channel",
                owner_id=channel_id,
                conversation_id=channel_id,
                service_url=activity.service_url,
                tenant_id=tenant,
                team_id=team_id,
                bot_id=activity.recipient.id if activity.recipient else None,
            )
        )
        await self._s.app_settings.put(
            RAKE_CHANNEL_KEY, {"team_id": team_id, "channel_id": channel_id}, turn.user_id
        )
        log.info("the Rake channel was set by an expert")
        return notice_card(ctx, "rake_channel.set")
