"""Who may see what, and where the Rake channel is.

Experts: those named in the county file and those an admin added by command (the roles
table). Admins: those named in the county file (``admins``) and admins added by command.
The Rake channel: the one an expert chose with a command in it, else the county file's.
"""

from __future__ import annotations

import logging

from bot.services import Services
from storage.conversations import Reference

log = logging.getLogger(__name__)
RAKE_CHANNEL_KEY = "rake_channel"


async def experts_only(services: Services, user_id: str | None, action: str, target: str) -> bool:
    """The one guard of what only experts see: allowed or not, the attempt is audited."""
    allowed = await is_expert(services, user_id)
    await services.audit.record(user_id or "", action, target, allowed)
    if not allowed:
        log.info("%s refused for a non-expert", action)
    return allowed


async def is_expert(services: Services, user_id: str | None) -> bool:
    if not user_id:
        return False
    if services.county.is_expert(user_id) or services.county.is_admin(user_id):
        return True
    return await services.roles.role_of(user_id) in ("expert", "admin")


async def is_admin(services: Services, user_id: str | None) -> bool:
    if not user_id:
        return False
    if services.county.is_admin(user_id):
        return True
    return await services.roles.role_of(user_id) == "admin"


async def rake_channel_id(services: Services) -> str | None:
    chosen = await services.app_settings.get(RAKE_CHANNEL_KEY)
    if chosen and chosen.get("channel_id"):
        return str(chosen["channel_id"])
    configured = services.county.rake_channel
    return configured.channel_id if configured else None


async def rake_channel(services: Services) -> Reference | None:
    """Where posts to the Rake channel go; None until the bot knows the channel."""
    channel_id = await rake_channel_id(services)
    if channel_id is None:
        return None
    return await services.conversations.get("channel", channel_id)
