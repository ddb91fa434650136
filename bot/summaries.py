"""Periodic summaries on the county's rhythm: made once (whichever replica comes first), the
summary row, its covered observations and its post to the Rake channel in one transaction."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.access import rake_channel
from bot.digest_flow import Digests
from bot.outbox_worker import reference_payload
from bot.services import Services
from cards.digest import digest_card
from dialogs.digest import suppress
from dialogs.periods import DigestFilter, Period, Rhythm, last_complete

log = logging.getLogger(__name__)
CATCH_UP = timedelta(days=7)  # a summary missed while the bot was down is still posted
TITLE = {
    Rhythm.WEEKLY: "summary.weekly",
    Rhythm.QUARTERLY: "summary.quarterly",
    Rhythm.HALF_YEARLY: "summary.half_yearly",
    Rhythm.TERTIAL: "summary.tertial",
    Rhythm.ANNUAL: "summary.annual",
}


class Summaries:
    def __init__(self, services: Services, digests: Digests) -> None:
        self._s = services
        self.digests = digests
        self.repo = digests.repo
        self.tz: ZoneInfo = digests.tz
        self._waiting: set[tuple[Rhythm, str]] = set()  # summaries told to wait (logged once)

    def publish_at(self, rhythm: Rhythm, period: Period) -> datetime:
        settings = self._s.settings
        hours, minutes = (int(x) for x in settings.digest_time.split(":"))
        day = period.end
        if rhythm is Rhythm.WEEKLY:
            day = period.end + timedelta(days=settings.digest_weekday)
        return datetime.combine(day, time(hours, minutes), tzinfo=self.tz)

    def due(self, now: datetime) -> list[tuple[Rhythm, Period]]:
        """The summaries whose time has come (at most a week late: older ones are not
        back-filled when the bot starts for the first time)."""
        today = self.digests.today(now)
        found = []
        for rhythm in self._s.county.summary_rhythm:
            period = last_complete(rhythm, today)
            if rhythm is Rhythm.WEEKLY and self._s.settings.digest_weekday:
                # Posted later in the week: the week before still is the one reported.
                if today < period.end + timedelta(days=self._s.settings.digest_weekday):
                    period = period.previous()
            at = self.publish_at(rhythm, period)
            if at <= now < at + CATCH_UP:
                found.append((rhythm, period))
        return found

    async def post_due_summaries(self, now: datetime | None = None) -> int:
        """Make each due summary once (whichever replica comes first) and queue its post to
        the Rake channel in the same transaction. Returns how many this call made."""
        now = now or self._s.clock()
        made = 0
        for rhythm, period in self.due(now):
            try:
                made += await self.make_summary(rhythm, period)
            except Exception:  # one failing summary never stops the others
                log.exception("summary %s %s failed", rhythm.value, period.key)
        return made

    async def make_summary(self, rhythm: Rhythm, period: Period) -> int:
        """Make and post one summary. Without a Rake channel nothing is stored yet: the summary
        is made when the channel becomes known (within the catch-up week)."""
        if await self.repo.summary_exists(rhythm.value, period.key):
            return 0  # made already (by this or another replica): the common case each minute
        ref = await rake_channel(self._s)
        if ref is None:
            if (rhythm, period.key) not in self._waiting:
                self._waiting.add((rhythm, period.key))
                log.warning("summary %s %s waits for a Rake channel", rhythm.value, period.key)
            return 0
        flt = DigestFilter(period)
        figures = await self.digests.figures(flt, period.last_day)
        stored_figures = figures.to_json()
        ctx = self.digests.county_ctx()
        listed = await self.repo.listed(flt, period)
        card = digest_card(ctx, TITLE[rhythm], flt, suppress(figures), listed, in_channel=True)
        item = (
            f"summary:{rhythm.value}:{period.key}",
            "summary",
            ref.conversation_id,
            {"target": reference_payload(ref), "card": card},
        )
        stored = await self.repo.store_summary(
            rhythm.value, period, self._s.county.id, stored_figures, item
        )
        if stored.created:
            self._s.metrics.inc("rake_summaries_total", "Summaries made", kind=rhythm.value)
            log.info(
                "summary %s %s made (%d observations)",
                rhythm.value,
                period.key,
                stored.observations,
            )
        return int(stored.created)
