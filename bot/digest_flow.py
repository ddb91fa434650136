"""Digests on demand, periodic summaries on the county's rhythm, the Rake channel's daily card,
and acute acknowledgements with their reminder. Experts only; every read is audited."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.access import is_expert, rake_channel, rake_channel_id
from bot.escalation import enqueue_acute
from bot.outbox_worker import reference_payload
from bot.services import Services
from bot.views import observation_view
from cards.common import Card, Ctx
from cards.digest import daily_card, digest_card, filter_card, fmt_day
from cards.observation import acute_alert_card
from cards.welcome import notice_card
from dialogs.digest import Figures, compute, suppress
from dialogs.fields import COUNTY_LISTS, DIGEST_DIMENSIONS
from dialogs.periods import (
    DigestFilter,
    Period,
    Rhythm,
    containing,
    last_complete,
    parse_filter,
)
from dialogs.vocabulary import KINDS
from i18n import LANGS, resolve_lang
from storage.audit import AuditLog
from storage.db import utcnow
from storage.digests import DigestRepository
from storage.models import Observation
from storage.outbox import Outbox

log = logging.getLogger(__name__)
DAILY_LISTED = 30  # the daily card lists this many; more are counted (stays far below 100 KB)
CATCH_UP = timedelta(days=7)  # a summary missed while the bot was down is still posted
TITLE = {
    Rhythm.WEEKLY: "summary.weekly",
    Rhythm.QUARTERLY: "summary.quarterly",
    Rhythm.HALF_YEARLY: "summary.half_yearly",
    Rhythm.TERTIAL: "summary.tertial",
    Rhythm.ANNUAL: "summary.annual",
}


def _same_length(period: Period, length: int) -> Period:
    """A comparison period cut to the length of a period still running."""
    return Period(period.kind, period.start, period.start + timedelta(days=length))


class DigestFlow:
    def __init__(self, services: Services, outbox: Outbox) -> None:
        self._s = services
        self._outbox = outbox
        self.tz = ZoneInfo(services.county.timezone)
        self.repo = DigestRepository(services.db, self.tz)
        self.audit = AuditLog(services.db)
        self.clock = utcnow  # injectable for tests
        self._waiting: set[tuple[Rhythm, str]] = set()  # summaries told to wait (logged once)

    # --- helpers ---------------------------------------------------------------------------
    def today(self, now: datetime | None = None) -> date:
        return (now or self.clock()).astimezone(self.tz).date()

    def _county_ctx(self) -> Ctx:
        county = self._s.county
        return Ctx(resolve_lang(county.languages[0]), self._s.catalog, county)

    def options(self) -> dict[str, dict[str, list[str]]]:
        """Every label of every option in every language, for matching typed filters."""
        county = self._s.county
        result: dict[str, dict[str, list[str]]] = {}
        for dim in (d for d in DIGEST_DIMENSIONS if d in COUNTY_LISTS):
            result[dim] = {
                option.id: [
                    Ctx(lang, self._s.catalog, county).field_label(dim, option.id) for lang in LANGS
                ]
                for option in getattr(county, COUNTY_LISTS[dim])
            }
        result["kind"] = {
            kind: [self._s.catalog.t(lang, f"kind.{kind}") for lang in LANGS] for kind in KINDS
        }
        return result

    async def _allowed(self, user_id: str, action: str, target: str) -> bool:
        allowed = await is_expert(self._s, user_id)
        await self.audit.record(user_id, action, target, allowed)
        if not allowed:
            log.info("%s refused for a non-expert", action)
        return allowed

    async def figures(self, flt: DigestFilter, today: date | None = None) -> Figures:
        """Three GROUP BYs (the period, the one before, a year earlier), added up here."""
        today = today or self.today()
        period = flt.period.clipped(today)
        previous = _same_length(flt.period.previous(), period.days)
        year_ago = _same_length(flt.period.year_before(), period.days)
        return compute(
            await self.repo.groups(flt, period),
            await self.repo.groups(flt, previous),
            await self.repo.groups(flt, year_ago),
        )

    async def _digest(self, ctx: Ctx, flt: DigestFilter, channel_id: str | None) -> Card:
        """In personal chat: exact counts and the newest observations. In a channel: small
        counts hidden; the observations' excerpts only in the Rake channel (the experts'),
        never in a team's channel where an expert happened to ask."""
        self._s.metrics.inc("rake_digests_total", "Digests pulled by experts")
        figures = await self.figures(flt)
        in_channel = channel_id is not None
        if in_channel:
            suppress(figures)
        listed = []
        if not in_channel or channel_id == await rake_channel_id(self._s):
            listed = await self.repo.listed(flt, flt.period.clipped(self.today()))
        return digest_card(ctx, "digest.title", flt, figures, listed, in_channel=in_channel)

    # --- pull: "kooste …" and the filter card ----------------------------------------------
    async def pull(self, ctx: Ctx, user_id: str, words: str, channel_id: str | None) -> Card:
        today = self.today()
        default = containing("week", today)
        flt = parse_filter(words, today, self.options(), default)
        if not await self._allowed(user_id, "digest", f"{flt.period.key} {words}"[:200]):
            return notice_card(ctx, "access.experts_only")
        if flt.unknown:
            error = ctx.t("digest.unknown_words", words=", ".join(flt.unknown))
            return filter_card(ctx, flt, error)
        return await self._digest(ctx, flt, channel_id)

    async def filter(self, ctx: Ctx, user_id: str) -> Card:
        if not await is_expert(self._s, user_id):
            return notice_card(ctx, "access.experts_only")
        return filter_card(ctx, DigestFilter(containing("week", self.today())))

    async def run_filter(
        self, ctx: Ctx, user_id: str, data: dict[str, Any], channel_id: str | None
    ) -> Card:
        """The filter card's answer. Values are checked against the county's lists."""
        try:
            first = date.fromisoformat(str(data.get("from", "")))
            last = date.fromisoformat(str(data.get("to", "")))
        except ValueError:
            first = last = date.min
        county = self._s.county
        allowed: dict[str, set[str]] = {
            dim: county.ids_of(dim) if dim in COUNTY_LISTS else set(KINDS)
            for dim in DIGEST_DIMENSIONS
        }
        chosen = {k: v for k, v in data.items() if k in allowed and isinstance(v, str) and v}
        bad = [k for k, v in chosen.items() if v not in allowed[k]]
        period = Period("range", first, last + timedelta(days=1)) if first != date.min else None
        fallback = DigestFilter(containing("week", self.today()))
        if period is None or last < first or period.days > 3700 or bad:
            return filter_card(ctx, fallback, ctx.t("digest.bad_filter"))
        flt = DigestFilter(
            period,
            phenomenon=chosen.get("phenomenon"),
            area=chosen.get("area"),
            service_area=chosen.get("service_area"),
            kind=chosen.get("kind"),
        )
        if not await self._allowed(user_id, "digest", f"{period.key} {chosen}"[:200]):
            return notice_card(ctx, "access.experts_only")
        return await self._digest(ctx, flt, channel_id)

    # --- periodic summaries ------------------------------------------------------------------
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
        today = self.today(now)
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
        now = now or self.clock()
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
        figures = await self.figures(flt, period.last_day)
        stored_figures = figures.to_json()
        ctx = self._county_ctx()
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

    # --- the Rake channel's daily card -------------------------------------------------------
    async def refresh_daily_card(self, now: datetime | None = None) -> str:
        """Post today's card once, then update it in place when new observations came: at
        most one send per run (the job runs every minute), never one post per observation."""
        now = now or self.clock()
        today = self.today(now)
        day = Period("range", today, today + timedelta(days=1))
        count, version = await self.repo.day_state(day)
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
        listed = await self.repo.listed(DigestFilter(day), day, limit=DAILY_LISTED)
        card = daily_card(self._county_ctx(), today, count, listed, now)
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

    # --- acute: acknowledgement and the reminder --------------------------------------------
    async def acknowledge(
        self, ctx: Ctx, user_id: str, user_name: str | None, data: dict[str, Any]
    ) -> Card | None:
        """The first acknowledgement wins and is shown on the card; None = not allowed."""
        reference = data.get("reference")
        county = self._s.county
        if not isinstance(reference, str) or len(reference) > 32:
            return None
        allowed = await is_expert(self._s, user_id) or user_id in county.escalation.people
        if not allowed:
            return None
        now = self.clock()
        async with self._s.db.sessions.begin() as session:
            await session.execute(
                update(Observation)
                .where(Observation.reference == reference, Observation.acknowledged_at.is_(None))
                .values(acknowledged_at=now, acknowledged_by=user_id)
            )
            row = await session.scalar(
                select(Observation).where(Observation.reference == reference)
            )
        if row is None or row.urgency != "acute":
            return None
        when = row.acknowledged_at or now
        who = user_name if row.acknowledged_by == user_id and user_name else ctx.t("acute.someone")
        local = when.astimezone(self.tz)
        stamp = f"{fmt_day(local.date())} {local:%H.%M}"
        return acute_alert_card(
            ctx,
            observation_view(row, excerpt=200),
            in_channel=bool(data.get("channel")),
            acknowledged=(who, stamp),
        )

    async def remind_unacknowledged(self, now: datetime | None = None) -> int:
        """Acute reports nobody acknowledged in time: one reminder to the recipients."""
        now = now or self.clock()
        limit = now - timedelta(minutes=self._s.county.escalation.remind_after_minutes)
        reminded = 0
        async with self._s.db.sessions() as session:
            rows = list(
                await session.scalars(
                    select(Observation).where(
                        Observation.urgency == "acute",
                        Observation.acknowledged_at.is_(None),
                        Observation.reminded_at.is_(None),
                        Observation.created_at < limit,
                    )
                )
            )
        for row in rows:
            async with self._s.db.sessions.begin() as session:
                claimed = await session.execute(
                    update(Observation)
                    .where(Observation.id == row.id, Observation.reminded_at.is_(None))
                    .values(reminded_at=now)
                )
            if not claimed.rowcount:  # type: ignore[attr-defined]
                continue  # another replica reminds
            reminded += await enqueue_acute(self._s, self._outbox, row, reminder=True)
        return reminded
