"""A person's language: the card's own, else the stored preference, else the Teams locale,
else the county's first language. Stored in botbuilder's user state (bot_state table)."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext, UserState

from bot.services import Services
from bot.turn import Reply, Say, Turn, as_dict
from cards.common import Ctx
from i18n import LANGS, Lang, resolve_lang


class Preferences:
    def __init__(self, services: Services, user_state: UserState) -> None:
        self._s = services
        self.user_state = user_state
        self._lang = user_state.create_property("lang")

    async def ctx(self, turn_context: TurnContext, card_data: Any = None) -> Ctx:
        """The language: a card's own (its buttons carry it), else the stored preference,
        else the Teams locale of the activity, else the county's first language."""
        card_lang = as_dict(card_data).get("lang")
        if card_lang in LANGS:
            return Ctx(card_lang, self._s.catalog, self._s.county)
        preferred = await self._lang.get(turn_context, None)
        county_default = resolve_lang(self._s.county.languages[0])
        lang: Lang = resolve_lang(preferred or turn_context.activity.locale, county_default)
        return Ctx(lang, self._s.catalog, self._s.county)

    def locale_ctx(self, turn_context: TurnContext) -> Ctx:
        """The activity's locale only (when the stored preference cannot be read)."""
        county_default = resolve_lang(self._s.county.languages[0])
        lang: Lang = resolve_lang(turn_context.activity.locale, county_default)
        return Ctx(lang, self._s.catalog, self._s.county)

    async def change_language(self, turn: Turn) -> Reply:
        """ "kieli sv": remembered; the answer is in the new language."""
        if not turn.argument:
            return Say(turn.ctx.t("unknown.command"))
        await self._lang.set(turn.context, turn.argument)
        ctx = Ctx(resolve_lang(turn.argument), turn.ctx.catalog, turn.ctx.county)
        return Say(ctx.t("language.changed"))

    async def save(self, turn_context: TurnContext) -> None:
        await self.user_state.save_changes(turn_context)
