"""The Rake channel's card of the day: posted once, then updated in place when new
observations came (keyed by the day's highest observation id in the outbox)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.access import rake_channel
from bot.digest_flow import Digests
from bot.outbox_worker import reference_payload
from bot.services import Services
from cards.digest import daily_card
from dialogs.periods import DigestFilter, Period

DAILY_LISTED = 30  # the daily card lists this many; more are counted (stays far below 100 KB)


class DailyCard:
    def __init__(self, services: Services, digests: Digests) -> None:
        self._s = services
        self.digests = digests
        self._outbox = services.outbox

    async def refresh(self, now: datetime | None = None) -> str:
        """Post today's card once, then update it in place when new observations came: at
        most one send per run (the job runs every minute), never one post per observation."""
        now = now or self._s.clock()
        today = self.digests.today(now)
        day = Period("range", today, today + timedelta(days=1))
        count, version = await self.digests.repo.day_state(day)
        if count == 0:
            return "empty"
        ref = await rake_channel(self._s)
        if ref is None:
            return "no rake channel"
        post_key = f"daily:{today.isoformat()}:post"
        post = await self._outbox.by_key(post_key)
        if post is not None:  # decide before rendering: most runs change nothing
            if post.payload.get("version") == version:
                return "unchanged"
            if post.status != "sent" or not post.result_activity_id:
                return f"waiting for the post ({post.status})"
        listed = await self.digests.repo.listed(DigestFilter(day), day, limit=DAILY_LISTED)
        card = daily_card(self.digests.county_ctx(), today, count, listed, now)
        target = reference_payload(ref)
        if post is None:
            added = await self._outbox.add(
                post_key,
                "daily_card",
                ref.conversation_id,
                {"target": target, "card": card, "version": version},
            )
            return "posted" if added else "raced"
        prefix = f"daily:{today.isoformat()}:v"
        added = await self._outbox.add(
            f"{prefix}{version}",
            "update",
            ref.conversation_id,
            {
                "target": target,
                "card": card,
                "conversation_id": post.result_id,
                "activity_id": post.result_activity_id,
                "supersede_prefix": prefix,
            },
        )
        return "updated" if added else "unchanged"
