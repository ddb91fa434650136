"""What only the county's Rake experts may see (observation texts, audited), and the roles
table admins edit by command."""

from __future__ import annotations

import logging
from typing import Any

from bot.access import is_admin, is_expert
from bot.services import Services
from bot.views import observation_view
from cards.common import Card, Ctx
from cards.digest import roles_card
from cards.observation import observation_card
from cards.welcome import notice_card
from dialogs.commands import parse_role_change
from storage.audit import AuditLog

log = logging.getLogger(__name__)
REFERENCE_PATTERN = r"^RAKE-\d{4}-\d{4,}$"


class ExpertFlow:
    def __init__(self, services: Services) -> None:
        self._s = services
        self.audit = AuditLog(services.db)

    async def show_observation(self, ctx: Ctx, user_id: str, data: dict[str, Any]) -> Card:
        reference = data.get("reference")
        if not isinstance(reference, str) or len(reference) > 32:
            return notice_card(ctx, "observation.not_found")
        allowed = await is_expert(self._s, user_id)
        await self.audit.record(user_id, "observation.read", reference, allowed)
        if not allowed:
            log.info("observation read refused for a non-expert")
            return notice_card(ctx, "access.experts_only")
        row = await self._s.observations.by_reference(reference)
        if row is None:
            return notice_card(ctx, "observation.not_found")
        fields = {
            "kind": row.kind,
            "phenomenon_other": row.phenomenon_other,
            "description": row.description,
            "target_groups": row.target_groups,
            "extent": row.extent,
            "trend": row.trend,
            "structural": row.structural,
            "proposal": row.proposal,
            "urgency": row.urgency,
            "reporter_role": row.reporter_role,
            "contact_ok": row.contact_ok,
        }
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
