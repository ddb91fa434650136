"""Digests on demand: "kooste …" typed, the filter card and its answer. Experts only; every
pull is audited. ``Digests`` computes the figures, also for the periodic summaries
(bot.summaries) and the daily card (bot.daily_card)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.access import experts_only, is_expert, rake_channel_id
from bot.services import Services
from cards.common import Card, Ctx
from cards.digest import digest_card, filter_card
from cards.welcome import notice_card
from dialogs.digest import Figures, compute, suppress
from dialogs.fields import COUNTY_LISTS, DIGEST_DIMENSIONS
from dialogs.periods import DigestFilter, Period, containing, in_calendar, parse_filter
from dialogs.vocabulary import KINDS
from i18n import LANGS, resolve_lang
from storage.digests import DigestRepository

log = logging.getLogger(__name__)


def _same_length(period: Period, length: int) -> Period:
    """A comparison period cut to the length of a period still running."""
    return Period(period.kind, period.start, period.start + timedelta(days=length))


class Digests:
    """The figures of a filter and period, the county's local day and its option labels."""

    def __init__(self, services: Services) -> None:
        self._s = services
        self.tz = ZoneInfo(services.county.timezone)
        self.repo = DigestRepository(services.db, self.tz)

    def today(self, now: datetime | None = None) -> date:
        return (now or self._s.clock()).astimezone(self.tz).date()

    def county_ctx(self) -> Ctx:
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


class DigestFlow:
    """Digests an expert pulls, in chat or in a channel."""

    def __init__(self, services: Services, digests: Digests) -> None:
        self._s = services
        self.digests = digests

    def today(self) -> date:
        return self.digests.today()

    async def _allowed(self, user_id: str, action: str, target: str) -> bool:
        return await experts_only(self._s, user_id, action, target)

    async def _digest(self, ctx: Ctx, flt: DigestFilter, channel_id: str | None) -> Card:
        """In personal chat: exact counts and the newest observations. In a channel: small
        counts hidden; the observations' excerpts only in the Rake channel (the experts'),
        never in a team's channel where an expert happened to ask."""
        self._s.metrics.inc("rake_digests_total", "Digests pulled by experts")
        figures = await self.digests.figures(flt)
        in_channel = channel_id is not None
        if in_channel:
            suppress(figures)
        listed = []
        if not in_channel or channel_id == await rake_channel_id(self._s):
            listed = await self.digests.repo.listed(flt, flt.period.clipped(self.today()))
        return digest_card(ctx, "digest.title", flt, figures, listed, in_channel=in_channel)

    # --- pull: "kooste …" and the filter card ----------------------------------------------
    async def pull(self, ctx: Ctx, user_id: str, words: str, channel_id: str | None) -> Card:
        today = self.today()
        default = containing("week", today)
        flt = parse_filter(words, today, self.digests.options(), default)
        if not await self._allowed(user_id, "digest", flt.audit_key()):
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
        """The filter card's answer: access first (audited), then the values, checked against
        the county's lists and the calendar (a forged date never reaches date arithmetic)."""
        first = _day(data.get("from"))
        last = _day(data.get("to"))
        county = self._s.county
        allowed: dict[str, set[str]] = {
            dim: county.ids_of(dim) if dim in COUNTY_LISTS else set(KINDS)
            for dim in DIGEST_DIMENSIONS
        }
        chosen = {k: v for k, v in data.items() if k in allowed and isinstance(v, str) and v}
        bad = [k for k, v in chosen.items() if v not in allowed[k]]
        valid = first is not None and last is not None and first <= last and not bad
        if valid and first is not None and last is not None and (last - first).days >= 3700:
            valid = False
        flt = None
        if valid and first is not None and last is not None:
            flt = DigestFilter(
                Period("range", first, last + timedelta(days=1)),
                phenomenon=chosen.get("phenomenon"),
                area=chosen.get("area"),
                service_area=chosen.get("service_area"),
                kind=chosen.get("kind"),
            )
        # the audit keeps the period and matched ids only, never what was sent
        target = flt.audit_key() if flt is not None else "(not a valid filter)"
        if not await self._allowed(user_id, "digest", target):
            return notice_card(ctx, "access.experts_only")
        if flt is None:
            fallback = DigestFilter(containing("week", self.today()))
            return filter_card(ctx, fallback, ctx.t("digest.bad_filter"))
        return await self._digest(ctx, flt, channel_id)


def _day(value: Any) -> date | None:
    """A day of the filter card (YYYY-MM-DD) within the calendar, or None."""
    if not isinstance(value, str) or len(value) > 10:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if in_calendar(day) else None
